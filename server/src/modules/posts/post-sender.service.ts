import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { outageOf } from '../../common/errors/outage';
import { BotClients } from '../bot/bot-clients.service';
import { NotificationsService } from '../bot/notifications.service';
import { classifyTelegramFailure, describeFailure } from '../bot/telegram-bot-api.failure';
import type {
  BotApiClient,
  BotDocumentMessage,
  BotParseMode,
  BotPhotoMessage,
  BotTextMessage,
} from '../bot/telegram-bot-api';
import { ChannelsService } from '../channels/channels.service';
import { CredentialsService } from '../credentials/credentials.service';
import { TenantDb } from '../database/tenant-db';
import { EventType } from '../events/event-types';
import { EventsService } from '../events/events.service';
import { DomainMetrics } from '../health/domain-metrics';
import { UserStatus } from '../tenants/user.entity';
import { TelegramSendLimiter, type WaitScope } from '../rate-limit/telegram-send-limiter';
import { type DuePost, OutboxStore } from './outbox-store';
import { PostStatus } from './post.entity';
import { PostMediaStore } from './post-media.store';
import { PostsRepository } from './posts.repository';

/** Why a round sent nothing and must wait: a limit, a post's retry backoff, or a suspended tenant. */
export type RoundWaitScope = WaitScope | 'retry' | 'suspended';

/** What one round of a tenant's sender did. */
export type RoundOutcome =
  /** Nothing is due. */
  | { kind: 'drained' }
  /** Some posts were sent, failed or skipped: run another round. */
  | { kind: 'progress' }
  /** Nothing may go for this many ms. */
  | { kind: 'wait'; ms: number; scope: RoundWaitScope };

/** How many channels' next posts one round looks at. */
const HEADS_PER_ROUND = 100;
const SUSPENDED_RECHECK_MS = 60_000;
/** How long writing down what Telegram answered waits for Postgres to come back before giving up. */
const RECORD_PATIENCE_MS = 10 * 60_000;

export const UNCERTAIN_DELIVERY =
  'Delivery uncertain: the worker stopped while Telegram was being asked to send this post, so it is not sent again (check the channel and post again if it is missing).';

type SentMessage = BotTextMessage | BotPhotoMessage | BotDocumentMessage;
type Delivery = { post: DuePost; message: SentMessage } | { post: DuePost; error: unknown };

/**
 * Sends a tenant's posts in rounds, following the outbox rules: each round
 * takes the next due post of every channel (so a channel's posts go out one at
 * a time and in order), takes limiter slots for as many as may go now, claims
 * them, sends them side by side and records the results, each step one round
 * trip for the whole batch. A post with a telegram_message_id is never sent
 * again; a post left in `sending` by a worker that died may already be in the
 * channel, so it is never retried blindly either. Telegram's 429 delays the
 * bot by retry_after without counting as an attempt.
 */
@Injectable()
export class PostSender {
  private readonly logger = new Logger(PostSender.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tenantDb: TenantDb,
    private readonly posts: PostsRepository,
    private readonly outbox: OutboxStore,
    private readonly channels: ChannelsService,
    private readonly clients: BotClients,
    private readonly credentials: CredentialsService,
    private readonly telegramLimiter: TelegramSendLimiter,
    private readonly media: PostMediaStore,
    private readonly notifications: NotificationsService,
    private readonly events: EventsService,
    private readonly clock: Clock,
    private readonly metrics: DomainMetrics,
  ) {}

  /** The next due, unsent post of each of the tenant's channels, oldest first. */
  due(tenantId: string, limit = HEADS_PER_ROUND): Promise<DuePost[]> {
    return this.outbox.due(tenantId, limit);
  }

  /**
   * One round for a tenant. `backoff` (channel id → ms epoch) holds channels
   * whose post failed transiently and may not be tried again before then; the
   * caller keeps it across rounds.
   */
  async round(tenantId: string, backoff: Map<string, number>): Promise<RoundOutcome> {
    const heads = await this.due(tenantId);
    const [head] = heads;
    if (head === undefined) return { kind: 'drained' };
    // A suspended tenant's posts wait (unsent) until support reactivates the account.
    if (head.ownerStatus === UserStatus.Suspended) {
      return { kind: 'wait', ms: SUSPENDED_RECHECK_MS, scope: 'suspended' };
    }
    const now = this.clock.now();
    let progressed = false;
    let retryAt = Infinity;
    const ready: DuePost[] = [];
    for (const post of heads) {
      if (post.status === PostStatus.Sending) {
        await this.fail(tenantId, post, UNCERTAIN_DELIVERY);
        progressed = true;
        continue;
      }
      const notBefore = backoff.get(post.channelId) ?? 0;
      if (notBefore > now) retryAt = Math.min(retryAt, notBefore);
      else ready.push(post);
    }
    if (ready.length === 0) {
      return progressed ? { kind: 'progress' } : { kind: 'wait', ms: retryAt - now, scope: 'retry' };
    }

    let client = await this.clients.forTenant(tenantId);
    let creds = await this.credentials.get(tenantId);
    if (!client || !creds) {
      // This process may hold a copy read before the tenant connected their bot in another pod:
      // read it afresh before failing anything.
      this.credentials.forget(tenantId);
      client = await this.clients.forTenant(tenantId);
      creds = await this.credentials.get(tenantId);
    }
    if (!client || !creds) {
      for (const post of ready)
        await this.fail(tenantId, post, 'No bot is connected; connect your bot and post again.');
      return { kind: 'progress' };
    }
    const staged = new Map<string, Buffer>();
    const candidates: DuePost[] = [];
    for (const post of ready) {
      if (post.media && !post.media.file_id) {
        const bytes = await this.media.get(tenantId, post.id);
        if (!bytes) {
          await this.fail(tenantId, post, 'The attached file is no longer available; post it again.');
          progressed = true;
          continue;
        }
        staged.set(post.id, bytes);
      }
      candidates.push(post);
    }
    if (candidates.length === 0) return { kind: 'progress' };

    const batch = await this.telegramLimiter.takeBatch(
      { tenantId, botId: client.botId, rps: creds.rateLimitRps, maxConcurrent: creds.maxConcurrentRequests },
      candidates.map((p) => p.chatId),
    );
    const granted = candidates.filter((_, i) => batch.waits[i] === null);
    if (granted.length === 0) {
      if (progressed) return { kind: 'progress' };
      const first = batch.waits.reduce((a, b) => (b && (!a || b.waitMs < a.waitMs) ? b : a), null);
      return { kind: 'wait', ms: first?.waitMs ?? 5, scope: first?.scope ?? 'bot' };
    }

    const returnedAt = new Array<number>(candidates.length).fill(0);
    let deliveries: (Delivery | null)[];
    try {
      const won = new Set(
        await this.outbox.claim(
          tenantId,
          granted.map((p) => p.id),
        ),
      );
      deliveries = await Promise.all(
        candidates.map(async (post, i): Promise<Delivery | null> => {
          if (batch.waits[i] !== null || !won.has(post.id)) return null;
          post.attempts += 1;
          try {
            const message = await this.deliver(client.api, post, staged.get(post.id) ?? null);
            return { post, message };
          } catch (error) {
            return { post, error };
          } finally {
            returnedAt[i] = this.clock.now();
          }
        }),
      );
    } catch (err) {
      await this.completeSlots(batch, returnedAt);
      throw err;
    }
    const sent = deliveries.filter((d): d is { post: DuePost; message: SentMessage } => d !== null && 'message' in d);
    await Promise.all([this.completeSlots(batch, returnedAt), this.recordSent(tenantId, sent)]);
    // Every channel seen had one due post and it went out: nothing is left. A post queued meanwhile
    // left a note on the sender lock, which the caller finds as it lets go of the tenant.
    const allSent =
      heads.length < HEADS_PER_ROUND && sent.length === heads.length && heads.every((p) => p.dueInChannel === 1);
    if (allSent) return { kind: 'drained' };
    let floodMs = 0;
    let revoked = false;
    for (const d of deliveries) {
      if (!d || !('error' in d)) continue;
      const outcome = await this.failedAttempt(tenantId, d.post, client.botId, d.error, backoff);
      if (outcome === 'revoked') revoked = true;
      else if (outcome !== undefined) floodMs = Math.max(floodMs, outcome);
    }
    if (revoked) await this.notifications.notify(tenantId, { kind: 'bot_token_revoked' });
    return floodMs > 0 ? { kind: 'wait', ms: floodMs, scope: 'blocked' } : { kind: 'progress' };
  }

  private deliver(bot: BotApiClient, post: DuePost, staged: Buffer | null): Promise<SentMessage> {
    const parseMode = (post.parseMode ?? undefined) as BotParseMode | undefined;
    if (!post.media) return bot.sendText(post.chatId, post.text ?? '', { parseMode });
    const caption = post.text ?? undefined;
    const source = post.media.file_id ?? {
      buffer: staged ?? Buffer.alloc(0),
      fileName: post.media.file_name ?? 'file',
    };
    return post.media.kind === 'photo'
      ? bot.sendPhoto(post.chatId, source, { caption, parseMode })
      : bot.sendDocument(post.chatId, source, { caption, parseMode });
  }

  /** Records Telegram's message ids, and the file_id an uploaded attachment got, in one statement. */
  private async recordSent(tenantId: string, sent: { post: DuePost; message: SentMessage }[]): Promise<void> {
    const fileId = (m: SentMessage): string | null =>
      'photo' in m ? (m.photo[m.photo.length - 1]?.file_id ?? null) : 'document' in m ? m.document.file_id : null;
    const records = sent.map((s) => ({
      postId: s.post.id,
      messageId: s.message.message_id,
      fileId: s.post.media && !s.post.media.file_id ? fileId(s.message) : null,
    }));
    // The record also appends each post's post.sent event, in the same statement (tenant_record_sent).
    await this.untilWritten(() => this.outbox.recordSent(tenantId, records));
    if (records.length > 0) this.events.recordedElsewhere(tenantId);
    // due_at is Postgres's wall clock, so the delay is measured against the wall clock too.
    this.metrics.postsSent(sent.map((s) => s.post.dueAt));
    // The post is recorded; a file left behind here is reclaimed by the next quota check, so a failed delete
    // must not turn a sent post into an error.
    await this.media
      .removeMany(
        tenantId,
        sent.filter((s) => s.post.media && !s.post.media.file_id).map((s) => s.post.id),
      )
      .catch((err: unknown) => this.logger.warn(`sent posts' media not deleted yet: ${String(err)}`));
  }

  /**
   * Telegram answered with an error, so the post is known not to be in the
   * channel. Answers how long the whole bot must wait (a 429), 'revoked' when
   * the token no longer works, or nothing.
   */
  private async failedAttempt(
    tenantId: string,
    post: DuePost,
    botId: string,
    err: unknown,
    backoff: Map<string, number>,
  ): Promise<number | 'revoked' | undefined> {
    const failure = classifyTelegramFailure(err);
    const error = describeFailure(failure);
    switch (failure.kind) {
      case 'flood':
        await this.telegramLimiter.block(botId, failure.retryAfter);
        await this.requeue(tenantId, post, error, true);
        return failure.retryAfter * 1000;
      case 'unavailable':
        if (post.attempts >= this.config.sending.maxAttempts) {
          await this.fail(tenantId, post, error);
          return undefined;
        }
        await this.requeue(tenantId, post, error, false);
        backoff.set(post.channelId, this.clock.now() + Math.min(60_000, 1000 * 2 ** (post.attempts - 1)));
        return undefined;
      case 'unauthorized':
        await this.fail(tenantId, post, error, false);
        return 'revoked';
      case 'refused':
        await this.fail(tenantId, post, error);
        return undefined;
    }
  }

  private async requeue(tenantId: string, post: DuePost, error: string, uncounted: boolean): Promise<void> {
    await this.untilWritten(() => this.posts.requeue(tenantId, post.id, error, uncounted));
    this.metrics.postRetried();
  }

  /** Marks the post failed and tells the tenant (unless the caller sends one notice for many). */
  private async fail(tenantId: string, post: DuePost, error: string, notify = true): Promise<void> {
    const channelTitle = await this.untilWritten(async () => {
      await this.tenantDb.run(tenantId, async (tx) => {
        await this.posts.markFailed(tenantId, post.id, error, tx);
        await this.events.emit(
          tenantId,
          EventType.PostFailed,
          { post_id: post.id, channel_id: post.channelId, error },
          { dedupeKey: `post.failed:${post.id}`, em: tx },
        );
        if (post.media) await this.media.remove(tenantId, post.id, tx);
      });
      return this.channels.label(tenantId, post.channelId);
    });
    this.metrics.postFailed();
    this.logger.warn(`post ${post.id} failed: ${error}`);
    if (!notify) return;
    await this.notifications.notify(tenantId, {
      kind: 'post_failed',
      post_id: post.id,
      channel_title: channelTitle,
      error,
    });
  }

  /**
   * Writes down what Telegram answered. Telegram has acted by then, so a Postgres outage must not
   * leave the post in `sending` (later failed as uncertain although it is in the channel, or sent
   * again): the write is retried until the database is back. The sender lock stays renewed
   * meanwhile, so no other sender takes the tenant over.
   */
  private async untilWritten<T>(write: () => Promise<T>): Promise<T> {
    const deadline = this.clock.now() + RECORD_PATIENCE_MS;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        return await write();
      } catch (err) {
        if (!outageOf(err) || this.clock.now() > deadline) throw err;
        this.logger.warn(`writing a send result waits for the database: ${(err as Error).message}`);
        await this.clock.sleep(delayMs);
      }
    }
  }

  /**
   * Reports the limiter slots back. A Redis outage here must not lose the results recorded beside it:
   * a slot never reported counts as having landed after the limiter's in-flight time.
   */
  private async completeSlots(batch: { complete(returnedAt: number[]): Promise<void> }, returnedAt: number[]) {
    try {
      await batch.complete(returnedAt);
    } catch (err) {
      this.logger.warn(`send slots not reported (they expire on their own): ${(err as Error).message}`);
    }
  }
}
