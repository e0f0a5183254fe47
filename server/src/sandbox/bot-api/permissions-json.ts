import type { ChatPermissions, MemberRestriction } from '../world';
/** A JSON object (as serializers.ts's `Json`, not imported from it: serializers imports this file). */
type Json = Record<string, unknown>;

/**
 * A ChatPermissions object as the official server writes it (`json_store_permissions`): with the legacy
 * `can_send_media_messages` (any media allowed), and the rights the sandbox does not keep apart
 * (`can_react_to_messages` follows sending messages, `can_edit_tag` pinning, as the official server defaults them).
 */
export function permissionsJson(p: ChatPermissions): Json {
  return {
    can_send_messages: p.can_send_messages,
    can_send_media_messages:
      p.can_send_audios ||
      p.can_send_documents ||
      p.can_send_photos ||
      p.can_send_videos ||
      p.can_send_video_notes ||
      p.can_send_voice_notes,
    can_send_audios: p.can_send_audios,
    can_send_documents: p.can_send_documents,
    can_send_photos: p.can_send_photos,
    can_send_videos: p.can_send_videos,
    can_send_video_notes: p.can_send_video_notes,
    can_send_voice_notes: p.can_send_voice_notes,
    can_send_polls: p.can_send_polls,
    can_send_other_messages: p.can_send_other_messages,
    can_add_web_page_previews: p.can_add_web_page_previews,
    can_react_to_messages: p.can_send_messages,
    can_edit_tag: p.can_pin_messages,
    can_change_info: p.can_change_info,
    can_invite_users: p.can_invite_users,
    can_pin_messages: p.can_pin_messages,
    can_manage_topics: p.can_manage_topics,
  };
}

/** A ChatMemberRestricted's own fields, in the official server's order. */
export function restrictedJson(restriction: MemberRestriction, isMember: boolean): Json {
  return {
    status: 'restricted',
    until_date: restriction.untilDate,
    ...permissionsJson(restriction.permissions),
    is_member: isMember,
  };
}
