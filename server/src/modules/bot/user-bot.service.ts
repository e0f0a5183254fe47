import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { type AppConfig, BotUpdatesMode } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { AuditActor } from '../audit/audit-actions';
import { CredentialsStatus } from '../credentials/user-bot-credentials.entity';
import { CredentialsService } from '../credentials/credentials.service';
import { BotError, BotErrorCode, botNotConfigured, telegramUnavailable } from './bot.errors';
import { BotClients } from './bot-clients.service';
import { BotRegistry } from './bot-registry.service';
import { BotStatusDto, BotTestDto } from './dtos/user-bot.dto';
import { NotificationsService } from './notifications.service';
import { classifyTelegramFailure, safeErrorMessage } from './telegram-bot-api.failure';
import { type BotApiClient, type BotUser, TelegramBotApi } from './telegram-bot-api';
import { WebhookIngestService } from './webhook-ingest.service';
import { TENANT_BOT_UPDATE_KINDS } from '../events/event-types';

export const BOT_TOKEN_FORMAT = /^\d+:[A-Za-z0-9_-]{35}$/;
/** What tenant bots receive: every kind of update that becomes an event (events/event-types.ts). */
export const TENANT_BOT_UPDATES: readonly string[] = TENANT_BOT_UPDATE_KINDS;

/** A tenant connecting, checking and removing their own bot. */
@Injectable()
export class UserBotService {
  private readonly logger = new Logger(UserBotService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
    private readonly api: TelegramBotApi,
    private readonly registry: BotRegistry,
    private readonly clients: BotClients,
    private readonly ingest: WebhookIngestService,
    private readonly notifications: NotificationsService,
  ) {}

  webhookUrl(botId: string): string {
    return `${this.config.http.publicUrl}/telegram/webhook/${botId}`;
  }

  async setToken(tenantId: string, token: string, actor: AuditActor): Promise<BotStatusDto> {
    const trimmed = token.trim();
    if (!BOT_TOKEN_FORMAT.test(trimmed)) {
      throw new BotError(
        BotErrorCode.TokenInvalidFormat,
        'bot_token must look like "<digits>:<35 letters, digits, _ or ->" as @BotFather gives it.',
      );
    }
    const bot = this.api.client(trimmed);
    const me = await this.verify(() => bot.getMe());
    const previous = await this.credentials.get(tenantId);
    const secret = randomBytes(32).toString('base64url');
    await this.credentials.update(
      tenantId,
      {
        botToken: trimmed,
        botId: String(me.id),
        botUsername: me.username,
        isBotVerified: true,
        webhookSecret: secret,
        status: CredentialsStatus.Active,
      },
      actor,
    );
    this.forget(tenantId, previous?.botId);
    if (previous?.botToken && previous.botId && previous.botId !== String(me.id)) {
      // The old bot no longer serves this tenant: stop its deliveries.
      await this.api
        .client(previous.botToken)
        .deleteWebhook()
        .catch(() => undefined);
    }
    await this.registerUpdates(bot, String(me.id), secret);
    return this.status(tenantId);
  }

  async status(tenantId: string): Promise<BotStatusDto> {
    const c = await this.credentials.get(tenantId);
    const base = {
      rate_limit_rps: c?.rateLimitRps ?? 10,
      max_concurrent_requests: c?.maxConcurrentRequests ?? 5,
    };
    if (!c?.botToken) {
      return { configured: false, verified: false, bot_username: null, bot_id: null, webhook: null, ...base };
    }
    let webhook: BotStatusDto['webhook'];
    try {
      const info = await this.api.client(c.botToken).getWebhookInfo();
      webhook = {
        url: info.url || null,
        pending_update_count: info.pending_update_count,
        last_error: info.last_error_message ?? null,
      };
    } catch (err) {
      const failure = classifyTelegramFailure(err);
      webhook = {
        url: null,
        pending_update_count: null,
        last_error: failure.kind === 'unauthorized' ? 'Telegram rejects the bot token' : 'Telegram unreachable',
      };
    }
    return {
      configured: true,
      verified: c.isBotVerified,
      bot_username: c.botUsername,
      bot_id: c.botId,
      webhook,
      ...base,
    };
  }

  /** A live getMe with the stored token; a rejected token is marked unverified and the tenant told. */
  async test(tenantId: string, actor: AuditActor): Promise<BotTestDto> {
    const c = await this.credentials.get(tenantId);
    if (!c?.botToken) throw botNotConfigured();
    const started = Date.now();
    try {
      const me = await this.verify(() => this.api.client(c.botToken as string).getMe());
      if (!c.isBotVerified) await this.credentials.update(tenantId, { isBotVerified: true }, actor);
      return { ok: true, bot_id: String(me.id), bot_username: me.username, latency_ms: Date.now() - started };
    } catch (err) {
      if (err instanceof BotError && err.code === BotErrorCode.TokenRejected && c.isBotVerified) {
        await this.credentials.update(tenantId, { isBotVerified: false }, actor);
        this.forget(tenantId, c.botId);
        await this.notifications.notify(tenantId, { kind: 'bot_token_revoked' });
      }
      throw err;
    }
  }

  async remove(tenantId: string, actor: AuditActor): Promise<void> {
    const c = await this.credentials.get(tenantId);
    if (!c?.botToken) throw botNotConfigured();
    await this.api
      .client(c.botToken)
      .deleteWebhook()
      .catch((err: unknown) => this.logger.warn(`deleteWebhook for tenant ${tenantId}: ${safeErrorMessage(err)}`));
    await this.credentials.update(
      tenantId,
      { botToken: null, botId: null, botUsername: null, isBotVerified: false, webhookSecret: null },
      actor,
    );
    this.forget(tenantId, c.botId);
  }

  private forget(tenantId: string, botId: string | null | undefined): void {
    this.registry.drop(tenantId);
    this.clients.forget(tenantId);
    this.ingest.forget(tenantId, botId);
  }

  private async registerUpdates(bot: BotApiClient, botId: string, secret: string): Promise<void> {
    try {
      if (this.config.bots.updatesMode === BotUpdatesMode.Polling) {
        await bot.deleteWebhook();
      } else {
        await bot.setWebhook(this.webhookUrl(botId), { secretToken: secret, allowedUpdates: [...TENANT_BOT_UPDATES] });
      }
    } catch (err) {
      // The token is stored and verified; GET /api/user-bot/status shows the webhook's state.
      this.logger.warn(`webhook for bot ${botId} not registered: ${classifyTelegramFailure(err).kind}`);
    }
  }

  private async verify(call: () => Promise<BotUser>): Promise<BotUser> {
    try {
      return await call();
    } catch (err) {
      const failure = classifyTelegramFailure(err);
      switch (failure.kind) {
        case 'unauthorized':
        case 'refused':
          throw new BotError(BotErrorCode.TokenRejected, 'Telegram rejected this bot token (getMe failed).');
        case 'flood':
        case 'unavailable':
          throw telegramUnavailable();
      }
    }
  }
}
