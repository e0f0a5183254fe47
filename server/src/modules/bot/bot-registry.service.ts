import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { type AppConfig, BotUpdatesMode, roleRunsWorkers } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { CredentialsService } from '../credentials/credentials.service';
import { UserStatus } from '../tenants/user.entity';
import { BotOwnerLookup } from './bot-owner.lookup';
import { BotUpdateEvents } from './bot-update-events';
import { DomainMetrics } from '../health/domain-metrics';
import { TelegramBotApi } from './telegram-bot-api';
import { TENANT_BOT_UPDATE_KINDS } from '../events/event-types';
import { TenantBotHandlers } from './tenant-bot-handlers';
import { safeErrorMessage } from './telegram-bot-api.failure';
import { BotPoller } from './bot-poller';

interface Entry {
  tenantId: string;
  botId: string;
  bot: Telegraf;
  lastUsed: number;
  /** The bot's long polling, while it runs (polling mode, worker role). */
  poller?: BotPoller;
}

/**
 * Tenant bots as runtime Telegraf instances (nestjs-telegraf declares bots at
 * module setup only). One instance per tenant per process, built on demand
 * from the stored credentials with botInfo preset, dropped when idle, stopped
 * when the tenant is suspended or removes the bot. In polling mode (a
 * development fallback) the worker role polls every active bot from boot.
 */
@Injectable()
export class BotRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BotRegistry.name);
  private readonly bots = new Map<string, Entry>();
  private readonly creating = new Map<string, Promise<Entry | null>>();
  private sweepTimer?: NodeJS.Timeout;
  private restoring?: Promise<void>;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
    private readonly api: TelegramBotApi,
    private readonly owners: BotOwnerLookup,
    private readonly handlers: TenantBotHandlers,
    private readonly updateEvents: BotUpdateEvents,
    private readonly metrics: DomainMetrics,
  ) {}

  private get polling(): boolean {
    return this.config.bots.updatesMode === BotUpdatesMode.Polling;
  }

  onApplicationBootstrap(): void {
    const idleMs = this.config.bots.idleSeconds * 1000;
    this.sweepTimer = setInterval(() => void this.sweep(idleMs), Math.min(idleMs, 60_000));
    this.sweepTimer.unref();
    // In the background, so a platform with many tenants does not hold up start-up.
    if (roleRunsWorkers(this.config.role)) this.restoring = this.restore();
  }

  /** Bots come back after a restart: pollers restart, webhook bots are ready for their first update. */
  private async restore(): Promise<void> {
    try {
      for (const { tenantId } of await this.owners.activeBots()) {
        if (this.closed) return;
        await this.get(tenantId).catch((err: unknown) =>
          this.logger.warn(`bot of tenant ${tenantId} not restored: ${safeErrorMessage(err)}`),
        );
      }
    } catch (err) {
      if (!this.closed) this.logger.warn(`tenant bots not restored at boot: ${safeErrorMessage(err)}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    await this.restoring;
    const polling = [...this.bots.values()].flatMap((entry) => (entry.poller ? [entry.poller] : []));
    for (const tenantId of [...this.bots.keys()]) this.drop(tenantId);
    // Each poller ends once its batch in hand is handled and its last updates are confirmed to Telegram.
    await Promise.all(polling.map((poller) => poller.done));
  }

  /** The tenant's running bot, created from its credentials when needed; null when it has none. */
  async get(tenantId: string): Promise<Telegraf | null> {
    const entry = this.bots.get(tenantId) ?? (await this.create(tenantId));
    if (!entry) return null;
    entry.lastUsed = Date.now();
    return entry.bot;
  }

  /** Hands one update to the tenant's bot. */
  async handleUpdate(tenantId: string, update: Update): Promise<boolean> {
    const bot = await this.get(tenantId);
    if (!bot) return false;
    await bot.handleUpdate(update);
    return true;
  }

  /** Stops and forgets the tenant's bot (token removed or replaced, tenant suspended). */
  drop(tenantId: string): void {
    const entry = this.bots.get(tenantId);
    if (!entry) return;
    this.bots.delete(tenantId);
    this.owners.forget(entry.botId);
    void entry.poller?.stop();
  }

  size(): number {
    return this.bots.size;
  }

  private create(tenantId: string): Promise<Entry | null> {
    let pending = this.creating.get(tenantId);
    if (!pending) {
      pending = this.build(tenantId).finally(() => this.creating.delete(tenantId));
      this.creating.set(tenantId, pending);
    }
    return pending;
  }

  private async build(tenantId: string): Promise<Entry | null> {
    const c = await this.credentials.get(tenantId);
    if (!c?.botToken || !c.botId || !c.isBotVerified) return null;
    const owner = await this.owners.find(c.botId);
    if (owner?.status === UserStatus.Suspended) return null;
    const bot = this.api.createBot(c.botToken, {
      id: Number(c.botId),
      is_bot: true,
      first_name: c.botUsername ?? 'bot',
      username: c.botUsername ?? '',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    });
    const polls = this.polling && roleRunsWorkers(this.config.role);
    const botId = c.botId;
    // A polled update is confirmed to Telegram by the next getUpdates, so it becomes its event before
    // it is handled (as a webhook batch does in the worker), retried until stored: the loop waits.
    if (polls) {
      bot.use(async (ctx, next) => {
        await this.recordPolled(tenantId, botId, ctx.update);
        this.metrics.botUpdate();
        return next();
      });
    }
    this.handlers.install(bot, tenantId);
    const entry: Entry = { tenantId, botId, bot, lastUsed: Date.now() };
    this.bots.set(tenantId, entry);
    if (polls) this.startPolling(entry);
    return entry;
  }

  private async recordPolled(tenantId: string, botId: string, update: Update): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.updateEvents.record([{ tenantId, botId, update }]);
        return;
      } catch (err) {
        if (this.closed) throw err;
        this.logger.warn(`update ${update.update_id} of bot ${botId} not recorded yet: ${safeErrorMessage(err)}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  }

  private startPolling(entry: Entry): void {
    entry.poller = new BotPoller(entry.bot, {
      allowedUpdates: TENANT_BOT_UPDATE_KINDS,
      onHandlerError: (err, update) =>
        this.logger.warn(`update ${update.update_id} of bot ${entry.botId} not handled: ${safeErrorMessage(err)}`),
      onRetry: (reason, waitMs) =>
        this.logger.warn(`polling for bot ${entry.botId}: ${reason}; asking again in ${Math.ceil(waitMs / 1000)} s`),
      onEnded: (reason) => {
        entry.poller = undefined;
        this.logger.warn(`polling for bot ${entry.botId} stopped: ${reason}`);
      },
    });
  }

  /** Drops idle bots (pollers stay: they are how their updates arrive) and bots of suspended tenants. */
  private async sweep(idleMs: number): Promise<void> {
    // A bot connected since (through any pod) starts polling here, within a sweep.
    if (this.polling && roleRunsWorkers(this.config.role)) await this.restore();
    const now = Date.now();
    for (const entry of [...this.bots.values()]) {
      try {
        this.owners.forget(entry.botId);
        const owner = await this.owners.find(entry.botId);
        if (!owner || owner.tenantId !== entry.tenantId || owner.status === UserStatus.Suspended) {
          this.drop(entry.tenantId);
        } else if (!entry.poller && now - entry.lastUsed > idleMs) {
          this.drop(entry.tenantId);
        }
      } catch (err) {
        this.logger.warn(`bot sweep: ${safeErrorMessage(err)}`);
      }
    }
  }
}
