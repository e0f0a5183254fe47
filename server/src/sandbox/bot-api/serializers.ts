import type {
  ChannelMember,
  MemberRestriction,
  SandboxBasicGroup,
  SandboxBot,
  SandboxChannel,
  SandboxEntity,
  SandboxFile,
  SandboxForwardOrigin,
  SandboxMessageMedia,
  SandboxPlainMedia,
  SandboxUser,
  SandboxWorld,
} from '../world';
import { isFileMedia } from '../world';
import { allowedReactions, type ReactionChat } from '../reactions';
import { isPlayable, playableMediaJson, stickerMediaJson } from '../media-kinds';
import { pollJson } from './poll-json';
import { permissionsJson, restrictedJson } from './permissions-json';
import { defaultPermissionsOf } from '../chat-permissions';
import { adminRightsOf, type ChannelBan } from '../channel-administration';

/** Bot API object shapes (core.telegram.org/bots/api), built from world entities. */

export type Json = Record<string, unknown>;

const compact = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function userJson(user: SandboxUser): Json {
  return compact({
    id: user.id,
    is_bot: false,
    first_name: user.firstName,
    last_name: user.lastName || undefined,
    username: user.username,
    // The language of the user's app; Telegram leaves the field out when it does not know it.
    language_code: user.languageCode,
  });
}

export function botUserJson(bot: SandboxBot): Json {
  return { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username };
}

export function getMeJson(bot: SandboxBot): Json {
  return {
    ...botUserJson(bot),
    can_join_groups: true,
    // True once privacy mode is off (BotFather's /setprivacy).
    can_read_all_group_messages: bot.groupPrivacy === false,
    // True once inline mode is on (BotFather's /setinline).
    supports_inline_queries: bot.inlinePlaceholder !== undefined,
    can_connect_to_business: false,
    has_main_web_app: false,
  };
}

export function privateChatJson(user: SandboxUser): Json {
  return compact({
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName || undefined,
    username: user.username,
    type: 'private',
  });
}

export function channelChatJson(channel: SandboxChannel): Json {
  return compact({
    id: channel.botApiId,
    title: channel.title,
    username: channel.username,
    type: channel.megagroup ? 'supergroup' : 'channel',
    // A forum supergroup says so wherever the chat is shown (forum-topics.ts).
    is_forum: channel.forum ? true : undefined,
  });
}

/** A basic group: its negative id, `type` "group". */
export function groupChatJson(group: SandboxBasicGroup): Json {
  return { id: -group.id, title: group.title, type: 'group' };
}

/** The reactions a chat allows, as ReactionTypeEmoji; absent when it allows every standard one (Client.cpp). */
function availableReactionsJson(chat: ReactionChat): Json[] | undefined {
  return allowedReactions(chat)?.map((emoji) => ({ type: 'emoji', emoji }));
}

/** getChat's ChatFullInfo of a basic group. */
export function groupFullInfoJson(group: SandboxBasicGroup): Json {
  return compact({
    ...groupChatJson(group),
    accent_color_id: 0,
    max_reaction_count: 11,
    available_reactions: availableReactionsJson({ kind: 'group', group }),
    description: group.about || undefined,
    has_protected_content: group.noForwards ? true : undefined,
  });
}

/** getChat's ChatFullInfo. */
export function channelFullInfoJson(channel: SandboxChannel): Json {
  return compact({
    ...channelChatJson(channel),
    accent_color_id: 0,
    max_reaction_count: 11,
    available_reactions: availableReactionsJson({ kind: 'channel', channel }),
    description: channel.about || undefined,
    has_visible_history: channel.megagroup ? true : undefined,
    has_protected_content: channel.noForwards ? true : undefined,
    permissions: channel.megagroup ? permissionsJson(defaultPermissionsOf(channel)) : undefined,
  });
}

export function privateFullInfoJson(user: SandboxUser): Json {
  return { ...privateChatJson(user), accent_color_id: 0, max_reaction_count: 11 };
}

function memberUserJson(world: SandboxWorld, kind: 'user' | 'bot', id: number): Json {
  if (kind === 'bot') {
    const bot = world.findBotById(id);
    return bot ? botUserJson(bot) : { id, is_bot: true, first_name: 'Deleted bot' };
  }
  const user = world.findUserById(id);
  return user ? userJson(user) : { id, is_bot: false, first_name: 'Deleted Account' };
}

/**
 * A ChatMember object. `undefined` (no membership) is ChatMemberLeft; a member without admin
 * rights is ChatMemberMember. A group's administrators (a basic group counts as `megagroup`) carry a group's rights.
 */
export function chatMemberJson(
  world: SandboxWorld,
  channel: Pick<SandboxChannel, 'megagroup'>,
  kind: 'user' | 'bot',
  id: number,
  member: ChannelMember | undefined,
  /** The ban a user who is not a member is under: ChatMemberBanned. */
  ban?: ChannelBan,
  /** The restriction the user is under (chat-permissions.ts), member or not: ChatMemberRestricted. */
  restriction?: MemberRestriction,
): Json {
  const user = memberUserJson(world, kind, id);
  if (!member && ban) return { user, status: 'kicked', until_date: ban.untilDate };
  if (restriction && !member?.admin && !member?.creator) return { user, ...restrictedJson(restriction, !!member) };
  if (!member) return { user, status: 'left' };
  // An administrator's custom title, written only when there is one (as the official server writes it).
  const title = member.rank ? { custom_title: member.rank } : {};
  if (member.creator) return { user, status: 'creator', ...title, is_anonymous: false };
  if (!member.admin) return { user, status: 'member' };
  const r = adminRightsOf(member);
  const common = {
    user,
    status: 'administrator',
    can_be_edited: false,
    is_anonymous: r.is_anonymous,
    can_manage_chat: r.can_manage_chat,
    can_delete_messages: r.can_delete_messages,
    can_manage_video_chats: r.can_manage_video_chats,
    can_restrict_members: r.can_restrict_members,
    can_promote_members: r.can_promote_members,
    can_change_info: r.can_change_info,
    can_invite_users: r.can_invite_users,
    can_post_stories: r.can_post_stories,
    can_edit_stories: r.can_edit_stories,
    can_delete_stories: r.can_delete_stories,
  };
  return channel.megagroup
    ? { ...common, can_pin_messages: r.can_pin_messages, can_manage_topics: r.can_manage_topics, ...title }
    : { ...common, can_post_messages: r.can_post_messages, can_edit_messages: r.can_edit_messages, ...title };
}

export function fileJson(file: SandboxFile): Json {
  return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size, file_path: file.filePath };
}

/** A message's formatting entities as the Bot API writes them (`text_mention` carries its user). */
export function entitiesJson(world: SandboxWorld, entities: SandboxEntity[] | undefined): Json[] {
  return (entities ?? []).map((e) => {
    const json: Json = { type: e.type, offset: e.offset, length: e.length };
    if (e.url !== undefined) json.url = e.url;
    if (e.language !== undefined) json.language = e.language;
    if (e.customEmojiId !== undefined) json.custom_emoji_id = e.customEmojiId;
    const user = e.userId === undefined ? undefined : world.findUserById(e.userId);
    if (user) json.user = userJson(user);
    return json;
  });
}

/**
 * Entities a bot sent (Bot API `MessageEntity` objects, after its parse_mode) as the world keeps them; entries
 * without a type, an offset or a length are left out.
 */
export function entitiesFromJson(entities: Json[]): SandboxEntity[] {
  const out: SandboxEntity[] = [];
  for (const e of entities) {
    const { type, offset, length } = e;
    if (typeof type !== 'string' || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) continue;
    const entity: SandboxEntity = { type, offset: offset as number, length: length as number };
    if (typeof e.url === 'string') entity.url = e.url;
    if (typeof e.language === 'string') entity.language = e.language;
    if (typeof e.custom_emoji_id === 'string') entity.customEmojiId = e.custom_emoji_id;
    const user = e.user as Json | undefined;
    if (typeof user?.id === 'number') entity.userId = user.id;
    out.push(entity);
  }
  return out;
}

/**
 * A forwarded message's `forward_origin` (Bot API `MessageOrigin`): `user` for a person's or a bot's message,
 * `channel` for a channel's post, `chat` for a supergroup's message posted as the group itself, `hidden_user` for a
 * person whose forwards privacy keeps their account out of it.
 */
export function forwardOriginJson(world: SandboxWorld, origin: SandboxForwardOrigin): Json {
  switch (origin.kind) {
    case 'user': {
      const user = world.findUserById(origin.userId);
      const sender = user ? userJson(user) : { id: origin.userId, is_bot: false, first_name: 'Deleted Account' };
      return { type: 'user', date: origin.date, sender_user: sender };
    }
    case 'bot': {
      const bot = world.findBotById(origin.botId);
      const sender = bot ? botUserJson(bot) : { id: origin.botId, is_bot: true, first_name: 'Deleted bot' };
      return { type: 'user', date: origin.date, sender_user: sender };
    }
    case 'channel':
      return {
        type: 'channel',
        date: origin.date,
        chat: originChatJson(world, origin.channelId, 'channel'),
        message_id: origin.messageId,
      };
    case 'chat':
      return { type: 'chat', date: origin.date, sender_chat: originChatJson(world, origin.channelId, 'supergroup') };
    case 'hidden':
      return { type: 'hidden_user', date: origin.date, sender_user_name: origin.senderName };
  }
}

/** The chat a forward came from; one deleted since is still named by its id. */
function originChatJson(world: SandboxWorld, channelId: number, type: string): Json {
  const channel = world.findChannel(channelId);
  return channel ? channelChatJson(channel) : { id: -(1000000000000 + channelId), title: 'Deleted chat', type };
}

/**
 * What a message carries, as a bot sees it: where it was forwarded from and whether it is protected from forwarding
 * and saving (`has_protected_content`: sent with protect_content, or in a chat that restricts saving content), then a
 * file as its document or photo
 * with the text as its caption and caption entities, or the text with its entities. A person's text without
 * entities of its own still has its commands marked, as Telegram's apps send them (`markCommands`; a bot's text is
 * taken as it sent it).
 */
export function contentJson(
  world: SandboxWorld,
  m: {
    text: string;
    media?: SandboxMessageMedia;
    entities?: SandboxEntity[];
    forwardOrigin?: SandboxForwardOrigin;
    mediaGroupId?: string;
    noForwards?: boolean;
    inlineBotId?: number;
  },
  markCommands = true,
  /** The chat restricts saving content: every message of it is protected. */
  chatNoForwards = false,
): Json {
  const origin = {
    ...(m.forwardOrigin ? { forward_origin: forwardOriginJson(world, m.forwardOrigin) } : {}),
    ...(m.noForwards || chatNoForwards ? { has_protected_content: true } : {}),
    ...viaBotJson(world, m.inlineBotId),
  };
  const album = m.mediaGroupId ? { media_group_id: m.mediaGroupId } : {};
  if (m.media && !isFileMedia(m.media)) return { ...origin, ...plainMediaJson(m.media, world) };
  const file = m.media ? world.files.get(m.media.fileId) : undefined;
  if (!file) {
    const own = m.entities?.length ? entitiesJson(world, m.entities) : undefined;
    const entities = own ?? (markCommands ? commandEntities(m.text) : []);
    return entities.length > 0 ? { ...origin, text: m.text, entities } : { ...origin, text: m.text };
  }
  const json: Json = {
    ...origin,
    ...album,
    ...mediaJson(file, file.width !== undefined ? { width: file.width, height: file.height ?? 0 } : undefined),
  };
  if (m.text) json.caption = m.text;
  if (m.entities?.length) json.caption_entities = entitiesJson(world, m.entities);
  return json;
}

/** `via_bot`: the bot a message was sent through (inline mode), when it still exists. */
function viaBotJson(world: SandboxWorld, botId: number | undefined): Json {
  const bot = botId === undefined ? undefined : world.findBotById(botId);
  return bot ? { via_bot: botUserJson(bot) } : {};
}

/**
 * The message part of a location, venue (with its `location`), contact or dice roll, with the official Bot API
 * server's fields: horizontal_accuracy only when known, a contact's user_id only when the phone has an account.
 */
export function plainMediaJson(media: SandboxPlainMedia, world?: SandboxWorld): Json {
  switch (media.kind) {
    case 'location': {
      const location = locationJson(media.latitude, media.longitude, media.horizontalAccuracy);
      // As the official server: a live location's period, heading and alert radius only while it may be updated.
      const now = world?.unixNow() ?? Math.floor(Date.now() / 1000);
      if (media.livePeriod !== undefined && (media.liveUntil ?? 0) > now) {
        Object.assign(location, compact({ live_period: media.livePeriod, heading: media.heading }));
        if (media.proximityAlertRadius) location.proximity_alert_radius = media.proximityAlertRadius;
      }
      return { location };
    }
    case 'venue': {
      const location = locationJson(media.latitude, media.longitude);
      const venue = compact({
        location,
        title: media.title,
        address: media.address,
        foursquare_id: media.foursquareId,
        foursquare_type: media.foursquareType,
        google_place_id: media.googlePlaceId,
        google_place_type: media.googlePlaceType,
      });
      return { location, venue };
    }
    case 'contact':
      return {
        contact: compact({
          phone_number: media.phoneNumber,
          first_name: media.firstName,
          last_name: media.lastName,
          vcard: media.vcard,
          user_id: media.userId,
        }),
      };
    case 'dice':
      return { dice: { emoji: media.emoji, value: media.value } };
    case 'invoice':
      // As the official server (JsonInvoice): the photo, test flag and receipt are left out.
      return {
        invoice: {
          title: media.title,
          description: media.description,
          start_parameter: media.startParameter,
          currency: media.currency,
          total_amount: media.amount,
        },
      };
    case 'poll': {
      const explanationEntities = world && entitiesJson(world, media.explanationEntities);
      return { poll: pollJson(media, world?.unixNow() ?? Math.floor(Date.now() / 1000), explanationEntities) };
    }
    case 'game':
      // The sandbox keeps no game photo (BotFather's 640x360 one): its PhotoSize list is empty.
      return { game: { title: media.title, description: media.description, photo: [] } };
  }
}

function locationJson(latitude: number, longitude: number, accuracy?: number): Json {
  return { latitude, longitude, ...(accuracy ? { horizontal_accuracy: accuracy } : {}) };
}

/** The message part describing an attachment: `photo` (sizes), `document`, or a player kind's (media-kinds.ts). */
export function mediaJson(file: SandboxFile, dims?: { width: number; height: number }): Json {
  if (isPlayable(file.kind)) return playableMediaJson(file);
  if (file.kind === 'sticker') return stickerMediaJson(file);
  if (file.kind === 'photo') {
    return {
      photo: [
        {
          file_id: file.fileId,
          file_unique_id: file.fileUniqueId,
          file_size: file.size,
          width: dims?.width ?? 0,
          height: dims?.height ?? 0,
        },
      ],
    };
  }
  return {
    document: compact({
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_name: file.fileName,
      mime_type: file.mimeType,
      file_size: file.size,
    }),
  };
}

/** `bot_command` entities for every /command in a text (offsets in UTF-16 units, as Telegram counts). */
export function commandEntities(text: string): Json[] {
  const entities: Json[] = [];
  const re = /(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|\s)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    entities.push({ offset: m.index + (m[1] ?? '').length, length: (m[2] ?? '').length, type: 'bot_command' });
  }
  return entities;
}
