import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { RateLimitRedis } from './rate-limit.redis';
import { LEASE_MS } from './tenant-rate-limiter';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Telegram's Bot API limits (Bots FAQ). Windows run from when an earlier call
 * came back to when a new one may start (see TAKE_WINDOWS), so the spacing
 * Telegram sees is never tighter than this; the few extra ms absorb clock
 * rounding.
 */
export const TELEGRAM_BOT_LIMITS = {
  /** About one message per second in a chat. */
  perChat: { max: 1, windowMs: 1002 },
  /** 20 messages per minute in a group or channel. */
  perGroup: { max: 20, windowMs: 60_010 },
  /** About 30 messages per second per bot overall. */
  perBot: { max: 30, windowMs: 1002 },
} as const;

/** A call not reported back within this long is counted as having landed then (its caller died). */
const IN_FLIGHT_MS = 30_000;

/** A slot taken for one send; `done()` once Telegram has answered (or the call failed). */
export interface SendSlot {
  done(): Promise<void>;
}

/**
 * Which limit makes a send wait: the bot's own (shared by all its chats), the
 * chat's, a 429's block, or the tenant's own budget (rate_limit_rps,
 * max_concurrent_requests).
 */
export type WaitScope = 'bot' | 'chat' | 'group' | 'blocked' | 'tenant';

/** Whose sends a batch takes slots for, and the tenant's own budget. */
export interface BatchSender {
  tenantId: string;
  botId: string;
  rps: number;
  maxConcurrent: number;
}

/**
 * Slots taken for a batch of channel posts: per chat given, null when it may
 * go now, else how long to wait and why. `complete` gets, per chat, when its
 * call came back (ms), or 0 for a slot taken but not used.
 */
export interface SendBatch {
  waits: (SendWait | null)[];
  complete(returnedAt: number[]): Promise<void>;
}

const BATCH_SCOPES: Record<number, WaitScope> = { 1: 'bot', 2: 'chat', 3: 'group', 4: 'blocked', 5: 'tenant' };

export interface SendWait {
  waitMs: number;
  scope: WaitScope;
}

export interface SendTarget {
  botId: string;
  chatId: string;
  /** Groups and channels also have the per-minute cap. */
  isGroup: boolean;
}

/** Keeps every tenant bot under Telegram's limits across all workers (Redis-backed). */
@Injectable()
export class TelegramSendLimiter {
  constructor(private readonly redis: RateLimitRedis) {}

  /** Takes one send for the target now (a slot), or answers how many ms to wait (nothing taken). */
  async tryTake(target: SendTarget): Promise<SendSlot | SendWait> {
    const p = this.redis.prefix;
    const windows: [string, { max: number; windowMs: number }][] = [
      [`${p}:bot:${target.botId}`, TELEGRAM_BOT_LIMITS.perBot],
      [`${p}:chat:${target.botId}:${target.chatId}`, TELEGRAM_BOT_LIMITS.perChat],
    ];
    if (target.isGroup) windows.push([`${p}:group:${target.botId}:${target.chatId}`, TELEGRAM_BOT_LIMITS.perGroup]);
    const keys = windows.map(([k]) => k);
    const member = randomBytes(8).toString('hex');
    const args = [member, IN_FLIGHT_MS, ...windows.flatMap(([, w]) => [w.max, w.windowMs])];
    const [wait, index] = await this.redis.client.takeWindows(
      keys.length + 1,
      ...keys,
      this.blockKey(target.botId),
      ...args,
    );
    if (wait > 0) {
      const scopes: WaitScope[] = ['bot', 'chat', ...(target.isGroup ? (['group'] as const) : [])];
      return { waitMs: Number(wait), scope: scopes[index - 1] ?? 'blocked' };
    }
    let finished = false;
    return {
      done: async () => {
        if (finished) return;
        finished = true;
        await this.redis.client.completeWindows(keys.length, ...keys, member, Date.now());
      },
    };
  }

  /**
   * Waits until the target may be sent to: in place while the wait is within
   * `maxWaitMs` (per scope when given as a function), else answers the wait
   * so the caller can reschedule.
   */
  async take(target: SendTarget, maxWaitMs: number | ((scope: WaitScope) => number)): Promise<SendSlot | SendWait> {
    const started = Date.now();
    for (;;) {
      const got = await this.tryTake(target);
      if ('done' in got) return got;
      const limit = typeof maxWaitMs === 'number' ? maxWaitMs : maxWaitMs(got.scope);
      if (Date.now() - started + got.waitMs > limit) return got;
      await sleep(got.waitMs);
    }
  }

  /**
   * Takes slots for posts to several channels at once (one Redis call): the
   * tenant's budget, the bot's window and each channel's chat and group
   * windows, as many channels as may go now in the order given.
   */
  async takeBatch(sender: BatchSender, chatIds: string[]): Promise<SendBatch> {
    const p = this.redis.prefix;
    const tenant = this.redis.tenantKeys(sender.tenantId);
    const shared = [tenant.rps, tenant.slots, `${p}:bot:${sender.botId}`];
    const perChat = chatIds.flatMap((chatId) => [
      `${p}:chat:${sender.botId}:${chatId}`,
      `${p}:group:${sender.botId}:${chatId}`,
    ]);
    const prefix = randomBytes(8).toString('hex');
    const { perBot, perChat: chat, perGroup } = TELEGRAM_BOT_LIMITS;
    const raw = await this.redis.client.takeBatch(
      shared.length + 1 + perChat.length,
      ...shared,
      this.blockKey(sender.botId),
      ...perChat,
      prefix,
      IN_FLIGHT_MS,
      Math.max(1, Math.floor(sender.rps)),
      Math.max(1, Math.floor(sender.maxConcurrent)),
      LEASE_MS,
      perBot.max,
      perBot.windowMs,
      chat.max,
      chat.windowMs,
      perGroup.max,
      perGroup.windowMs,
    );
    const waits = chatIds.map((_, i): SendWait | null => {
      const scope = Number(raw[i * 2]);
      return scope === 0 ? null : { scope: BATCH_SCOPES[scope] ?? 'blocked', waitMs: Number(raw[i * 2 + 1]) };
    });
    let finished = false;
    return {
      waits,
      complete: async (returnedAt) => {
        if (finished) return;
        finished = true;
        const taken = waits.flatMap((w, i) => (w === null ? [i] : []));
        if (taken.length === 0) return;
        await this.redis.client.completeBatch(
          shared.length + taken.length * 2,
          ...shared,
          ...taken.flatMap((i) => [perChat[i * 2], perChat[i * 2 + 1]]),
          prefix,
          ...taken.flatMap((i) => [i + 1, Math.max(0, Math.floor(returnedAt[i] ?? 0))]),
        );
      },
    };
  }

  /** Telegram answered 429: nothing more goes out for this bot until retry_after has passed. */
  async block(botId: string, retryAfterSeconds: number): Promise<void> {
    const ms = Math.max(1, Math.ceil(retryAfterSeconds * 1000));
    const key = this.blockKey(botId);
    const current = await this.redis.client.pttl(key);
    if (current < ms) await this.redis.client.set(key, '1', 'PX', ms);
  }

  private blockKey(botId: string): string {
    return `${this.redis.prefix}:blocked:${botId}`;
  }
}
