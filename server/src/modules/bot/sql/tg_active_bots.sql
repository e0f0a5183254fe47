-- System lookup of boot-time bot re-creation (BotOwnerLookup.activeBots): the verified bots of
-- active tenants. Ids only, never a credential. SECURITY INVOKER, run through the admin pool: what
-- it sees is decided by the caller's role (BYPASSRLS on tenantgram_admin), not by a setting.
CREATE OR REPLACE FUNCTION public.tg_active_bots()
 RETURNS TABLE(user_id uuid, bot_id bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'public'
AS $function$
        SELECT c.user_id, c.bot_id FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id IS NOT NULL AND c.bot_token IS NOT NULL AND c.is_bot_verified AND u.status = 'active'
      $function$
