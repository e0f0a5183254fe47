-- System lookup of the webhook path (BotOwnerLookup.find): the tenant owning a bot, and its status.
-- Ids and statuses only, never a credential. SECURITY INVOKER, run through the admin pool: what it
-- sees is decided by the caller's role (BYPASSRLS on tenantgram_admin), not by a setting.
CREATE OR REPLACE FUNCTION public.tg_bot_owner(p_bot_id bigint)
 RETURNS TABLE(user_id uuid, user_status character varying)
 LANGUAGE sql
 STABLE
 SET search_path TO 'public'
AS $function$
        SELECT c.user_id, u.status FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id = p_bot_id AND c.bot_token IS NOT NULL
      $function$
