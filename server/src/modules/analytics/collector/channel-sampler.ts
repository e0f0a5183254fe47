import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config';
import { DomainError } from '../../../common/errors/domain-error';
import { RateLimitError } from '../../rate-limit/rate-limit.errors';
import { ChannelHistoryWorker } from '../../user-mtproto/channel-history.worker';
import { MtprotoCallServer } from '../../user-mtproto/mtproto-calls';
import { MtprotoClientPool } from '../../user-mtproto/mtproto-client.pool';
import type { HistoryMessage } from '../../user-mtproto/telegram-user-session';
import { UserMtprotoErrorCode } from '../../user-mtproto/user-mtproto.errors';
import { AnalyticsService, PostCounts } from '../analytics.service';
import { CollectionBudget } from './collection-budget';
import { CollectionScheduleRepository, ScheduledPost } from './collection-schedule.repository';
import { SamplingPolicy } from './sampling-policy';

/** The session operation that samples one channel, run by the worker holding the tenant's lease. */
export const COLLECT_OP = 'analytics.collect';

export interface CollectArgs {
  channelId: string;
  /** Every young post now (a refresh), not only the due ones. */
  force: boolean;
}

/** What one sample stored (the refresh route's answer). */
export interface CollectResult {
  sampledAt: string;
  source: 'account' | 'bot';
  subscribers: number | null;
  posts: number;
  /** Telegram calls the sample made. */
  calls: number;
}

/** Telegram's history page size. */
const PAGE = 100;
/** The most history pages one sample reads (a channel with more young posts is sampled over its newest 5000). */
const MAX_PAGES = 50;

/**
 * Samples a channel through the tenant's own session: `channels.getFullChannel` for the subscribers, then the
 * channel's history from the newest post down to the oldest post due (100 a page: views, forwards and reactions
 * of each, and the posts that are new since the last sample), so a round costs 1 + ⌈young posts / 100⌉ calls at
 * most. Each call after the first waits for the tenant's rate budget (the pool's meter). A FLOOD_WAIT moves the
 * channel's next sample after the wait, with nothing lost (the due posts stay due); a revoked session stops
 * collection for the tenant, with the reason kept for the API. A client opened only for this is closed after.
 */
@Injectable()
export class ChannelSampler implements OnModuleInit {
  private readonly log = new Logger('ChannelSampler');
  private readonly policy: SamplingPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly calls: MtprotoCallServer,
    private readonly pool: MtprotoClientPool,
    private readonly channels: ChannelHistoryWorker,
    private readonly schedule: CollectionScheduleRepository,
    private readonly analytics: AnalyticsService,
    private readonly budget: CollectionBudget,
  ) {
    this.policy = new SamplingPolicy(config.analyticsCollection);
  }

  onModuleInit(): void {
    this.calls.register(COLLECT_OP, (tenantId, args) => this.collect(tenantId, args as CollectArgs));
  }

  async collect(tenantId: string, args: CollectArgs): Promise<CollectResult> {
    const wait = this.budget.waitSeconds(tenantId);
    if (wait > 0) {
      await this.schedule.reschedule(
        tenantId,
        args.channelId,
        this.policy.after(new Date(), wait),
        'waiting',
        'budget',
      );
      throw new RateLimitError(wait, `This account's analytics budget for the hour is spent; retry after ${wait} s.`);
    }
    const wasOpen = this.pool.session(tenantId) !== undefined;
    try {
      return await this.sample(tenantId, args);
    } catch (err) {
      await this.failed(tenantId, args.channelId, err);
      throw err;
    } finally {
      if (!wasOpen) await this.pool.closeIfIdle(tenantId).catch(() => undefined);
    }
  }

  private async sample(tenantId: string, args: CollectArgs): Promise<CollectResult> {
    await this.schedule.ensure(tenantId, args.channelId);
    const state = await this.schedule.load(tenantId, args.channelId);
    const lastMessageId = state?.lastMessageId ?? 0;
    const known = new Map((state?.posts ?? []).map((p) => [p.messageId, p]));
    const started = new Date();
    const youngSince = this.policy.youngSince(started);
    const dueIds = [...known.values()].filter((p) => p.nextDueAt <= started).map((p) => p.messageId);
    // How far down the history must be read: every young post on the first sample or a refresh, else down to
    // the oldest due post (or to the newest post already known, to see the new ones).
    const everything = args.force || lastMessageId === 0;
    const downTo = everything ? 0 : dueIds.reduce((low, id) => Math.min(low, id), lastMessageId);

    let calls = 0;
    const read = await this.channels.withChannel(tenantId, args.channelId, async (session, meter, ref) => {
      calls = 0;
      const full = await session.channelFull(ref);
      calls += 1;
      const messages: HistoryMessage[] = [];
      let offsetId = 0;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        await meter();
        const got = await session.channelHistory(ref, { limit: PAGE, offsetId });
        calls += 1;
        messages.push(...got);
        const oldest = got.at(-1);
        if (!oldest || got.length < PAGE) break;
        // Channel message ids start at 1: below the first there is nothing to read.
        if (oldest.date * 1000 < youngSince.getTime() || oldest.id <= Math.max(downTo, 1)) break;
        offsetId = oldest.id;
      }
      return { subscribers: full.subscribers, messages };
    });
    this.budget.spend(tenantId, calls);

    const sampledAt = new Date();
    const posts: PostCounts[] = [];
    const next: ScheduledPost[] = [];
    let newest = lastMessageId;
    for (const m of read.messages) {
      newest = Math.max(newest, m.id);
      const postedAt = new Date(m.date * 1000);
      if (m.views === null || postedAt < youngSince) continue;
      const prior = known.get(m.id);
      const due = everything || m.id > lastMessageId || !prior || prior.nextDueAt <= started;
      if (!due) continue;
      posts.push({
        messageId: m.id,
        postedAt,
        views: m.views,
        forwards: m.forwards ?? 0,
        reactions: m.reactions ?? 0,
      });
      const nextDueAt = this.policy.nextPostDue(postedAt, sampledAt);
      if (nextDueAt) next.push({ messageId: m.id, postedAt, nextDueAt });
    }
    await this.analytics.recordSample(tenantId, {
      channelId: args.channelId,
      sampledAt,
      subscribers: read.subscribers,
      source: 'account',
      posts,
    });
    // A due post the read did not return (deleted, or past the pages read) moves on as if sampled, so a
    // channel never stays due because of it.
    const sampledIds = new Set(posts.map((p) => p.messageId));
    for (const p of known.values()) {
      if (sampledIds.has(p.messageId) || p.nextDueAt > started) continue;
      const nextDueAt = this.policy.nextPostDue(p.postedAt, sampledAt);
      if (nextDueAt) next.push({ messageId: p.messageId, postedAt: p.postedAt, nextDueAt });
    }
    const pending = [...known.values()].filter((p) => !next.some((n) => n.messageId === p.messageId));
    const nextDueAt = this.policy.nextChannelDue(
      sampledAt,
      [...next, ...pending].filter((p) => p.postedAt >= youngSince).map((p) => p.nextDueAt),
    );
    await this.schedule.sampled(tenantId, args.channelId, {
      sampledAt,
      source: 'account',
      lastMessageId: newest,
      posts: next,
      forgetPostedBefore: youngSince,
      nextDueAt,
    });
    return {
      sampledAt: sampledAt.toISOString(),
      source: 'account',
      subscribers: read.subscribers,
      posts: posts.length,
      calls,
    };
  }

  /** What a failed sample means for the schedule; the error goes on to the caller either way. */
  private async failed(tenantId: string, channelId: string, err: unknown): Promise<void> {
    if (!(err instanceof DomainError)) return;
    const now = new Date();
    try {
      if (err.code === String(UserMtprotoErrorCode.FloodWait)) {
        const seconds = typeof err.details?.retry_after === 'number' ? err.details.retry_after : 60;
        // The due posts stay due: the sample is taken once the wait is over.
        await this.schedule.reschedule(tenantId, channelId, this.policy.after(now, seconds), 'waiting', 'flood_wait');
      } else if (err.code === String(UserMtprotoErrorCode.NotConfigured)) {
        const recheck = this.policy.after(now, this.config.analyticsCollection.subscribersIntervalSeconds);
        await this.schedule.stopTenant(tenantId, 'session_revoked', recheck);
      }
    } catch (e) {
      this.log.warn(`could not record a failed sample's outcome: ${(e as Error).message}`);
    }
  }
}
