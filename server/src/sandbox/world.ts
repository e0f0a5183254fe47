import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { emptyUpdateState, UpdateState } from './updates/update-log';
import { type CounterAnchor, countersAt, type MessageCounters, reachOf, withReactions } from './channel-counters';

/**
 * The sandbox's one shared world: users, bots, channels, messages, login codes, faults.
 * Both doors (Bot API over HTTP, MTProto over TCP) and the control API read and change this
 * single instance. Pure in-memory, no I/O.
 */

export interface SandboxUser {
  id: number;
  accessHash: bigint;
  /** Digits only, no '+'. */
  phone: string;
  firstName: string;
  lastName: string;
  /** Without '@'. */
  username?: string;
  /** 2FA password in clear (sandbox only); the MTProto door derives SRP from it. */
  password?: string;
  /**
   * The language of the user's app (an IETF tag such as `en` or `pt-br`): the `lang_code` their latest MTProto
   * connection named in initConnection, or the one the control API gave. Undefined when unknown.
   */
  languageCode?: string;
  createdAt: Date;
}

/** What a user's apps last said of their presence (account.updateStatus). */
export interface UserPresence {
  online: boolean;
  /** Online: until when (unix seconds); offline: since when. */
  at: number;
}

export interface SandboxBot {
  id: number;
  accessHash: bigint;
  token: string;
  username: string;
  firstName: string;
  ownerUserId?: number;
  /**
   * BotFather's /setprivacy: false (privacy mode off) lets the bot hear every message of the groups it is in.
   * Undefined is privacy mode on, Telegram's default (and what bots stored before the setting existed have).
   */
  groupPrivacy?: boolean;
  /**
   * Raised each time the bot's profile (name, descriptions, commands, menu button) changes, so apps know to fetch it
   * again (`user.bot_info_version`); undefined is 1. See bot-profile.ts.
   */
  infoVersion?: number;
  /**
   * BotFather's /setinline: the bot answers inline queries (`@bot query` in any chat), with this placeholder shown in
   * the message field; undefined is inline mode off. See inline-queries.ts.
   */
  inlinePlaceholder?: string;
  /** BotFather's /setinlinefeedback: false stops chosen_inline_result updates; undefined is on (the sandbox's default). */
  inlineFeedback?: boolean;
  createdAt: Date;
}

/** A bot's menu button in a private chat (`MenuButton`): Telegram's default, the command list, or a Web App. */
export type BotMenuButton = { type: 'default' } | { type: 'commands' } | { type: 'web_app'; text: string; url: string };

/** One command of a bot's command list. */
export interface BotCommandEntry {
  command: string;
  description: string;
}

/** A bot's own profile and settings beyond its name (the default name is `SandboxBot.firstName`); see bot-profile.ts. */
export interface BotProfile {
  /** Names for a language, by language code (never ''). */
  names: Record<string, string>;
  /** Descriptions (shown in an empty chat with the bot) by language code, '' for everyone else. */
  descriptions: Record<string, string>;
  /** Short descriptions (the bot's "about" on its profile) by language code, '' for everyone else. */
  shortDescriptions: Record<string, string>;
  /** Command lists by scope and language (see `commandsKey` in bot-profile.ts). */
  commands: Record<string, BotCommandEntry[]>;
  /** Menu buttons by user id of the private chat; '0' is the bot's default for every chat. */
  menuButtons: Record<string, BotMenuButton>;
  /** The rights the bot asks for when added as an administrator: to groups and supergroups, and to channels. */
  defaultRights: { groups?: Record<string, boolean>; channels?: Record<string, boolean> };
  /** After logOut: the world's time (ms) until which its Bot API calls are refused. */
  loggedOutUntilMs?: number;
}

/** An administrator's rights, by their Bot API names (`ChatAdministratorRights`); see channel-administration.ts. */
export const ADMIN_RIGHTS = [
  'is_anonymous',
  'can_manage_chat',
  'can_delete_messages',
  'can_manage_video_chats',
  'can_restrict_members',
  'can_promote_members',
  'can_change_info',
  'can_invite_users',
  'can_post_stories',
  'can_edit_stories',
  'can_delete_stories',
  // Channels only.
  'can_post_messages',
  'can_edit_messages',
  // Supergroups only.
  'can_pin_messages',
  'can_manage_topics',
] as const;

export type AdminRight = (typeof ADMIN_RIGHTS)[number];
export type AdminRights = Record<AdminRight, boolean>;

/**
 * What a supergroup's members may do, with the Bot API's names (`ChatPermissions`); the MTProto door maps them to
 * `chatBannedRights` flags (set where a right is missing). See `chat-permissions.ts`.
 */
export const CHAT_PERMISSIONS = [
  'can_send_messages',
  'can_send_audios',
  'can_send_documents',
  'can_send_photos',
  'can_send_videos',
  'can_send_video_notes',
  'can_send_voice_notes',
  'can_send_polls',
  'can_send_other_messages',
  'can_add_web_page_previews',
  'can_change_info',
  'can_invite_users',
  'can_pin_messages',
  'can_manage_topics',
] as const;

export type ChatPermission = (typeof CHAT_PERMISSIONS)[number];
export type ChatPermissions = Record<ChatPermission, boolean>;

/** The rights to send each kind of media (the Bot API's split of MTProto's `send_media`). */
export const MEDIA_PERMISSIONS: readonly ChatPermission[] = [
  'can_send_audios',
  'can_send_documents',
  'can_send_photos',
  'can_send_videos',
  'can_send_video_notes',
  'can_send_voice_notes',
];

/** A member's own restriction in a supergroup: what they may do (within the chat's defaults), until when. */
export interface MemberRestriction {
  permissions: ChatPermissions;
  /** Unix seconds, by the world's clock; 0 is forever. */
  untilDate: number;
  /** Unix seconds, when it was set. */
  date: number;
}

/** A ban of a member from a channel or supergroup: they are out of it and cannot come back until it ends. */
export interface ChannelBan {
  /** Unix seconds; 0 is forever. */
  untilDate: number;
  /** Unix seconds. */
  date: number;
}

export type MediaKind = 'photo' | 'document' | 'video' | 'audio' | 'voice' | 'animation' | 'video_note' | 'sticker';

/** What a sticker says about itself (stickers.ts): its format, its emoji and the set it belongs to. */
export interface StickerInfo {
  /** WebP (`static`), Lottie in gzip, .TGS (`animated`), or WebM (`video`). */
  format: 'static' | 'animated' | 'video';
  /** The emoji it stands for, first of its list. */
  emoji?: string;
  /** Its set's short name, id and access hash, once it is in one (a sticker in a set is a file of its own). */
  setName?: string;
  setId?: bigint;
  setAccessHash?: bigint;
}

/** What a video, audio, voice note or animation says about itself, beside its name and MIME type. */
export interface MediaAttributes {
  /** Seconds; 0 when the sender gave none. */
  duration?: number;
  /** Pixels, for photos, videos and animations. */
  width?: number;
  height?: number;
  /** Audio tags. */
  performer?: string;
  title?: string;
  /** A video that may be played while it downloads. */
  supportsStreaming?: boolean;
  /** A sticker's format, emoji and set. */
  sticker?: StickerInfo;
}

export interface ChannelMember {
  kind: 'user' | 'bot';
  id: number;
  admin: boolean;
  canPostMessages: boolean;
  creator: boolean;
  joinedAt: Date;
  /** An administrator's rights one by one (see `channel-administration.ts`); undefined for an admin set without. */
  rights?: Partial<AdminRights>;
  /** Who made the member an administrator with `rights` (only they, and the creator, may change them). */
  promotedBy?: { kind: 'user' | 'bot'; id: number };
  /** An administrator's custom title (Bot API `custom_title`, MTProto `rank`); lost with the rights. */
  rank?: string;
}

/** A message's file; a video, audio, voice note or animation also keeps its attributes (see media-kinds.ts). */
export interface SandboxFileMedia extends MediaAttributes {
  kind: MediaKind;
  /** Bot API file_id, resolvable through `world.files`. */
  fileId: string;
  fileName?: string;
  mimeType?: string;
  size: number;
}

/**
 * What a message carries that is not a file (see bot-api/locations-contacts-dice.ts): a point on the map (with its
 * accuracy in meters), a venue at a point, a contact (the sandbox user with that phone, when there is one) or a dice
 * roll with its emoji and value.
 */
export type SandboxPlainMedia =
  | {
      kind: 'location';
      latitude: number;
      longitude: number;
      horizontalAccuracy?: number;
      /**
       * A live location (bot-api/live-locations.ts): the seconds from the message's date it may be updated for
       * (MTProto `period`; 0x7FFFFFFF: indefinitely), when that ends (unix; a stop ends it now), the direction of
       * travel (1-360) and the proximity alert distance in meters.
       */
      livePeriod?: number;
      liveUntil?: number;
      heading?: number;
      proximityAlertRadius?: number;
    }
  | {
      kind: 'venue';
      latitude: number;
      longitude: number;
      title: string;
      address: string;
      foursquareId?: string;
      foursquareType?: string;
      googlePlaceId?: string;
      googlePlaceType?: string;
    }
  | { kind: 'contact'; phoneNumber: string; firstName: string; lastName?: string; vcard?: string; userId?: number }
  | { kind: 'dice'; emoji: string; value: number }
  | SandboxPoll
  | SandboxInvoice
  | SandboxGameMedia;

/**
 * A bot's HTML5 game (games.ts), as BotFather's /newgame registers it: its short name (what sendGame names), title
 * and description. The URL the game opens at is the bot's to give (answerCallbackQuery's `url`).
 */
export interface SandboxGame {
  shortName: string;
  title: string;
  description: string;
  /** Unix seconds. */
  createdAt: number;
}

/** A game a bot sent (sendGame), as the message shows it. */
export interface SandboxGameMedia {
  kind: 'game';
  /** The game's id in MTProto terms (a positive long, decimal). */
  gameId: string;
  botId: number;
  shortName: string;
  title: string;
  description: string;
}

/** A player's score in the chat of one game message (games.ts). */
export interface SandboxGameScore {
  userId: number;
  score: number;
  /** Unix seconds: when it was last set. */
  date: number;
}

/**
 * An invoice a bot sent (payments.ts): what is sold, for how many Telegram Stars (currency `XTR`, one price), the
 * bot's own `payload` (never shown to the user) and the start parameter of its deep link.
 */
export interface SandboxInvoice {
  kind: 'invoice';
  title: string;
  description: string;
  payload: string;
  currency: string;
  /** The one price's label and amount (Stars). */
  label: string;
  amount: number;
  startParameter: string;
  photoUrl?: string;
  /** Once paid: the service message of the payment (MTProto `receipt_msg_id`). */
  receiptMessageId?: number;
}

/** A payment in Stars of a user to a bot (payments.ts), as the bot's Star transactions list it. */
export interface StarPayment {
  /** `telegram_payment_charge_id`. */
  chargeId: string;
  botId: number;
  userId: number;
  currency: string;
  amount: number;
  payload: string;
  /** Unix seconds. */
  date: number;
  /** The invoice message paid (none for an invoice link) and the payment's service message. */
  invoiceMessageId?: number;
  serviceMessageId: number;
  /** Unix seconds: when the bot gave the Stars back. */
  refundedAt?: number;
}

/** What a payment's service message says: its charge, and what was paid. */
export interface SandboxPaymentNotice {
  chargeId: string;
  currency: string;
  amount: number;
}

/** An invoice made by createInvoiceLink, opened by its slug (`https://t.me/$<slug>`). */
export interface InvoiceLink {
  slug: string;
  botId: number;
  invoice: SandboxInvoice;
}

/**
 * A poll (see polls.ts): its question and options, how people answer it, and who chose what. Option `i` is the
 * option whose MTProto `option` bytes are the digits of `i`, as Telegram numbers a new poll's options.
 */
export interface SandboxPoll {
  kind: 'poll';
  /** Telegram's poll id, a positive long in decimal (the Bot API's `id`, MTProto's `poll.id`). */
  pollId: string;
  question: string;
  options: string[];
  /** The options' MTProto `option` bytes (hex) where the app that sent the poll chose them; else see polls.ts. */
  optionIds?: string[];
  /** Voters are not shown (MTProto `public_voters` unset); a bot hears no poll_answer for it. */
  anonymous: boolean;
  quiz: boolean;
  multipleAnswers: boolean;
  /** A quiz's right option. */
  correctOption?: number;
  /** A quiz's explanation, shown once someone has answered. */
  explanation?: string;
  explanationEntities?: SandboxEntity[];
  /** Seconds the poll stays open from `date`, and when it closes (either, or neither). */
  openPeriod?: number;
  closeDate?: number;
  closed: boolean;
  /** The bot that sent it: the one that hears its new states and answers. */
  senderBotId?: number;
  /** Each voter's choice (option indexes), in the order they first voted. */
  votes: { userId: number; options: number[] }[];
}

export type SandboxMessageMedia = SandboxFileMedia | SandboxPlainMedia;

/** Whether a message's media is a file (it has a file_id). */
export const isFileMedia = (media: SandboxMessageMedia): media is SandboxFileMedia => 'fileId' in media;

/**
 * Where a forwarded message was first written (Bot API `MessageOrigin`, MTProto `messageFwdHeader`): a person's or
 * a bot's message, a channel's post (with its id there), or a supergroup's message posted as the group itself. A
 * forward of a forward keeps the first origin.
 */
export type SandboxForwardOrigin =
  | { kind: 'user'; userId: number; date: number }
  | { kind: 'bot'; botId: number; date: number }
  | { kind: 'channel'; channelId: number; messageId: number; date: number }
  | { kind: 'chat'; channelId: number; date: number }
  /** A person whose forwards privacy forbids a link to their account: only the name they had then. */
  | { kind: 'hidden'; senderName: string; date: number };

/**
 * One reaction a user or bot put on a message (see reactions.ts): its emoji, when, and whether it was sent "big"
 * (with the full-screen animation). A user's reactions on one message are kept in the order they were added.
 */
export interface SandboxReaction {
  kind: 'user' | 'bot';
  id: number;
  emoticon: string;
  /** Unix seconds, in the world's time. */
  date: number;
  big?: boolean;
}

/**
 * What a service message says happened in its chat (MTProto `messageAction*`, the Bot API's `new_chat_members`,
 * `new_chat_title`...); written by service-messages.ts. A pin's message keeps the pinned id as its `replyToId`.
 */
export type SandboxServiceAction =
  /** A basic group was made with these members. */
  | { type: 'chat_create'; title: string; userIds: number[] }
  /** A channel or supergroup was made. */
  | { type: 'channel_create'; title: string }
  /** Users or bots were added (or a user joined a public group: then they are its sender and only member named). */
  | { type: 'chat_add_user'; userIds: number[] }
  /** The sender joined through an invite link made by `inviterId`. */
  | { type: 'chat_joined_by_link'; inviterId: number }
  /** The sender joined once an administrator approved their request to join (join-requests.ts). */
  | { type: 'chat_joined_by_request' }
  /** The user or bot left, or was removed by the sender. */
  | { type: 'chat_delete_user'; userId: number }
  | { type: 'chat_edit_title'; title: string }
  /** The chat's photo was set to the photo file `fileId` (see chat-photos.ts), or taken away. */
  | { type: 'chat_edit_photo'; fileId: string; size: number; date: number }
  | { type: 'chat_delete_photo' }
  | { type: 'pin_message' }
  /** A forum topic was made (forum-topics.ts); the service message's id is the topic's. */
  | { type: 'topic_create'; title: string; iconColor: number; iconEmojiId?: string }
  /**
   * A forum topic's name or icon changed (`iconEmojiId` '' is the icon taken away), or it was closed or reopened, or
   * the General topic was hidden or shown again.
   */
  | { type: 'topic_edit'; title?: string; iconEmojiId?: string; closed?: boolean; hidden?: boolean }
  /** The basic group was upgraded to the supergroup `channelId` (group-migration.ts); the group's last message. */
  | { type: 'chat_migrate_to'; channelId: number }
  /** The supergroup was made from the basic group `chatId`, titled `title` (group-migration.ts); its first message. */
  | { type: 'channel_migrate_from'; title: string; chatId: number };

/**
 * A topic of a forum supergroup (forum-topics.ts): its id is that of its "topic created" service message; the
 * General topic (id 1) is kept here only once something of it changed.
 */
export interface SandboxForumTopic {
  id: number;
  name: string;
  /** RGB, one of Telegram's six topic colors. */
  iconColor: number;
  /** A custom emoji shown as its icon, by id (decimal). */
  iconEmojiId?: string;
  closed?: boolean;
  /** The General topic only: hidden from the topic list. */
  hidden?: boolean;
  /** Who made it (a topic's maker may edit, close and delete it without the right to manage topics). */
  creator?: { kind: 'user' | 'bot'; id: number };
  /** Unix seconds. */
  date: number;
}

/** A chat's photo (chat-photos.ts): a photo file of `world.files`, and when it was set (unix seconds). */
export interface SandboxChatPhoto {
  fileId: string;
  size: number;
  date: number;
}

export interface ChannelMessage {
  /** Per channel, from 1. */
  id: number;
  /** Unix seconds. */
  date: number;
  text: string;
  views: number;
  forwards: number;
  replies: number;
  /** Views the post gathers in all beyond its first ones (broadcast posts; see `channel-counters.ts`). */
  reach?: number;
  /** Counters set through the control API; the curve goes on from them. */
  counters?: CounterAnchor;
  /** Users whose `messages.getMessagesViews` with `increment` counted a view. */
  viewedBy?: number[];
  editDate?: number;
  /** A user who posted (megagroup); undefined for channel posts. */
  fromUserId?: number;
  /** The bot that posted it, if any. */
  viaBotId?: number;
  /** Sent through this bot's inline mode (`via_bot`); see inline-queries.ts. */
  inlineBotId?: number;
  media?: SandboxMessageMedia;
  /** The inline keyboard a bot attached (Bot API `InlineKeyboardMarkup`), shown with the message. */
  replyMarkup?: Record<string, unknown>;
  /** Formatting of the text (bold, links...), offsets in UTF-16 units. */
  entities?: SandboxEntity[];
  /** The message of the same channel it answers. */
  replyToId?: number;
  /** Set on a forwarded message: where it was first written. */
  forwardOrigin?: SandboxForwardOrigin;
  /** Set on each message of an album (sendMediaGroup): the id the album's messages share (MTProto `grouped_id`). */
  mediaGroupId?: string;
  /** Sent with protect_content: it can be neither forwarded nor saved (MTProto `noforwards`). */
  noForwards?: boolean;
  deleted?: boolean;
  /** Pinned in the channel. */
  pinned?: boolean;
  /** Reactions of members and bots (a broadcast post's counts add the simulated audience's to them). */
  reactions?: SandboxReaction[];
  /** Set on a service message (it then has no text): what happened. */
  service?: SandboxServiceAction;
  /** The forum topic it is in (forum-topics.ts); undefined is the General topic, or a chat that is no forum. */
  topicId?: number;
}

export interface SandboxChannel {
  /** MTProto channel_id, 10 digits from 1000000001. */
  id: number;
  /** -(1000000000000 + id), i.e. "-100" + id. */
  botApiId: number;
  accessHash: bigint;
  title: string;
  username?: string;
  megagroup: boolean;
  creatorUserId: number;
  createdAt: Date;
  /** Keyed `${kind}:${id}`. */
  members: Map<string, ChannelMember>;
  /** Ascending id. */
  messages: ChannelMessage[];
  /** +1 per new, edited or deleted message. */
  pts: number;
  /** Subscribers beyond `members` (people the sandbox does not model one by one); see `subscriberCount`. */
  outsideSubscribers?: number;
  /** The chat's description (Bot API `description`, MTProto `about`). */
  about?: string;
  /** Users and bots banned from it, keyed `${kind}:${id}`. */
  banned?: Record<string, ChannelBan>;
  /** "Restrict saving content": no message of it can be forwarded or saved (MTProto `noforwards`). */
  noForwards?: boolean;
  /** The reactions its admins allow (reactions.ts); undefined is every standard one. */
  availableReactions?: ChatReactionChoice;
  /** What members may do by default (MTProto `default_banned_rights`); undefined is everything. */
  defaultPermissions?: ChatPermissions;
  /** Members (or people not in it yet) under a restriction of their own, keyed `${kind}:${id}`. */
  restricted?: Record<string, MemberRestriction>;
  /** The chat's photo, when it has one. */
  photo?: SandboxChatPhoto;
  /** A supergroup whose messages are split into topics (forum-topics.ts). */
  forum?: boolean;
  /** Its forum topics, oldest first (the General topic among them once changed). */
  topics?: SandboxForumTopic[];
}

export interface PrivateMessage {
  /** Global, increasing. */
  id: number;
  fromId: number;
  fromKind: 'user' | 'bot';
  toId: number;
  toKind: 'user' | 'bot';
  text: string;
  date: number;
  editDate?: number;
  /** Users who deleted it from their side of the chat (both, when deleted for everyone). */
  deletedFor?: number[];
  /** A document or photo sent with it (the text is then its caption). */
  media?: SandboxMessageMedia;
  entities?: SandboxEntity[];
  /** The message of the same chat it answers. */
  replyToId?: number;
  /** Set on a forwarded message: where it was first written. */
  forwardOrigin?: SandboxForwardOrigin;
  /** Set on each message of an album (sendMediaGroup): the id the album's messages share (MTProto `grouped_id`). */
  mediaGroupId?: string;
  /** Sent with protect_content: it can be neither forwarded nor saved (MTProto `noforwards`). */
  noForwards?: boolean;
  /** Pinned in the chat (for both sides). */
  pinned?: boolean;
  /** Reactions of the two sides. */
  reactions?: SandboxReaction[];
  /** A payment's service message (the user paid an invoice in Stars: payments.ts): the charge, what was paid. */
  payment?: SandboxPaymentNotice;
  /** Sent through this bot's inline mode (`via_bot`); see inline-queries.ts. */
  inlineBotId?: number;
  /** A service message of data a keyboard button's Mini App sent the bot (web-apps.ts). */
  webAppData?: SandboxWebAppData;
  /** A service message of a player's new high score in a game of the chat (games.ts). */
  gameScore?: SandboxGameScoreNotice;
}

/** What a game score's service message says: who scored, how much, in which game message. */
export interface SandboxGameScoreNotice {
  userId: number;
  score: number;
  gameMessageId: number;
  /** The game's id (its media's `gameId`). */
  gameId: string;
}

/** What a keyboard button's Mini App sent its bot (Telegram.WebApp.sendData): the data and the button's text. */
export interface SandboxWebAppData {
  data: string;
  buttonText: string;
}

/**
 * A formatting entity of a message's text, in the Bot API's terms (`bold`, `text_link`, `pre`...): offset and
 * length in UTF-16 units. The MTProto door turns them into `messageEntity*` objects and back.
 */
export interface SandboxEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  /** `text_mention`: the user it names. */
  userId?: number;
  customEmojiId?: string;
}

/** Who may write to a user first: Telegram's "who can send me messages" setting. */
export type MessagePrivacy = 'everybody' | 'contacts' | 'nobody';
export const MESSAGE_PRIVACY_VALUES: readonly MessagePrivacy[] = ['everybody', 'contacts', 'nobody'];

/**
 * One rule of a user's privacy setting (MTProto `privacyValue*`), as their app gave it: everybody, contacts, listed
 * users or members of listed chats, bots; allowed or not. Premium and close-friends rules are kept but match nobody
 * here (the sandbox has neither).
 */
export interface PrivacyRule {
  allow: boolean;
  who: 'all' | 'contacts' | 'users' | 'chat_participants' | 'bots' | 'premium' | 'close_friends';
  /** User (or bot) ids for `users`; basic group or channel ids for `chat_participants`. */
  ids?: number[];
}

/**
 * The privacy keys the world applies; any other key a client sets is kept and given back, with no effect. `forwards`:
 * "who can add a link to my account when forwarding my messages".
 */
export const PRIVACY_KEY_FORWARDS = 'forwards';

/** A key the user never set: everybody (a rule list with no rule matching is a refusal). */
const PRIVACY_DEFAULT: PrivacyRule[] = [{ allow: true, who: 'all' }];

/** One entry of a user's contact list, under the name the user gave it. */
export interface SandboxContact {
  userId: number;
  firstName: string;
  lastName: string;
  /** Unix seconds. */
  addedAt: number;
}

/** An invite link of a channel (`https://t.me/+<hash>`), made by one of its admins. */
export interface ChannelInvite {
  hash: string;
  channelId: number;
  adminUserId: number;
  /** Unix seconds. */
  date: number;
  /** Unix seconds; the link stops working then. */
  expireDate?: number;
  usageLimit?: number;
  usage: number;
  revoked: boolean;
  title?: string;
  /** The chat's primary link (one at a time: a new one revokes the old). */
  primary?: boolean;
  /** Joining through it asks the chat's administrators first. */
  createsJoinRequest?: boolean;
}

/** A user's unsent message for one chat (messages.saveDraft), kept in `world.drafts` (drafts.ts). */
export interface SandboxDraft {
  userId: number;
  /** The chat as Telegram's peers name it: a person or bot (`user`), a basic group (`chat`), a channel. */
  peerKind: 'user' | 'chat' | 'channel';
  peerId: number;
  text: string;
  entities?: SandboxEntity[];
  /** The message it answers, if one. */
  replyToId?: number;
  /** Link previews turned off. */
  noWebpage?: boolean;
  /** When it was saved (unix seconds). */
  date: number;
}

/** A person or bot a user blocked (contacts.block), kept in `world.blockedPeers` (blocking.ts). */
export interface BlockedPeer {
  userId: number;
  peerKind: 'user' | 'bot';
  peerId: number;
  /** When it was blocked (unix seconds). */
  date: number;
}

/**
 * A user who came to a channel through one of its invite links (join-requests.ts): one who joined by it, or, with
 * `requested`, one whose request to join waits for an administrator.
 */
export interface InviteImporter {
  inviteHash: string;
  channelId: number;
  userId: number;
  /** Unix seconds: when they joined, or asked to. */
  date: number;
  /** The request waits for an administrator's answer. */
  requested?: boolean;
  /** The administrator (user or bot id) who let them in on their request. */
  approvedBy?: number;
}

/** What a user's send with one `random_id` produced: the message a repeat of it answers with. */
export interface SentRandomId {
  /** The channel the message went to; undefined for a private or basic group message. */
  channelId?: number;
  /** The basic group the message went to. */
  groupId?: number;
  messageId: number;
}

/**
 * A message a user sent through a bot's inline mode with the result's inline keyboard: its buttons' presses go to
 * that bot with the message's `inline_message_id` (see inline-queries.ts).
 */
export interface InlineKeyboardMessage {
  botId: number;
  /** Where the message is, as a send records it (a private message by its id; a group's or channel's with theirs). */
  sent: SentRandomId;
  replyMarkup: Record<string, unknown>;
}

/** Telegram's limit on the channels and supergroups one account is in (created or joined). */
export const DEFAULT_CHANNEL_LIMIT = 500;
/**
 * Messages one account may send in any minute before Telegram answers FLOOD_WAIT_X (Telegram publishes no figure
 * for user accounts; about one a second is what accounts are known to sustain). Applies while limits are on.
 */
export const DEFAULT_SENDS_PER_MINUTE = 60;

/** Payload of {@link WorldEvent.PrivateHistoryRead}: `userId` has read their chat with the peer up to `maxId`. */
/**
 * A basic group (Telegram's `chat`, not a supergroup): a small group whose messages live in each member's
 * own message box. The Bot API names it by its negative id, `chat.type` "group".
 */
export interface SandboxBasicGroup {
  id: number;
  title: string;
  creatorUserId: number;
  userIds: number[];
  /**
   * Bots in it; an administrator bot, or one with privacy mode off, hears every message, any other only commands,
   * mentions of it and replies to its messages.
   */
  bots: { id: number; admin: boolean }[];
  messages: BasicGroupMessage[];
  createdAt: Date;
  /** The group's description. */
  about?: string;
  /** "Restrict saving content": no message of it can be forwarded or saved (MTProto `noforwards`). */
  noForwards?: boolean;
  /** The reactions its creator allows (reactions.ts); undefined is every standard one. */
  availableReactions?: ChatReactionChoice;
  /** The group's photo, when it has one. */
  photo?: SandboxChatPhoto;
  /** By member id: who added them after the group was made, and when (unix seconds). */
  invitedBy?: Record<string, { inviterId: number; date: number }>;
  /** Set once the group was upgraded to a supergroup (group-migration.ts): it is deactivated, and names that one. */
  migratedTo?: { channelId: number; accessHash: bigint };
}

/** Which reactions a chat allows, when not every standard one: none, or some emoji. */
export type ChatReactionChoice = { kind: 'none' } | { kind: 'some'; emoticons: string[] };

export interface BasicGroupMessage {
  id: number;
  /** The member who wrote it; undefined for a bot's message. */
  fromUserId?: number;
  /** The bot in the group that sent it, if a bot did. */
  fromBotId?: number;
  /** The text, or the caption of the media. */
  text: string;
  /** Unix seconds. */
  date: number;
  media?: SandboxMessageMedia;
  entities?: SandboxEntity[];
  /** The message of the same group it answers. */
  replyToId?: number;
  /** Set on a forwarded message: where it was first written. */
  forwardOrigin?: SandboxForwardOrigin;
  /** Set on each message of an album (sendMediaGroup): the id the album's messages share (MTProto `grouped_id`). */
  mediaGroupId?: string;
  /** Sent with protect_content: it can be neither forwarded nor saved (MTProto `noforwards`). */
  noForwards?: boolean;
  editDate?: number;
  /** Pinned in the group. */
  pinned?: boolean;
  /** Reactions of the group's members and bots. */
  reactions?: SandboxReaction[];
  /** Set on a service message (it then has no text): what happened. */
  service?: SandboxServiceAction;
  /** Members who deleted it for themselves only (see basic-group-management.ts). */
  deletedFor?: number[];
  /** Sent through this bot's inline mode (`via_bot`); see inline-queries.ts. */
  inlineBotId?: number;
}

/** What a basic group's message carries beyond its text. */
export interface BasicGroupMessageExtras {
  service?: SandboxServiceAction;
  media?: SandboxMessageMedia;
  entities?: SandboxEntity[];
  replyToId?: number;
  forwardOrigin?: SandboxForwardOrigin;
  mediaGroupId?: string;
  noForwards?: boolean;
  inlineBotId?: number;
}

/** Payload of {@link WorldEvent.BasicGroupMessage}. */
export interface BasicGroupMessageEvent {
  group: SandboxBasicGroup;
  message: BasicGroupMessage;
}

/** A chat whose messages can be pinned: a channel or supergroup, a basic group, or a user's private chat with a peer. */
export type PinChat =
  | { kind: 'channel'; channel: SandboxChannel }
  | { kind: 'group'; group: SandboxBasicGroup }
  | { kind: 'private'; userId: number; peerKind: 'user' | 'bot'; peerId: number };

/** Payload of {@link WorldEvent.MessagesPinned}: the messages of the chat that were pinned, or unpinned. */
export interface MessagesPinnedEvent {
  chat: PinChat;
  messageIds: number[];
  pinned: boolean;
  /** Who pinned or unpinned them, when told (admin-log.ts). */
  by?: { kind: 'user' | 'bot'; id: number };
}

/** Payload of {@link WorldEvent.BasicGroupBotLeft}: the bot is no longer in the group. */
export interface BasicGroupBotLeftEvent {
  group: SandboxBasicGroup;
  /** The bot as it was in the group. */
  bot: { id: number; admin: boolean };
  /** The member who removed it; undefined when it left by itself. */
  byUserId?: number;
}

/** Payload of {@link WorldEvent.BasicGroupMemberAdded}: a member added a user or a bot to the group. */
export interface BasicGroupMemberAddedEvent {
  group: SandboxBasicGroup;
  member: { kind: 'user' | 'bot'; id: number };
  byUserId: number;
}

/** Payload of {@link WorldEvent.BasicGroupMessagesDeleted}: messages of the group gone for these members. */
export interface BasicGroupMessagesDeletedEvent {
  group: SandboxBasicGroup;
  messageIds: number[];
  userIds: number[];
}

/** Payload of {@link WorldEvent.ContactAdded}: `userId` is now in `ownerId`'s contacts (added, or renamed there). */
export interface ContactAddedEvent {
  ownerId: number;
  userId: number;
}

export interface PrivateHistoryReadEvent {
  userId: number;
  peerKind: 'user' | 'bot';
  peerId: number;
  maxId: number;
}

/** Payload of {@link WorldEvent.PrivateMessagesDeleted}: per user, the ids that left their chat list. */
export interface PrivateMessagesDeletedEvent {
  deletions: { userId: number; messageIds: number[] }[];
}

export interface LoginCode {
  /** 5 digits. */
  code: string;
  phone: string;
  /** Random hex. */
  phoneCodeHash: string;
  /** Hex of the auth key id that asked: the code is bound to it. */
  authKeyId: string;
  sentAt: Date;
  expiresAt: Date;
  used: boolean;
}

export interface LoginToken {
  /** Random bytes; the QR url carries base64url(token). */
  token: Buffer;
  authKeyId: string;
  expiresAt: Date;
  acceptedByUserId?: number;
}

/** Bytes uploaded through either door, addressed by their Bot API file_id. */
export interface SandboxFile extends MediaAttributes {
  fileId: string;
  fileUniqueId: string;
  kind: MediaKind;
  data: Buffer;
  size: number;
  fileName?: string;
  mimeType?: string;
  /** Relative path served at `/file/bot<token>/<filePath>`. */
  filePath: string;
  /** The bot that uploaded it, when a bot did. */
  ownerBotId?: number;
  /** Pixel size, for photos. */
  width?: number;
  height?: number;
  createdAt: Date;
}

/** A sticker set a bot made for a user (stickers.ts). */
export interface SandboxStickerSet {
  /** Its MTProto id and access hash. */
  id: bigint;
  accessHash: bigint;
  /** Its short name as given (`..._by_<bot username>`), and its title. */
  name: string;
  title: string;
  /** The user it was made for (its owner) and the bot that made it. */
  ownerUserId: number;
  botId: number;
  /** Its stickers' file_ids, in order. */
  stickers: string[];
  /** Each sticker's emoji, by file_id. */
  emojis: Record<string, string[]>;
}

export type FaultSpec = { door: 'bot' | 'mtproto'; method: string; error: string | number; times: number };

export enum WorldEvent {
  /** Payload {@link ChannelMessageEvent}. */
  ChannelMessage = 'channelMessage',
  /** Payload {@link ChannelMessageEvent}. */
  ChannelMessageEdited = 'channelMessageEdited',
  /** Payload {@link PrivateMessage}. */
  PrivateMessage = 'privateMessage',
  /** Payload {@link PrivateMessage} (with `editDate`). */
  PrivateMessageEdited = 'privateMessageEdited',
  /** Payload {@link MemberChangedEvent}. */
  MemberChanged = 'memberChanged',
  /** Payload `PollUpdatedEvent` (polls.ts): a poll's votes changed, or it closed. */
  PollUpdated = 'pollUpdated',
  /** Payload `{ userId: number }`. */
  SessionsRevoked = 'sessionsRevoked',
  /** Payload `{ token: LoginToken; userId: number }`. */
  LoginTokenAccepted = 'loginTokenAccepted',
  Reset = 'reset',
  /** Payload {@link ChannelMessageEvent} (the message carries `deleted: true`). */
  ChannelMessageDeleted = 'channelMessageDeleted',
  /** Payload {@link PrivateMessagesDeletedEvent}. */
  PrivateMessagesDeleted = 'privateMessagesDeleted',
  /** Payload {@link PrivateHistoryReadEvent}. */
  PrivateHistoryRead = 'privateHistoryRead',
  /** Payload {@link ContactAddedEvent}. */
  ContactAdded = 'contactAdded',
  /** Payload {@link BasicGroupMessageEvent}. */
  BasicGroupMessage = 'basicGroupMessage',
  /** Payload {@link SandboxBasicGroup}: a group was created with its members in it. */
  BasicGroupCreated = 'basicGroupCreated',
  /** Payload {@link BasicGroupMessageEvent} (the message carries `editDate`). */
  BasicGroupMessageEdited = 'basicGroupMessageEdited',
  /** Payload {@link BasicGroupBotLeftEvent}. */
  BasicGroupBotLeft = 'basicGroupBotLeft',
  /** Payload {@link BasicGroupMemberAddedEvent}. */
  BasicGroupMemberAdded = 'basicGroupMemberAdded',
  /** Payload {@link BasicGroupMessagesDeletedEvent}. */
  BasicGroupMessagesDeleted = 'basicGroupMessagesDeleted',
  /** Payload {@link MessagesPinnedEvent}. */
  MessagesPinned = 'messagesPinned',
  /** Payload {@link SandboxChannel}: its title or description changed. */
  ChannelEdited = 'channelEdited',
  /** Payload {@link MessageReactionsEvent}. */
  MessageReactions = 'messageReactions',
  /** Payload `JoinRequestedEvent` (join-requests.ts): a user asked to join a chat through a link. */
  JoinRequested = 'joinRequested',
  /** Payload {@link SandboxChannel}: its requests to join waiting for an administrator changed. */
  PendingJoinRequests = 'pendingJoinRequests',
  /** Payload `PeerBlockedEvent` (blocking.ts): a user blocked or unblocked a person or a bot. */
  PeerBlocked = 'peerBlocked',
  /** Payload `PreCheckoutEvent` (payments.ts): a user confirmed a payment; the bot must say yes or no. */
  PreCheckoutQuery = 'preCheckoutQuery',
  /** Payload `InlineQueryEvent` (inline-queries.ts): a user typed `@bot query`, or chose one of its results. */
  InlineQuery = 'inlineQuery',
  /** Payload `WebViewResultSentEvent` (web-app-queries.ts): a bot answered a Mini App's web view query. */
  WebViewResultSent = 'webViewResultSent',
  /** No payload: the world's clock was moved forward, stopped or let run again (what waits on it looks again). */
  ClockMoved = 'clockMoved',
}

/** A message with the chat it is in: what a poll's or a reaction's changes are told to. */
export type MessageInChat =
  | { kind: 'channel'; channel: SandboxChannel; message: ChannelMessage }
  | { kind: 'group'; group: SandboxBasicGroup; message: BasicGroupMessage }
  | { kind: 'private'; message: PrivateMessage };

/** A message that can carry reactions, with the chat it is in. */
export type ReactedMessage = MessageInChat;

/** Payload of {@link WorldEvent.MessageReactions}: a user or bot changed their reactions on a message. */
export interface MessageReactionsEvent {
  target: ReactedMessage;
  reactor: { kind: 'user' | 'bot'; id: number };
  /** The reactor's emoji before and after, in the order they were added. */
  old: string[];
  now: string[];
  /** Unix seconds, in the world's time. */
  date: number;
}

export interface ChannelMessageEvent {
  channel: SandboxChannel;
  message: ChannelMessage;
  /** On an edit, the bot that made it (a bot hears nothing of its own edits). */
  editorBotId?: number;
  /** On an edit, the user who made it, when told, and the message as it was before (admin-log.ts). */
  editorUserId?: number;
  prev?: ChannelMessage;
  /** On a deletion, who deleted it, when told. */
  by?: { kind: 'user' | 'bot'; id: number };
}

export interface MemberChangedEvent {
  channel: SandboxChannel;
  /** After the change; on removal a copy of the former member with admin rights cleared. */
  member: ChannelMember;
  old?: ChannelMember;
  actorUserId?: number;
  /** A bot that made the change itself (a bot leaving the chat). */
  actorBotId?: number;
  /** True when the member was removed from the channel. */
  left: boolean;
  /** The ban the member is now under (removed by a ban). */
  ban?: ChannelBan;
  /** The ban the member was under before the change (a ban lifted, or replaced). */
  oldBan?: ChannelBan;
  /** A restriction changed (chat-permissions.ts): the one before and the one now (undefined when none). */
  restriction?: { old?: MemberRestriction; now?: MemberRestriction };
}

/**
 * A member's standing before or after a change, as a channel's admin log shows it (admin-log.ts): in the chat (a
 * member, administrator or creator, maybe under a restriction of their own), or out of it (left, or banned).
 */
export interface AdminLogParticipant {
  kind: 'user' | 'bot';
  id: number;
  member?: ChannelMember;
  ban?: ChannelBan;
  restriction?: MemberRestriction;
}

/** What an admin log event says happened (MTProto's `channelAdminLogEventAction*`). */
export type AdminLogAction =
  | { type: 'title'; prev: string; now: string }
  | { type: 'about'; prev: string; now: string }
  | { type: 'photo'; prev?: SandboxChatPhoto; now?: SandboxChatPhoto }
  | { type: 'edit'; prev: ChannelMessage; now: ChannelMessage }
  | { type: 'delete'; message: ChannelMessage }
  | { type: 'pin'; message: ChannelMessage; pinned: boolean }
  /** The actor joined: by themselves, through an invite link, or let in on their request by `approvedBy`. */
  | { type: 'join'; inviteHash?: string; approvedBy?: number }
  | { type: 'leave' }
  | { type: 'invite'; participant: AdminLogParticipant }
  | { type: 'admin'; prev: AdminLogParticipant; now: AdminLogParticipant }
  | { type: 'ban'; prev: AdminLogParticipant; now: AdminLogParticipant }
  | { type: 'default_rights'; prev: ChatPermissions; now: ChatPermissions }
  /** An invite link revoked, or its settings changed (the link as it was, and is). */
  | { type: 'invite_revoke'; invite: ChannelInvite }
  | { type: 'invite_edit'; prev: ChannelInvite; now: ChannelInvite };

/** One event of a channel's or supergroup's admin log (admin-log.ts): who did what, when. */
export interface AdminLogEvent {
  id: number;
  channelId: number;
  /** Unix seconds, by the world's clock. */
  date: number;
  /** The user or bot who did it. */
  actorId: number;
  action: AdminLogAction;
}

export class SandboxConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxConflictError';
  }
}

export class SandboxNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxNotFoundError';
  }
}

/** Input the world refuses whatever its state (bad phone, bad bot username...). */
export class SandboxInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxInvalidError';
  }
}

const FIRST_USER_ID = 100000001;
const FIRST_BOT_ID = 7000000001;
const FIRST_CHANNEL_ID = 1000000001;
const FIRST_BASIC_GROUP_ID = 400000001;
/** How many ids of each kind one block holds (see {@link SandboxWorld.startIdsAt}). */
export const ID_BLOCK_SIZE = 100_000;
/**
 * How many blocks a world can start its ids in. Block b issues users from 100000001 + b × 100000, bots from
 * 7000000001 + b × 100000, channels from 1000000001 + b × 100000: bot and channel ids keep Telegram's 10 digits
 * (a channel's Bot API id stays "-100" and its id).
 */
export const ID_BLOCKS = 30_000;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
/**
 * Telegram's rule for a username one can claim (the 4-character ones are auction-only collectibles):
 * 5-32 of a-z, 0-9 and '_', first a letter, no '__' anywhere, no '_' at the end.
 */
const USERNAME_RE = /^[A-Za-z](?!.*__)[A-Za-z0-9_]{3,30}[A-Za-z0-9]$/;

export const normalizePhone = (phone: string): string => phone.replace(/\D+/g, '');

/** A language tag as apps name theirs: a 2-3 letter language, then subtags (`en`, `pt-br`, `zh-hans`). */
export const isLanguageTag = (code: string): boolean => /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(code);
const normalizeUsername = (username: string): string => username.replace(/^@/, '').toLowerCase();
const memberKey = (kind: 'user' | 'bot', id: number): string => `${kind}:${id}`;

/** Subscribers (participants) of a channel or supergroup: its members plus the audience set for it. */
export function subscriberCount(channel: SandboxChannel): number {
  return channel.members.size + (channel.outsideSubscribers ?? 0);
}

/** A random positive 63-bit integer, like Telegram's access hashes. */
export function randomAccessHash(): bigint {
  const value = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
  return value === 0n ? 1n : value;
}

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += TOKEN_ALPHABET[b & 63];
  return out;
}

export class SandboxWorld extends EventEmitter {
  limitsEnabled: boolean;
  codeTtlSeconds: number;
  /** Uploaded files by file_id. */
  readonly files = new Map<string, SandboxFile>();
  /** Every user's and channel's pts/qts/seq and update log (plain data, kept by `updates/`). */
  updateState: UpdateState = emptyUpdateState();
  /** How far each user has read each private chat: `${userId}:${peerKind}:${peerId}` → newest message id read. */
  privateReadMarks: Record<string, number> = {};
  /** How far each user has read each channel they are in: `${userId}:${channelId}` → newest message id read. */
  channelReadMarks: Record<string, number> = {};
  /** Each user's "who can send me messages" setting by user id (missing: everybody). */
  messagePrivacy: Record<string, MessagePrivacy> = {};
  /** Each user's privacy rules by user id, then by key (e.g. {@link PRIVACY_KEY_FORWARDS}); missing: everybody. */
  privacyRules: Record<string, Record<string, PrivacyRule[]>> = {};
  /** Each user's contact list by user id. */
  contactLists: Record<string, SandboxContact[]> = {};
  /**
   * Each user's last account.updateStatus by user id (missing: never told, shown as "recently"): online until `at`,
   * or offline since `at` (unix seconds).
   */
  presence: Record<string, UserPresence> = {};
  /** Basic groups by id. */
  basicGroups: Record<string, SandboxBasicGroup> = {};
  /** Per user id, how many channels and supergroups they may be in (missing: {@link DEFAULT_CHANNEL_LIMIT}). */
  channelLimits: Record<string, number> = {};
  /** Per user id, the sends per minute allowed before FLOOD_WAIT (missing: {@link DEFAULT_SENDS_PER_MINUTE}). */
  sendLimits: Record<string, number> = {};
  /** Invite links by hash. */
  invites: Record<string, ChannelInvite> = {};
  /** Who came by the invite links, and the requests to join waiting for an administrator (join-requests.ts). */
  inviteImporters: InviteImporter[] = [];
  /** Whom each user blocked, oldest first (blocking.ts). */
  blockedPeers: BlockedPeer[] = [];
  /** Each user's drafts by `${userId}:${peerKind}:${peerId}` (drafts.ts). */
  drafts: Record<string, SandboxDraft> = {};
  /** Channels' and supergroups' admin logs, oldest first, each event kept 48 hours (admin-log.ts). */
  adminLog: AdminLogEvent[] = [];
  /** The next admin log event's id (ids keep increasing, across resets too). */
  nextAdminLogEventId = 1;
  /** What each user's sends produced, by `${userId}:${random_id}`: a repeated send answers with the first. */
  sentByRandomId: Record<string, SentRandomId> = {};
  /** Each bot's own profile and settings by bot id (names, descriptions, commands, menu buttons): bot-profile.ts. */
  botProfiles: Record<string, BotProfile> = {};
  /** Sticker sets by their short name in lower case (stickers.ts). */
  stickerSets: Record<string, SandboxStickerSet> = {};
  /** Each user's Telegram Stars by user id (missing: none); a bot's are its payments' (payments.ts). */
  starBalances: Record<string, number> = {};
  /** Every payment in Stars, oldest first (payments.ts). */
  starPayments: StarPayment[] = [];
  /** Invoices made by createInvoiceLink, by slug. */
  invoiceLinks: Record<string, InvoiceLink> = {};
  /** Messages sent via a bot's inline mode with an inline keyboard, by inline_message_id (inline-queries.ts). */
  inlineMessages: Record<string, InlineKeyboardMessage> = {};
  /** Each bot's games by bot id, in the order registered (games.ts). */
  botGames: Record<string, SandboxGame[]> = {};
  /** Scores of each game message by `private:<id>`, `group:<groupId>:<id>` or `channel:<channelId>:<id>`. */
  gameScores: Record<string, SandboxGameScore[]> = {};
  /**
   * How far the world's clock is ahead of the machine's, moved by `advanceClock` (the control API's
   * `POST /sandbox/clock`). Message dates and the age of posts (their counters) follow the world's clock.
   */
  clockOffsetMs = 0;
  /** Set while the world's clock stands still (`freezeClock`): the world's time it stands at, in ms. */
  clockFrozenAtMs: number | undefined = undefined;

  private readonly defaultLimitsEnabled: boolean;
  private readonly users = new Map<number, SandboxUser>();
  private readonly bots = new Map<number, SandboxBot>();
  private readonly channels = new Map<number, SandboxChannel>();
  private privateMessages: PrivateMessage[] = [];
  private codes: LoginCode[] = [];
  private loginTokens: LoginToken[] = [];
  private faults: FaultSpec[] = [];
  // Ids keep increasing across reset() so a stale reference (an old session or token) can never
  // alias an entity created after the reset.
  private nextUserId = FIRST_USER_ID;
  private nextBotId = FIRST_BOT_ID;
  private nextChannelId = FIRST_CHANNEL_ID;
  private nextPrivateMessageId = 1;
  private nextBasicGroupId = FIRST_BASIC_GROUP_ID;

  /** The machine's clock in ms (injectable for tests). */
  private readonly clock: () => number;

  constructor(opts?: { codeTtlSeconds?: number; limitsEnabled?: boolean; clock?: () => number }) {
    super();
    this.clock = opts?.clock ?? Date.now;
    // Doors and tests subscribe freely; the default cap of 10 would only produce noise.
    this.setMaxListeners(0);
    this.codeTtlSeconds = opts?.codeTtlSeconds ?? 300;
    this.defaultLimitsEnabled = opts?.limitsEnabled ?? true;
    this.limitsEnabled = this.defaultLimitsEnabled;
  }

  /**
   * Issues ids from block `block` (0 to {@link ID_BLOCKS} - 1) of each kind's range on: a world with nothing stored
   * starts in a block of its own (`startSandbox` picks it at random), so its users, bots and channels do not take
   * ids an earlier world issued, which a product's database may still hold. A counter never goes down.
   */
  startIdsAt(block: number): void {
    if (!Number.isSafeInteger(block) || block < 0 || block >= ID_BLOCKS) {
      throw new RangeError(`an id block is an integer from 0 to ${ID_BLOCKS - 1}`);
    }
    const offset = block * ID_BLOCK_SIZE;
    this.nextUserId = Math.max(this.nextUserId, FIRST_USER_ID + offset);
    this.nextBotId = Math.max(this.nextBotId, FIRST_BOT_ID + offset);
    this.nextChannelId = Math.max(this.nextChannelId, FIRST_CHANNEL_ID + offset);
    this.nextBasicGroupId = Math.max(this.nextBasicGroupId, FIRST_BASIC_GROUP_ID + offset);
  }

  // ---- users ----

  createUser(input: {
    phone: string;
    firstName: string;
    lastName?: string;
    username?: string;
    password?: string;
    languageCode?: string;
  }): SandboxUser {
    const phone = normalizePhone(input.phone);
    if (input.languageCode !== undefined && !isLanguageTag(input.languageCode)) {
      throw new SandboxInvalidError('language_code must be an IETF language tag such as en or pt-br');
    }
    if (phone.length < 5 || phone.length > 15) throw new SandboxInvalidError('phone must have 5 to 15 digits');
    if (!input.firstName.trim()) throw new SandboxInvalidError('first name must not be empty');
    if (this.findUserByPhone(phone)) throw new SandboxConflictError('a user with this phone already exists');
    const username = input.username === undefined ? undefined : this.checkNewUsername(input.username);
    const user: SandboxUser = {
      id: this.nextUserId++,
      accessHash: randomAccessHash(),
      phone,
      firstName: input.firstName,
      lastName: input.lastName ?? '',
      username,
      password: input.password === '' ? undefined : input.password,
      languageCode: input.languageCode?.toLowerCase(),
      createdAt: new Date(),
    };
    this.users.set(user.id, user);
    return user;
  }

  findUserByPhone(phone: string): SandboxUser | undefined {
    const digits = normalizePhone(phone);
    if (!digits) return undefined;
    for (const u of this.users.values()) if (u.phone === digits) return u;
    return undefined;
  }

  findUserById(id: number): SandboxUser | undefined {
    return this.users.get(id);
  }

  findUserByUsername(username: string): SandboxUser | undefined {
    const wanted = normalizeUsername(username);
    for (const u of this.users.values()) if (u.username?.toLowerCase() === wanted) return u;
    return undefined;
  }

  setPassword(userId: number, password: string | undefined): void {
    const user = this.users.get(userId);
    if (!user) throw new SandboxNotFoundError('user not found');
    user.password = password === '' ? undefined : password;
  }

  listUsers(): SandboxUser[] {
    return [...this.users.values()];
  }

  // ---- bots ----

  createBot(input: { username: string; ownerPhone?: string; firstName?: string }): SandboxBot {
    const username = this.checkNewUsername(input.username);
    if (!/bot$/i.test(username)) throw new SandboxInvalidError("a bot's username must end with 'bot'");
    let ownerUserId: number | undefined;
    if (input.ownerPhone !== undefined) {
      const owner = this.findUserByPhone(input.ownerPhone);
      if (!owner) throw new SandboxNotFoundError('owner user not found');
      ownerUserId = owner.id;
    }
    const id = this.nextBotId++;
    const bot: SandboxBot = {
      id,
      accessHash: randomAccessHash(),
      token: `${id}:${randomToken(35)}`,
      username,
      firstName: input.firstName?.trim() || username.replace(/_?bot$/i, '') || username,
      ownerUserId,
      createdAt: new Date(),
    };
    this.bots.set(id, bot);
    return bot;
  }

  findBotById(id: number): SandboxBot | undefined {
    return this.bots.get(id);
  }

  findBotByToken(token: string): SandboxBot | undefined {
    const id = Number(token.split(':', 1)[0]);
    const bot = Number.isSafeInteger(id) ? this.bots.get(id) : undefined;
    return bot && bot.token === token ? bot : undefined;
  }

  findBotByUsername(username: string): SandboxBot | undefined {
    const wanted = normalizeUsername(username);
    for (const b of this.bots.values()) if (b.username.toLowerCase() === wanted) return b;
    return undefined;
  }

  listBots(): SandboxBot[] {
    return [...this.bots.values()];
  }

  /** Whether the bot hears only what is meant for it in groups (privacy mode, on unless turned off). */
  groupPrivacyOf(bot: SandboxBot): boolean {
    return bot.groupPrivacy ?? true;
  }

  /** BotFather's /setprivacy: turns the bot's privacy mode in groups on or off. */
  setGroupPrivacy(botId: number, enabled: boolean): SandboxBot {
    const bot = this.bots.get(botId);
    if (!bot) throw new SandboxNotFoundError('bot not found');
    bot.groupPrivacy = enabled;
    return bot;
  }

  // ---- channels ----

  createChannel(input: { title: string; username?: string; ownerPhone: string; megagroup?: boolean }): SandboxChannel {
    if (!input.title.trim()) throw new SandboxInvalidError('title must not be empty');
    const owner = this.findUserByPhone(input.ownerPhone);
    if (!owner) throw new SandboxNotFoundError('owner user not found');
    const username = input.username === undefined ? undefined : this.checkNewUsername(input.username);
    const id = this.nextChannelId++;
    const now = new Date();
    const channel: SandboxChannel = {
      id,
      botApiId: -(1000000000000 + id),
      accessHash: randomAccessHash(),
      title: input.title,
      username,
      megagroup: input.megagroup ?? false,
      creatorUserId: owner.id,
      createdAt: now,
      members: new Map(),
      messages: [],
      pts: 1,
    };
    channel.members.set(memberKey('user', owner.id), {
      kind: 'user',
      id: owner.id,
      admin: true,
      canPostMessages: true,
      creator: true,
      joinedAt: now,
    });
    this.channels.set(id, channel);
    return channel;
  }

  /** Accepts the MTProto channel_id, the Bot API id (-100…, number or string), or a username with or without '@'. */
  findChannel(id: number | string): SandboxChannel | undefined {
    if (typeof id === 'string') {
      const trimmed = id.trim();
      if (/^-?\d+$/.test(trimmed)) return this.findChannel(Number(trimmed));
      const wanted = normalizeUsername(trimmed);
      for (const c of this.channels.values()) if (c.username?.toLowerCase() === wanted) return c;
      return undefined;
    }
    if (!Number.isSafeInteger(id)) return undefined;
    if (id > 0) return this.channels.get(id);
    const channelId = -id - 1000000000000;
    return channelId > 0 ? this.channels.get(channelId) : undefined;
  }

  listChannels(): SandboxChannel[] {
    return [...this.channels.values()];
  }

  setMember(
    channelId: number,
    m: {
      kind: 'user' | 'bot';
      id: number;
      admin?: boolean;
      canPostMessages?: boolean;
      /** With `promotedBy`: the administrator's rights one by one; undefined keeps those it had. */
      rights?: Partial<AdminRights>;
      promotedBy?: { kind: 'user' | 'bot'; id: number };
      /** The administrator's custom title; undefined keeps the one it had, '' removes it. */
      rank?: string;
    },
    actorUserId?: number,
    /** A bot that made the change (promoteChatMember). */
    actorBotId?: number,
  ): ChannelMember {
    const channel = this.requireChannel(channelId);
    if (m.kind === 'user' ? !this.users.has(m.id) : !this.bots.has(m.id)) {
      throw new SandboxNotFoundError(`${m.kind} not found`);
    }
    const key = memberKey(m.kind, m.id);
    const existing = channel.members.get(key);
    const old = existing ? { ...existing } : undefined;
    let member: ChannelMember;
    if (existing?.creator) {
      // The creator keeps every right: Telegram does not let anyone demote the owner.
      member = existing;
    } else {
      const admin = m.admin ?? existing?.admin ?? false;
      // A new admin of a channel may post unless told otherwise; a plain member never can.
      const canPostMessages = admin
        ? (m.canPostMessages ?? (existing?.admin ? existing.canPostMessages : true))
        : false;
      member = {
        kind: m.kind,
        id: m.id,
        admin,
        canPostMessages,
        creator: false,
        joinedAt: existing?.joinedAt ?? new Date(),
      };
      const rights = m.rights ? m : existing;
      if (admin && rights?.rights) {
        member.rights = rights.rights;
        if (rights.promotedBy) member.promotedBy = rights.promotedBy;
      }
      const rank = m.rank ?? (existing?.admin ? existing.rank : undefined);
      if (admin && rank) member.rank = rank;
      channel.members.set(key, member);
      // A newcomer starts with everything posted before they came counted as read.
      if (!existing && m.kind === 'user') this.channelReadMarks[`${m.id}:${channel.id}`] = this.topMessageId(channel);
      // An administrator adding a banned user back lifts the ban, as on Telegram.
      if (!existing && channel.banned?.[key])
        channel.banned = Object.fromEntries(Object.entries(channel.banned).filter(([k]) => k !== key));
    }
    const event: MemberChangedEvent = {
      channel,
      member,
      old,
      actorUserId: actorUserId ?? channel.creatorUserId,
      ...(actorBotId !== undefined ? { actorBotId } : {}),
      left: false,
    };
    this.emit(WorldEvent.MemberChanged, event);
    return member;
  }

  /** `leaving`: the member goes of its own accord (a bot's leaveChat), rather than removed by the creator. */
  removeMember(channelId: number, kind: 'user' | 'bot', id: number, leaving = false): void {
    const channel = this.requireChannel(channelId);
    const key = memberKey(kind, id);
    const old = channel.members.get(key);
    if (!old) throw new SandboxNotFoundError('member not found');
    if (old.creator) throw new SandboxInvalidError('the creator cannot leave the channel in the sandbox');
    channel.members.delete(key);
    const event: MemberChangedEvent = {
      channel,
      member: { ...old, admin: false, canPostMessages: false },
      old: { ...old },
      actorUserId: leaving && kind === 'user' ? id : channel.creatorUserId,
      ...(leaving && kind === 'bot' ? { actorBotId: id } : {}),
      left: true,
    };
    this.emit(WorldEvent.MemberChanged, event);
  }

  /**
   * The creator deletes the channel: every member leaves it (each told, as a removal), its invite links stop
   * working, and it is gone for everyone.
   */
  deleteChannel(channelId: number): void {
    const channel = this.requireChannel(channelId);
    const members = [...channel.members.values()];
    channel.members.clear();
    this.channels.delete(channel.id);
    for (const [hash, invite] of Object.entries(this.invites)) {
      if (invite.channelId === channel.id) delete this.invites[hash];
    }
    this.inviteImporters = this.inviteImporters.filter((i) => i.channelId !== channel.id);
    this.adminLog = this.adminLog.filter((e) => e.channelId !== channel.id);
    for (const old of members) {
      const event: MemberChangedEvent = {
        channel,
        member: { ...old, admin: false, canPostMessages: false, creator: false },
        old: { ...old },
        actorUserId: channel.creatorUserId,
        left: true,
      };
      this.emit(WorldEvent.MemberChanged, event);
    }
  }

  getMember(channelId: number, kind: 'user' | 'bot', id: number): ChannelMember | undefined {
    return this.findChannel(channelId)?.members.get(memberKey(kind, id));
  }

  postToChannel(
    channelId: number,
    input: {
      text: string;
      views?: number;
      fromUserId?: number;
      viaBotId?: number;
      inlineBotId?: number;
      media?: SandboxMessageMedia;
      replyMarkup?: Record<string, unknown>;
      entities?: SandboxEntity[];
      replyToId?: number;
      forwardOrigin?: SandboxForwardOrigin;
      mediaGroupId?: string;
      noForwards?: boolean;
      service?: SandboxServiceAction;
      /** The forum topic it goes to (forum-topics.ts). */
      topicId?: number;
    },
  ): ChannelMessage {
    const channel = this.requireChannel(channelId);
    const last = channel.messages[channel.messages.length - 1];
    const message: ChannelMessage = {
      id: (last?.id ?? 0) + 1,
      date: this.unixNow(),
      text: input.text,
      // A fresh broadcast post has been seen once, by whoever posted it; group messages carry no views.
      views: input.views ?? (channel.megagroup ? 0 : 1),
      forwards: 0,
      replies: 0,
      reach: channel.megagroup ? undefined : reachOf(channel.id, (last?.id ?? 0) + 1, this.subscriberCount(channel)),
      fromUserId: input.fromUserId,
      viaBotId: input.viaBotId,
      media: input.media,
      replyMarkup: input.replyMarkup,
      entities: input.entities?.length ? input.entities : undefined,
      replyToId: input.replyToId,
      ...(input.forwardOrigin ? { forwardOrigin: input.forwardOrigin } : {}),
      ...(input.mediaGroupId ? { mediaGroupId: input.mediaGroupId } : {}),
      ...(input.noForwards ? { noForwards: true } : {}),
      ...(input.service ? { service: input.service } : {}),
      ...(input.topicId !== undefined ? { topicId: input.topicId } : {}),
      ...(input.inlineBotId !== undefined ? { inlineBotId: input.inlineBotId } : {}),
    };
    channel.messages.push(message);
    channel.pts += 1;
    const event: ChannelMessageEvent = { channel, message };
    this.emit(WorldEvent.ChannelMessage, event);
    return message;
  }

  editChannelMessage(
    channelId: number,
    messageId: number,
    text: string,
    /**
     * `replyMarkup`: undefined keeps the keyboard, null removes it; `entities`, when given, replace the formatting;
     * `media`, when given, replaces the message's file (editMessageMedia).
     */
    opts: {
      editorBotId?: number;
      editorUserId?: number;
      replyMarkup?: Record<string, unknown> | null;
      entities?: SandboxEntity[];
      media?: SandboxMessageMedia;
    } = {},
  ): ChannelMessage {
    const channel = this.requireChannel(channelId);
    const message = this.requireMessage(channel, messageId);
    const prev = { ...message };
    message.text = text;
    if (opts.media) message.media = opts.media;
    message.editDate = this.unixNow();
    if (opts.replyMarkup !== undefined) message.replyMarkup = opts.replyMarkup ?? undefined;
    if (opts.entities !== undefined) message.entities = opts.entities.length ? opts.entities : undefined;
    channel.pts += 1;
    const event: ChannelMessageEvent = {
      channel,
      message,
      editorBotId: opts.editorBotId,
      ...(opts.editorUserId !== undefined ? { editorUserId: opts.editorUserId } : {}),
      prev,
    };
    this.emit(WorldEvent.ChannelMessageEdited, event);
    return message;
  }

  /** `by`: who deleted it, when known (an admin log names them). */
  deleteChannelMessage(channelId: number, messageId: number, by?: { kind: 'user' | 'bot'; id: number }): void {
    const channel = this.requireChannel(channelId);
    const message = this.requireMessage(channel, messageId);
    message.deleted = true;
    channel.pts += 1;
    const event: ChannelMessageEvent = { channel, message, ...(by ? { by } : {}) };
    this.emit(WorldEvent.ChannelMessageDeleted, event);
  }

  /** Subscribers (participants) of a channel or supergroup: its members plus the audience set for it. */
  subscriberCount(channel: SandboxChannel): number {
    return subscriberCount(channel);
  }

  /** Sets the participant count; members join and leave on top of it. */
  setSubscribers(channelId: number, subscribers: number): number {
    const channel = this.requireChannel(channelId);
    if (!Number.isSafeInteger(subscribers) || subscribers < channel.members.size) {
      throw new SandboxInvalidError(
        `subscribers must be an integer of at least ${channel.members.size}, the members the channel has`,
      );
    }
    channel.outsideSubscribers = subscribers - channel.members.size;
    return this.subscriberCount(channel);
  }

  /** A broadcast post's views, forwards and reactions now (group messages carry none). */
  countersOf(channel: SandboxChannel, message: ChannelMessage): MessageCounters {
    if (channel.megagroup) return { views: 0, forwards: 0, reactions: [] };
    // The simulated audience's reactions, and on top of them those of members and bots (reactions.ts).
    return withReactions(countersAt(channel.id, message.id, message, this.unixNow()), message.reactions ?? []);
  }

  /** Sets a post's current counters (each left out keeps its value); the curve goes on from them. */
  setCounters(
    channelId: number,
    messageId: number,
    values: { views?: number; forwards?: number; reactions?: Record<string, number> },
  ): MessageCounters {
    const channel = this.requireChannel(channelId);
    if (channel.megagroup) throw new SandboxInvalidError("a supergroup's messages have no views or forwards");
    const message = this.requireMessage(channel, messageId);
    // The anchor holds the audience's counts only: real reactions are added to them when read.
    const now = countersAt(channel.id, message.id, message, this.unixNow());
    message.counters = {
      at: this.unixNow(),
      views: values.views ?? now.views,
      viewers: message.viewedBy?.length ?? 0,
      forwards: values.forwards ?? now.forwards,
      reactions: values.reactions ?? Object.fromEntries(now.reactions.map((r) => [r.emoticon, r.count])),
    };
    return this.countersOf(channel, message);
  }

  /**
   * Someone forwarded the post: its forwards counter goes up by one, the curve going on from there. A supergroup's
   * messages count no forwards.
   */
  countForward(channelId: number, messageId: number): void {
    const channel = this.requireChannel(channelId);
    if (channel.megagroup) return;
    const message = this.requireMessage(channel, messageId);
    this.setCounters(channelId, messageId, { forwards: this.countersOf(channel, message).forwards + 1 });
  }

  /** The user opens the post: one view, once per user (`messages.getMessagesViews` with `increment`). */
  markViewed(channel: SandboxChannel, message: ChannelMessage, userId: number): void {
    if (channel.megagroup || message.viewedBy?.includes(userId)) return;
    message.viewedBy = [...(message.viewedBy ?? []), userId];
  }

  // ---- private messages ----

  sendPrivateMessage(input: {
    fromKind: 'user' | 'bot';
    fromId: number;
    toKind: 'user' | 'bot';
    toId: number;
    text: string;
    media?: SandboxMessageMedia;
    entities?: SandboxEntity[];
    replyToId?: number;
    forwardOrigin?: SandboxForwardOrigin;
    mediaGroupId?: string;
    noForwards?: boolean;
    /** Users who never see it (one who blocked its sender: blocking.ts). */
    hiddenFrom?: number[];
    /** A payment's service message (payments.ts). */
    payment?: SandboxPaymentNotice;
    inlineBotId?: number;
    /** Data a keyboard button's Mini App sent the bot (web-apps.ts). */
    webAppData?: SandboxWebAppData;
    /** A player's new high score in a game (games.ts). */
    gameScore?: SandboxGameScoreNotice;
  }): PrivateMessage {
    if (!this.exists(input.fromKind, input.fromId))
      throw new SandboxNotFoundError(`sender ${input.fromKind} not found`);
    if (!this.exists(input.toKind, input.toId)) throw new SandboxNotFoundError(`recipient ${input.toKind} not found`);
    const message: PrivateMessage = {
      id: this.nextPrivateMessageId++,
      fromId: input.fromId,
      fromKind: input.fromKind,
      toId: input.toId,
      toKind: input.toKind,
      text: input.text,
      date: this.unixNow(),
      media: input.media,
      entities: input.entities?.length ? input.entities : undefined,
      replyToId: input.replyToId,
      ...(input.forwardOrigin ? { forwardOrigin: input.forwardOrigin } : {}),
      ...(input.mediaGroupId ? { mediaGroupId: input.mediaGroupId } : {}),
      ...(input.noForwards ? { noForwards: true } : {}),
      ...(input.hiddenFrom?.length ? { deletedFor: [...input.hiddenFrom] } : {}),
      ...(input.payment ? { payment: input.payment } : {}),
      ...(input.inlineBotId !== undefined ? { inlineBotId: input.inlineBotId } : {}),
      ...(input.webAppData ? { webAppData: input.webAppData } : {}),
      ...(input.gameScore ? { gameScore: input.gameScore } : {}),
    };
    this.privateMessages.push(message);
    this.emit(WorldEvent.PrivateMessage, message);
    return message;
  }

  /** The author of a private message changes its text. */
  editPrivateMessage(messageId: number, text: string): PrivateMessage {
    const message = this.privateMessages.find((m) => m.id === messageId);
    if (!message) throw new SandboxNotFoundError('message not found');
    if (message.text === text) throw new SandboxInvalidError('message is not modified: the text is the same');
    message.text = text;
    message.editDate = this.unixNow();
    this.emit(WorldEvent.PrivateMessageEdited, message);
    return message;
  }

  /**
   * The author changes a private message's text (a media message's caption) and its formatting; `media`, when
   * given, replaces its file (editMessageMedia).
   */
  editPrivateMessageContent(
    messageId: number,
    text: string,
    entities: SandboxEntity[],
    media?: SandboxMessageMedia,
  ): PrivateMessage {
    const message = this.privateMessages.find((m) => m.id === messageId);
    if (!message) throw new SandboxNotFoundError('message not found');
    message.text = text;
    if (media) message.media = media;
    message.entities = entities.length ? entities : undefined;
    message.editDate = this.unixNow();
    this.emit(WorldEvent.PrivateMessageEdited, message);
    return message;
  }

  findPrivateMessage(messageId: number): PrivateMessage | undefined {
    return this.privateMessages.find((m) => m.id === messageId);
  }

  /** Every private message, of anyone, that `test` picks. */
  privateMessagesWhere(test: (m: PrivateMessage) => boolean): PrivateMessage[] {
    return this.privateMessages.filter(test);
  }

  /** A user's view leaves out what they deleted. */
  privateMessagesOf(kind: 'user' | 'bot', id: number): PrivateMessage[] {
    return this.privateMessages.filter(
      (m) =>
        ((m.fromKind === kind && m.fromId === id) || (m.toKind === kind && m.toId === id)) &&
        !(kind === 'user' && m.deletedFor?.includes(id)),
    );
  }

  /** The newest message of the peer's that the user has read in their private chat (0: none). */
  privateReadMark(userId: number, peerKind: 'user' | 'bot', peerId: number): number {
    return this.privateReadMarks[`${userId}:${peerKind}:${peerId}`] ?? 0;
  }

  /**
   * The user reads their chat with the peer up to `maxId` (0: everything). Returns the new mark, or
   * undefined when nothing new was read.
   */
  readPrivateHistory(userId: number, peerKind: 'user' | 'bot', peerId: number, maxId: number): number | undefined {
    const incoming = this.privateMessagesOf('user', userId).filter(
      (m) => m.fromKind === peerKind && m.fromId === peerId && m.toKind === 'user' && m.toId === userId,
    );
    const upTo = incoming.filter((m) => maxId <= 0 || m.id <= maxId).reduce((top, m) => Math.max(top, m.id), 0);
    if (upTo <= this.privateReadMark(userId, peerKind, peerId)) return undefined;
    this.privateReadMarks[`${userId}:${peerKind}:${peerId}`] = upTo;
    const event: PrivateHistoryReadEvent = { userId, peerKind, peerId, maxId: upTo };
    this.emit(WorldEvent.PrivateHistoryRead, event);
    return upTo;
  }

  /**
   * A user deletes messages of their private chats: from their side only, or with `revoke` for the other
   * side too. Ids that are not theirs or already gone are skipped; returns the ids deleted for the user.
   */
  deletePrivateMessages(userId: number, messageIds: number[], revoke: boolean): number[] {
    const byUser = new Map<number, number[]>();
    const gone = (m: PrivateMessage, uid: number): void => {
      if (m.deletedFor?.includes(uid)) return;
      m.deletedFor = [...(m.deletedFor ?? []), uid];
      byUser.set(uid, [...(byUser.get(uid) ?? []), m.id]);
    };
    for (const id of new Set(messageIds)) {
      const m = this.findPrivateMessage(id);
      const mine = m && ((m.fromKind === 'user' && m.fromId === userId) || (m.toKind === 'user' && m.toId === userId));
      if (!m || !mine || m.deletedFor?.includes(userId)) continue;
      gone(m, userId);
      if (!revoke) continue;
      for (const side of [m.fromKind === 'user' ? m.fromId : 0, m.toKind === 'user' ? m.toId : 0]) {
        if (side && side !== userId) gone(m, side);
      }
    }
    if (byUser.size) {
      const event: PrivateMessagesDeletedEvent = {
        deletions: [...byUser].map(([uid, ids]) => ({ userId: uid, messageIds: ids })),
      };
      this.emit(WorldEvent.PrivateMessagesDeleted, event);
    }
    return byUser.get(userId) ?? [];
  }

  /**
   * "Restrict saving content" of a channel, supergroup or basic group, switched by its creator: while on, none of its
   * messages can be forwarded or saved. False when it was already so (Telegram's CHAT_NOT_MODIFIED).
   */
  setNoForwards(chat: { kind: 'channel' | 'chat'; id: number }, byUserId: number, enabled: boolean): boolean {
    const target = chat.kind === 'channel' ? this.requireChannel(chat.id) : this.findBasicGroup(chat.id);
    if (!target) throw new SandboxNotFoundError('group not found');
    if (target.creatorUserId !== byUserId)
      throw new SandboxInvalidError('only the creator may restrict saving content');
    if ((target.noForwards ?? false) === enabled) return false;
    target.noForwards = enabled || undefined;
    return true;
  }

  // ---- privacy and contacts ----

  messagePrivacyOf(userId: number): MessagePrivacy {
    return this.messagePrivacy[String(userId)] ?? 'everybody';
  }

  setMessagePrivacy(userId: number, value: MessagePrivacy): void {
    if (!this.users.has(userId)) throw new SandboxNotFoundError('user not found');
    if (!MESSAGE_PRIVACY_VALUES.includes(value)) {
      throw new SandboxInvalidError(`messages must be one of ${MESSAGE_PRIVACY_VALUES.join(', ')}`);
    }
    this.messagePrivacy[String(userId)] = value;
  }

  /**
   * Whether `fromUserId` may write to `toUserId` in private: their setting allows it, or the two already share a
   * conversation (the recipient wrote first, or accepted before), as on Telegram.
   */
  mayWritePrivately(fromUserId: number, toUserId: number): boolean {
    if (fromUserId === toUserId) return true;
    const privacy = this.messagePrivacyOf(toUserId);
    if (privacy === 'everybody') return true;
    if (privacy === 'contacts' && this.isContact(toUserId, fromUserId)) return true;
    return this.privateMessages.some(
      (m) => m.fromKind === 'user' && m.fromId === toUserId && m.toKind === 'user' && m.toId === fromUserId,
    );
  }

  /** A user's rules for one privacy key, in order; everybody when they never set it (Telegram's default here). */
  privacyRulesOf(userId: number, key: string): PrivacyRule[] {
    const rules = this.privacyRules[String(userId)]?.[key] ?? PRIVACY_DEFAULT;
    return rules.map((r) => ({ ...r, ...(r.ids ? { ids: [...r.ids] } : {}) }));
  }

  setPrivacyRules(userId: number, key: string, rules: PrivacyRule[]): void {
    if (!this.users.has(userId)) throw new SandboxNotFoundError('user not found');
    const own = (this.privacyRules[String(userId)] ??= {});
    own[key] = rules.map((r) => ({ ...r, ...(r.ids ? { ids: [...new Set(r.ids)] } : {}) }));
  }

  /**
   * Whether a user's rules for `key` let `otherId` (a user or a bot) through: the first rule that matches them
   * decides, as Telegram reads a rule list; none matching is a refusal. A user always passes their own rules.
   */
  privacyAllows(userId: number, key: string, otherId: number): boolean {
    if (userId === otherId) return true;
    for (const rule of this.privacyRulesOf(userId, key)) {
      if (this.privacyRuleMatches(userId, rule, otherId)) return rule.allow;
    }
    return false;
  }

  private privacyRuleMatches(userId: number, rule: PrivacyRule, otherId: number): boolean {
    switch (rule.who) {
      case 'all':
        return true;
      case 'contacts':
        return this.isContact(userId, otherId);
      case 'users':
        return rule.ids?.includes(otherId) ?? false;
      case 'bots':
        return this.bots.has(otherId);
      case 'chat_participants':
        return (rule.ids ?? []).some((chatId) => {
          const group = this.basicGroups[String(chatId)];
          if (group) return group.userIds.includes(otherId) || group.bots.some((b) => b.id === otherId);
          const channel = this.channels.get(chatId);
          return (channel?.members.has(`user:${otherId}`) || channel?.members.has(`bot:${otherId}`)) ?? false;
        });
      case 'premium':
      case 'close_friends':
        return false;
    }
  }

  /** Whether a forward of `authorId`'s message made by `forwarderId` links to the author's account. */
  linksForwardTo(authorId: number, forwarderId: number): boolean {
    return this.privacyAllows(authorId, PRIVACY_KEY_FORWARDS, forwarderId);
  }

  contactsOf(ownerId: number): SandboxContact[] {
    return [...(this.contactLists[String(ownerId)] ?? [])];
  }

  isContact(ownerId: number, userId: number): boolean {
    return (this.contactLists[String(ownerId)] ?? []).some((c) => c.userId === userId);
  }

  /**
   * Adds to the owner's contacts every phone that belongs to a user (a contact already there takes the new name);
   * returns, in the order given, the index and user of each phone found. Phones of nobody are left out.
   */
  importContacts(
    ownerId: number,
    contacts: { phone: string; firstName: string; lastName?: string }[],
  ): { index: number; user: SandboxUser }[] {
    if (!this.users.has(ownerId)) throw new SandboxNotFoundError('user not found');
    const list = this.contactLists[String(ownerId)] ?? [];
    const found: { index: number; user: SandboxUser }[] = [];
    contacts.forEach((c, index) => {
      const user = this.findUserByPhone(c.phone);
      if (!user || user.id === ownerId) return;
      const entry: SandboxContact = {
        userId: user.id,
        firstName: c.firstName.trim() || user.firstName,
        lastName: c.lastName?.trim() ?? '',
        addedAt: this.unixNow(),
      };
      const at = list.findIndex((x) => x.userId === user.id);
      if (at >= 0) list[at] = entry;
      else list.push(entry);
      found.push({ index, user });
    });
    this.contactLists[String(ownerId)] = list;
    for (const { user } of found) {
      const event: ContactAddedEvent = { ownerId, userId: user.id };
      this.emit(WorldEvent.ContactAdded, event);
    }
    return found;
  }

  // ---- basic groups ----

  /** A basic group the owner creates with the users and bots given in it. */
  createBasicGroup(input: {
    title: string;
    ownerPhone: string;
    userPhones?: string[];
    bots?: { id: number; admin: boolean }[];
  }): SandboxBasicGroup {
    if (!input.title.trim()) throw new SandboxInvalidError('title must not be empty');
    const owner = this.findUserByPhone(input.ownerPhone);
    if (!owner) throw new SandboxNotFoundError('owner user not found');
    const userIds = [owner.id];
    for (const phone of input.userPhones ?? []) {
      const user = this.findUserByPhone(phone);
      if (!user) throw new SandboxNotFoundError(`user ${phone} not found`);
      if (!userIds.includes(user.id)) userIds.push(user.id);
    }
    const bots: SandboxBasicGroup['bots'] = [];
    for (const b of input.bots ?? []) {
      if (!this.findBotById(b.id)) throw new SandboxNotFoundError(`bot ${b.id} not found`);
      if (!bots.some((x) => x.id === b.id)) bots.push({ id: b.id, admin: b.admin });
    }
    const group: SandboxBasicGroup = {
      id: this.nextBasicGroupId++,
      title: input.title,
      creatorUserId: owner.id,
      userIds,
      bots,
      messages: [],
      createdAt: new Date(this.now()),
    };
    this.basicGroups[String(group.id)] = group;
    this.emit(WorldEvent.BasicGroupCreated, group);
    return group;
  }

  /** By its id, or by the Bot API's (negative) one. */
  findBasicGroup(id: number): SandboxBasicGroup | undefined {
    return Number.isSafeInteger(id) ? this.basicGroups[String(Math.abs(id))] : undefined;
  }

  /** The basic groups the user is in. */
  basicGroupsOfUser(userId: number): SandboxBasicGroup[] {
    return Object.values(this.basicGroups).filter((g) => g.userIds.includes(userId));
  }

  /** A member's message to the group; its id is from the same sequence as private messages (the common box). */
  sendBasicGroupMessage(
    groupId: number,
    fromUserId: number,
    text: string,
    extras: BasicGroupMessageExtras = {},
  ): BasicGroupMessage {
    const group = this.findBasicGroup(groupId);
    if (!group) throw new SandboxNotFoundError('group not found');
    if (!group.userIds.includes(fromUserId)) throw new SandboxInvalidError('the sender is not in the group');
    return this.addBasicGroupMessage(group, { fromUserId, text }, extras);
  }

  /** A bot's message to a group it is in; ids come from the same sequence as members' messages. */
  sendBasicGroupBotMessage(
    groupId: number,
    botId: number,
    text: string,
    extras: BasicGroupMessageExtras = {},
  ): BasicGroupMessage {
    const group = this.findBasicGroup(groupId);
    if (!group) throw new SandboxNotFoundError('group not found');
    if (!group.bots.some((b) => b.id === botId)) throw new SandboxInvalidError('the bot is not in the group');
    return this.addBasicGroupMessage(group, { fromBotId: botId, text }, extras);
  }

  private addBasicGroupMessage(
    group: SandboxBasicGroup,
    input: { fromUserId?: number; fromBotId?: number; text: string },
    extras: BasicGroupMessageExtras,
  ): BasicGroupMessage {
    // A photo or document may go without a caption; a message of text only may not be blank.
    if (!extras.media && !extras.service && !input.text.trim()) throw new SandboxInvalidError('text must not be empty');
    if (extras.replyToId !== undefined && !group.messages.some((m) => m.id === extras.replyToId)) {
      throw new SandboxNotFoundError('the message replied to is not in the group');
    }
    const message: BasicGroupMessage = {
      id: this.nextPrivateMessageId++,
      ...input,
      date: this.unixNow(),
      ...(extras.media ? { media: extras.media } : {}),
      ...(extras.entities?.length ? { entities: extras.entities } : {}),
      ...(extras.replyToId !== undefined ? { replyToId: extras.replyToId } : {}),
      ...(extras.forwardOrigin ? { forwardOrigin: extras.forwardOrigin } : {}),
      ...(extras.mediaGroupId ? { mediaGroupId: extras.mediaGroupId } : {}),
      ...(extras.noForwards ? { noForwards: true } : {}),
      ...(extras.service ? { service: extras.service } : {}),
      ...(extras.inlineBotId !== undefined ? { inlineBotId: extras.inlineBotId } : {}),
    };
    group.messages.push(message);
    const event: BasicGroupMessageEvent = { group, message };
    this.emit(WorldEvent.BasicGroupMessage, event);
    return message;
  }

  /** A service message (see service-messages.ts) in the group, from a member, a bot in it, or no one. */
  writeBasicGroupService(
    groupId: number,
    from: { fromUserId?: number; fromBotId?: number },
    service: SandboxServiceAction,
    replyToId?: number,
  ): BasicGroupMessage {
    const group = this.findBasicGroup(groupId);
    if (!group) throw new SandboxNotFoundError('group not found');
    return this.addBasicGroupMessage(group, { ...from, text: '' }, { service, replyToId });
  }

  /** The author changes a group message's text (a media message's caption); `entities` replace its formatting. */
  editBasicGroupMessage(
    groupId: number,
    messageId: number,
    text: string,
    entities: SandboxEntity[],
    /** When given, replaces the message's file (editMessageMedia). */
    media?: SandboxMessageMedia,
  ): BasicGroupMessage {
    const group = this.findBasicGroup(groupId);
    if (!group) throw new SandboxNotFoundError('group not found');
    const message = group.messages.find((m) => m.id === messageId);
    if (!message) throw new SandboxNotFoundError('message not found');
    message.text = text;
    if (media) message.media = media;
    message.entities = entities.length ? entities : undefined;
    message.editDate = this.unixNow();
    const event: BasicGroupMessageEvent = { group, message };
    this.emit(WorldEvent.BasicGroupMessageEdited, event);
    return message;
  }

  /** A bot leaves a basic group it is in. */
  removeBasicGroupBot(groupId: number, botId: number): void {
    const group = this.findBasicGroup(groupId);
    if (!group) throw new SandboxNotFoundError('group not found');
    const bot = group.bots.find((b) => b.id === botId);
    if (!bot) throw new SandboxNotFoundError('the bot is not in the group');
    group.bots.splice(group.bots.indexOf(bot), 1);
    const event: BasicGroupBotLeftEvent = { group, bot };
    this.emit(WorldEvent.BasicGroupBotLeft, event);
  }

  // ---- pinned messages ----

  /**
   * Pins (or unpins) messages of a chat: ids that are not there, or already so, are skipped. Returns the ids that
   * changed; when some did, a channel's pts moves on and the change is told as one event.
   */
  pinMessages(
    chat: PinChat,
    messageIds: number[],
    pinned: boolean,
    /** Who pins, when known (an admin log names them). */
    by?: { kind: 'user' | 'bot'; id: number },
  ): number[] {
    const changed: number[] = [];
    for (const message of this.pinnableMessages(chat, messageIds)) {
      if ((message.pinned ?? false) === pinned) continue;
      message.pinned = pinned || undefined;
      changed.push(message.id);
    }
    if (!changed.length) return changed;
    if (chat.kind === 'channel') chat.channel.pts += 1;
    const event: MessagesPinnedEvent = { chat, messageIds: changed, pinned, ...(by ? { by } : {}) };
    this.emit(WorldEvent.MessagesPinned, event);
    return changed;
  }

  /** The chat's pinned messages that are still there, newest (by sending) first. */
  pinnedMessageIds(chat: PinChat): number[] {
    return this.pinnableMessages(chat)
      .filter((m) => m.pinned)
      .map((m) => m.id)
      .sort((a, b) => b - a);
  }

  /** The chat's messages that are still there (of those ids, when given). */
  private pinnableMessages(chat: PinChat, ids?: number[]): { id: number; pinned?: boolean }[] {
    const wanted = (id: number): boolean => ids === undefined || ids.includes(id);
    if (chat.kind === 'channel') return chat.channel.messages.filter((m) => !m.deleted && wanted(m.id));
    if (chat.kind === 'group') return chat.group.messages.filter((m) => wanted(m.id));
    const { userId, peerKind, peerId } = chat;
    return this.privateMessagesOf('user', userId).filter(
      (m) =>
        wanted(m.id) &&
        ((m.fromKind === 'user' && m.fromId === userId && m.toKind === peerKind && m.toId === peerId) ||
          (m.fromKind === peerKind && m.fromId === peerId && m.toKind === 'user' && m.toId === userId)),
    );
  }

  // ---- channel membership limits, invites, read marks ----

  channelLimitOf(userId: number): number {
    return this.channelLimits[String(userId)] ?? DEFAULT_CHANNEL_LIMIT;
  }

  setChannelLimit(userId: number, limit: number): void {
    if (!this.users.has(userId)) throw new SandboxNotFoundError('user not found');
    if (!Number.isSafeInteger(limit) || limit < 0) throw new SandboxInvalidError('channels must be an integer ≥ 0');
    this.channelLimits[String(userId)] = limit;
  }

  sendsPerMinuteOf(userId: number): number {
    return this.sendLimits[String(userId)] ?? DEFAULT_SENDS_PER_MINUTE;
  }

  setSendsPerMinute(userId: number, limit: number): void {
    if (!this.users.has(userId)) throw new SandboxNotFoundError('user not found');
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new SandboxInvalidError('sends_per_minute must be an integer ≥ 1');
    this.sendLimits[String(userId)] = limit;
  }

  /** The channels and supergroups the user is in (created or joined). */
  channelsOfUser(userId: number): SandboxChannel[] {
    return [...this.channels.values()].filter((c) => c.members.has(memberKey('user', userId)));
  }

  createInvite(
    channelId: number,
    adminUserId: number,
    opts: {
      expireDate?: number;
      usageLimit?: number;
      title?: string;
      primary?: boolean;
      createsJoinRequest?: boolean;
    } = {},
  ): ChannelInvite {
    const channel = this.requireChannel(channelId);
    if (opts.primary) {
      // A chat has one primary link: a new one revokes the one before.
      for (const old of Object.values(this.invites)) {
        if (old.channelId === channel.id && old.primary) old.revoked = true;
      }
    }
    const invite: ChannelInvite = {
      hash: randomBytes(12).toString('base64url'),
      channelId: channel.id,
      adminUserId,
      date: this.unixNow(),
      expireDate: opts.expireDate,
      usageLimit: opts.usageLimit,
      usage: 0,
      revoked: false,
      title: opts.title,
      ...(opts.primary ? { primary: true } : {}),
      ...(opts.createsJoinRequest ? { createsJoinRequest: true } : {}),
    };
    this.invites[invite.hash] = invite;
    return invite;
  }

  findInvite(hash: string): ChannelInvite | undefined {
    return Object.prototype.hasOwnProperty.call(this.invites, hash) ? this.invites[hash] : undefined;
  }

  /** The newest message of the channel that is still there (0: none). */
  topMessageId(channel: SandboxChannel): number {
    return [...channel.messages].reverse().find((m) => !m.deleted)?.id ?? 0;
  }

  /** The newest message of the channel the user has read (a member who never read: what was there when they came). */
  channelReadMark(userId: number, channelId: number): number {
    return this.channelReadMarks[`${userId}:${channelId}`] ?? 0;
  }

  /** The user reads the channel up to `maxId` (0: everything); returns the new mark, or undefined when unchanged. */
  readChannelHistory(userId: number, channelId: number, maxId: number): number | undefined {
    const channel = this.requireChannel(channelId);
    const top = this.topMessageId(channel);
    const upTo = maxId <= 0 ? top : Math.min(maxId, top);
    if (upTo <= this.channelReadMark(userId, channel.id)) return undefined;
    this.channelReadMarks[`${userId}:${channel.id}`] = upTo;
    return upTo;
  }

  /** Messages of the channel newer than what the user read, their own left out. */
  channelUnreadCount(userId: number, channel: SandboxChannel): number {
    const mark = this.channelReadMark(userId, channel.id);
    return channel.messages.filter((m) => !m.deleted && m.id > mark && m.fromUserId !== userId).length;
  }

  // ---- random_id of sends ----

  findSentByRandomId(userId: number, randomId: bigint): SentRandomId | undefined {
    const key = `${userId}:${randomId}`;
    return Object.prototype.hasOwnProperty.call(this.sentByRandomId, key) ? this.sentByRandomId[key] : undefined;
  }

  recordRandomId(userId: number, randomId: bigint, sent: SentRandomId): void {
    this.sentByRandomId[`${userId}:${randomId}`] = sent;
  }

  // ---- login codes, sessions, QR tokens ----

  recordLoginCode(code: LoginCode): void {
    this.codes.push({ ...code, phone: normalizePhone(code.phone) });
  }

  listCodes(phone: string): LoginCode[] {
    const digits = normalizePhone(phone);
    return this.codes.filter((c) => c.phone === digits).reverse();
  }

  findCodeByHash(phoneCodeHash: string): LoginCode | undefined {
    return this.codes.find((c) => c.phoneCodeHash === phoneCodeHash);
  }

  revokeSessions(userId: number): void {
    if (!this.users.has(userId)) throw new SandboxNotFoundError('user not found');
    this.emit(WorldEvent.SessionsRevoked, { userId });
  }

  createLoginToken(authKeyId: string, ttlSeconds: number): LoginToken {
    const token: LoginToken = {
      token: randomBytes(32),
      authKeyId,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    };
    this.loginTokens.push(token);
    return token;
  }

  findLoginToken(token: Buffer): LoginToken | undefined {
    return this.loginTokens.find((t) => t.token.equals(token));
  }

  acceptLoginToken(userId: number, token: Buffer): LoginToken {
    if (!this.users.has(userId)) throw new SandboxNotFoundError('user not found');
    const found = this.findLoginToken(token);
    if (!found || found.expiresAt.getTime() <= Date.now())
      throw new SandboxNotFoundError('login token not found or expired');
    found.acceptedByUserId = userId;
    this.emit(WorldEvent.LoginTokenAccepted, { token: found, userId });
    return found;
  }

  // ---- faults ----

  addFault(f: FaultSpec): void {
    if (!Number.isInteger(f.times) || f.times < 1) throw new SandboxInvalidError('times must be a positive integer');
    this.faults.push({ ...f });
  }

  takeFault(door: 'bot' | 'mtproto', method: string): string | number | undefined {
    const index = this.faults.findIndex((f) => f.door === door && f.method === method);
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault.error;
  }

  // ---- time ----

  /** The world's time in ms: the machine's clock plus what `advanceClock` added. */
  now(): number {
    return this.clockFrozenAtMs ?? this.clock() + this.clockOffsetMs;
  }

  /** The world's time in unix seconds. */
  unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Moves the world's clock forward (time never goes back): posts age, their counters move on. */
  advanceClock(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds <= 0) throw new SandboxInvalidError('the clock only moves forward');
    const step = Math.round(seconds * 1000);
    this.clockOffsetMs += step;
    if (this.clockFrozenAtMs !== undefined) this.clockFrozenAtMs += step;
    this.emit(WorldEvent.ClockMoved);
    return this.now();
  }

  /**
   * Stops the world's clock where it is (counters hold still, so reads made a moment apart agree exactly), or lets
   * it run again: it then shows the time it would have shown had it never stopped, so it never goes back.
   */
  freezeClock(frozen: boolean): number {
    if (frozen) this.clockFrozenAtMs ??= this.now();
    else this.clockFrozenAtMs = undefined;
    this.emit(WorldEvent.ClockMoved);
    return this.now();
  }

  // ---- whole world ----

  reset(): void {
    this.users.clear();
    this.bots.clear();
    this.channels.clear();
    this.files.clear();
    this.privateMessages = [];
    this.codes = [];
    this.loginTokens = [];
    this.faults = [];
    this.updateState = emptyUpdateState();
    this.privateReadMarks = {};
    this.channelReadMarks = {};
    this.messagePrivacy = {};
    this.privacyRules = {};
    this.contactLists = {};
    this.presence = {};
    this.basicGroups = {};
    this.channelLimits = {};
    this.sendLimits = {};
    this.invites = {};
    this.inviteImporters = [];
    this.blockedPeers = [];
    this.drafts = {};
    this.adminLog = [];
    this.sentByRandomId = {};
    this.botProfiles = {};
    this.stickerSets = {};
    this.starBalances = {};
    this.starPayments = [];
    this.invoiceLinks = {};
    this.inlineMessages = {};
    this.botGames = {};
    this.gameScores = {};
    this.limitsEnabled = this.defaultLimitsEnabled;
    this.emit(WorldEvent.Reset);
  }

  // ---- helpers ----

  private exists(kind: 'user' | 'bot', id: number): boolean {
    return kind === 'user' ? this.users.has(id) : this.bots.has(id);
  }

  private requireChannel(channelId: number): SandboxChannel {
    const channel = this.findChannel(channelId);
    if (!channel) throw new SandboxNotFoundError('channel not found');
    return channel;
  }

  private requireMessage(channel: SandboxChannel, messageId: number): ChannelMessage {
    const message = channel.messages.find((m) => m.id === messageId);
    if (!message || message.deleted) throw new SandboxNotFoundError('message not found');
    return message;
  }

  /** Usernames share one namespace across users, bots and channels, as on Telegram. */
  private checkNewUsername(raw: string): string {
    const username = raw.replace(/^@/, '');
    if (!USERNAME_RE.test(username)) {
      throw new SandboxInvalidError(
        'username must be 5-32 characters: letters, digits and underscores, starting with a letter, ' +
          "with no '__' and not ending with '_'",
      );
    }
    const taken =
      this.findUserByUsername(username) ??
      this.findBotByUsername(username) ??
      [...this.channels.values()].find((c) => c.username?.toLowerCase() === username.toLowerCase());
    if (taken) throw new SandboxConflictError('username is already taken');
    return username;
  }
}
