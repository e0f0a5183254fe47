import type { Method } from './bot-api-methods';
import { CORE_METHODS } from './bot-api-methods';
import { BOT_PROFILE_METHODS } from './bot-profile';
import { CHAT_ADMINISTRATION_METHODS } from './chat-administration';
import { CHAT_PERMISSIONS_METHODS } from './chat-permissions';
import { CHAT_MANAGEMENT_METHODS } from './chat-management';
import { CHAT_PHOTO_METHODS } from './chat-photos';
import { FORUM_TOPIC_METHODS } from './forum-topics';
import { FORWARDING_METHODS } from './forwarding';
import { GAME_METHODS } from './games';
import { INLINE_MESSAGE_METHODS, INLINE_QUERY_METHODS, namesInlineMessage } from './inline-queries';
import { JOIN_REQUEST_METHODS } from './join-requests';
import { LIVE_LOCATION_METHODS } from './live-locations';
import { LOCATION_CONTACT_DICE_METHODS } from './locations-contacts-dice';
import { MEDIA_EDIT_METHODS } from './media-edits';
import { MEDIA_GROUP_METHODS } from './media-groups';
import { MEDIA_KIND_METHODS } from './media-kinds';
import { MESSAGE_DELETION_METHODS } from './message-deletions';
import { PAYMENT_METHODS } from './payments';
import { POLL_METHODS } from './polls';
import { REACTION_METHODS } from './reactions';
import { STICKER_METHODS } from './stickers';
import { WEB_APP_QUERY_METHODS } from './web-app-queries';

/**
 * Every Bot API method the sandbox serves, by name. The methods live in files by subject and share the
 * helpers of bot-api-methods.ts; this table is the one place that gathers them, so no method file
 * imports another's table.
 */
const TABLES = [
  CORE_METHODS,
  FORWARDING_METHODS,
  MEDIA_GROUP_METHODS,
  CHAT_MANAGEMENT_METHODS,
  MEDIA_KIND_METHODS,
  CHAT_ADMINISTRATION_METHODS,
  CHAT_PERMISSIONS_METHODS,
  LOCATION_CONTACT_DICE_METHODS,
  POLL_METHODS,
  REACTION_METHODS,
  MESSAGE_DELETION_METHODS,
  MEDIA_EDIT_METHODS,
  LIVE_LOCATION_METHODS,
  JOIN_REQUEST_METHODS,
  CHAT_PHOTO_METHODS,
  BOT_PROFILE_METHODS,
  STICKER_METHODS,
  PAYMENT_METHODS,
  FORUM_TOPIC_METHODS,
  INLINE_QUERY_METHODS,
  WEB_APP_QUERY_METHODS,
  GAME_METHODS,
];
const METHODS: Record<string, Method> = {};
for (const table of TABLES) {
  for (const [name, fn] of Object.entries(table)) {
    // Each method has one file: a second definition would silently replace the first.
    if (name in METHODS) throw new Error(`the Bot API method ${name} is defined twice`);
    METHODS[name] = fn;
  }
}

// A message sent via the bot's inline mode, named by inline_message_id, is edited in inline-queries.ts.
for (const [name, inline] of Object.entries(INLINE_MESSAGE_METHODS)) {
  const own = METHODS[name];
  if (!own) throw new Error(`the Bot API method ${name} is not defined`);
  METHODS[name] = (ctx) => (namesInlineMessage(ctx) ? inline(ctx) : own(ctx));
}

/** Names Telegram renamed and still answers to (Bot API 5.3: getChatMembersCount, kickChatMember). */
const OLD_NAMES: Record<string, string> = {
  getChatMembersCount: 'getChatMemberCount',
  kickChatMember: 'banChatMember',
};

const BY_LOWER_NAME = new Map(Object.entries(METHODS).map(([name, fn]) => [name.toLowerCase(), { name, fn }]));
for (const [old, current] of Object.entries(OLD_NAMES)) {
  const method = BY_LOWER_NAME.get(current.toLowerCase());
  if (method) BY_LOWER_NAME.set(old.toLowerCase(), method);
}

/** Method names are case-insensitive on the Bot API. */
export function findMethod(name: string): { name: string; fn: Method } | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}
