import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { type MemberChangedEvent, type PrivateMessage, type SandboxBot, type SandboxWorld, WorldEvent } from '../world';
import { BotApiError, faultToError } from './bot-api-error';
import { findMethod, type MethodContext } from './bot-api-methods';
import { BotSession, type RefusalRecord, type SentRecord } from './bot-session';
import { Params } from './params';
import { readParams } from './request-body';
import { channelChatJson, chatMemberJson, commandEntities, type Json, privateChatJson, userJson } from './serializers';
import { setTimeout as sleep } from 'node:timers/promises';

/** The fault that makes a Bot API call hang instead of answering (`POST /sandbox/faults {"error": "timeout"}`). */
export const TIMEOUT_FAULT = 'timeout';

/** The fault that makes a Bot API call answer late but normally (`{"error": "delay:3000"}`, ms). */
const DELAY_FAULT = /^delay:(\d{1,6})$/;

const BOT_PATH = /^\/bot([^/]+)\/([^/]+)\/?$/;
const FILE_PATH = /^\/file\/bot([^/]+)\/(.+)$/;

export interface BotStats {
  sent: number;
  throttled: number;
  refusals: RefusalRecord[];
}

/**
 * The Bot API door: `/bot<token>/<method>` and `/file/bot<token>/<path>`, answering as
 * api.telegram.org does. Keeps each bot's updates, webhook, long poll and send log, and turns
 * world events (a user writing to a bot, a bot's membership changing) into updates.
 */
export class BotApiDoor {
  private readonly sessions = new Map<number, BotSession>();
  private closed = false;
  private readonly onPrivateMessage = (m: PrivateMessage): void => this.privateMessageArrived(m);
  private readonly onMemberChanged = (e: MemberChangedEvent): void => this.memberChanged(e);
  private readonly onReset = (): void => this.closeSessions();

  constructor(private readonly world: SandboxWorld) {
    world.on(WorldEvent.PrivateMessage, this.onPrivateMessage);
    world.on(WorldEvent.MemberChanged, this.onMemberChanged);
    world.on(WorldEvent.Reset, this.onReset);
  }

  /** True when the path belongs to this door (it then answers the request). */
  matches(pathname: string): boolean {
    return BOT_PATH.test(pathname) || FILE_PATH.test(pathname);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const file = FILE_PATH.exec(url.pathname);
    if (file) {
      this.serveFile(res, decodeURIComponent(file[1]), decodeURIComponent(file[2]));
      req.resume();
      return;
    }
    const call = BOT_PATH.exec(url.pathname);
    if (!call) {
      req.resume();
      sendError(res, BotApiError.notFound());
      return;
    }
    try {
      const bot = this.world.findBotByToken(decodeURIComponent(call[1]));
      if (!bot) throw BotApiError.unauthorized();
      const fault = this.world.takeFault('bot', call[2]);
      if (fault === TIMEOUT_FAULT) {
        // A Telegram that took the request and never answers: hold it until the client gives up.
        req.resume();
        if (!res.closed) await new Promise((resolve) => res.once('close', resolve));
        return;
      }
      const delay = typeof fault === 'string' ? DELAY_FAULT.exec(fault) : null;
      if (delay) await sleep(Number(delay[1]));
      else if (fault !== undefined) throw faultToError(fault);
      const method = findMethod(call[2]);
      if (!method) throw BotApiError.notFound();
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
    }
  }

  /** The messages a bot sent, in order. */
  sentBy(botId: number): SentRecord[] {
    return [...(this.sessions.get(botId)?.sent ?? [])];
  }

  statsOf(botId: number): BotStats {
    const s = this.sessions.get(botId);
    return { sent: s?.sent.length ?? 0, throttled: s?.refusals.length ?? 0, refusals: [...(s?.refusals ?? [])] };
  }

  /** The update_id a user's private message to a bot became (undefined when the bot filtered it out). */
  updateIdFor(botId: number, privateMessageId: number): number | undefined {
    return this.sessions.get(botId)?.updateIdByPrivateMessage.get(privateMessageId);
  }

  close(): void {
    this.closed = true;
    this.world.off(WorldEvent.PrivateMessage, this.onPrivateMessage);
    this.world.off(WorldEvent.MemberChanged, this.onMemberChanged);
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
      this.sessions.set(bot.id, s);
    }
    return s;
  }

  private privateMessageArrived(m: PrivateMessage): void {
    if (this.closed || m.toKind !== 'bot' || m.fromKind !== 'user') return;
    const bot = this.world.findBotById(m.toId);
    const user = this.world.findUserById(m.fromId);
    if (!bot || !user) return;
    const session = this.session(bot);
    session.knownUsers.add(user.id);
    const message: Json = {
      message_id: m.id,
      from: userJson(user),
      chat: privateChatJson(user),
      date: m.date,
      text: m.text,
    };
    const entities = commandEntities(m.text);
    if (entities.length > 0) message.entities = entities;
    const updateId = session.enqueue('message', message);
    if (updateId !== undefined) session.updateIdByPrivateMessage.set(m.id, updateId);
  }

  private memberChanged(e: MemberChangedEvent): void {
    if (this.closed || e.member.kind !== 'bot') return;
    const bot = this.world.findBotById(e.member.id);
    if (!bot) return;
    const oldMember = chatMemberJson(this.world, e.channel, 'bot', bot.id, e.old);
    const newMember = chatMemberJson(this.world, e.channel, 'bot', bot.id, e.left ? undefined : e.member);
    // Telegram reports a change only when something changed.
    if (JSON.stringify(oldMember) === JSON.stringify(newMember)) return;
    const actor = e.actorUserId !== undefined ? this.world.findUserById(e.actorUserId) : undefined;
    this.session(bot).enqueue('my_chat_member', {
      chat: channelChatJson(e.channel),
      from: actor ? userJson(actor) : { id: e.channel.creatorUserId, is_bot: false, first_name: 'Admin' },
      date: Math.floor(Date.now() / 1000),
      old_chat_member: oldMember,
      new_chat_member: newMember,
    });
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
