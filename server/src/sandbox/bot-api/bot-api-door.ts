import { waitForAnswer } from '../runtime-state';
import { createHash, randomBytes } from 'node:crypto';
import { present } from '../../common/present';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import {
  type BasicGroupBotLeftEvent,
  type BasicGroupMemberAddedEvent,
  type BasicGroupMessageEvent,
  type ChannelMember,
  type ChannelMessage,
  type ChannelMessageEvent,
  type MemberChangedEvent,
  type MemberRestriction,
  type MessageReactionsEvent,
  type PrivateMessage,
  type SandboxBasicGroup,
  type SandboxBot,
  type SandboxChannel,
  SandboxInvalidError,
  SandboxNotFoundError,
  type SandboxUser,
  type SandboxWorld,
  WorldEvent,
} from '../world';
import type { ChannelBan } from '../channel-administration';
import type { PollUpdatedEvent } from '../polls';
import type { JoinRequestedEvent } from '../join-requests';
import { joinRequestUpdates } from './join-requests';
import { paymentMessageJson, preCheckoutQueryJson } from './payments';
import type { PreCheckoutEvent } from '../payments';
import { pollAnswerJson, pollJson } from './poll-json';
import { BotApiError, faultToError, malformedTokenError } from './bot-api-error';
import {
  channelMessageJson,
  groupMessageJson,
  type MethodContext,
  privateMessageJson,
  privateRepliedJson,
} from './bot-api-methods';
import { findMethod } from './method-table';
import { beginBotCall } from './bot-profile';
import { reactionUpdates } from './reactions';
import { botHearsService } from './service-message-json';
import {
  BotSession,
  type CallbackAnswer,
  type CallbackQueryRecord,
  type RefusalRecord,
  type SentRecord,
  type UpdateType,
} from './bot-session';
import { Params } from './params';
import { readParams } from './request-body';
import {
  botUserJson,
  channelChatJson,
  chatMemberJson,
  commandEntities,
  contentJson,
  entitiesJson,
  groupChatJson,
  type Json,
  privateChatJson,
  userJson,
} from './serializers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerBlockedEvent } from '../blocking';
import { blockChangeUpdate } from './blocking';
import type { InlineQueryEvent } from '../inline-queries';
import { inlineQueryUpdate } from './inline-queries';

/** The fault that makes a Bot API call hang instead of answering (`POST /sandbox/faults {"error": "timeout"}`). */
export const TIMEOUT_FAULT = 'timeout';

/** The fault that makes a Bot API call answer late but normally (`{"error": "delay:3000"}`, ms). */
const DELAY_FAULT = /^delay:(\d{1,6})$/;

const BOT_PATH = /^\/bot([^/]+)\/([^/]+)\/?$/;
const FILE_PATH = /^\/file\/bot([^/]+)\/(.+)$/;

/** A capture group of one of the patterns above; every group in them always participates. */
const group = (m: RegExpExecArray, index: number): string => present(m[index], `path group ${index}`);

/** A user pressing an inline button, as the control API asks for it. */
export interface ButtonPress {
  botId: number;
  userId: number;
  /** Absent: the private chat between the user and the bot. */
  channelId?: number;
  messageId: number;
  callbackData?: string;
  buttonText?: string;
  /** A press on a game's Play button (`callback_game`): the bot hears the game's short name, no data. */
  game?: boolean;
}

/** A press of a button on a message sent via the bot's inline mode (`world.inlineMessages`). */
export interface InlineButtonPress {
  botId: number;
  userId: number;
  inlineMessageId: string;
  callbackData: string;
}

export interface BotStats {
  sent: number;
  throttled: number;
  refusals: RefusalRecord[];
  /** A getUpdates call is waiting for updates. */
  polling: boolean;
  /** Calls taken and not yet answered (a held long poll, a body still arriving, a delay or timeout fault). */
  in_flight: number;
  /** Calls whose client went away before their answer was written. */
  dropped: number;
}

/** The Bot API calls of one bot that are in flight now, and those whose client left before the answer. */
interface BotCalls {
  inFlight: number;
  dropped: number;
}

/**
 * The Bot API door: `/bot<token>/<method>` and `/file/bot<token>/<path>`, answering as
 * api.telegram.org does. Keeps each bot's updates, webhook, long poll and send log, and turns
 * world events (a user writing to a bot, a bot's membership changing) into updates.
 */
export class BotApiDoor {
  private readonly sessions = new Map<number, BotSession>();
  /** Kept apart from the sessions: a reset drops those while calls are still being answered. */
  private readonly calls = new Map<number, BotCalls>();
  private closed = false;
  /** When the door was made, on the machine's clock. */
  private readonly createdAtMs = Date.now();
  private readonly onPrivateMessage = (m: PrivateMessage): void => this.privateMessageArrived(m);
  private readonly onPrivateMessageEdited = (m: PrivateMessage): void => this.privateMessageEdited(m);
  private readonly onChannelMessage = (e: ChannelMessageEvent): void => this.channelMessage(e, false);
  private readonly onChannelMessageEdited = (e: ChannelMessageEvent): void => this.channelMessage(e, true);
  private readonly onMemberChanged = (e: MemberChangedEvent): void => this.memberChanged(e);
  private readonly onBasicGroupMessage = (e: BasicGroupMessageEvent): void => this.basicGroupMessage(e);
  private readonly onBasicGroupCreated = (g: SandboxBasicGroup): void => this.basicGroupCreated(g);
  private readonly onBasicGroupBotLeft = (e: BasicGroupBotLeftEvent): void => this.basicGroupBotLeft(e);
  private readonly onBasicGroupMemberAdded = (e: BasicGroupMemberAddedEvent): void => this.basicGroupBotAdded(e);
  private readonly onPoll = (e: PollUpdatedEvent): void => this.pollUpdated(e);
  private readonly onMessageReactions = (e: MessageReactionsEvent): void => this.messageReactions(e);
  private readonly onJoinRequested = (e: JoinRequestedEvent): void => this.joinRequested(e);
  private readonly onPeerBlocked = (e: PeerBlockedEvent): void => this.peerBlocked(e);
  private readonly onPreCheckoutQuery = (e: PreCheckoutEvent): void => this.preCheckoutQuery(e);
  private readonly onInlineQuery = (e: InlineQueryEvent): void => this.inlineQuery(e);
  private readonly onReset = (): void => this.closeSessions();

  constructor(private readonly world: SandboxWorld) {
    world.on(WorldEvent.PrivateMessage, this.onPrivateMessage);
    world.on(WorldEvent.PrivateMessageEdited, this.onPrivateMessageEdited);
    world.on(WorldEvent.ChannelMessage, this.onChannelMessage);
    world.on(WorldEvent.ChannelMessageEdited, this.onChannelMessageEdited);
    world.on(WorldEvent.MemberChanged, this.onMemberChanged);
    world.on(WorldEvent.BasicGroupMessage, this.onBasicGroupMessage);
    world.on(WorldEvent.BasicGroupCreated, this.onBasicGroupCreated);
    world.on(WorldEvent.BasicGroupBotLeft, this.onBasicGroupBotLeft);
    world.on(WorldEvent.BasicGroupMemberAdded, this.onBasicGroupMemberAdded);
    world.on(WorldEvent.PollUpdated, this.onPoll);
    world.on(WorldEvent.MessageReactions, this.onMessageReactions);
    world.on(WorldEvent.JoinRequested, this.onJoinRequested);
    world.on(WorldEvent.PeerBlocked, this.onPeerBlocked);
    world.on(WorldEvent.PreCheckoutQuery, this.onPreCheckoutQuery);
    world.on(WorldEvent.InlineQuery, this.onInlineQuery);
    world.on(WorldEvent.Reset, this.onReset);
  }

  /** True when the path belongs to this door (it then answers the request). */
  matches(pathname: string): boolean {
    return BOT_PATH.test(pathname) || FILE_PATH.test(pathname);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const file = FILE_PATH.exec(url.pathname);
    if (file) {
      this.serveFile(res, decodeURIComponent(group(file, 1)), decodeURIComponent(group(file, 2)));
      req.resume();
      return;
    }
    const call = BOT_PATH.exec(url.pathname);
    if (!call) {
      req.resume();
      sendError(res, BotApiError.notFound());
      return;
    }
    const token = decodeURIComponent(group(call, 1));
    const bot = this.world.findBotByToken(token);
    const calls = bot ? this.takeCall(bot.id, res) : undefined;
    try {
      if (!bot) throw malformedTokenError(token) ?? BotApiError.unauthorized();
      const fault = this.world.takeFault('bot', group(call, 2));
      if (fault === TIMEOUT_FAULT) {
        // A Telegram that took the request and never answers: hold it until the client gives up.
        req.resume();
        if (!res.closed) await new Promise((resolve) => res.once('close', resolve));
        return;
      }
      const delay = typeof fault === 'string' ? DELAY_FAULT.exec(fault) : null;
      if (delay) await sleep(Number(group(delay, 1)));
      else if (fault !== undefined) throw faultToError(fault);
      beginBotCall(this.world, this.session(bot));
      const method = findMethod(group(call, 2));
      if (!method) throw BotApiError.methodNotFound();
      const params = new Params(await readParams(req, url));
      const ctx: MethodContext = {
        world: this.world,
        session: this.session(bot),
        params,
        get signal() {
          return closedSignal(res);
        },
      };
      const answer = await method.fn(ctx);
      if (res.writableEnded || res.destroyed) return;
      sendJson(res, 200, {
        ok: true,
        result: answer.result,
        ...(answer.description ? { description: answer.description } : {}),
      });
    } catch (err) {
      if (!(err instanceof BotApiError)) throw err;
      req.resume();
      sendError(res, err);
    } finally {
      if (calls) calls.inFlight -= 1;
    }
  }

  /** Counts a call of the bot as in flight (the caller ends that), and as dropped if its client leaves unanswered. */
  private takeCall(botId: number, res: ServerResponse): BotCalls {
    const calls = this.calls.get(botId) ?? { inFlight: 0, dropped: 0 };
    this.calls.set(botId, calls);
    calls.inFlight += 1;
    res.once('close', () => {
      if (!res.writableFinished) calls.dropped += 1;
    });
    return calls;
  }

  /** The messages a bot sent, in order. */
  sentBy(botId: number): SentRecord[] {
    return [...(this.sessions.get(botId)?.sent ?? [])];
  }

  statsOf(botId: number): BotStats {
    const s = this.sessions.get(botId);
    const calls = this.calls.get(botId);
    return {
      sent: s?.sent.length ?? 0,
      throttled: s?.refusals.length ?? 0,
      refusals: [...(s?.refusals ?? [])],
      polling: s?.polling ?? false,
      in_flight: calls?.inFlight ?? 0,
      dropped: calls?.dropped ?? 0,
    };
  }

  /** The update_id a user's private message to a bot became (undefined when the bot filtered it out). */
  updateIdFor(botId: number, privateMessageId: number): number | undefined {
    return this.sessions.get(botId)?.updateIdByPrivateMessage.get(privateMessageId);
  }

  // ---- persistence (a stored world keeps each bot's webhook, allowed_updates, pending updates and records) ----

  botSessions(): ReadonlyMap<number, BotSession> {
    return this.sessions;
  }

  /** The session of one of the world's bots, made when missing; undefined when the world has no such bot. */
  botSessionFor(botId: number): BotSession | undefined {
    const bot = this.world.findBotById(botId);
    return bot ? this.session(bot) : undefined;
  }

  resumeBotSessions(): void {
    for (const s of this.sessions.values()) s.resumeDelivery();
  }

  close(): void {
    this.closed = true;
    this.world.off(WorldEvent.PrivateMessage, this.onPrivateMessage);
    this.world.off(WorldEvent.PrivateMessageEdited, this.onPrivateMessageEdited);
    this.world.off(WorldEvent.ChannelMessage, this.onChannelMessage);
    this.world.off(WorldEvent.ChannelMessageEdited, this.onChannelMessageEdited);
    this.world.off(WorldEvent.MemberChanged, this.onMemberChanged);
    this.world.off(WorldEvent.BasicGroupMessage, this.onBasicGroupMessage);
    this.world.off(WorldEvent.BasicGroupCreated, this.onBasicGroupCreated);
    this.world.off(WorldEvent.BasicGroupBotLeft, this.onBasicGroupBotLeft);
    this.world.off(WorldEvent.BasicGroupMemberAdded, this.onBasicGroupMemberAdded);
    this.world.off(WorldEvent.PollUpdated, this.onPoll);
    this.world.off(WorldEvent.MessageReactions, this.onMessageReactions);
    this.world.off(WorldEvent.JoinRequested, this.onJoinRequested);
    this.world.off(WorldEvent.PeerBlocked, this.onPeerBlocked);
    this.world.off(WorldEvent.PreCheckoutQuery, this.onPreCheckoutQuery);
    this.world.off(WorldEvent.InlineQuery, this.onInlineQuery);
    this.world.off(WorldEvent.Reset, this.onReset);
    this.closeSessions();
  }

  private closeSessions(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private session(bot: SandboxBot): BotSession {
    let s = this.sessions.get(bot.id);
    if (!s) {
      s = new BotSession(bot);
      // The door's start on the world's clock as it reads now (a stored world may bring its clock ahead).
      s.serverStartedAt = this.world.now() - (Date.now() - this.createdAtMs);
      this.sessions.set(bot.id, s);
    }
    return s;
  }

  /**
   * A poll's new state goes to the bot that sent it (`poll`), and a vote in a non-anonymous one as `poll_answer`
   * (an empty option_ids for a vote taken back). Other bots hear nothing of it, as Telegram tells only the sender.
   */
  private pollUpdated({ poll, vote }: PollUpdatedEvent): void {
    const bot = poll.senderBotId === undefined ? undefined : this.world.findBotById(poll.senderBotId);
    if (!bot) return;
    const session = this.session(bot);
    session.enqueue('poll', pollJson(poll, this.world.unixNow(), entitiesJson(this.world, poll.explanationEntities)));
    const voter = vote && !poll.anonymous ? this.world.findUserById(vote.userId) : undefined;
    if (vote && voter) session.enqueue('poll_answer', pollAnswerJson(poll, userJson(voter), vote.options));
  }

  /** A user's message to a bot, as the bot sees it; a reply carries the message it answers. */
  private userMessageJson(m: PrivateMessage, user: SandboxUser, bot: SandboxBot): Json {
    const message: Json = {
      message_id: m.id,
      from: userJson(user),
      chat: privateChatJson(user),
      date: m.date,
    };
    // A payment's service message is `successful_payment` alone (no reply to the invoice, as the official server).
    const payment = paymentMessageJson(this.world, m);
    if (payment) return Object.assign(message, payment);
    // Data a keyboard button's Mini App sent (web-apps.ts): `web_app_data` alone.
    if (m.webAppData) {
      return Object.assign(message, {
        web_app_data: { data: m.webAppData.data, button_text: m.webAppData.buttonText },
      });
    }
    Object.assign(message, contentJson(this.world, m));
    const replied =
      m.replyToId === undefined
        ? undefined
        : privateRepliedJson(this.world, bot, user, m.replyToId, this.session(bot).privateMessages);
    if (replied) message.reply_to_message = replied;
    if (m.editDate) message.edit_date = m.editDate;
    return message;
  }

  private privateMessageArrived(m: PrivateMessage): void {
    if (this.closed || m.toKind !== 'bot' || m.fromKind !== 'user') return;
    const bot = this.world.findBotById(m.toId);
    const user = this.world.findUserById(m.fromId);
    if (!bot || !user) return;
    const session = this.session(bot);
    session.knownUsers.add(user.id);
    const updateId = session.enqueue('message', this.userMessageJson(m, user, bot));
    if (updateId !== undefined) session.updateIdByPrivateMessage.set(m.id, updateId);
  }

  private privateMessageEdited(m: PrivateMessage): void {
    if (this.closed || m.toKind !== 'bot' || m.fromKind !== 'user') return;
    const bot = this.world.findBotById(m.toId);
    const user = this.world.findUserById(m.fromId);
    if (!bot || !user) return;
    this.session(bot).enqueue('edited_message', this.userMessageJson(m, user, bot));
  }

  /**
   * New and edited posts in channels and supergroups. In a channel every administrator bot hears
   * every post but its own. In a supergroup bots never hear bots; an administrator bot, or one with privacy mode
   * off, hears every message, a plain member in privacy mode only commands, mentions of it and replies to it.
   */
  private channelMessage(e: ChannelMessageEvent, edited: boolean): void {
    if (this.closed || e.message.deleted) return;
    const { channel, message } = e;
    const type = channel.megagroup
      ? edited
        ? 'edited_message'
        : 'message'
      : edited
        ? 'edited_channel_post'
        : 'channel_post';
    if (message.service) {
      this.channelServiceMessage(channel, message, type);
      return;
    }
    if (channel.megagroup && message.viaBotId !== undefined) return;
    for (const member of channel.members.values()) {
      if (member.kind !== 'bot' || member.id === message.viaBotId || member.id === e.editorBotId) continue;
      const bot = this.world.findBotById(member.id);
      if (!bot || !this.hearsInChannel(bot, member, channel, message)) continue;
      this.session(bot).enqueue(type, channelMessageJson(this.world, channel, message));
    }
  }

  /** A service message: to every bot of a supergroup, to the administrator bots of a channel (see botHearsService). */
  private channelServiceMessage(channel: SandboxChannel, message: ChannelMessage, type: UpdateType): void {
    const { service } = message;
    if (!service) return;
    for (const member of channel.members.values()) {
      if (member.kind !== 'bot' || (!channel.megagroup && !member.admin)) continue;
      const bot = this.world.findBotById(member.id);
      if (!bot || !botHearsService(service, bot.id, message.fromUserId ?? message.viaBotId)) continue;
      this.session(bot).enqueue(type, channelMessageJson(this.world, channel, message, false, bot.id));
    }
  }

  private hearsInChannel(bot: SandboxBot, member: ChannelMember, channel: SandboxChannel, m: ChannelMessage): boolean {
    if (member.admin) return true;
    if (!channel.megagroup) return false;
    const replied = m.replyToId === undefined ? undefined : channel.messages.find((x) => x.id === m.replyToId);
    return this.hearsInGroup(bot, m.text, replied?.viaBotId);
  }

  /**
   * Whether a bot that is not an administrator hears a member's message in a group: every message with privacy
   * mode off; in privacy mode (Telegram's default) only commands, mentions of its username and replies to its own
   * messages (`repliedToBotId`: the bot that wrote the message replied to).
   */
  private hearsInGroup(bot: SandboxBot, text: string, repliedToBotId: number | undefined): boolean {
    if (!this.world.groupPrivacyOf(bot)) return true;
    return hasCommandFor(bot, text) || mentions(bot, text) || repliedToBotId === bot.id;
  }

  /**
   * A member's message in a basic group, to each bot in it that hears it: `chat.type` "group", the group's negative
   * id. An administrator bot, or one with privacy mode off, hears every message; any other (privacy mode, the
   * default) only commands, messages that mention it by username and replies to its own messages. Bots never hear
   * bots.
   */
  private basicGroupMessage({ group, message }: BasicGroupMessageEvent): void {
    if (this.closed) return;
    const { service } = message;
    if (service) {
      for (const member of group.bots) {
        const bot = this.world.findBotById(member.id);
        if (!bot || !botHearsService(service, bot.id, message.fromUserId ?? message.fromBotId)) continue;
        this.session(bot).enqueue('message', groupMessageJson(this.world, group, message, false, bot.id));
      }
      return;
    }
    if (message.fromUserId === undefined) return;
    const user = this.world.findUserById(message.fromUserId);
    if (!user) return;
    const json = groupMessageJson(this.world, group, message);
    const replied =
      message.replyToId === undefined ? undefined : group.messages.find((m) => m.id === message.replyToId);
    for (const member of group.bots) {
      const bot = this.world.findBotById(member.id);
      if (!bot) continue;
      if (member.admin || this.hearsInGroup(bot, message.text, replied?.fromBotId)) {
        this.session(bot).enqueue('message', json);
      }
    }
  }

  /** Reactions changed on a message: the bots that hear of it get `message_reaction` or `message_reaction_count`. */
  private messageReactions(e: MessageReactionsEvent): void {
    if (this.closed) return;
    for (const { botId, type, payload } of reactionUpdates(this.world, e)) {
      const bot = this.world.findBotById(botId);
      if (bot) this.session(bot).enqueue(type, payload);
    }
  }

  /** A user asks to join a chat: its administrator bots that may invite users get `chat_join_request`. */
  private joinRequested(e: JoinRequestedEvent): void {
    if (this.closed) return;
    for (const { botId, payload } of joinRequestUpdates(this.world, e)) {
      const bot = this.world.findBotById(botId);
      if (bot) this.session(bot).enqueue('chat_join_request', payload);
    }
  }

  /** A user confirmed a payment in Stars: the bot that sold hears `pre_checkout_query` (payments.ts). */
  private preCheckoutQuery(e: PreCheckoutEvent): void {
    const bot = this.closed ? undefined : this.world.findBotById(e.botId);
    if (bot) this.session(bot).enqueue('pre_checkout_query', preCheckoutQueryJson(e));
  }

  /** A user typed `@bot query` (the bot hears inline_query), or sent one of its results (chosen_inline_result). */
  private inlineQuery(e: InlineQueryEvent): void {
    if (this.closed) return;
    const { type, payload } = inlineQueryUpdate(e);
    this.session(e.bot).enqueue(type, payload);
  }

  /** A user blocked or unblocked a bot: it hears my_chat_member (kicked, or member again). */
  private peerBlocked(e: PeerBlockedEvent): void {
    if (this.closed) return;
    const told = blockChangeUpdate(this.world, e);
    if (told) this.session(told.bot).enqueue('my_chat_member', told.myChatMember);
  }

  private memberChanged(e: MemberChangedEvent): void {
    if (this.closed) return;
    const { kind, id } = e.member;
    this.tellMemberChange({
      chat: channelChatJson(e.channel),
      chatKind: e.channel,
      creatorUserId: e.channel.creatorUserId,
      actorUserId: e.actorUserId,
      actorBotId: e.actorBotId,
      member: { kind, id },
      old: e.old,
      now: e.left ? undefined : e.member,
      oldBan: e.oldBan,
      nowBan: e.ban,
      oldRestriction: e.restriction?.old,
      nowRestriction: e.restriction?.now,
      adminBotIds: [...e.channel.members.values()].filter((m) => m.kind === 'bot' && m.admin).map((m) => m.id),
    });
  }

  /** Each bot put in a basic group at its creation hears it from the creator, as a member or an administrator. */
  private basicGroupCreated(group: SandboxBasicGroup): void {
    if (this.closed) return;
    // They joined as the group was made, by the world's clock (which tests may move).
    const joinedAt = group.createdAt;
    for (const b of group.bots) {
      this.tellMemberChange({
        chat: groupChatJson(group),
        chatKind: { megagroup: true },
        creatorUserId: group.creatorUserId,
        actorUserId: group.creatorUserId,
        member: { kind: 'bot', id: b.id },
        old: undefined,
        now: { kind: 'bot', id: b.id, admin: b.admin, canPostMessages: false, creator: false, joinedAt },
        // Everyone comes in together with the group: no one was there to hear the others join.
        adminBotIds: [],
      });
    }
  }

  /** A bot a member added to a basic group hears it (my_chat_member), from that member. */
  private basicGroupBotAdded({ group, member, byUserId }: BasicGroupMemberAddedEvent): void {
    if (this.closed || member.kind !== 'bot') return;
    const bot = group.bots.find((b) => b.id === member.id);
    if (!bot) return;
    this.tellMemberChange({
      chat: groupChatJson(group),
      chatKind: { megagroup: true },
      creatorUserId: group.creatorUserId,
      actorUserId: byUserId,
      member,
      old: undefined,
      now: {
        kind: 'bot',
        id: bot.id,
        admin: bot.admin,
        canPostMessages: false,
        creator: false,
        joinedAt: new Date(this.world.now()),
      },
      adminBotIds: [],
    });
  }

  /**
   * A bot that left a basic group, or was removed from it, hears it (my_chat_member), from itself or the member who
   * removed it; the group's other admin bots do not ask.
   */
  private basicGroupBotLeft({ group, bot, byUserId }: BasicGroupBotLeftEvent): void {
    if (this.closed) return;
    this.tellMemberChange({
      chat: groupChatJson(group),
      chatKind: { megagroup: true },
      creatorUserId: group.creatorUserId,
      actorUserId: byUserId,
      actorBotId: byUserId === undefined ? bot.id : undefined,
      member: { kind: 'bot', id: bot.id },
      old: {
        kind: 'bot',
        id: bot.id,
        admin: bot.admin,
        canPostMessages: false,
        creator: false,
        joinedAt: group.createdAt,
      },
      now: undefined,
      adminBotIds: [],
    });
  }

  /**
   * A membership change in a chat: the member, if a bot, hears it as my_chat_member; the chat's other
   * administrator bots as chat_member, when they asked for it. Telegram reports a change only when something changed.
   */
  private tellMemberChange(c: {
    chat: Json;
    chatKind: Pick<SandboxChannel, 'megagroup'>;
    creatorUserId: number;
    actorUserId: number | undefined;
    /** A bot that made the change itself (leaving). */
    actorBotId?: number;
    member: { kind: 'user' | 'bot'; id: number };
    old: ChannelMember | undefined;
    now: ChannelMember | undefined;
    /** A ban the member was, or is now, under (shown as `kicked`). */
    oldBan?: ChannelBan;
    nowBan?: ChannelBan;
    /** A restriction the member was, or is now, under (shown as `restricted`). */
    oldRestriction?: MemberRestriction;
    nowRestriction?: MemberRestriction;
    adminBotIds: number[];
  }): void {
    const { kind, id } = c.member;
    const oldMember = chatMemberJson(this.world, c.chatKind, kind, id, c.old, c.oldBan, c.oldRestriction);
    const newMember = chatMemberJson(this.world, c.chatKind, kind, id, c.now, c.nowBan, c.nowRestriction);
    if (JSON.stringify(oldMember) === JSON.stringify(newMember)) return;
    const actor = c.actorUserId !== undefined ? this.world.findUserById(c.actorUserId) : undefined;
    const actorBot = c.actorBotId !== undefined ? this.world.findBotById(c.actorBotId) : undefined;
    const change: Json = {
      chat: c.chat,
      from: actorBot
        ? botUserJson(actorBot)
        : actor
          ? userJson(actor)
          : { id: c.creatorUserId, is_bot: false, first_name: 'Admin' },
      date: Math.floor(Date.now() / 1000),
      old_chat_member: oldMember,
      new_chat_member: newMember,
    };
    const self = kind === 'bot' ? this.world.findBotById(id) : undefined;
    if (self) this.session(self).enqueue('my_chat_member', change);
    for (const botId of c.adminBotIds) {
      if (kind === 'bot' && botId === id) continue;
      const bot = this.world.findBotById(botId);
      if (bot) this.session(bot).enqueue('chat_member', change);
    }
  }

  // ---- inline buttons ----

  /** A user presses an inline button: the bot gets a callback_query. Throws what Telegram's client would hear. */
  pressButton(press: ButtonPress): { callbackQueryId: string; updateId: number | undefined } {
    const bot = this.world.findBotById(press.botId);
    const user = this.world.findUserById(press.userId);
    if (!bot) throw new SandboxNotFoundError('bot not found');
    if (!user) throw new SandboxNotFoundError('user not found');
    const session = this.session(bot);
    let message: Json;
    let markup: Json | undefined;
    let chatId: number;
    if (press.channelId === undefined) {
      const record = session.privateMessages.get(press.messageId);
      if (!record || record.userId !== user.id || session.deletedPrivateIds.has(press.messageId)) {
        throw new SandboxNotFoundError('message not found in the chat of this user and bot (MESSAGE_ID_INVALID)');
      }
      markup = record.replyMarkup;
      message = privateMessageJson(this.world, bot, user, record, session.privateMessages);
      chatId = user.id;
    } else {
      const channel = this.world.findChannel(press.channelId);
      if (!channel) throw new SandboxNotFoundError('channel not found');
      if (!channel.members.has(`user:${user.id}`) && !channel.username) {
        throw new SandboxInvalidError('the user cannot see this private channel (CHANNEL_PRIVATE)');
      }
      const post = channel.messages.find((m) => m.id === press.messageId && !m.deleted);
      if (!post || post.viaBotId !== bot.id) {
        throw new SandboxNotFoundError('no message of this bot with this id in the chat (MESSAGE_ID_INVALID)');
      }
      markup = post.replyMarkup;
      message = channelMessageJson(this.world, channel, post);
      chatId = channel.botApiId;
    }
    const gameShortName = press.game ? pressedGame(this.world, bot.id, press) : undefined;
    const data = gameShortName === undefined ? findCallbackData(markup, press) : '';
    const query: CallbackQueryRecord = {
      id: (randomBytes(8).readBigUInt64BE() >> 1n).toString(),
      fromUserId: user.id,
      chatId,
      messageId: press.messageId,
      data,
      createdAt: Date.now(),
    };
    session.rememberCallbackQuery(query);
    const updateId = session.enqueue('callback_query', {
      id: query.id,
      from: userJson(user),
      message,
      chat_instance: chatInstance(bot.id, chatId),
      ...(gameShortName === undefined ? { data } : { game_short_name: gameShortName }),
    });
    return { callbackQueryId: query.id, updateId };
  }

  /**
   * A user presses a button of a message sent via the bot's inline mode: the bot gets a callback_query naming the
   * message by its inline_message_id (no `message`: the bot is not in that chat).
   */
  pressInlineButton(press: InlineButtonPress): { callbackQueryId: string; updateId: number | undefined } {
    const bot = this.world.findBotById(press.botId);
    const user = this.world.findUserById(press.userId);
    const sent = this.world.inlineMessages[press.inlineMessageId];
    if (!bot || !user) throw new SandboxNotFoundError('bot or user not found');
    if (sent?.botId !== bot.id)
      throw new SandboxNotFoundError('no message of this bot with this id (MESSAGE_ID_INVALID)');
    const data = findCallbackData(sent.replyMarkup, { ...press, messageId: sent.sent.messageId });
    const session = this.session(bot);
    const query: CallbackQueryRecord = {
      id: (randomBytes(8).readBigUInt64BE() >> 1n).toString(),
      fromUserId: user.id,
      chatId: 0,
      messageId: sent.sent.messageId,
      data,
      createdAt: Date.now(),
    };
    session.rememberCallbackQuery(query);
    const chat = sent.sent.channelId ?? sent.sent.groupId ?? `message:${sent.sent.messageId}`;
    const updateId = session.enqueue('callback_query', {
      id: query.id,
      from: userJson(user),
      inline_message_id: press.inlineMessageId,
      chat_instance: chatInstance(bot.id, chat),
      data,
    });
    return { callbackQueryId: query.id, updateId };
  }

  /** A press and the bot's answer to it, if any. */
  callbackQuery(botId: number, queryId: string): CallbackQueryRecord | undefined {
    return this.sessions.get(botId)?.callbackQueries.get(queryId);
  }

  /**
   * The bot's answer to a press, once it gives it (at once if it already did); undefined when it gives none within
   * `timeoutMs` (or the press is forgotten). What an app's messages.getBotCallbackAnswer waits on.
   */
  waitForCallbackAnswer(botId: number, queryId: string, timeoutMs: number): Promise<CallbackAnswer | undefined> {
    const query = this.callbackQuery(botId, queryId);
    return query ? waitForAnswer(query, timeoutMs) : Promise.resolve(undefined);
  }

  private serveFile(res: ServerResponse, token: string, filePath: string): void {
    if (!this.world.findBotByToken(token)) {
      sendError(res, BotApiError.unauthorized());
      return;
    }
    const file = [...this.world.files.values()].find((f) => f.filePath === filePath);
    if (!file) {
      sendError(res, BotApiError.notFound());
      return;
    }
    res.writeHead(200, {
      'content-type': file.kind === 'photo' ? 'image/jpeg' : 'application/octet-stream',
      'content-length': file.data.length,
    });
    res.end(file.data);
  }
}

/** Whether the text has a command meant for the bot (`/cmd`, or `/cmd@bot` naming it): what a bot in privacy mode hears. */
function hasCommandFor(bot: SandboxBot, text: string): boolean {
  const mention = new RegExp(`^/[A-Za-z0-9_]+(@${bot.username})?$`, 'i');
  return commandEntities(text).some((en) => {
    const offset = en.offset as number;
    return mention.test(text.slice(offset, offset + (en.length as number)));
  });
}

/** Whether the text names the bot by its username (`@name`, any case), as a mention a bot in privacy mode hears. */
function mentions(bot: SandboxBot, text: string): boolean {
  const at = `@${bot.username.toLowerCase()}`;
  const lower = text.toLowerCase();
  for (let i = lower.indexOf(at); i >= 0; i = lower.indexOf(at, i + 1)) {
    const before = lower[i - 1];
    const after = lower[i + at.length];
    // Inside a longer name (or a command's `/cmd@name`, heard as a command) it is no mention.
    if ((before === undefined || !/[a-z0-9_]/.test(before)) && (after === undefined || !/[a-z0-9_]/.test(after))) {
      return true;
    }
  }
  return false;
}

/** The callback_data of the pressed button; a press of data not on the keyboard is refused as DATA_INVALID. */
function findCallbackData(markup: Json | undefined, press: ButtonPress): string {
  const rows = Array.isArray(markup?.inline_keyboard) ? (markup.inline_keyboard as Json[][]) : [];
  const buttons = rows.flat();
  if (press.callbackData !== undefined) {
    if (!buttons.some((b) => b.callback_data === press.callbackData)) {
      throw new SandboxInvalidError("callback_data is not on the message's inline keyboard (DATA_INVALID)");
    }
    return press.callbackData;
  }
  const button = buttons.find((b) => b.text === press.buttonText);
  if (!button) throw new SandboxInvalidError("no button with this text on the message's inline keyboard");
  if (typeof button.callback_data !== 'string') throw new SandboxInvalidError('this button carries no callback_data');
  return button.callback_data;
}

/** The short name of the game a pressed Play button's message carries (games.ts); refused when it carries none. */
function pressedGame(world: SandboxWorld, botId: number, press: ButtonPress): string {
  const media =
    press.channelId === undefined
      ? world.findPrivateMessage(press.messageId)?.media
      : world.findChannel(press.channelId)?.messages.find((m) => m.id === press.messageId)?.media;
  if (media?.kind !== 'game' || media.botId !== botId) {
    throw new SandboxInvalidError('the message carries no game of this bot (DATA_INVALID)');
  }
  return media.shortName;
}

/** Stable per bot and chat, as Telegram's chat_instance is, without revealing either id. */
function chatInstance(botId: number, chatId: number | string): string {
  const digest = createHash('sha256').update(`${botId}:${chatId}`).digest();
  return digest.readBigInt64BE().toString();
}

/**
 * A signal aborted when the client goes away, for the few methods that wait (a long poll) or
 * fetch. Made on first use: most calls answer at once, and an abort builds a DOMException.
 */
function closedSignal(res: ServerResponse): AbortSignal {
  const abort = new AbortController();
  if (res.closed) abort.abort();
  else res.once('close', () => abort.abort());
  return abort.signal;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, reason?: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  // telegraf reports a 5xx by its reason phrase alone, so the phrase carries the description.
  const phrase = (reason ?? STATUS_CODES[status] ?? 'Error').replace(/[^\x20-\x7e]/g, ' ');
  res.writeHead(status, phrase, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, err: BotApiError): void {
  const retryAfter = err.parameters?.retry_after;
  if (retryAfter !== undefined && !res.headersSent) res.setHeader('retry-after', String(retryAfter));
  sendJson(res, err.errorCode, err.toBody(), err.errorCode >= 500 ? err.description : undefined);
}
