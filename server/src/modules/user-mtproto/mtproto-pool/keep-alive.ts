import type { PoolEntry } from './pool-entries';

/** Keep-alive pings: once a minute per connection, as Telegram's own clients do, with its 75 s disconnect delay. */
const KEEPALIVE_MS = 60_000;
const KEEPALIVE_DISCONNECT_SECONDS = 75;
const KEEPALIVE_TICK_MS = 1000;
const KEEPALIVE_PARALLEL = 32;

/** What the keep-alive needs of the pool. */
export interface KeepAlivePool {
  /** Entries whose connection has not proved alive since `due` (epoch ms). */
  quietSince(due: number): PoolEntry[];
  /** Whether the entry is still in the pool (not closed meanwhile). */
  isCurrent(entry: PoolEntry): boolean;
  /** The ping failed: the pool closes the client, or handles a dead session as on any call. */
  pingFailed(entry: PoolEntry, err: unknown): Promise<void>;
}

/**
 * One timer for every connection of the pool, in place of gramjs's loop per client (which
 * pings every 9 s and dominates the CPU of a pool of idle sessions): each second it pings the
 * connections that have been quiet for a minute, a bounded number at a time. A connection that
 * answers has proved alive; one that does not is the pool's to close.
 */
export class KeepAlive {
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  constructor(private readonly pool: KeepAlivePool) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), KEEPALIVE_TICK_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One round; a round still running when the next tick comes is not doubled. */
  async tick(now = Date.now()): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      const quiet = this.pool.quietSince(now - KEEPALIVE_MS);
      for (let i = 0; i < quiet.length; i += KEEPALIVE_PARALLEL) {
        await Promise.all(quiet.slice(i, i + KEEPALIVE_PARALLEL).map((e) => this.ping(e)));
      }
    } finally {
      this.running = false;
    }
  }

  private async ping(entry: PoolEntry): Promise<void> {
    if (!this.pool.isCurrent(entry)) return;
    try {
      await entry.session.keepAlive(KEEPALIVE_DISCONNECT_SECONDS);
      entry.lastAlive = Date.now();
    } catch (err) {
      await this.pool.pingFailed(entry, err);
    }
  }
}
