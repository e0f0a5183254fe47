import type { SendKind } from '../chat-permissions';
import { kindFromTlAttributes } from '../media-kinds';
import type { ChatPermission, ChatPermissions } from '../world';
import { CHAT_PERMISSIONS, MEDIA_PERMISSIONS } from '../world';
import { isTlObject, type TlObject } from './tl-codec';

/**
 * A supergroup's permissions as MTProto's `chatBannedRights`: a flag set is a right taken away. `send_plain` is
 * sending text (the Bot API's can_send_messages); `send_messages` is set when nothing at all may be sent and
 * `send_media` when no media may; stickers, GIFs, games and inline bots go together as the Bot API's
 * can_send_other_messages (the sandbox's best reading of how Telegram pairs the two).
 */

const FLAG_OF: Record<ChatPermission, string[]> = {
  can_send_messages: ['send_plain'],
  can_send_audios: ['send_audios'],
  can_send_documents: ['send_docs'],
  can_send_photos: ['send_photos'],
  can_send_videos: ['send_videos'],
  can_send_video_notes: ['send_roundvideos'],
  can_send_voice_notes: ['send_voices'],
  can_send_polls: ['send_polls'],
  can_send_other_messages: ['send_stickers', 'send_gifs', 'send_games', 'send_inline'],
  can_add_web_page_previews: ['embed_links'],
  can_change_info: ['change_info'],
  can_invite_users: ['invite_users'],
  can_pin_messages: ['pin_messages'],
  can_manage_topics: ['manage_topics'],
};

export function bannedRightsToTl(p: ChatPermissions, untilDate: number): TlObject {
  const out: TlObject = { _: 'chatBannedRights', until_date: untilDate };
  for (const right of CHAT_PERMISSIONS) for (const flag of FLAG_OF[right]) if (!p[right]) out[flag] = true;
  const noMedia = MEDIA_PERMISSIONS.every((m) => !p[m]);
  if (noMedia) out.send_media = true;
  if (noMedia && !p.can_send_messages && !p.can_send_polls && !p.can_send_other_messages) out.send_messages = true;
  return out;
}

/**
 * The permissions a `chatBannedRights` from a client leaves. A client of a layer before the per-kind flags sets
 * only `send_messages` and `send_media`: they take away sending at all and every media kind.
 */
export function permissionsFromTl(rights: TlObject): ChatPermissions {
  const banned = (flag: string): boolean => rights[flag] === true;
  const p = Object.fromEntries(
    CHAT_PERMISSIONS.map((right) => [right, !FLAG_OF[right].some(banned)]),
  ) as ChatPermissions;
  if (banned('send_media')) for (const m of MEDIA_PERMISSIONS) p[m] = false;
  if (banned('send_messages')) {
    for (const right of [
      ...MEDIA_PERMISSIONS,
      'can_send_messages',
      'can_send_polls',
      'can_send_other_messages',
    ] as const) {
      p[right] = false;
    }
  }
  return p;
}

/** The right an `inputMedia` a member sends needs (chat-permissions.ts's SendKind). */
export function sendKindOfInputMedia(input: TlObject): SendKind {
  if (input._ === 'inputMediaPoll') return 'poll';
  if (input._ === 'inputMediaUploadedPhoto') return 'photo';
  const attributes = Array.isArray(input.attributes) ? (input.attributes as unknown[]) : [];
  const round = attributes.some((a) => isTlObject(a) && a._ === 'documentAttributeVideo' && a.round_message === true);
  if (round) return 'video_note';
  return kindFromTlAttributes(attributes).kind;
}
