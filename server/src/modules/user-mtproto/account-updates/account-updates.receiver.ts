import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { EventsService } from '../../events/events.service';
import { MtprotoClientPool, type OpenedSession } from '../mtproto-client.pool';
import type { TelegramUserSession } from '../telegram-user-session';
import { AccountFeed } from './account-feed';
import { AccountUpdatesRepository } from './account-updates.repository';

/** Most receiving accounts one sweep looks at; a worker connects at most its pool's room anyway. */
const SWEEP_LIMIT = 10_000;
/** Accounts connected at once by one sweep. */
const SWEEP_PARALLEL = 8;

/** A feed asked for a call after its session closed or was replaced: the feed ends. */
class StaleFeedSessionError extends Error {
  constructor() {
    super('the session of this feed is closed');
    this.name = 'StaleFeedSessionError';
  }
}

/**
 * Keeps accounts that receive updates connected in this worker and turns what happens to them into
 * events. Every MTPROTO_RECEIVE_SWEEP_SECONDS it opens, within the pool's room, the clients of
 * receiving accounts that no worker holds (taking their leases, as any call would); every client the
 * pool opens for a receiving account, for whatever reason, gets an AccountFeed, which catches up and
 * then follows the pushed updates until the client closes. A worker that dies keeps its leases until
 * they expire; then another worker's sweep takes the accounts over and catches up from the stored state.
 */
@Injectable()
export class AccountUpdatesReceiver implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new Logger('AccountUpdates');
  private readonly feeds = new Map<string, AccountFeed>();
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pool: MtprotoClientPool,
    private readonly repo: AccountUpdatesRepository,
    private readonly events: EventsService,
  ) {}

  onModuleInit(): void {
    this.pool.onOpened((opened) => this.attach(opened));
    this.pool.onClosed((tenantId, session) => this.detach(tenantId, session));
    this.timer = setInterval(() => void this.sweep(), this.config.mtproto.receiveSweepSeconds * 1000);
    this.timer.unref();
    setImmediate(() => void this.sweep());
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
    clearInterval(this.timer);
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
  }

  /** Tenants whose account updates this worker follows now. */
  receivingTenants(): string[] {
    return [...this.feeds.keys()];
  }

  /** Connects the receiving accounts that no worker holds, while the pool has room. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopping) return;
    this.sweeping = true;
    try {
      const tenants = await this.repo.receivingTenants(SWEEP_LIMIT);
      const receiving = new Set(tenants);
      // Turned off: the client goes back to closing when idle.
      for (const [tenantId, feed] of this.feeds) {
        if (receiving.has(tenantId)) continue;
        feed.stop();
        this.feeds.delete(tenantId);
        this.pool.setReceiving(tenantId, feed.session, false);
      }
      const wanted: string[] = [];
      for (const tenantId of tenants) {
        if (this.feeds.has(tenantId)) continue;
        // Turned on while its client was open here already (for history reads): it follows updates from now.
        const open = this.pool.session(tenantId);
        if (open) this.attach(open);
        else wanted.push(tenantId);
      }
      for (let i = 0; i < wanted.length && this.pool.hasRoom() && !this.stopping; i += SWEEP_PARALLEL) {
        await Promise.all(wanted.slice(i, i + SWEEP_PARALLEL).map((t) => this.connect(t)));
      }
    } catch (err) {
      this.log.warn(`looking for accounts to connect failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  private async connect(tenantId: string): Promise<void> {
    try {
      await this.pool.hold(tenantId);
    } catch {
      // Held by another worker, no verified session, or Telegram unreachable: the next sweep looks again.
    }
  }

  private attach({ tenantId, session, fence }: OpenedSession): void {
    if (this.stopping) return;
    this.feeds.get(tenantId)?.stop();
    const feed: AccountFeed = new AccountFeed(tenantId, session, fence, {
      call: (fn) =>
        this.pool.use(tenantId, (current) => {
          if (current !== session || feed.isStopped) throw new StaleFeedSessionError();
          return fn(current);
        }),
      repo: this.repo,
      events: this.events,
      log: this.log,
      ended: () => {
        this.pool.setReceiving(tenantId, session, false);
        if (this.feeds.get(tenantId) === feed) this.feeds.delete(tenantId);
      },
    });
    this.feeds.set(tenantId, feed);
    this.pool.setReceiving(tenantId, session, true);
    feed.start();
  }

  private detach(tenantId: string, session: TelegramUserSession): void {
    const feed = this.feeds.get(tenantId);
    if (feed?.session !== session) return;
    feed.stop();
    this.feeds.delete(tenantId);
  }
}
