import type { MessageCounters } from '../channel-counters';
import { countReactions } from '../reactions';
import { adminRightsOf, type AdminRights } from '../channel-administration';
import { defaultPermissionsOf } from '../chat-permissions';
import { bannedRightsToTl } from './banned-rights';
import {
  BasicGroupMessage,
  ChannelMessage,
  PrivateMessage,
  type ReactedMessage,
  SandboxBasicGroup,
  SandboxBot,
  SandboxChannel,
  SandboxContact,
  SandboxEntity,
  SandboxForwardOrigin,
  SandboxMessageMedia,
  SandboxPlainMedia,
  type SandboxReaction,
  type SandboxServiceAction,
  SandboxUser,
  isFileMedia,
  subscriberCount,
} from '../world';
import { documentAttributesToTl } from '../media-kinds';
import { gameScoreActionToTl } from './games';
import { messageMediaPollToTl } from './poll-tl';
import { serviceUserIds } from '../service-messages';
import { TlObject } from './tl-codec';

import { chatPhotoToTl, fileAccessHash, fileNumericId, fileReference, photoToTl, SANDBOX_DC_ID } from './file-tl';

export { SANDBOX_DC_ID } from './file-tl';

export const unixNow = (): number => Math.floor(Date.now() / 1000);
const toUnix = (d: Date): number => Math.floor(d.getTime() / 1000);

/**
 * A user as `viewerId` sees them. `contact`: the viewer's contact entry for them, whose name the viewer sees;
 * `mutual` when they have the viewer among their contacts too.
 */
export function userToTl(
  user: SandboxUser,
  viewerId: number | undefined,
  contact?: { entry: SandboxContact; mutual: boolean },
): TlObject {
  const self = viewerId === user.id;
  return {
    _: 'user',
    self,
    contact: contact ? true : undefined,
    mutual_contact: contact?.mutual ? true : undefined,
    id: BigInt(user.id),
    access_hash: user.accessHash,
    first_name: contact ? contact.entry.firstName : user.firstName,
    last_name: (contact ? contact.entry.lastName : user.lastName) || undefined,
    username: user.username,
    // Telegram shows a phone number to its owner and to those who have it in their contacts.
    phone: self || contact ? user.phone : undefined,
    status: { _: 'userStatusRecently' },
  };
}

/** Bot API entity type → MTProto constructor (the fields beyond offset and length follow in `entitiesToTl`). */
const ENTITY_TL: Record<string, string> = {
  mention: 'messageEntityMention',
  hashtag: 'messageEntityHashtag',
  cashtag: 'messageEntityCashtag',
  bot_command: 'messageEntityBotCommand',
  url: 'messageEntityUrl',
  email: 'messageEntityEmail',
  phone_number: 'messageEntityPhone',
  bold: 'messageEntityBold',
  italic: 'messageEntityItalic',
  underline: 'messageEntityUnderline',
  strikethrough: 'messageEntityStrike',
  spoiler: 'messageEntitySpoiler',
  code: 'messageEntityCode',
  pre: 'messageEntityPre',
  text_link: 'messageEntityTextUrl',
  text_mention: 'messageEntityMentionName',
  custom_emoji: 'messageEntityCustomEmoji',
  blockquote: 'messageEntityBlockquote',
  expandable_blockquote: 'messageEntityBlockquote',
};
const ENTITY_TYPE: Record<string, string> = Object.fromEntries(
  Object.entries(ENTITY_TL)
    .filter(([type]) => type !== 'expandable_blockquote')
    .map(([type, tl]) => [tl, type]),
);

/** Entities as `messageEntity*` objects; undefined when there are none. */
export function entitiesToTl(entities: SandboxEntity[] | undefined): TlObject[] | undefined {
  if (!entities?.length) return undefined;
  return entities.map((e): TlObject => {
    const base = { _: ENTITY_TL[e.type] ?? 'messageEntityUnknown', offset: e.offset, length: e.length };
    switch (e.type) {
      case 'pre':
        return { ...base, language: e.language ?? '' };
      case 'text_link':
        return { ...base, url: e.url ?? '' };
      case 'text_mention':
        return { ...base, user_id: BigInt(e.userId ?? 0) };
      case 'custom_emoji':
        return { ...base, document_id: BigInt(e.customEmojiId ?? 0) };
      case 'expandable_blockquote':
        return { ...base, collapsed: true };
      default:
        return base;
    }
  });
}

const entityNum = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/**
 * A client's `messageEntity*` objects as the world keeps them, checked against the text as Telegram does: those
 * outside it or of a kind the sandbox does not know are dropped, `inputMessageEntityMentionName` becomes a
 * text mention.
 */
export function entitiesFromTl(raw: unknown, text: string): SandboxEntity[] {
  if (!Array.isArray(raw)) return [];
  const out: SandboxEntity[] = [];
  for (const item of raw.slice(0, 100)) {
    if (typeof item !== 'object' || item === null) continue;
    const e = item as TlObject;
    const offset = entityNum(e.offset);
    const length = entityNum(e.length);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length <= 0) continue;
    if (offset + length > text.length) continue;
    if (e._ === 'inputMessageEntityMentionName') {
      const userRef = e.user_id as TlObject | undefined;
      const userId = entityNum(userRef?.user_id);
      if (Number.isSafeInteger(userId)) out.push({ type: 'text_mention', offset, length, userId });
      continue;
    }
    const type = ENTITY_TYPE[e._];
    if (!type) continue;
    const entity: SandboxEntity = {
      type: type === 'blockquote' && e.collapsed === true ? 'expandable_blockquote' : type,
      offset,
      length,
    };
    if (type === 'pre' && typeof e.language === 'string' && e.language) entity.language = e.language;
    if (type === 'text_link') {
      if (typeof e.url !== 'string' || !e.url) continue;
      entity.url = e.url;
    }
    if (type === 'text_mention') entity.userId = entityNum(e.user_id);
    if (type === 'custom_emoji') entity.customEmojiId = String(e.document_id);
    out.push(entity);
  }
  return out;
}

/**
 * A message's `reply_to`: the message it answers; in a forum topic (`topicId`, forum-topics.ts) it carries
 * `forum_topic` and answers the topic's first message unless it answers another (then `reply_to_top_id` names the
 * topic). The topic's own "created" message answers nothing.
 */
function replyHeader(replyToId: number | undefined, topicId?: number, id?: number): TlObject | undefined {
  if (topicId === undefined || topicId === id) {
    return replyToId === undefined ? undefined : { _: 'messageReplyHeader', reply_to_msg_id: replyToId };
  }
  const top = replyToId !== undefined && replyToId !== topicId ? topicId : undefined;
  return {
    _: 'messageReplyHeader',
    forum_topic: true,
    reply_to_msg_id: replyToId ?? topicId,
    reply_to_top_id: top,
  };
}

/**
 * A forwarded message's `messageFwdHeader`: the person or bot who wrote it, or the channel (with the post's id)
 * or supergroup it was posted as, and when.
 */
export function fwdHeaderToTl(origin: SandboxForwardOrigin | undefined): TlObject | undefined {
  if (!origin) return undefined;
  switch (origin.kind) {
    case 'user':
      return { _: 'messageFwdHeader', from_id: peerUser(origin.userId), date: origin.date };
    case 'bot':
      return { _: 'messageFwdHeader', from_id: peerUser(origin.botId), date: origin.date };
    case 'channel':
      return {
        _: 'messageFwdHeader',
        from_id: peerChannel(origin.channelId),
        date: origin.date,
        channel_post: origin.messageId,
      };
    case 'chat':
      return { _: 'messageFwdHeader', from_id: peerChannel(origin.channelId), date: origin.date };
    case 'hidden':
      return { _: 'messageFwdHeader', from_name: origin.senderName, date: origin.date };
  }
}

export function botToTl(bot: SandboxBot): TlObject {
  return {
    _: 'user',
    bot: true,
    id: BigInt(bot.id),
    access_hash: bot.accessHash,
    first_name: bot.firstName,
    username: bot.username,
    bot_info_version: bot.infoVersion ?? 1,
    // Inline mode on (BotFather's /setinline): apps show the placeholder after `@bot `.
    bot_inline_placeholder: bot.inlinePlaceholder,
  };
}

export function channelToTl(channel: SandboxChannel, viewerId: number | undefined): TlObject {
  const member = viewerId === undefined ? undefined : channel.members.get(`user:${viewerId}`);
  const ban = member || viewerId === undefined ? undefined : channel.banned?.[`user:${viewerId}`];
  if (ban && (ban.untilDate === 0 || ban.untilDate > unixNow())) {
    // A user banned from it no longer sees the channel, only that it is closed to them.
    return {
      _: 'channelForbidden',
      broadcast: !channel.megagroup || undefined,
      megagroup: channel.megagroup || undefined,
      id: BigInt(channel.id),
      access_hash: channel.accessHash,
      title: channel.title,
      until_date: ban.untilDate || undefined,
    };
  }
  return {
    _: 'channel',
    // A forum supergroup (forum-topics.ts); layers below 148 have no such flag.
    forum: channel.forum,
    creator: member?.creator ?? false,
    left: !member,
    broadcast: !channel.megagroup,
    megagroup: channel.megagroup,
    id: BigInt(channel.id),
    access_hash: channel.accessHash,
    title: channel.title,
    username: channel.username,
    photo: chatPhotoToTl(channel.photo),
    date: toUnix(member?.joinedAt ?? channel.createdAt),
    admin_rights: member?.admin ? adminRightsToTl(adminRightsOf(member)) : undefined,
    participants_count: subscriberCount(channel),
    noforwards: channel.noForwards,
    ...channelRightsToTl(channel, viewerId),
  };
}

/**
 * A supergroup's default rights (`default_banned_rights`), and the viewer's own restriction (`banned_rights`) while
 * it lasts: what members' apps read to grey out what they may not send.
 */
function channelRightsToTl(
  channel: SandboxChannel,
  viewerId: number | undefined,
): { default_banned_rights?: TlObject; banned_rights?: TlObject } {
  if (!channel.megagroup) return {};
  const own = viewerId === undefined ? undefined : channel.restricted?.[`user:${viewerId}`];
  const lasting = own && (own.untilDate === 0 || own.untilDate > unixNow()) ? own : undefined;
  return {
    default_banned_rights: bannedRightsToTl(defaultPermissionsOf(channel), 0),
    ...(lasting ? { banned_rights: bannedRightsToTl(lasting.permissions, lasting.untilDate) } : {}),
  };
}

/** An administrator's rights as MTProto's `chatAdminRights` flags. */
export function adminRightsToTl(r: AdminRights): TlObject {
  return {
    _: 'chatAdminRights',
    change_info: r.can_change_info,
    post_messages: r.can_post_messages,
    edit_messages: r.can_edit_messages,
    delete_messages: r.can_delete_messages,
    ban_users: r.can_restrict_members,
    invite_users: r.can_invite_users,
    pin_messages: r.can_pin_messages,
    add_admins: r.can_promote_members,
    anonymous: r.is_anonymous,
    manage_call: r.can_manage_video_chats,
    other: r.can_manage_chat,
    manage_topics: r.can_manage_topics,
    post_stories: r.can_post_stories,
    edit_stories: r.can_edit_stories,
    delete_stories: r.can_delete_stories,
  };
}

/**
 * `chatAdminRights` flags as the Bot API's rights (a right it does not name is not given); any right implies managing
 * the chat (`other`), as Telegram sets it for every administrator.
 */
export function adminRightsFromTl(tl: Record<string, unknown>): AdminRights {
  const on = (flag: string): boolean => tl[flag] === true;
  const any = Object.entries(tl).some(([k, v]) => k !== '_' && k !== 'flags' && v === true);
  return {
    is_anonymous: on('anonymous'),
    can_manage_chat: any,
    can_delete_messages: on('delete_messages'),
    can_manage_video_chats: on('manage_call'),
    can_restrict_members: on('ban_users'),
    can_promote_members: on('add_admins'),
    can_change_info: on('change_info'),
    can_invite_users: on('invite_users'),
    can_post_stories: on('post_stories'),
    can_edit_stories: on('edit_stories'),
    can_delete_stories: on('delete_stories'),
    can_post_messages: on('post_messages'),
    can_edit_messages: on('edit_messages'),
    can_pin_messages: on('pin_messages'),
    can_manage_topics: on('manage_topics'),
  };
}

/** A basic group (`chat`) as `viewerId` sees it: one they are not in is `chatForbidden`. */
export function basicGroupToTl(group: SandboxBasicGroup, viewerId: number): TlObject {
  if (!group.userIds.includes(viewerId)) return { _: 'chatForbidden', id: BigInt(group.id), title: group.title };
  return {
    _: 'chat',
    creator: group.creatorUserId === viewerId,
    id: BigInt(group.id),
    title: group.title,
    photo: chatPhotoToTl(group.photo),
    participants_count: group.userIds.length + group.bots.length,
    date: toUnix(group.createdAt),
    version: 1,
    noforwards: group.noForwards,
    // Upgraded to a supergroup (group-migration.ts): deactivated, naming the supergroup.
    deactivated: group.migratedTo ? true : undefined,
    migrated_to: group.migratedTo
      ? {
          _: 'inputChannel',
          channel_id: BigInt(group.migratedTo.channelId),
          access_hash: group.migratedTo.accessHash,
        }
      : undefined,
  };
}

/**
 * The person or bot a forward names as its first author, and the bot it was sent via (inline mode), to go in the
 * `users` beside the message (a channel or supergroup origin names none).
 */
export function forwardAuthorIds(message: { forwardOrigin?: SandboxForwardOrigin; inlineBotId?: number }): number[] {
  const origin = message.forwardOrigin;
  // The bot a message was sent via is named beside it too.
  const via = message.inlineBotId === undefined ? [] : [message.inlineBotId];
  if (origin?.kind === 'user') return [origin.userId, ...via];
  if (origin?.kind === 'bot') return [origin.botId, ...via];
  return via;
}

/** The channels and supergroups the given messages' forwards name as their origin, each once. */
export function forwardOriginChannelIds(messages: readonly { forwardOrigin?: SandboxForwardOrigin }[]): number[] {
  const ids = new Set<number>();
  for (const { forwardOrigin: origin } of messages) {
    if (origin?.kind === 'channel' || origin?.kind === 'chat') ids.add(origin.channelId);
  }
  return [...ids];
}

/**
 * The origin channels of forwards among `messages`, as `viewerId` sees them, to go in the `chats` beside them (so an
 * app can name "Forwarded from …" without asking again); channels already in those chats (`known`) and ones deleted
 * since are left out.
 */
export function forwardOriginChatsToTl(
  messages: readonly { forwardOrigin?: SandboxForwardOrigin }[],
  findChannel: (id: number) => SandboxChannel | undefined,
  viewerId: number,
  known: readonly number[] = [],
): TlObject[] {
  return forwardOriginChannelIds(messages).flatMap((id) => {
    const channel = known.includes(id) ? undefined : findChannel(id);
    return channel ? [channelToTl(channel, viewerId)] : [];
  });
}

/** The user or bot who wrote a basic group's message, a forward's first author, and those a service message names. */
export function groupMessageAuthorIds(message: BasicGroupMessage): number[] {
  return [
    message.fromUserId,
    message.fromBotId,
    ...forwardAuthorIds(message),
    ...serviceUserIds(message.service),
  ].filter((x): x is number => x !== undefined);
}

/**
 * The user who wrote a channel's or supergroup's message, the bot that posted it, a forward's first author, and
 * those a service message names.
 */
export function channelMessageUserIds(message: ChannelMessage): number[] {
  return [
    message.fromUserId,
    message.viaBotId,
    ...forwardAuthorIds(message),
    ...serviceUserIds(message.service),
  ].filter((x): x is number => x !== undefined);
}

/** A service message's `messageAction*`. */
export function serviceActionToTl(action: SandboxServiceAction): TlObject {
  switch (action.type) {
    case 'chat_create':
      return { _: 'messageActionChatCreate', title: action.title, users: action.userIds.map(BigInt) };
    case 'channel_create':
      return { _: 'messageActionChannelCreate', title: action.title };
    case 'chat_add_user':
      return { _: 'messageActionChatAddUser', users: action.userIds.map(BigInt) };
    case 'chat_joined_by_link':
      return { _: 'messageActionChatJoinedByLink', inviter_id: BigInt(action.inviterId) };
    case 'chat_joined_by_request':
      return { _: 'messageActionChatJoinedByRequest' };
    case 'chat_delete_user':
      return { _: 'messageActionChatDeleteUser', user_id: BigInt(action.userId) };
    case 'chat_edit_title':
      return { _: 'messageActionChatEditTitle', title: action.title };
    case 'chat_edit_photo':
      return { _: 'messageActionChatEditPhoto', photo: photoToTl(action.fileId, action.size, action.date) };
    case 'chat_delete_photo':
      return { _: 'messageActionChatDeletePhoto' };
    case 'pin_message':
      return { _: 'messageActionPinMessage' };
    case 'topic_create':
      return {
        _: 'messageActionTopicCreate',
        title: action.title,
        icon_color: action.iconColor,
        icon_emoji_id: action.iconEmojiId ? BigInt(action.iconEmojiId) : undefined,
      };
    case 'topic_edit':
      return {
        _: 'messageActionTopicEdit',
        title: action.title,
        icon_emoji_id: action.iconEmojiId === undefined ? undefined : BigInt(action.iconEmojiId || '0'),
        closed: action.closed,
        hidden: action.hidden,
      };
    case 'chat_migrate_to':
      return { _: 'messageActionChatMigrateTo', channel_id: BigInt(action.channelId) };
    case 'channel_migrate_from':
      return { _: 'messageActionChannelMigrateFrom', title: action.title, chat_id: BigInt(action.chatId) };
  }
}

/** A service message (`messageService`): who did it, where, and what; a pin answers the pinned message. */
function serviceMessageToTl(
  message: { id: number; date: number; replyToId?: number; topicId?: number },
  action: SandboxServiceAction,
  peer: TlObject,
  from: { out?: boolean; post?: boolean; fromId?: number },
): TlObject {
  return {
    _: 'messageService',
    out: from.out,
    post: from.post,
    id: message.id,
    from_id: from.fromId === undefined ? undefined : peerUser(from.fromId),
    peer_id: peer,
    reply_to: replyHeader(message.replyToId, message.topicId, message.id),
    date: message.date,
    action: serviceActionToTl(action),
  };
}

/** A message of a basic group as one of its members (`viewerId`) sees it. */
export function basicGroupMessageToTl(
  group: SandboxBasicGroup,
  message: BasicGroupMessage,
  viewerId: number,
): TlObject {
  const authorId = message.fromUserId ?? message.fromBotId;
  if (message.service) {
    const out = message.fromUserId === viewerId;
    return serviceMessageToTl(message, message.service, peerChat(group.id), { out, fromId: authorId });
  }
  return {
    _: 'message',
    out: message.fromUserId === viewerId,
    id: message.id,
    from_id: authorId === undefined ? undefined : peerUser(authorId),
    peer_id: peerChat(group.id),
    ...messageContentToTl(message, viewerId),
    reactions: ownReactionsToTl(message, viewerId),
  };
}

/** What a message of any chat carries of its own (the fields are written in the schema's order, not this one's). */
type MessageContent = Pick<
  BasicGroupMessage,
  | 'date'
  | 'text'
  | 'media'
  | 'entities'
  | 'replyToId'
  | 'forwardOrigin'
  | 'mediaGroupId'
  | 'editDate'
  | 'pinned'
  | 'noForwards'
  | 'inlineBotId'
>;

/** The fields of a `message` that come from its content, the same in channels, basic groups and private chats. */
function messageContentToTl(message: MessageContent, viewerId?: number): Record<string, unknown> {
  return {
    fwd_from: fwdHeaderToTl(message.forwardOrigin),
    date: message.date,
    message: message.text,
    media: message.media ? mediaToTl(message.media, message.date, viewerId) : undefined,
    grouped_id: groupedIdToTl(message.mediaGroupId),
    entities: entitiesToTl(message.entities),
    reply_to: replyHeader(message.replyToId),
    edit_date: message.editDate,
    pinned: message.pinned,
    noforwards: message.noForwards,
    // Sent through a bot's inline mode: "via @bot".
    via_bot_id: message.inlineBotId === undefined ? undefined : BigInt(message.inlineBotId),
  };
}

/** An album's id (the Bot API's media_group_id, a decimal string) as the message's `grouped_id`. */
export function groupedIdToTl(mediaGroupId: string | undefined): bigint | undefined {
  return mediaGroupId === undefined ? undefined : BigInt(mediaGroupId);
}

/**
 * A location, venue, contact or dice roll as members' apps read it. A point's access_hash is 0 (Telegram's own is
 * an opaque number apps only send back); a contact with no Telegram account has user_id 0.
 */
function plainMediaToTl(media: SandboxPlainMedia, viewerId: number | undefined): TlObject {
  switch (media.kind) {
    case 'location': {
      const geo = geoPointToTl(media.latitude, media.longitude, media.horizontalAccuracy);
      if (media.livePeriod === undefined) return { _: 'messageMediaGeo', geo };
      return {
        _: 'messageMediaGeoLive',
        geo,
        heading: media.heading,
        period: media.livePeriod,
        proximity_notification_radius: media.proximityAlertRadius,
      };
    }
    case 'venue':
      return {
        _: 'messageMediaVenue',
        geo: geoPointToTl(media.latitude, media.longitude),
        title: media.title,
        address: media.address,
        // A venue has one provider: its id and type go to `venue_id` and `venue_type`; none is an empty provider.
        ...venueProviderToTl(media),
      };
    case 'contact':
      return {
        _: 'messageMediaContact',
        phone_number: media.phoneNumber,
        first_name: media.firstName,
        last_name: media.lastName ?? '',
        vcard: media.vcard ?? '',
        user_id: BigInt(media.userId ?? 0),
      };
    case 'dice':
      return { _: 'messageMediaDice', value: media.value, emoticon: media.emoji };
    case 'poll':
      return messageMediaPollToTl(media, viewerId, unixNow(), entitiesToTl(media.explanationEntities));
    case 'invoice':
      return {
        _: 'messageMediaInvoice',
        title: media.title,
        description: media.description,
        photo: invoicePhotoToTl(media),
        receipt_msg_id: media.receiptMessageId,
        currency: media.currency,
        total_amount: BigInt(media.amount),
        start_param: media.startParameter,
      };
    case 'game':
      // The sandbox keeps no game photo: `photoEmpty` stands for BotFather's one.
      return {
        _: 'messageMediaGame',
        game: {
          _: 'game',
          id: BigInt(media.gameId),
          access_hash: 0n,
          short_name: media.shortName,
          title: media.title,
          description: media.description,
          photo: { _: 'photoEmpty', id: 0n },
        },
      };
  }
}

/** An invoice's photo: the bot's URL as a web document (Telegram's own proxies it; size and type are not known). */
export function invoicePhotoToTl(invoice: { photoUrl?: string }): TlObject | undefined {
  if (invoice.photoUrl === undefined) return undefined;
  return { _: 'webDocumentNoProxy', url: invoice.photoUrl, size: 0, mime_type: 'image/jpeg', attributes: [] };
}

function venueProviderToTl(media: Extract<SandboxPlainMedia, { kind: 'venue' }>): Record<string, string> {
  if (media.foursquareId !== undefined || media.foursquareType !== undefined) {
    return { provider: 'foursquare', venue_id: media.foursquareId ?? '', venue_type: media.foursquareType ?? '' };
  }
  if (media.googlePlaceId !== undefined || media.googlePlaceType !== undefined) {
    return { provider: 'gplaces', venue_id: media.googlePlaceId ?? '', venue_type: media.googlePlaceType ?? '' };
  }
  return { provider: '', venue_id: '', venue_type: '' };
}

function geoPointToTl(latitude: number, longitude: number, accuracy?: number): TlObject {
  return { _: 'geoPoint', long: longitude, lat: latitude, access_hash: 0n, accuracy_radius: accuracy };
}

/** A message's media; a poll's results are as `viewerId` sees them (without a viewer, the same for everyone). */
export function mediaToTl(media: SandboxMessageMedia, date: number, viewerId?: number): TlObject {
  if (!isFileMedia(media)) return plainMediaToTl(media, viewerId);
  const id = fileNumericId(media.fileId);
  if (media.kind === 'photo') return { _: 'messageMediaPhoto', photo: photoToTl(media.fileId, media.size, date) };
  return {
    _: 'messageMediaDocument',
    document: {
      _: 'document',
      id,
      access_hash: fileAccessHash(id),
      file_reference: fileReference(media.fileId),
      date,
      mime_type: media.mimeType ?? 'application/octet-stream',
      size: BigInt(media.size),
      dc_id: SANDBOX_DC_ID,
      attributes: documentAttributesToTl(media),
    },
  };
}

/** How many of a message's newest reactions are named one by one (`recent_reactions`): the sandbox's reading. */
const RECENT_REACTIONS = 3;

/**
 * A message's reactions (`messageReactions`) as `viewerId` sees them: the count of each emoji, most first, those the
 * viewer chose with their `chosen_order` (`chosen` in layers before 145), and, where the chat shows who reacted
 * (`showReactors`), the newest reactions one by one with the viewer's own marked `my`. Layers 137-144 name a
 * reaction by its emoji string; the codec writes `reactionEmoji` as that there.
 */
export function messageReactionsToTl(
  counts: readonly { emoticon: string; count: number }[],
  reactions: readonly SandboxReaction[],
  viewerId: number | undefined,
  showReactors: boolean,
): TlObject {
  const mine = reactions.filter((r) => r.kind === 'user' && r.id === viewerId).map((r) => r.emoticon);
  return {
    _: 'messageReactions',
    can_see_list: showReactors || undefined,
    results: counts.map((r) => {
      const order = mine.indexOf(r.emoticon);
      return {
        _: 'reactionCount',
        // From 1: older TDLib versions read a `chosen_order` of 0 as not chosen.
        ...(order >= 0 ? { chosen: true, chosen_order: order + 1 } : {}),
        reaction: { _: 'reactionEmoji', emoticon: r.emoticon },
        count: r.count,
      };
    }),
    recent_reactions: showReactors
      ? [...reactions]
          .reverse()
          .slice(0, RECENT_REACTIONS)
          .map((r) => ({
            _: 'messagePeerReaction',
            big: r.big,
            my: (r.kind === 'user' && r.id === viewerId) || undefined,
            peer_id: peerUser(r.id),
            date: r.date,
            reaction: { _: 'reactionEmoji', emoticon: r.emoticon },
          }))
      : undefined,
  };
}

/** The reactions of a message of a group or private chat, where each has a face; undefined when it has none. */
function ownReactionsToTl(
  message: { reactions?: SandboxReaction[] },
  viewerId: number | undefined,
): TlObject | undefined {
  const reactions = message.reactions ?? [];
  if (!reactions.length) return undefined;
  return messageReactionsToTl(countReactions(reactions), reactions, viewerId, true);
}

/**
 * A channel message as clients see it. `counters`: a broadcast post's views, forwards and reactions now (the
 * world's `countersOf`, real reactions included); without them the post shows the counters it was posted with and
 * its real reactions. `viewerId`: the user it is written for, whose own reactions are marked chosen.
 */
export function channelMessageToTl(
  channel: SandboxChannel,
  message: ChannelMessage,
  counters?: MessageCounters,
  viewerId?: number,
): TlObject {
  if (message.deleted) return { _: 'messageEmpty', id: message.id, peer_id: peerChannel(channel.id) };
  const broadcast = !channel.megagroup;
  const viaBotId = message.viaBotId ?? message.inlineBotId;
  if (message.service) {
    const fromId = broadcast ? undefined : (message.fromUserId ?? message.viaBotId);
    return serviceMessageToTl(message, message.service, peerChannel(channel.id), { post: broadcast, fromId });
  }
  return {
    _: 'message',
    post: broadcast,
    id: message.id,
    from_id: !broadcast && message.fromUserId !== undefined ? peerUser(message.fromUserId) : undefined,
    peer_id: peerChannel(channel.id),
    ...messageContentToTl(message),
    // A forum topic's message answers the topic (see replyHeader).
    reply_to: replyHeader(message.replyToId, message.topicId, message.id),
    via_bot_id: viaBotId === undefined ? undefined : BigInt(viaBotId),
    // views and forwards share one flag: both are present on broadcast posts.
    views: broadcast ? (counters?.views ?? message.views) : undefined,
    forwards: broadcast ? (counters?.forwards ?? message.forwards) : undefined,
    reactions: channelReactionsToTl(channel, message, counters, viewerId),
    replies:
      message.replies > 0 ? { _: 'messageReplies', replies: message.replies, replies_pts: channel.pts } : undefined,
  };
}

/** A channel message's reactions: a broadcast post's counts (audience and real) without faces, a supergroup's own. */
function channelReactionsToTl(
  channel: SandboxChannel,
  message: ChannelMessage,
  counters: MessageCounters | undefined,
  viewerId: number | undefined,
): TlObject | undefined {
  const reactions = message.reactions ?? [];
  if (channel.megagroup) return ownReactionsToTl(message, viewerId);
  const counts = counters?.reactions ?? countReactions(reactions);
  return counts.length ? messageReactionsToTl(counts, reactions, viewerId, false) : undefined;
}

/** A private message as seen by one user (`viewerId`), who is its sender or recipient. */
export function privateMessageToTl(message: PrivateMessage, viewerId: number): TlObject {
  const out = message.fromKind === 'user' && message.fromId === viewerId;
  const otherId = out ? message.toId : message.fromId;
  // The chat's service messages: who wrote it, what it answers, what it says.
  const service = (isOut: boolean, fromId: number, replyToId: number | undefined, action: TlObject): TlObject => ({
    _: 'messageService',
    out: isOut,
    id: message.id,
    from_id: peerUser(fromId),
    peer_id: peerUser(otherId),
    reply_to: replyHeader(replyToId),
    date: message.date,
    action,
  });
  if (message.payment) {
    // The payer's side of a payment in Stars (payments.ts); a bot's side (messageActionPaymentSentMe) is the Bot API's.
    return service(out, message.fromId, message.replyToId, {
      _: 'messageActionPaymentSent',
      currency: message.payment.currency,
      total_amount: BigInt(message.payment.amount),
    });
  }
  if (message.gameScore) {
    // A player's new score in a game of the chat (games.ts): from the player, answering the game message.
    const { userId, gameMessageId } = message.gameScore;
    return service(userId === viewerId, userId, gameMessageId, gameScoreActionToTl(message.gameScore));
  }
  if (message.webAppData) {
    // Data a keyboard button's Mini App sent the bot (web-apps.ts): the sender sees the button's text, the bot the data.
    const { data, buttonText } = message.webAppData;
    return service(
      out,
      message.fromId,
      undefined,
      out
        ? { _: 'messageActionWebViewDataSent', text: buttonText }
        : { _: 'messageActionWebViewDataSentMe', text: buttonText, data },
    );
  }
  return {
    _: 'message',
    out,
    id: message.id,
    from_id: peerUser(message.fromId),
    peer_id: peerUser(otherId),
    ...messageContentToTl(message, viewerId),
    reactions: ownReactionsToTl(message, viewerId),
  };
}

export const peerUser = (id: number): TlObject => ({ _: 'peerUser', user_id: BigInt(id) });
export const peerChannel = (id: number): TlObject => ({ _: 'peerChannel', channel_id: BigInt(id) });
export const peerChat = (id: number): TlObject => ({ _: 'peerChat', chat_id: BigInt(id) });

export const emptyNotifySettings = (): TlObject => ({ _: 'peerNotifySettings' });

export function configToTl(host: string, port: number): TlObject {
  const now = unixNow();
  return {
    _: 'config',
    date: now,
    expires: now + 3600,
    test_mode: false,
    this_dc: SANDBOX_DC_ID,
    // Every DC is this door: a client that switches DC stays in the sandbox.
    dc_options: [1, 2, 3, 4, 5].map((id) => ({ _: 'dcOption', id, ip_address: host, port })),
    dc_txt_domain_name: 'sandbox.invalid',
    chat_size_max: 200,
    megagroup_size_max: 200000,
    forwarded_count_max: 100,
    online_update_period_ms: 210000,
    offline_blur_timeout_ms: 5000,
    offline_idle_timeout_ms: 30000,
    online_cloud_timeout_ms: 300000,
    notify_cloud_delay_ms: 30000,
    notify_default_delay_ms: 1500,
    push_chat_period_ms: 60000,
    push_chat_limit: 2,
    edit_time_limit: 172800,
    revoke_time_limit: 2147483647,
    revoke_pm_time_limit: 2147483647,
    rating_e_decay: 2419200,
    stickers_recent_limit: 200,
    channels_read_media_period: 604800,
    call_receive_timeout_ms: 20000,
    call_ring_timeout_ms: 90000,
    call_connect_timeout_ms: 30000,
    call_packet_timeout_ms: 10000,
    me_url_prefix: 'https://t.me/',
    caption_length_max: 1024,
    message_length_max: 4096,
    webfile_dc_id: SANDBOX_DC_ID,
  };
}

/** Where a message with reactions is, as `viewerId` names the chat. */
function reactedPeerToTl(target: ReactedMessage, viewerId: number): TlObject {
  if (target.kind === 'channel') return peerChannel(target.channel.id);
  if (target.kind === 'group') return peerChat(target.group.id);
  const { message } = target;
  return peerUser(message.fromKind === 'user' && message.fromId === viewerId ? message.toId : message.fromId);
}

/**
 * `updateMessageReactions`: a message's reactions now, as `viewerId` sees them (`counts` from reactions.ts's
 * `reactionCounts`; none left is an empty `messageReactions`).
 */
export function reactionsUpdateToTl(
  target: ReactedMessage,
  counts: readonly { emoticon: string; count: number }[],
  viewerId: number,
): TlObject {
  const showReactors = target.kind !== 'channel' || target.channel.megagroup;
  return {
    _: 'updateMessageReactions',
    peer: reactedPeerToTl(target, viewerId),
    msg_id: target.message.id,
    reactions: messageReactionsToTl(counts, target.message.reactions ?? [], viewerId, showReactors),
  };
}
