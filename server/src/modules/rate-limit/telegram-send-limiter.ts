import { present } from '../../common/present';
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Clock } from '../../common/clock';
import type { AppConfig, TelegramBotLimits } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RateLimitRedis } from './rate-limit.redis';
import { LEASE_MS } from './tenant-rate-limiter';

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

/**
 * Keeps every tenant bot under Telegram's Bot API limits (config
 * `telegram.limits`, Telegram's figures by default) across all workers
 * (Redis-backed). Windows run from when an earlier call came back to when a
 * new one may start (see TAKE_BATCH), so the spacing Telegram sees is never
 * tighter than configured.
 */
@Injectable()
export class TelegramSendLimiter {
  private readonly limits: TelegramBotLimits;

  constructor(
    private readonly redis: RateLimitRedis,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.limits = config.telegram.limits;
  }

  /**
   * One send to one chat: waits in place while the wait is within
   * `maxWaitMs`, else answers the wait so the caller can refuse or
   * reschedule. The slot counts against the tenant's budget as well.
   */
  async take(sender: BatchSender, chatId: string, maxWaitMs: number): Promise<SendSlot | SendWait> {
    const started = this.clock.now();
    for (;;) {
      const batch = await this.takeBatch(sender, [chatId]);
      const wait = present(batch.waits[0], 'the wait for the one chat asked');
      if (wait === null) {
        let finished = false;
        return {
          done: async () => {
            if (finished) return;
            finished = true;
            await batch.complete([this.clock.now()]);
          },
        };
      }
      if (this.clock.now() - started + wait.waitMs > maxWaitMs) return wait;
      await this.clock.sleep(wait.waitMs);
    }
  }

  /**
   * Takes slots for posts to several chats at once (one Redis call): the
   * tenant's budget, the bot's window and each chat's windows (a second, a
   * minute), as many chats as may go now in the order given.
   */
  async takeBatch(sender: BatchSender, chatIds: string[]): Promise<SendBatch> {
    const p = this.redis.prefix;
    const tenant = this.redis.tenantKeys(sender.tenantId);
    const shared = [tenant.rps, tenant.slots, `${p}:bot:${sender.botId}`];
    const chatKeys = chatIds.map((chatId) => `${p}:chat:${sender.botId}:${chatId}`);
    const prefix = randomBytes(8).toString('hex');
    const { perBot, perChat: chat, perGroup } = this.limits;
    const raw = await this.redis.client.takeBatch(
      shared.length + 1 + chatKeys.length,
      ...shared,
      this.blockKey(sender.botId),
      ...chatKeys,
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
          shared.length + taken.length,
          ...shared,
          ...chatKeys.filter((_, i) => waits[i] === null),
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
