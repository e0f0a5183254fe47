import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { CipherPlace, CryptoService } from '../crypto/crypto.service';
import { TenantDb } from '../database/tenant-db';
import { RedisNotices } from '../redis/redis-notices';
import { CredentialsRepository, StoredCredentialsChanges } from './credentials.repository';
import { CredentialsStatus, UserBotCredentials } from './user-bot-credentials.entity';
import { CredentialsError, CredentialsErrorCode } from './credentials.errors';
import { maskPhone } from './mask';

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';

const TABLE = 'user_bot_credentials';

/** The encrypted fields, by entity property and column. Nothing else reads these columns. */
const SECRET_FIELDS = {
  botToken: 'bot_token',
  telegramApiHash: 'telegram_api_hash',
  telegramPhone: 'telegram_phone',
  sessionString: 'session_string',
  webhookSecret: 'webhook_secret',
} as const;
type SecretField = keyof typeof SECRET_FIELDS;

/** A tenant's credentials with secrets in clear: for the process that uses them, never for a response. */
export interface TenantCredentials {
  tenantId: string;
  botToken: string | null;
  botUsername: string | null;
  botId: string | null;
  telegramApiId: number | null;
  telegramApiHash: string | null;
  telegramPhone: string | null;
  sessionString: string | null;
  webhookSecret: string | null;
  status: CredentialsStatus;
  isBotVerified: boolean;
  isMtprotoVerified: boolean;
  rateLimitRps: number;
  maxConcurrentRequests: number;
  mtprotoLastUsedAt: Date | null;
}

export type CredentialsPatch = Partial<Omit<TenantCredentials, 'tenantId' | 'rateLimitRps' | 'maxConcurrentRequests'>>;

export interface TenantLimits {
  rateLimitRps: number;
  maxConcurrentRequests: number;
}

/** What support may see: status and shape, never a secret (the phone is masked). */
export interface IntegrationSummary {
  configured: boolean;
  status: CredentialsStatus | null;
  bot_username: string | null;
  bot_id: string | null;
  is_bot_verified: boolean;
  is_mtproto_verified: boolean;
  has_bot_token: boolean;
  has_session: boolean;
  telegram_api_id: number | null;
  phone_masked: string | null;
  rate_limit_rps: number | null;
  max_concurrent_requests: number | null;
  mtproto_last_used_at: Date | null;
}

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 1000;

/**
 * A tenant's bot and account credentials. Every method takes the tenant id and
 * works in that tenant's row-level-security scope; the rows are read and
 * written by CredentialsRepository only. Values are encrypted and decrypted
 * here because the envelope is bound to the row's tenant, which a column
 * transformer cannot see. Decrypted rows are kept briefly per process; every
 * change is announced to every pod, which drop their copy at once (the short
 * lifetime bounds what a pod cut off from Redis can miss).
 */
@Injectable()
export class CredentialsService implements OnModuleInit {
  private readonly log = new Logger('CredentialsService');
  private readonly cache = new Map<string, { value: TenantCredentials | null; expires: number }>();
  private readonly changedChannel: string;

  constructor(
    private readonly tenantDb: TenantDb,
    private readonly repo: CredentialsRepository,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly notices: RedisNotices,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.changedChannel = `${config.redis.prefix}:credentials-changed`;
  }

  onModuleInit(): void {
    // Not awaited: a pod starts (and reports Redis in its readiness) even while Redis is away.
    this.notices
      .listen(this.changedChannel, (tenantId) => {
        this.cache.delete(tenantId);
      })
      .catch(() => undefined);
  }

  /** Tells every pod (this one included) to drop its copy of the tenant's row; the change is already committed. */
  private async announce(tenantId: string): Promise<void> {
    this.cache.delete(tenantId);
    try {
      await this.notices.publish(this.changedChannel, tenantId);
    } catch (err) {
      this.log.warn(`could not announce a credentials change: ${(err as Error).message}`);
    }
  }

  private place(tenantId: string, field: SecretField): CipherPlace {
    return { tenantId, table: TABLE, column: SECRET_FIELDS[field] };
  }

  async get(tenantId: string): Promise<TenantCredentials | null> {
    const hit = this.cache.get(tenantId);
    // A copy, so a caller changing its object cannot change what the next caller reads.
    if (hit && hit.expires > Date.now()) return hit.value && { ...hit.value };
    const row = await this.repo.find(tenantId);
    const value = row ? this.decryptRow(row) : null;
    this.remember(tenantId, value);
    return value && { ...value };
  }

  /**
   * Creates or changes a tenant's row. Secret fields are encrypted for this
   * tenant and column; `null` clears one. The audit event names the fields
   * that changed, never their values. `alongside` runs in the same transaction, for what must be
   * recorded with the change or not at all.
   */
  async update(
    tenantId: string,
    patch: CredentialsPatch,
    actor: AuditActor,
    alongside?: (em: EntityManager) => Promise<void>,
  ): Promise<void> {
    const changes: StoredCredentialsChanges = {};
    for (const [key, value] of Object.entries(patch) as [keyof CredentialsPatch, unknown][]) {
      if (value === undefined) continue;
      if (key in SECRET_FIELDS) {
        const field = key as SecretField;
        changes[field] = value === null ? null : this.crypto.encrypt(value as string, this.place(tenantId, field));
      } else {
        (changes as Record<string, unknown>)[key] = value;
      }
    }
    this.cache.delete(tenantId);
    await this.tenantDb.run(tenantId, async (em) => {
      try {
        await this.repo.upsert(tenantId, changes, em);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new CredentialsError(
            CredentialsErrorCode.BotTaken,
            'This bot is already connected to another account, and a bot serves one account: disconnect it there ' +
              '(DELETE /api/user-bot signed in as that account), or connect another bot.',
          );
        }
        throw err;
      }
      await this.audit.record(
        {
          action: AuditAction.CredentialsChanged,
          actor,
          tenantId,
          target: `tenant:${tenantId}`,
          meta: { fields: Object.keys(changes).map((k) => SECRET_FIELDS[k as SecretField] ?? k) },
        },
        em,
      );
      if (alongside) await alongside(em);
    });
    await this.announce(tenantId);
  }

  async setLimits(tenantId: string, limits: TenantLimits, actor: AuditActor): Promise<TenantLimits> {
    this.cache.delete(tenantId);
    await this.tenantDb.run(tenantId, async (em) => {
      const row = await this.repo.findLimits(tenantId, em);
      await this.repo.upsert(
        tenantId,
        { rateLimitRps: limits.rateLimitRps, maxConcurrentRequests: limits.maxConcurrentRequests },
        em,
      );
      await this.audit.record(
        {
          action: AuditAction.LimitsChanged,
          actor,
          tenantId,
          target: `tenant:${tenantId}`,
          meta: {
            rate_limit_rps: limits.rateLimitRps,
            max_concurrent_requests: limits.maxConcurrentRequests,
            previous_rate_limit_rps: row?.rateLimitRps ?? null,
            previous_max_concurrent_requests: row?.maxConcurrentRequests ?? null,
          },
        },
        em,
      );
    });
    await this.announce(tenantId);
    return limits;
  }

  async summary(tenantId: string): Promise<IntegrationSummary> {
    const c = await this.get(tenantId);
    return {
      configured: c !== null,
      status: c?.status ?? null,
      bot_username: c?.botUsername ?? null,
      bot_id: c?.botId ?? null,
      is_bot_verified: c?.isBotVerified ?? false,
      is_mtproto_verified: c?.isMtprotoVerified ?? false,
      has_bot_token: Boolean(c?.botToken),
      has_session: Boolean(c?.sessionString),
      telegram_api_id: c?.telegramApiId ?? null,
      phone_masked: c?.telegramPhone ? maskPhone(c.telegramPhone) : null,
      rate_limit_rps: c?.rateLimitRps ?? null,
      max_concurrent_requests: c?.maxConcurrentRequests ?? null,
      mtproto_last_used_at: c?.mtprotoLastUsedAt ?? null,
    };
  }

  /**
   * Which tenant a bot belongs to, for routes that know only the bot (webhooks).
   * A cross-tenant lookup, so it goes through the audited admin path; it
   * returns the tenant id only.
   */
  async findTenantIdByBotId(botId: string, actor: AuditActor): Promise<string | null> {
    if (!/^\d{1,20}$/.test(botId)) return null;
    return this.repo.findTenantIdByBotId(botId, actor);
  }

  private decryptRow(row: UserBotCredentials): TenantCredentials {
    const open = (field: SecretField): string | null => {
      const value = row[field];
      return value === null ? null : this.crypto.decrypt(value, this.place(row.userId, field));
    };
    return {
      tenantId: row.userId,
      botToken: open('botToken'),
      botUsername: row.botUsername,
      botId: row.botId,
      telegramApiId: row.telegramApiId,
      telegramApiHash: open('telegramApiHash'),
      telegramPhone: open('telegramPhone'),
      sessionString: open('sessionString'),
      webhookSecret: open('webhookSecret'),
      status: row.status,
      isBotVerified: row.isBotVerified,
      isMtprotoVerified: row.isMtprotoVerified,
      rateLimitRps: row.rateLimitRps,
      maxConcurrentRequests: row.maxConcurrentRequests,
      mtprotoLastUsedAt: row.mtprotoLastUsedAt,
    };
  }

  private remember(tenantId: string, value: TenantCredentials | null): void {
    if (this.cache.size >= CACHE_MAX) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(tenantId, { value, expires: Date.now() + CACHE_TTL_MS });
  }

  /** Drops what this process holds for one tenant (a notice from another pod may still be on its way). */
  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /** Drops every decrypted value held by this process (tests, key changes). */
  clearCache(): void {
    this.cache.clear();
  }

  /** Records that the tenant's Telegram account session was just used (shown as `last_used`). */
  async touchMtprotoLastUsed(tenantId: string): Promise<void> {
    await this.repo.touchMtprotoLastUsed(tenantId);
  }
}
