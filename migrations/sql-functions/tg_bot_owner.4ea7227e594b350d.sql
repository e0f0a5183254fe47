-- Frozen: tg_bot_owner as migrations before SqlFunctionsFromSource defined it, for down().
-- Never edit (its name is its fingerprint); the source is in server/src/modules.
CREATE OR REPLACE FUNCTION public.tg_bot_owner(p_bot_id bigint)
 RETURNS TABLE(user_id uuid, user_status character varying)
 LANGUAGE sql
 STABLE
 SET search_path TO 'public'
AS $function$
        SELECT c.user_id, u.status FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id = p_bot_id AND c.bot_token IS NOT NULL
      $function$
