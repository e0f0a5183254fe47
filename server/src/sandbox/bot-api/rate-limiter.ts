interface Budget {
  /** Seconds until one more send is allowed (0 when allowed now). */
  waitSeconds(now: number): number;
  take(now: number): void;
}

/** A token bucket: `capacity` tokens, refilled at `ratePerSecond`. */
class TokenBucket implements Budget {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly ratePerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  waitSeconds(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : (1 - this.tokens) / this.ratePerSecond;
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
  }
}

/** At most `max` sends in any `windowMs`: a hard per-minute cap, with no carry-over between minutes. */
class SlidingWindow implements Budget {
  private readonly times: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  waitSeconds(now: number): number {
    for (let first = this.times[0]; first !== undefined && first <= now - this.windowMs; first = this.times[0]) {
      this.times.shift();
    }
    const oldest = this.times[0];
    return oldest === undefined || this.times.length < this.max ? 0 : (oldest + this.windowMs - now) / 1000;
  }

  take(now: number): void {
    this.times.push(now);
  }
}

/** Telegram's published limits (Bots FAQ). */
export const BOT_LIMITS = {
  /** About one message per second per chat, with a short burst tolerated. */
  perChat: { capacity: 3, ratePerSecond: 1 },
  /** 20 messages per minute per group or channel. */
  perGroup: { max: 20, windowMs: 60_000 },
  /** About 30 messages per second per bot overall. */
  perBot: { max: 30, windowMs: 1000 },
} as const;

/** One bot's sending budget across its chats. */
export class BotRateLimiter {
  private readonly perChat = new Map<number, TokenBucket>();
  private readonly perGroup = new Map<number, SlidingWindow>();
  private readonly perBot = new SlidingWindow(BOT_LIMITS.perBot.max, BOT_LIMITS.perBot.windowMs);

  /**
   * Takes one send from every bucket that applies, or takes nothing and answers the whole
   * seconds (at least 1) the caller must wait.
   */
  tryTake(chatId: number, isGroup: boolean, now = Date.now()): { ok: true } | { ok: false; retryAfter: number } {
    let chat = this.perChat.get(chatId);
    if (!chat) {
      chat = new TokenBucket(BOT_LIMITS.perChat.capacity, BOT_LIMITS.perChat.ratePerSecond, now);
      this.perChat.set(chatId, chat);
    }
    const buckets: Budget[] = [this.perBot, chat];
    if (isGroup) {
      let group = this.perGroup.get(chatId);
      if (!group) {
        group = new SlidingWindow(BOT_LIMITS.perGroup.max, BOT_LIMITS.perGroup.windowMs);
        this.perGroup.set(chatId, group);
      }
      buckets.push(group);
    }
    const wait = Math.max(...buckets.map((b) => b.waitSeconds(now)));
    if (wait > 0) return { ok: false, retryAfter: Math.max(1, Math.ceil(wait)) };
    for (const b of buckets) b.take(now);
    return { ok: true };
  }
}
