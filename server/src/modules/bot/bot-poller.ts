import { setTimeout as sleep } from 'node:timers/promises';
import type { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { classifyTelegramFailure, describeFailure } from './telegram-bot-api.failure';

/** How long Telegram holds one getUpdates open when nothing happens (its maximum). */
const LONG_POLL_SECONDS = 50;
/** A long poll Telegram has not answered this long after its own timeout is given up and asked again. */
const LONG_POLL_GRACE_MS = 15_000;
/** The confirmation of the last handled updates on the way out is not allowed to hold a shutdown longer. */
const CONFIRM_TIMEOUT_MS = 2_000;

export interface BotPollOptions {
  /** Update kinds Telegram sends this bot (getUpdates' allowed_updates). */
  allowedUpdates: readonly string[];
  /** The first wait after a failed getUpdates; each failure in a row doubles it, up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** An update's handling failed (polling goes on: the next batch is not held by one bad update). */
  onHandlerError(err: unknown, update: Update): void;
  /** A getUpdates failed and is asked again after `waitMs` (Telegram unreachable, 5xx, 429). */
  onRetry?(reason: string, waitMs: number): void;
  /** Polling ended without stop(): the token was revoked (401/404) or Telegram refused it (409: another poller). */
  onEnded?(reason: string): void;
}

/**
 * Long polling for one bot, in place of telegraf's `launch()`. Written here because telegraf's polling loop
 * (4.x) waits out a failed getUpdates on a plain timer that `stop()` cannot cancel, for a fixed 5 s with no
 * backoff: a bot stopped while Telegram was unreachable held its process open for those seconds, and an outage
 * was asked again at the same pace by every bot. This loop
 * - backs off (1 s doubling to 30 s by default, or Telegram's own retry_after) and resets on the first answer;
 * - stops at once when told: the open long poll and the wait both abort, and `stop()` resolves when the loop has
 *   ended, after the batch in hand is handled;
 * - confirms the updates it handled since the last getUpdates to Telegram on the way out (bounded by 2 s), so a
 *   restart does not get them again;
 * - ends for good on a revoked token or a conflicting poller, as telegraf's does.
 * Updates are handed to telegraf's `handleUpdate`, so the bot's middleware runs as it does for webhooks.
 */
export class BotPoller {
  private readonly abort = new AbortController();
  /** The next update_id to ask for: every update below it has been handled. */
  private offset = 0;
  /** The offset Telegram was last told (by a getUpdates that answered). */
  private confirmed = 0;
  /** Settles when the loop has ended, after `stop()` or on its own; never rejects. */
  readonly done: Promise<void>;

  constructor(
    private readonly bot: Telegraf,
    private readonly options: BotPollOptions,
  ) {
    this.done = this.run();
  }

  /** True until the loop has been told to stop or has ended on its own. */
  get running(): boolean {
    return !this.abort.signal.aborted;
  }

  /** Stops polling; resolves once the batch in hand is handled and the loop has ended. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    // As telegraf's launch() does: a webhook left set would make every getUpdates a 409.
    const ready = await this.ask(() => this.bot.telegram.deleteWebhook({ drop_pending_updates: false }));
    if (ready === undefined) return;
    for (;;) {
      const updates = await this.ask(() => this.getUpdates());
      if (updates === undefined) break;
      this.confirmed = this.offset;
      const failed: number[] = [];
      await Promise.all(
        updates.map((update) =>
          this.bot.handleUpdate(update).catch((err: unknown) => {
            failed.push(update.update_id);
            this.options.onHandlerError(err, update);
          }),
        ),
      );
      // An update that failed while the poller was stopping (its store closing under it) is left unconfirmed,
      // so Telegram gives it again after the restart; one that fails while running is logged and passed over.
      const last = this.abort.signal.aborted && failed.length > 0 ? Math.min(...failed) - 1 : updates.at(-1)?.update_id;
      if (last !== undefined) this.offset = Math.max(this.offset, last + 1);
    }
    await this.confirm();
  }

  /**
   * One call, asked again after each failure Telegram or the network may get over (backing off); undefined
   * once polling is to end: stopped, or a failure that will not pass (then `onEnded` is told).
   */
  private async ask<T>(call: () => Promise<T>): Promise<T | undefined> {
    const { signal } = this.abort;
    const base = this.options.retryMs ?? 1000;
    const max = this.options.maxRetryMs ?? 30_000;
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        return await call();
      } catch (err) {
        if (signal.aborted) break;
        const failure = classifyTelegramFailure(err);
        if (failure.kind === 'unauthorized' || failure.kind === 'refused') {
          this.abort.abort();
          this.options.onEnded?.(describeFailure(failure));
          break;
        }
        const waitMs = failure.kind === 'flood' ? failure.retryAfter * 1000 : Math.min(max, base * 2 ** failures);
        this.options.onRetry?.(describeFailure(failure), waitMs);
        await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      }
    }
    return undefined;
  }

  private getUpdates(): Promise<Update[]> {
    const signal = AbortSignal.any([
      this.abort.signal,
      AbortSignal.timeout(LONG_POLL_SECONDS * 1000 + LONG_POLL_GRACE_MS),
    ]);
    return this.bot.telegram.callApi(
      'getUpdates',
      { timeout: LONG_POLL_SECONDS, offset: this.offset, allowed_updates: [...this.options.allowedUpdates] as never },
      // telegraf types its option with the abort-controller shim; node-fetch takes the standard signal.
      { signal: signal as never },
    );
  }

  /** Tells Telegram the updates handled since the last getUpdates are done (one non-waiting getUpdates). */
  private async confirm(): Promise<void> {
    if (this.offset <= this.confirmed) return;
    await this.bot.telegram
      .callApi(
        'getUpdates',
        { offset: this.offset, limit: 1, timeout: 0 },
        { signal: AbortSignal.timeout(CONFIRM_TIMEOUT_MS) as never },
      )
      .catch(() => undefined);
  }
}
