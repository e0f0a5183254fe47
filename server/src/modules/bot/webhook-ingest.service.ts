import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createHash, timingSafeEqual } from 'node:crypto';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { CredentialsService } from '../credentials/credentials.service';
import { QueueName } from '../queue/queue-names';
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

const SECRET_TTL_MS = 30_000;
const MAX_BATCH = 200;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

interface Pending {
  job: BotUpdateJob;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Webhook ingestion: authenticate the request by the bot's secret, check the
 * update's shape, queue it. Updates arriving in the same event-loop turn share
 * one queued job, so a turn costs one Redis round trip; a request is answered
 * only once its update is queued.
 *
 * An update Telegram delivers again (its 200 was lost, or came late) is queued
 * again: the worker is where an update counts once, as it must be there anyway
 * for a job that runs twice (its event's dedupe key is the bot and the update_id,
 * and a handled mark per update runs the bot's handlers once). A duplicate check
 * here as well would put a second Redis round trip before every 200.
 */
@Injectable()
export class WebhookIngestService {
  private readonly secrets = new Map<string, { digest: Buffer; expires: number }>();
  private batch: Pending[] = [];
  private scheduled = false;

  constructor(
    @InjectQueue(QueueName.BotUpdates) private readonly queue: Queue<BotUpdatesBatch>,
    private readonly owners: BotOwnerLookup,
    private readonly credentials: CredentialsService,
  ) {}

  /** Resolves once the update is queued; rejects 401 for a wrong or missing secret. */
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
    try {
      await this.queue.add('updates', { updates: batch.map((p) => p.job) }, { attempts: 3 });
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
