import { gamesOf, registerGame } from '../games';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotApiDoor } from '../bot-api/bot-api-door';
import { type MessageCounters, splitReactions } from '../channel-counters';
import { setForum } from '../forum-topics';
import { countReactions } from '../reactions';
import { setStarBalance, starBalanceOf } from '../payments';
import { inlineFeedbackOf, setInlineMode, supportsInline } from '../inline-queries';
import { serviceInfoJson, writeServiceMessage } from '../service-messages';
import {
  buildInitData,
  menuWebAppUrl,
  newWebViewQueryId,
  validStartParam,
  validWebAppUrl,
  WEB_APP_PUBLIC_KEY_HEX,
  WEB_APP_VERSION,
  webAppUrl,
} from '../web-apps';
import {
  type ChannelMember,
  type FaultSpec,
  MESSAGE_PRIVACY_VALUES,
  type MessagePrivacy,
  PRIVACY_KEY_FORWARDS,
  type PrivacyRule,
  isFileMedia,
  normalizePhone,
  type SandboxMessageMedia,
  type SandboxChannel,
  type SandboxForwardOrigin,
  type SandboxGame,
  type SandboxReaction,
  SandboxConflictError,
  SandboxInvalidError,
  SandboxNotFoundError,
  type SandboxUser,
  type SandboxWorld,
} from '../world';

/** What the control API shows of the MTProto door. */
export interface MtprotoInfo {
  readonly publicKey: { pem: string; fingerprint: string };
  stats(): unknown;
}

type Body = Record<string, unknown>;
type Handler = (req: { body: Body; params: string[] }) => { status?: number; body: unknown };

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): ControlError => new ControlError(400, 'VALIDATION_FAILED', message);
const notFound = (message: string): ControlError => new ControlError(404, 'NOT_FOUND', message);
const MAX_BODY_BYTES = 1024 * 1024;

// ---- input readers: each names the field it refuses ----

/** The longest inline placeholder taken (BotFather does not publish its own limit). */
const MAX_INLINE_PLACEHOLDER = 64;

function str(body: Body, name: string, opts: { optional: true; max?: number }): string | undefined;
function str(body: Body, name: string, opts?: { optional?: false; max?: number }): string;
function str(body: Body, name: string, opts: { optional?: boolean; max?: number } = {}): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (opts.optional) return undefined;
    throw invalid(`${name} is required`);
  }
  if (typeof v !== 'string' || v.trim() === '') throw invalid(`${name} must be a non-empty string`);
  if (v.length > (opts.max ?? 4096)) throw invalid(`${name} must be at most ${opts.max ?? 4096} characters`);
  return v;
}

/** A game as the control API shows it. */
function gameBody(game: SandboxGame): Record<string, unknown> {
  return { short_name: game.shortName, title: game.title, description: game.description };
}

function bool(body: Body, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${name} must be a boolean`);
  return v;
}

function int(body: Body, name: string, min: number): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw invalid(`${name} must be an integer ≥ ${min}`);
  return v;
}

const MAX_COUNTER = 2 ** 31 - 1;
/** One step of the world's clock: at most a year. */
const MAX_CLOCK_STEP_SECONDS = 366 * 24 * 3600;

function clockJson(w: SandboxWorld): Body {
  return { now: w.unixNow(), frozen: w.clockFrozenAtMs !== undefined };
}

/** A counter Telegram keeps as a 32-bit int. */
function counter(body: Body, name: string): number | undefined {
  const v = int(body, name, 0);
  if (v !== undefined && v > MAX_COUNTER) throw invalid(`${name} must be at most ${MAX_COUNTER}`);
  return v;
}

/** `reactions`: a total (split over the post's usual reactions) or counts by emoji, e.g. `{"👍": 10, "🔥": 2}`. */
function reactionsParam(
  body: Body,
  split: (total: number) => Record<string, number>,
): Record<string, number> | undefined {
  const v = body.reactions;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return split(counter(body, 'reactions') ?? 0);
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw invalid('reactions must be a count or an object of counts by emoji, such as {"👍": 10}');
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 20) throw invalid('reactions may name at most 20 emoji');
  const out: Record<string, number> = {};
  for (const [emoji, count] of entries) {
    if (!emoji.trim() || emoji.length > 16 || /\s/.test(emoji)) {
      throw invalid('each key of reactions must be one emoji');
    }
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || count > MAX_COUNTER) {
      throw invalid(`reactions["${emoji}"] must be an integer from 0 to ${MAX_COUNTER}`);
    }
    if (count > 0) out[emoji] = count;
  }
  return out;
}

function countersJson(c: MessageCounters): Body {
  return {
    views: c.views,
    forwards: c.forwards,
    reactions: Object.fromEntries(c.reactions.map((r) => [r.emoticon, r.count])),
  };
}

/** The reactions of members and bots on a message that has no audience (a private, group or supergroup message). */
function ownReactionsJson(m: { reactions?: SandboxReaction[] }): Body {
  const counts = countReactions(m.reactions ?? []);
  return counts.length ? { reactions: Object.fromEntries(counts.map((r) => [r.emoticon, r.count])) } : {};
}

function phoneParam(raw: string, name = 'phone'): string {
  const digits = normalizePhone(raw);
  if (digits.length < 5 || digits.length > 15) throw invalid(`${name} must have 5 to 15 digits`);
  return digits;
}

/** A path parameter by position; the route pattern always captures it. */
function param(params: readonly string[], index: number): string {
  const value = params[index];
  if (value === undefined) throw new Error(`the route has no path parameter ${index}`);
  return value;
}

function idParam(raw: string, name: string): number {
  if (!/^-?\d{1,16}$/.test(raw)) throw invalid(`${name} must be an integer`);
  return Number(raw);
}

function messageIdParam(raw: string): number {
  const id = idParam(raw, 'message_id');
  if (id < 1 || id > 2 ** 31 - 1) throw invalid('message_id must be a positive 32-bit integer');
  return id;
}

const iso = (d: Date): string => d.toISOString();

/** A privacy level of the control API as the one rule a user's app would send for it. */
const LEVEL_RULES: Record<MessagePrivacy, PrivacyRule> = {
  everybody: { allow: true, who: 'all' },
  contacts: { allow: true, who: 'contacts' },
  nobody: { allow: false, who: 'all' },
};

/** A rule list as a level: one of the three when it is that level's single rule, `custom` when it has exceptions. */
function privacyLevel(rules: PrivacyRule[]): MessagePrivacy | 'custom' {
  const [only, ...rest] = rules;
  if (!only || rest.length > 0 || only.ids) return 'custom';
  const level = MESSAGE_PRIVACY_VALUES.find(
    (l) => LEVEL_RULES[l].allow === only.allow && LEVEL_RULES[l].who === only.who,
  );
  return level ?? 'custom';
}

/** A value with the keys of its objects, at any depth, in snake_case. */
const snakeCased = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(snakeCased)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCased(x)]),
        )
      : v;

function mediaInfoJson(m: SandboxMessageMedia): Body {
  // A location, venue, contact, dice roll or poll (with its votes): its fields, named as the control API names fields.
  if (!isFileMedia(m)) return snakeCased(m) as Body;
  return {
    kind: m.kind,
    file_id: m.fileId,
    size: m.size,
    ...(m.fileName !== undefined ? { file_name: m.fileName } : {}),
    ...(m.mimeType !== undefined ? { mime_type: m.mimeType } : {}),
    // A video, audio file, voice note or animation: the attributes its sender stated.
    ...(m.duration !== undefined ? { duration: m.duration } : {}),
    ...(m.width !== undefined ? { width: m.width, height: m.height ?? 0 } : {}),
    ...(m.performer !== undefined ? { performer: m.performer } : {}),
    ...(m.title !== undefined ? { title: m.title } : {}),
    ...(m.supportsStreaming ? { supports_streaming: true } : {}),
  };
}

/**
 * Where a forwarded message was first written: `kind` user, bot, channel (with the post's id), chat, or hidden (a
 * person whose forwards privacy leaves only their name).
 */
function forwardOriginInfoJson(o: SandboxForwardOrigin): Body {
  switch (o.kind) {
    case 'user':
      return { kind: o.kind, user_id: o.userId, date: o.date };
    case 'bot':
      return { kind: o.kind, bot_id: o.botId, date: o.date };
    case 'channel':
      return { kind: o.kind, channel_id: o.channelId, message_id: o.messageId, date: o.date };
    case 'chat':
      return { kind: o.kind, channel_id: o.channelId, date: o.date };
    case 'hidden':
      return { kind: o.kind, sender_name: o.senderName, date: o.date };
  }
}

/** Where a message was forwarded from, the album it is one of, and whether it is protected from forwarding. */
function sharingInfoJson(m: {
  forwardOrigin?: SandboxForwardOrigin;
  mediaGroupId?: string;
  noForwards?: boolean;
}): Body {
  return {
    ...(m.forwardOrigin ? { forward_origin: forwardOriginInfoJson(m.forwardOrigin) } : {}),
    ...(m.mediaGroupId ? { media_group_id: m.mediaGroupId } : {}),
    ...(m.noForwards ? { protected: true } : {}),
  };
}

function memberJson(m: ChannelMember): Body {
  const status = m.creator ? 'creator' : m.admin ? 'administrator' : 'member';
  return {
    kind: m.kind,
    id: m.id,
    status,
    admin: m.admin,
    can_post_messages: m.canPostMessages,
    creator: m.creator,
    joined_at: iso(m.joinedAt),
  };
}

function channelJson(c: SandboxChannel): Body {
  return {
    id: c.botApiId,
    channel_id: c.id,
    access_hash: c.accessHash.toString(),
    title: c.title,
    ...(c.username ? { username: c.username } : {}),
    megagroup: c.megagroup,
    ...(c.forum ? { is_forum: true } : {}),
  };
}

/**
 * The control API under `/sandbox`: creates users, bots and channels, reads login codes and what
 * bots sent, injects faults and limits, resets the world. JSON in, JSON out; errors are
 * `{error: {code, message}}` with a 4xx status.
 */
export class ControlApi {
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

  constructor(
    private readonly world: SandboxWorld,
    private readonly door: BotApiDoor,
    private readonly mtproto: MtprotoInfo | undefined,
  ) {
    this.define();
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const path = url.pathname.replace(/\/+$/, '');
      const sameRoute = this.routes.filter((r) => r.pattern.test(path));
      const route = sameRoute.find((r) => r.method === req.method);
      if (!route) {
        req.resume();
        if (sameRoute.length > 0)
          throw new ControlError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here`);
        throw notFound(`no route for ${req.method ?? ''} ${url.pathname}`);
      }
      const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
      const body = req.method === 'POST' || req.method === 'PATCH' ? await readJson(req) : (req.resume(), {});
      const out = route.handler({ body, params });
      send(res, out.status ?? 200, out.body);
    } catch (err) {
      const e = toControlError(err);
      send(res, e.status, { error: { code: e.code, message: e.message } });
    }
  }

  private on(method: string, path: string, handler: Handler): void {
    const pattern = new RegExp(`^${path.replace(/:[a-z_]+/g, '([^/]+)')}$`);
    this.routes.push({ method, pattern, handler });
  }

  private user(phoneRaw: string, name = 'phone'): SandboxUser {
    const user = this.world.findUserByPhone(phoneParam(phoneRaw, name));
    if (!user) throw notFound(`no user with this ${name}`);
    return user;
  }

  private channel(raw: string): SandboxChannel {
    const channel = this.world.findChannel(/^-?\d+$/.test(raw) ? Number(raw) : raw);
    if (!channel) throw notFound('channel not found');
    return channel;
  }

  private bot(raw: string, name = 'id') {
    const bot = this.world.findBotById(idParam(raw, name));
    if (!bot) throw notFound('bot not found');
    return bot;
  }

  private define(): void {
    const w = this.world;

    this.on('POST', '/sandbox/users', ({ body }) => {
      const user = w.createUser({
        phone: phoneParam(str(body, 'phone', { max: 32 })),
        firstName: str(body, 'first_name', { max: 64 }),
        lastName: str(body, 'last_name', { optional: true, max: 64 }),
        username: str(body, 'username', { optional: true, max: 33 }),
        password: str(body, 'password', { optional: true, max: 256 }),
        languageCode: str(body, 'language_code', { optional: true, max: 35 }),
      });
      return { status: 201, body: { id: user.id, phone: user.phone } };
    });

    this.on('GET', '/sandbox/users/:phone/codes', ({ params }) => ({
      body: w.listCodes(phoneParam(param(params, 0))).map((c) => ({
        code: c.code,
        sent_at: iso(c.sentAt),
        expires_at: iso(c.expiresAt),
        used: c.used,
      })),
    }));

    this.on('POST', '/sandbox/users/:phone/revoke-sessions', ({ params }) => {
      w.revokeSessions(this.user(param(params, 0)).id);
      return { body: { revoked: true } };
    });

    this.on('POST', '/sandbox/users/:phone/accept-login-token', ({ body, params }) => {
      const user = this.user(param(params, 0));
      const token = str(body, 'token', { max: 512 }).trim();
      if (!/^[A-Za-z0-9_-]+={0,2}$/.test(token)) throw invalid('token must be base64url');
      w.acceptLoginToken(user.id, Buffer.from(token, 'base64url'));
      return { body: { accepted: true } };
    });

    this.on('POST', '/sandbox/users/:phone/privacy', ({ body, params }) => {
      const user = this.user(param(params, 0));
      const level = (field: 'messages' | 'forwards'): MessagePrivacy | undefined => {
        const value = body[field];
        if (value === undefined) return undefined;
        if (typeof value !== 'string' || !MESSAGE_PRIVACY_VALUES.includes(value as MessagePrivacy)) {
          throw invalid(`${field} must be one of ${MESSAGE_PRIVACY_VALUES.join(', ')}`);
        }
        return value as MessagePrivacy;
      };
      const messages = level('messages');
      const forwards = level('forwards');
      if (messages === undefined && forwards === undefined) throw invalid('give messages, forwards or both');
      if (messages !== undefined) w.setMessagePrivacy(user.id, messages);
      // One rule for everyone; the app's exceptions (MTProto account.setPrivacy) are replaced, as a level is all here.
      if (forwards !== undefined) w.setPrivacyRules(user.id, PRIVACY_KEY_FORWARDS, [LEVEL_RULES[forwards]]);
      return { body: privacyJson(user.id) };
    });

    const privacyJson = (userId: number): Body => ({
      messages: w.messagePrivacyOf(userId),
      forwards: privacyLevel(w.privacyRulesOf(userId, PRIVACY_KEY_FORWARDS)),
    });

    this.on('GET', '/sandbox/users/:phone/privacy', ({ params }) => ({
      body: privacyJson(this.user(param(params, 0)).id),
    }));

    this.on('POST', '/sandbox/users/:phone/limits', ({ body, params }) => {
      const user = this.user(param(params, 0));
      const channels = int(body, 'channels', 0);
      const sendsPerMinute = int(body, 'sends_per_minute', 1);
      if (channels === undefined && sendsPerMinute === undefined) {
        throw invalid('give channels, sends_per_minute or both');
      }
      if (channels !== undefined && channels > 100000) throw invalid('channels must be at most 100000');
      if (sendsPerMinute !== undefined && sendsPerMinute > 100000) {
        throw invalid('sends_per_minute must be at most 100000');
      }
      if (channels !== undefined) w.setChannelLimit(user.id, channels);
      if (sendsPerMinute !== undefined) w.setSendsPerMinute(user.id, sendsPerMinute);
      return {
        body: {
          channels: w.channelLimitOf(user.id),
          in_channels: w.channelsOfUser(user.id).length,
          sends_per_minute: w.sendsPerMinuteOf(user.id),
        },
      };
    });

    // A user's Telegram Stars, which they pay bots' invoices with (payments.ts).
    this.on('POST', '/sandbox/users/:phone/stars', ({ body, params }) => {
      const user = this.user(param(params, 0));
      const balance = int(body, 'balance', 0);
      if (balance === undefined) throw invalid('balance is required');
      setStarBalance(w, user.id, balance);
      return { body: { balance: starBalanceOf(w, user.id) } };
    });

    this.on('GET', '/sandbox/users/:phone/stars', ({ params }) => ({
      body: { balance: starBalanceOf(w, this.user(param(params, 0)).id) },
    }));

    this.on('GET', '/sandbox/users/:phone/contacts', ({ params }) => {
      const user = this.user(param(params, 0));
      return {
        body: w.contactsOf(user.id).flatMap((c) => {
          const contact = w.findUserById(c.userId);
          if (!contact) return [];
          return [
            {
              user_id: c.userId,
              phone: contact.phone,
              first_name: c.firstName,
              last_name: c.lastName,
              mutual: w.isContact(c.userId, user.id),
            },
          ];
        }),
      };
    });

    // The user adds a contact in its Telegram app: every session of the account hears of it.
    this.on('POST', '/sandbox/users/:phone/contacts', ({ body, params }) => {
      const owner = this.user(param(params, 0));
      const contact = this.user(str(body, 'phone', { max: 32 }), 'phone');
      if (contact.id === owner.id) throw invalid('a user cannot add itself');
      const [found] = w.importContacts(owner.id, [
        {
          phone: contact.phone,
          firstName: str(body, 'first_name', { optional: true, max: 64 }) ?? '',
          lastName: str(body, 'last_name', { optional: true, max: 64 }),
        },
      ]);
      return { status: 201, body: { user_id: found?.user.id ?? contact.id } };
    });

    this.on('GET', '/sandbox/users/:phone/messages', ({ params }) => {
      const user = this.user(param(params, 0));
      return {
        body: w.privateMessagesOf('user', user.id).map((m) => ({
          message_id: m.id,
          date: m.date,
          from: { kind: m.fromKind, id: m.fromId },
          to: { kind: m.toKind, id: m.toId },
          out: m.fromKind === 'user' && m.fromId === user.id,
          text: m.text,
          ...(m.entities?.length ? { entities: m.entities } : {}),
          ...(m.replyToId !== undefined ? { reply_to_message_id: m.replyToId } : {}),
          ...(m.media ? { media: mediaInfoJson(m.media) } : {}),
          ...sharingInfoJson(m),
          ...(m.editDate ? { edit_date: m.editDate } : {}),
          ...ownReactionsJson(m),
        })),
      };
    });

    this.on('POST', '/sandbox/users/:phone/messages', ({ body, params }) => {
      const to = this.user(param(params, 0));
      const from = this.user(str(body, 'from_phone', { max: 32 }), 'from_phone');
      const text = str(body, 'text');
      const m = w.sendPrivateMessage({ fromKind: 'user', fromId: from.id, toKind: 'user', toId: to.id, text });
      return { body: { message_id: m.id } };
    });

    this.on('POST', '/sandbox/bots', ({ body }) => {
      const ownerPhone = str(body, 'owner_phone', { optional: true, max: 32 });
      const placeholder = str(body, 'inline_placeholder', { optional: true, max: MAX_INLINE_PLACEHOLDER });
      const feedback = bool(body, 'inline_feedback');
      const bot = w.createBot({
        username: str(body, 'username', { max: 33 }),
        ownerPhone: ownerPhone === undefined ? undefined : phoneParam(ownerPhone, 'owner_phone'),
        firstName: str(body, 'first_name', { optional: true, max: 64 }),
      });
      if (placeholder !== undefined || feedback !== undefined) setInlineMode(w, bot.id, { placeholder, feedback });
      return { status: 201, body: { id: bot.id, token: bot.token, username: bot.username } };
    });

    // BotFather's /setinline (a placeholder turns inline mode on, null turns it off) and /setinlinefeedback.
    this.on('POST', '/sandbox/bots/:id/inline', ({ body, params }) => {
      const bot = this.bot(param(params, 0));
      const placeholder =
        body.placeholder === null ? null : str(body, 'placeholder', { optional: true, max: MAX_INLINE_PLACEHOLDER });
      setInlineMode(w, bot.id, { placeholder, feedback: bool(body, 'feedback') });
      return {
        body: {
          enabled: supportsInline(bot),
          placeholder: bot.inlinePlaceholder ?? null,
          feedback: inlineFeedbackOf(bot),
        },
      };
    });

    // BotFather's /newgame (games.ts): a game the bot may send by its short name; GET lists the bot's games.
    this.on('POST', '/sandbox/bots/:id/games', ({ body, params }) => {
      const bot = this.bot(param(params, 0));
      const game = registerGame(w, bot.id, {
        shortName: str(body, 'short_name', { max: 64 }),
        title: str(body, 'title', { max: 64 }),
        description: str(body, 'description', { optional: true, max: 512 }) ?? '',
      });
      return { status: 201, body: gameBody(game) };
    });
    this.on('GET', '/sandbox/bots/:id/games', ({ params }) => ({
      body: gamesOf(w, this.bot(param(params, 0)).id).map(gameBody),
    }));

    // BotFather's /setprivacy: with privacy mode off the bot hears every message of its groups.
    this.on('POST', '/sandbox/bots/:id/privacy', ({ body, params }) => {
      const bot = this.bot(param(params, 0));
      const enabled = bool(body, 'enabled');
      if (enabled === undefined) throw invalid('enabled must be a boolean');
      w.setGroupPrivacy(bot.id, enabled);
      return { body: { enabled: w.groupPrivacyOf(bot) } };
    });

    this.on('POST', '/sandbox/bots/:id/messages', ({ body, params }) => {
      const bot = this.bot(param(params, 0));
      const from = this.user(str(body, 'from_phone', { max: 32 }), 'from_phone');
      const text = str(body, 'text');
      const m = w.sendPrivateMessage({ fromKind: 'user', fromId: from.id, toKind: 'bot', toId: bot.id, text });
      return { body: { message_id: m.id, update_id: this.door.updateIdFor(bot.id, m.id) ?? null } };
    });

    this.on('PATCH', '/sandbox/bots/:id/messages/:message_id', ({ body, params }) => {
      const bot = this.bot(param(params, 0));
      const messageId = messageIdParam(param(params, 1));
      const text = str(body, 'text');
      const original = w.findPrivateMessage(messageId);
      if (!original || original.toKind !== 'bot' || original.toId !== bot.id || original.fromKind !== 'user') {
        throw notFound('no message from a user to this bot with this id');
      }
      const m = w.editPrivateMessage(messageId, text);
      return { body: { message_id: m.id, edit_date: m.editDate } };
    });

    this.on('POST', '/sandbox/bots/:id/callback', ({ body, params }) => {
      const bot = this.bot(param(params, 0));
      const from = this.user(str(body, 'from_phone', { max: 32 }), 'from_phone');
      const messageId = int(body, 'message_id', 1);
      if (messageId === undefined) throw invalid('message_id is required');
      const rawChat = body.chat_id;
      if (rawChat !== undefined && rawChat !== null && typeof rawChat !== 'number' && typeof rawChat !== 'string') {
        throw invalid('chat_id must be a channel id or @username');
      }
      const channel = rawChat === undefined || rawChat === null ? undefined : this.channel(String(rawChat));
      const callbackData = str(body, 'callback_data', { optional: true, max: 64 });
      const buttonText = str(body, 'button_text', { optional: true, max: 4096 });
      if ((callbackData === undefined) === (buttonText === undefined)) {
        throw invalid('give exactly one of callback_data or button_text');
      }
      const pressed = this.door.pressButton({
        botId: bot.id,
        userId: from.id,
        channelId: channel?.id,
        messageId,
        callbackData,
        buttonText,
      });
      return { body: { callback_query_id: pressed.callbackQueryId, update_id: pressed.updateId ?? null } };
    });

    this.on('GET', '/sandbox/bots/:id/callbacks/:query_id', ({ params }) => {
      const bot = this.bot(param(params, 0));
      const query = this.door.callbackQuery(bot.id, param(params, 1));
      if (!query) throw notFound('no button press with this id');
      return {
        body: {
          callback_query_id: query.id,
          from_user_id: query.fromUserId,
          chat_id: query.chatId,
          message_id: query.messageId,
          data: query.data,
          answered: query.answer !== undefined,
          ...(query.answer
            ? {
                answer: {
                  ...(query.answer.text !== undefined ? { text: query.answer.text } : {}),
                  show_alert: query.answer.showAlert,
                  ...(query.answer.url !== undefined ? { url: query.answer.url } : {}),
                  cache_time: query.answer.cacheTime,
                  date: query.answer.date,
                },
              }
            : {}),
        },
      };
    });

    this.on('GET', '/sandbox/bots/:id/sent', ({ params }) => ({
      body: this.door.sentBy(this.bot(param(params, 0)).id),
    }));
    this.on('GET', '/sandbox/bots/:id/stats', ({ params }) => ({
      body: this.door.statsOf(this.bot(param(params, 0)).id),
    }));

    // Mini Apps (web-apps.ts): the signed initData a user's app would hand the bot's Mini App, and the key to check it.
    this.on('GET', '/sandbox/web-apps/public-key', () => ({ body: { public_key: WEB_APP_PUBLIC_KEY_HEX } }));
    this.on('POST', '/sandbox/bots/:id/web-app', ({ body, params }) => {
      const bot = this.bot(param(params, 0));
      const user = this.user(str(body, 'phone', { max: 32 }));
      const startParam = str(body, 'start_param', { optional: true, max: 512 });
      if (startParam !== undefined && !validStartParam(startParam)) {
        throw invalid('start_param must be up to 512 of A-Z, a-z, 0-9, _ and -');
      }
      const url = str(body, 'url', { optional: true, max: 4096 });
      if (url !== undefined && !validWebAppUrl(url)) throw invalid('url must be an http(s) URL');
      const base = url ?? menuWebAppUrl(w, bot, user);
      if (base === undefined) throw invalid("url is required: the bot's menu button opens no web app for this user");
      // As the bot's menu button opens it in the user's private chat with the bot.
      const initData = buildInitData(w, bot, user, { queryId: newWebViewQueryId(), startParam });
      return {
        body: {
          url: webAppUrl(base, { initData, version: WEB_APP_VERSION, platform: 'unknown' }),
          init_data: initData,
        },
      };
    });

    // A basic group (not a supergroup) the owner creates with users and bots in it.
    this.on('POST', '/sandbox/groups', ({ body }) => {
      const list = (name: string): unknown[] => {
        const v = body[name];
        if (v === undefined || v === null) return [];
        if (!Array.isArray(v) || v.length > 200) throw invalid(`${name} must be an array of at most 200`);
        return v;
      };
      const group = w.createBasicGroup({
        title: str(body, 'title', { max: 128 }),
        ownerPhone: phoneParam(str(body, 'owner_phone', { max: 32 }), 'owner_phone'),
        userPhones: list('member_phones').map((p) => {
          if (typeof p !== 'string') throw invalid('member_phones must be phone strings');
          return phoneParam(p, 'member_phones');
        }),
        bots: list('bots').map((b) => {
          if (typeof b !== 'object' || b === null) throw invalid('bots must be objects {id, admin?}');
          const bot = this.bot(String((b as Body).id), 'bots[].id');
          return { id: bot.id, admin: bool(b as Body, 'admin') ?? false };
        }),
      });
      // "… created the group", naming everyone it was made with.
      writeServiceMessage(
        w,
        { kind: 'group', group },
        { kind: 'user', id: group.creatorUserId },
        {
          type: 'chat_create',
          title: group.title,
          userIds: [...group.userIds, ...group.bots.map((b) => b.id)],
        },
      );
      return {
        status: 201,
        body: { id: group.id, bot_api_id: -group.id, title: group.title, type: 'group' },
      };
    });

    this.on('GET', '/sandbox/groups/:id/messages', ({ params }) => {
      const group = w.findBasicGroup(idParam(param(params, 0), 'id'));
      if (!group) throw notFound('group not found');
      const body = group.messages.map((m) => ({
        message_id: m.id,
        date: m.date,
        text: m.text,
        ...(m.fromUserId !== undefined ? { from_user_id: m.fromUserId } : {}),
        ...(m.fromBotId !== undefined ? { from_bot_id: m.fromBotId } : {}),
        ...(m.replyToId !== undefined && !m.service ? { reply_to_message_id: m.replyToId } : {}),
        ...(m.service ? { service: serviceInfoJson(m.service, m.replyToId) } : {}),
      }));
      return { body };
    });

    this.on('POST', '/sandbox/groups/:id/messages', ({ body, params }) => {
      const group = w.findBasicGroup(idParam(param(params, 0), 'id'));
      if (!group) throw notFound('group not found');
      const from = this.user(str(body, 'from_phone', { max: 32 }), 'from_phone');
      const m = w.sendBasicGroupMessage(group.id, from.id, str(body, 'text', { max: 4096 }));
      return { body: { message_id: m.id } };
    });

    this.on('POST', '/sandbox/channels', ({ body }) => {
      // A supergroup may be made a forum from the start (forum-topics.ts).
      const forum = bool(body, 'forum');
      if (forum && !bool(body, 'megagroup')) throw invalid('only a supergroup can be a forum');
      const channel = w.createChannel({
        title: str(body, 'title', { max: 128 }),
        username: str(body, 'username', { optional: true, max: 33 }),
        ownerPhone: phoneParam(str(body, 'owner_phone', { max: 32 }), 'owner_phone'),
        megagroup: bool(body, 'megagroup'),
      });
      if (forum) setForum(w, channel, true);
      return { status: 201, body: channelJson(channel) };
    });

    this.on('GET', '/sandbox/channels/:id', ({ params }) => {
      const channel = this.channel(param(params, 0));
      return {
        body: {
          ...channelJson(channel),
          subscribers: w.subscriberCount(channel),
          members: [...channel.members.values()].map(memberJson),
        },
      };
    });

    this.on('POST', '/sandbox/channels/:id/audience', ({ body, params }) => {
      const channel = this.channel(param(params, 0));
      const subscribers = counter(body, 'subscribers');
      if (subscribers === undefined) throw invalid('subscribers is required');
      return { body: { subscribers: w.setSubscribers(channel.id, subscribers) } };
    });

    this.on('POST', '/sandbox/channels/:id/messages/:message_id/counters', ({ body, params }) => {
      const channel = this.channel(param(params, 0));
      const messageId = messageIdParam(param(params, 1));
      const views = counter(body, 'views');
      const forwards = counter(body, 'forwards');
      const reactions = reactionsParam(body, (total) => splitReactions(channel.id, messageId, total));
      if (views === undefined && forwards === undefined && reactions === undefined) {
        throw invalid('give at least one of views, forwards or reactions');
      }
      if (channel.megagroup) throw invalid("a supergroup's messages have no views or forwards");
      if (!channel.messages.some((m) => m.id === messageId && !m.deleted)) throw notFound('message not found');
      return { body: countersJson(w.setCounters(channel.id, messageId, { views, forwards, reactions })) };
    });

    this.on('POST', '/sandbox/channels/:id/members', ({ body, params }) => {
      const channel = this.channel(param(params, 0));
      const phone = str(body, 'phone', { optional: true, max: 32 });
      const botId = int(body, 'bot_id', 1);
      if ((phone === undefined) === (botId === undefined)) throw invalid('give exactly one of phone or bot_id');
      const target =
        phone !== undefined
          ? { kind: 'user' as const, id: this.user(phone).id }
          : { kind: 'bot' as const, id: this.bot(String(botId), 'bot_id').id };
      const actorPhone = str(body, 'actor_phone', { optional: true, max: 32 });
      const actor = actorPhone === undefined ? undefined : this.user(actorPhone, 'actor_phone').id;
      const member = w.setMember(
        channel.id,
        { ...target, admin: bool(body, 'admin'), canPostMessages: bool(body, 'can_post_messages') },
        actor,
      );
      return { body: memberJson(member) };
    });

    this.on('DELETE', '/sandbox/channels/:id/members/bot/:bot_id', ({ params }) => {
      const channel = this.channel(param(params, 0));
      w.removeMember(channel.id, 'bot', this.bot(param(params, 1), 'bot_id').id);
      return { body: { removed: true } };
    });

    this.on('DELETE', '/sandbox/channels/:id/members/user/:phone', ({ params }) => {
      const channel = this.channel(param(params, 0));
      w.removeMember(channel.id, 'user', this.user(param(params, 1)).id);
      return { body: { removed: true } };
    });

    this.on('POST', '/sandbox/channels/:id/messages', ({ body, params }) => {
      const channel = this.channel(param(params, 0));
      const text = str(body, 'text');
      const fromPhone = str(body, 'from_phone', { optional: true, max: 32 });
      const message = w.postToChannel(channel.id, {
        text,
        views: int(body, 'views', 0),
        fromUserId: fromPhone === undefined ? undefined : this.user(fromPhone, 'from_phone').id,
      });
      return { body: { message_id: message.id } };
    });

    this.on('PATCH', '/sandbox/channels/:id/messages/:message_id', ({ body, params }) => {
      const channel = this.channel(param(params, 0));
      const messageId = messageIdParam(param(params, 1));
      const text = str(body, 'text');
      const current = channel.messages.find((m) => m.id === messageId && !m.deleted);
      if (!current) throw notFound('message not found');
      if (current.text === text) throw invalid('message is not modified: the text is the same');
      const message = w.editChannelMessage(channel.id, messageId, text);
      return { body: { message_id: message.id, edit_date: message.editDate } };
    });

    this.on('GET', '/sandbox/channels/:id/messages', ({ params }) => {
      const channel = this.channel(param(params, 0));
      const body = channel.messages
        .filter((m) => !m.deleted)
        .map((m) => ({
          message_id: m.id,
          date: m.date,
          text: m.text,
          ...(channel.megagroup ? { views: 0, ...ownReactionsJson(m) } : countersJson(w.countersOf(channel, m))),
          ...(m.editDate ? { edit_date: m.editDate } : {}),
          ...(m.viaBotId ? { via_bot_id: m.viaBotId } : {}),
          ...(m.fromUserId ? { from_user_id: m.fromUserId } : {}),
          ...(m.media ? { media: mediaInfoJson(m.media) } : {}),
          ...(m.entities?.length ? { entities: m.entities } : {}),
          ...(m.replyToId !== undefined && !m.service ? { reply_to_message_id: m.replyToId } : {}),
          ...(m.topicId !== undefined ? { message_thread_id: m.topicId } : {}),
          ...(m.replyMarkup ? { reply_markup: m.replyMarkup } : {}),
          ...(m.service ? { service: serviceInfoJson(m.service, m.replyToId) } : {}),
          ...sharingInfoJson(m),
        }));
      return { body };
    });

    this.on('POST', '/sandbox/faults', ({ body }) => {
      const door = body.door;
      if (door !== 'bot' && door !== 'mtproto') throw invalid('door must be "bot" or "mtproto"');
      const method = str(body, 'method', { max: 128 });
      const error = body.error;
      const okError =
        (typeof error === 'number' && Number.isInteger(error) && error >= 400 && error <= 599) ||
        (typeof error === 'string' && error.trim() !== '' && error.length <= 256);
      if (!okError) {
        throw invalid(
          'error must be a status (400-599), an error name such as FLOOD_WAIT_30, or "timeout" (no answer)',
        );
      }
      const fault: FaultSpec = { door, method, error: error, times: int(body, 'times', 1) ?? 1 };
      w.addFault(fault);
      return { status: 201, body: fault };
    });

    this.on('POST', '/sandbox/limits', ({ body }) => {
      const enabled = bool(body, 'enabled');
      if (enabled === undefined) throw invalid('enabled is required');
      w.limitsEnabled = enabled;
      return { body: { enabled } };
    });

    this.on('GET', '/sandbox/mtproto/public-key', () => {
      if (!this.mtproto) throw notFound('the MTProto door is not running');
      return { body: { pem: this.mtproto.publicKey.pem, fingerprint: this.mtproto.publicKey.fingerprint } };
    });

    this.on('GET', '/sandbox/mtproto/stats', () => {
      if (!this.mtproto) throw notFound('the MTProto door is not running');
      return { body: this.mtproto.stats() };
    });

    this.on('GET', '/sandbox/clock', () => ({ body: clockJson(w) }));

    this.on('POST', '/sandbox/clock', ({ body }) => {
      const seconds = int(body, 'advance_seconds', 1);
      const frozen = bool(body, 'frozen');
      if (seconds === undefined && frozen === undefined) throw invalid('give advance_seconds, frozen or both');
      if (seconds !== undefined && seconds > MAX_CLOCK_STEP_SECONDS) {
        throw invalid(`advance_seconds must be at most ${MAX_CLOCK_STEP_SECONDS}`);
      }
      if (frozen !== undefined) w.freezeClock(frozen);
      if (seconds !== undefined) w.advanceClock(seconds);
      return { body: clockJson(w) };
    });

    this.on('POST', '/sandbox/reset', () => {
      w.reset();
      return { body: { reset: true } };
    });
  }
}

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ControlError(413, 'PAYLOAD_TOO_LARGE', 'body exceeds 1 MB');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  const type = ((req.headers['content-type'] ?? '').split(';', 1)[0] ?? '').trim().toLowerCase();
  if (type !== 'application/json')
    throw new ControlError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send JSON (application/json)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ControlError(400, 'MALFORMED_JSON', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('the body must be a JSON object');
  return parsed as Body;
}

function toControlError(err: unknown): ControlError {
  if (err instanceof ControlError) return err;
  if (err instanceof SandboxConflictError) return new ControlError(409, 'CONFLICT', err.message);
  if (err instanceof SandboxNotFoundError) return notFound(err.message);
  if (err instanceof SandboxInvalidError) return invalid(err.message);
  throw err;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
