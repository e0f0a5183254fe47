import type { ChatPermission, SandboxChannel, SandboxMessageMedia, SandboxWorld } from '../world';
import { isFileMedia } from '../world';
import { effectivePermissions, sendsNothing } from '../chat-permissions';
import { BotApiError } from './bot-api-error';

/** What a bot sends, as the rights of a supergroup see it. */
type BotSendKind =
  | 'text'
  | 'photo'
  | 'video'
  | 'document'
  | 'audio'
  | 'voice'
  | 'video_note'
  | 'animation'
  | 'sticker'
  | 'poll'
  | 'location'
  | 'live_location'
  | 'venue'
  | 'contact'
  | 'dice'
  | 'invoice'
  | 'game';

/**
 * Each kind, the permission it needs and the noun of Telegram's refusal ("not enough rights to send <noun> to the
 * chat", as TDLib words it when it checks a message's content against the sender's rights in the chat). A dice
 * needs what stickers need, which the Bot API calls can_send_other_messages.
 */
const NEEDS: Record<BotSendKind, { right: ChatPermission; noun: string }> = {
  text: { right: 'can_send_messages', noun: 'text messages' },
  photo: { right: 'can_send_photos', noun: 'photos' },
  video: { right: 'can_send_videos', noun: 'videos' },
  document: { right: 'can_send_documents', noun: 'documents' },
  audio: { right: 'can_send_audios', noun: 'music' },
  voice: { right: 'can_send_voice_notes', noun: 'voice notes' },
  video_note: { right: 'can_send_video_notes', noun: 'video notes' },
  animation: { right: 'can_send_other_messages', noun: 'animations' },
  sticker: { right: 'can_send_other_messages', noun: 'stickers' },
  poll: { right: 'can_send_polls', noun: 'polls' },
  location: { right: 'can_send_messages', noun: 'locations' },
  live_location: { right: 'can_send_messages', noun: 'live locations' },
  venue: { right: 'can_send_messages', noun: 'venues' },
  contact: { right: 'can_send_messages', noun: 'contacts' },
  dice: { right: 'can_send_other_messages', noun: 'dice' },
  // The right and noun of an invoice are guessed (as a text's).
  invoice: { right: 'can_send_messages', noun: 'invoices' },
  // A game needs what stickers and inline results need (TDLib: can_send_other_messages, "games").
  game: { right: 'can_send_other_messages', noun: 'games' },
};

function kindOf(media: SandboxMessageMedia | undefined): BotSendKind {
  if (!media) return 'text';
  if (isFileMedia(media)) return media.kind;
  if (media.kind === 'location' && media.livePeriod !== undefined) return 'live_location';
  return media.kind;
}

/**
 * Refuses a bot's message to a supergroup where the bot, a restricted member or one under the chat's default
 * permissions, may not send it: "have no rights to send a message" when it may send nothing at all, else the
 * refusal of the content's kind. Administrators (and other chats) are not limited here: a broadcast channel's
 * post right and a basic group's membership are checked where the chat is resolved.
 */
export function requireSendRight(
  world: SandboxWorld,
  botId: number,
  channel: SandboxChannel,
  media: SandboxMessageMedia | undefined,
): void {
  if (!channel.megagroup) return;
  const permissions = effectivePermissions(world, channel, 'bot', botId);
  if (sendsNothing(permissions)) throw BotApiError.badRequest('have no rights to send a message');
  const need = NEEDS[kindOf(media)];
  if (!permissions[need.right]) throw BotApiError.badRequest(`not enough rights to send ${need.noun} to the chat`);
}
