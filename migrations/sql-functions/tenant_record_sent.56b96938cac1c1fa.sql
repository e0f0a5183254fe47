-- Frozen: tenant_record_sent as committed before its source changed.
-- Never edit (its name is its fingerprint); the source is under server/src/modules.
CREATE OR REPLACE FUNCTION public.tenant_record_sent(p_tenants uuid[], p_ids uuid[], p_message_ids bigint[], p_file_ids text[])
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
  DECLARE
    n integer := coalesce(array_length(p_tenants, 1), 0);
    i integer := 1;
    j integer;
    t uuid;
    changed integer;
    total integer := 0;
    types text[];
    datas jsonb[];
    keys text[];
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('events:' || u.t::text, 0))
       FROM (SELECT DISTINCT x AS t FROM unnest(p_tenants) AS x ORDER BY 1) AS u;
    WHILE i <= n LOOP
      t := p_tenants[i];
      j := i;
      WHILE j < n AND p_tenants[j + 1] = t LOOP
        j := j + 1;
      END LOOP;
      PERFORM set_config('app.user_id', t::text, true);
      WITH sent AS (
        UPDATE posts p
           SET status = 'sent', telegram_message_id = s.message_id, sent_at = now(), error = NULL, updated_at = now(),
               media = CASE WHEN s.file_id IS NULL OR p.media IS NULL THEN p.media
                            ELSE jsonb_set(p.media, '{file_id}', to_jsonb(s.file_id)) END
          FROM unnest(p_ids[i:j], p_message_ids[i:j], p_file_ids[i:j]) WITH ORDINALITY AS s(id, message_id, file_id, ord)
         WHERE p.id = s.id AND p.user_id = t
        RETURNING p.id, p.channel_id, p.telegram_message_id, s.ord
      )
      SELECT count(*)::integer,
             array_agg('post.sent'::text ORDER BY sent.ord),
             array_agg(jsonb_build_object('post_id', sent.id, 'channel_id', sent.channel_id, 'message_id', sent.telegram_message_id) ORDER BY sent.ord),
             array_agg('post.sent:' || sent.id::text ORDER BY sent.ord)
        INTO changed, types, datas, keys
        FROM sent;
      IF changed > 0 THEN
        PERFORM events_append(t, types, datas, keys);
      END IF;
      total := total + changed;
      i := j + 1;
    END LOOP;
    RETURN total;
  END $function$
