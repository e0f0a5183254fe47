/**
 * What happened, as a tenant's systems see it (README, "Events"). The `data` of each type:
 *
 * - `bot.message`, `bot.edited_message`, `bot.callback_query`, `bot.channel_post`, `bot.member_changed`
 *   (`my_chat_member`): `{ bot_id: string, update: Update }`, the Telegram update exactly as the
 *   tenant's bot received it.
 * - `post.sent`: `{ post_id: string, channel_id: string, message_id: number }`, once Telegram accepted the post.
 * - `post.failed`: `{ post_id: string, channel_id: string, error: string }`, once the post ended `failed`.
 * - `endpoint.disabled`: `{ endpoint_id: string, url: string, reason: string }`, once a webhook endpoint that kept
 *   failing was disabled.
 * - `ping`: `{}`, or `{ endpoint_id: string }` from a webhook endpoint's test, delivered to that endpoint only.
 *
 * From the tenant's account, while it receives updates (`PATCH /api/user-mtproto/settings`). `peer` is the
 * chat: `{ type: 'user' | 'group' | 'channel', id: string, username?: string, title?: string }` (a private
 * chat is named by the other user; ids as the Bot API writes them, a channel's `-100…`); `from` is the sender: `{ id: string, username?: string, first_name?: string }`;
 * dates are ISO 8601.
 * - `account.message`: `{ peer, message_id: number, date, text, from }`, a new message to the account in a
 *   private chat or a group.
 * - `account.new_contact`: `{ user: from, peer, message_id?: number, date }`, the first private message
 *   from a user the account never talked to, or the account adding such a user to its contacts (then
 *   without `message_id`, `date` when the account learned of it); once per person.
 * - `account.channel_post`: `{ channel_id: string, peer, message_id: number, date, text }`, a new post in a
 *   channel the account reads.
 * - `account.message_edited`: `{ peer, message_id: number, date, edit_date, text, from, channel_id? }`.
 * - `account.message_deleted`: `{ message_ids: number[], channel_id?, peer? }` (Telegram names the channel of
 *   a channel's deletions only).
 */
export enum EventType {
  BotMessage = 'bot.message',
  BotEditedMessage = 'bot.edited_message',
  BotCallbackQuery = 'bot.callback_query',
  BotChannelPost = 'bot.channel_post',
  BotMemberChanged = 'bot.member_changed',
  PostSent = 'post.sent',
  PostFailed = 'post.failed',
  /** The bot's rights in a tenant's channel changed (Telegram's my_chat_member on a channel whose rights were known). */
  BotAdminRightsChanged = 'bot.admin_rights_changed',
  /** Telegram declared the tenant's account session dead; it was cleared and is never reopened. */
  MtprotoSessionRevoked = 'mtproto.session_revoked',
  /** A webhook endpoint of the tenant was disabled after failing for WEBHOOK_DISABLE_AFTER_SECONDS. */
  EndpointDisabled = 'endpoint.disabled',
  AccountMessage = 'account.message',
  AccountNewContact = 'account.new_contact',
  AccountChannelPost = 'account.channel_post',
  AccountMessageEdited = 'account.message_edited',
  AccountMessageDeleted = 'account.message_deleted',
  Ping = 'ping',
}

export const EVENT_TYPES: readonly string[] = Object.values(EventType);

export const isEventType = (value: string): value is EventType => EVENT_TYPES.includes(value);

/** The event of each kind of tenant bot update; updates of other kinds give none. */
export const BOT_UPDATE_EVENTS = {
  message: EventType.BotMessage,
  edited_message: EventType.BotEditedMessage,
  callback_query: EventType.BotCallbackQuery,
  channel_post: EventType.BotChannelPost,
  my_chat_member: EventType.BotMemberChanged,
} as const satisfies Record<string, EventType>;

/** The update kinds tenant bots ask Telegram for: those with an event. */
export const TENANT_BOT_UPDATE_KINDS = Object.keys(BOT_UPDATE_EVENTS) as (keyof typeof BOT_UPDATE_EVENTS)[];

/** The event a bot update gives, or null for an update of another kind. */
export function botUpdateEvent(update: object): EventType | null {
  for (const kind of TENANT_BOT_UPDATE_KINDS) if (kind in update) return BOT_UPDATE_EVENTS[kind];
  return null;
}

/** One event as stored and as served. `id` orders a tenant's events (a cursor, a bigint as a string). */
export interface TenantEvent {
  id: string;
  type: EventType;
  created_at: string;
  data: Record<string, unknown>;
}

/** An event to record. `dedupeKey`: the same key (per tenant) is recorded once, whoever emits it again. */
export interface NewEvent {
  type: EventType;
  data: Record<string, unknown>;
  dedupeKey?: string;
}
