-- System lookup of the send sweep (PostSendWorker.sweep): which tenants' channels have due posts. Ids only,
-- never a credential. SECURITY INVOKER, run through the admin pool: what it sees is decided by the
-- caller's role (BYPASSRLS on tenantgram_admin), not by a setting.
CREATE OR REPLACE FUNCTION public.tg_due_post_channels(p_limit integer)
 RETURNS TABLE(user_id uuid, channel_id uuid)
 LANGUAGE sql
 STABLE
 SET search_path TO 'public'
AS $function$
        SELECT DISTINCT p.user_id, p.channel_id FROM posts p
         WHERE p.status IN ('scheduled', 'sending') AND p.telegram_message_id IS NULL
           AND (p.scheduled_at IS NULL OR p.scheduled_at <= now())
         LIMIT p_limit
      $function$
