-- Frozen: tg_active_bots as migrations before SqlFunctionsFromSource defined it, for down().
-- Never edit (its name is its fingerprint); the source is in server/src/modules.
CREATE OR REPLACE FUNCTION public.tg_active_bots()
 RETURNS TABLE(user_id uuid, bot_id bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'public'
AS $function$
        SELECT c.user_id, c.bot_id FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id IS NOT NULL AND c.bot_token IS NOT NULL AND c.is_bot_verified AND u.status = 'active'
      $function$
