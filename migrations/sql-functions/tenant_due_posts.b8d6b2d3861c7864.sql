-- Frozen: tenant_due_posts as committed before its source changed.
-- Never edit (its name is its fingerprint); the source is under server/src/modules.
CREATE OR REPLACE FUNCTION public.tenant_due_posts(p_tenants uuid[], p_limits integer[])
 RETURNS TABLE(ord integer, post_id uuid, channel_id uuid, status character varying, text text, parse_mode character varying, media jsonb, attempts integer, chat_id bigint, chat_username character varying, owner_status character varying, due_in_channel integer)
 LANGUAGE plpgsql
AS $function$
      DECLARE t uuid;
      BEGIN
        FOR i IN 1 .. coalesce(array_length(p_tenants, 1), 0) LOOP
          t := p_tenants[i];
          PERFORM set_config('app.user_id', t::text, true);
          RETURN QUERY
            SELECT i, h.id, h.channel_id, h.status, h.text, h.parse_mode, h.media, h.attempts, c.telegram_id, c.username,
                   (SELECT u.status FROM users u WHERE u.id = t), h.due::integer
              FROM (SELECT DISTINCT ON (p.channel_id) p.*, count(*) OVER (PARTITION BY p.channel_id) AS due FROM posts p
                     WHERE p.user_id = t AND p.status IN ('scheduled', 'sending') AND p.telegram_message_id IS NULL
                       AND (p.scheduled_at IS NULL OR p.scheduled_at <= now())
                     ORDER BY p.channel_id, p.created_at, p.id) h
              JOIN channels c ON c.id = h.channel_id
             ORDER BY h.created_at, h.id
             LIMIT p_limits[i];
        END LOOP;
      END $function$
