import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { CredentialsService } from '../credentials/credentials.service';
import { QueueName } from '../queue/queue-names';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
import { UserStatus } from '../tenants/user.entity';
import { BotError, BotErrorCode } from './bot.errors';
import { BotOwnerLookup } from './bot-owner.lookup';
import type { BotUpdate } from './telegram-bot-api';

export interface BotUpdateJob {
  tenantId: string;
  botId: string;
  update: BotUpdate;
}

/** One queued job per flush: the updates that arrived together, in arrival order. */
export interface BotUpdatesBatch {
  updates: BotUpdateJob[];
}

/** SET NX for every key at once; answers 1 for a key first seen now, 0 for one seen before. */
const MARK_SEEN = `
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('SET', key, '1', 'EX', ARGV[1], 'NX') and 1 or 0
end
return out
`;

/** Telegram keeps an unconfirmed update about a day; a redelivery inside that is the same update. */
const SEEN_TTL_SECONDS = 24 * 3600;
const SECRET_TTL_MS = 30_000;
const MAX_BATCH = 200;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

interface Pending {
  job: BotUpdateJob;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Webhook ingestion: authenticate the request by the bot's secret, drop an
 * update_id seen before, queue the rest. Updates arriving in the same tick
 * share one Redis call for the duplicate check and one queued job; a request
 * is answered only once its update is queued.
 */
@Injectable()
export class WebhookIngestService {
  private readonly secrets = new Map<string, { digest: Buffer; expires: number }>();
  private readonly redis: RedisClient & { markSeen(n: number, ...args: (string | number)[]): Promise<number[]> };
  private readonly seenPrefix: string;
  private batch: Pending[] = [];
  private scheduled = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectQueue(QueueName.BotUpdates) private readonly queue: Queue<BotUpdatesBatch>,
    private readonly owners: BotOwnerLookup,
    private readonly credentials: CredentialsService,
    @InjectRedis(RedisClientName.Commands) redis: RedisClient,
  ) {
    redis.defineCommand('markSeen', { lua: MARK_SEEN });
    this.redis = redis as typeof this.redis;
    this.seenPrefix = `${config.redis.prefix}:seen-update`;
  }

  /** Resolves once the update is queued (or known as a duplicate); rejects 401 for a wrong or missing secret. */
  async ingest(botId: string, secret: string | undefined, body: unknown): Promise<void> {
    const unauthorized = (): Error =>
      new BotError(BotErrorCode.WebhookUnauthorized, 'Wrong or missing webhook secret.');
    if (!secret) throw unauthorized();
    const owner = await this.owners.find(botId);
    if (!owner) throw unauthorized();
    const expected = await this.secretDigest(owner.tenantId);
    if (!expected || !timingSafeEqual(digest(secret), expected)) throw unauthorized();
    const update = body as Partial<BotUpdate> | null;
    if (typeof update !== 'object' || update === null || !Number.isSafeInteger(update.update_id)) {
      throw new CommonError(CommonErrorCode.ValidationFailed, 'The body is not a Telegram update (no update_id).');
    }
    // A suspended tenant's bot is stopped: acknowledge so Telegram stops redelivering, and drop the update.
    if (owner.status === UserStatus.Suspended) return;
    await new Promise<void>((resolve, reject) => {
      this.batch.push({ job: { tenantId: owner.tenantId, botId, update: update as BotUpdate }, resolve, reject });
      if (this.batch.length >= MAX_BATCH) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Forget a bot's secret (changed or removed through this process). */
  forget(tenantId: string, botId?: string | null): void {
    this.secrets.delete(tenantId);
    if (botId) this.owners.forget(botId);
  }

  private async secretDigest(tenantId: string): Promise<Buffer | null> {
    const hit = this.secrets.get(tenantId);
    if (hit && hit.expires > Date.now()) return hit.digest;
    const c = await this.credentials.get(tenantId);
    if (!c?.webhookSecret) return null;
    const value = { digest: digest(c.webhookSecret), expires: Date.now() + SECRET_TTL_MS };
    if (this.secrets.size > 50_000) this.secrets.clear();
    this.secrets.set(tenantId, value);
    return value.digest;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    const keys = batch.map((p) => `${this.seenPrefix}:${p.job.botId}:${p.job.update.update_id}`);
    try {
      const seen = await this.redis.markSeen(keys.length, ...keys, SEEN_TTL_SECONDS);
      const fresh = batch.filter((_, i) => seen[i] === 1);
      if (fresh.length > 0) {
        try {
          await this.queue.add('updates', { updates: fresh.map((p) => p.job) }, { attempts: 3 });
        } catch (err) {
          // Not queued: forget we saw them so Telegram's redelivery gets through.
          await this.redis.del(...keys.filter((_, i) => seen[i] === 1)).catch(() => undefined);
          throw err;
        }
      }
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
