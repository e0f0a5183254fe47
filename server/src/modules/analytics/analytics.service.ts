import { Injectable } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { channelNotFound } from '../channels/channels.errors';
import { ChannelsService } from '../channels/channels.service';
import { isUuid } from '../database/tenant-db';
import { PostsService } from '../posts/posts.service';
import { INTERVAL_MS, type StatsQuery, type StatsRange, type TopPostsQuery } from './analytics-query';
import { AnalyticsRepository } from './analytics.repository';
import type { AnalyticsMaintenanceResult, ChannelSample, PostCounts } from './analytics.types';
import type { CurveDto, HoursDto, StatsDto, StatsPointDto, TopPostsDto } from './dtos/analytics.dto';

export type { ChannelSample, PostCounts, SampleSource } from './analytics.types';

/** The most samples one curve answers (a post sampled on the default schedule has about 270). */
const MAX_CURVE_POINTS = 5000;

/** Counters are Postgres integers. */
const MAX_COUNT = 2_147_483_647;

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_COUNT;
const isDate = (d: Date): boolean => d instanceof Date && !Number.isNaN(d.getTime());

/**
 * A tenant's channel analytics: recording samples (the collector) and reading series, top posts,
 * curves and hours back. The rows live behind AnalyticsRepository; other modules go through this
 * service.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly repo: AnalyticsRepository,
    private readonly channels: ChannelsService,
    private readonly posts: PostsService,
  ) {}

  /** NOT_FOUND unless the channel is the tenant's (the admin routes' check; tenant routes have the guard). */
  async assertChannel(tenantId: string, channelId: string): Promise<void> {
    if (!isUuid(tenantId) || !(await this.channels.owns(tenantId, channelId))) throw channelNotFound(channelId);
  }

  /**
   * A channel's series: one point per bucket from `from` (a bucket start) to `to`, empty buckets
   * included. `views`, `forwards` and `reactions` are what the posts gained in the bucket (null when the
   * channel was never sampled through the tenant's account); `subscribers` the last count known at the
   * bucket's end; `posts` how many were published in it.
   */
  async stats(tenantId: string, channelId: string, q: StatsQuery): Promise<StatsDto> {
    const data = await this.repo.series(tenantId, channelId, q.from, q.to, q.interval);
    const gains = new Map(data.gains.map((g) => [g.at, g]));
    const posts = new Map(data.posts.map((p) => [p.at, p.posts]));
    const subscribers = new Map(data.subscribers.map((s) => [s.at, s.subscribers]));
    const series: StatsPointDto[] = [];
    let known = data.subscribersBefore;
    const step = INTERVAL_MS[q.interval];
    for (let t = q.from.getTime(); t < q.to.getTime(); t += step) {
      known = subscribers.get(t) ?? known;
      const g = gains.get(t);
      const gained = (n: number | undefined): number | null => (data.viewsAvailable ? (n ?? 0) : null);
      series.push({
        at: new Date(t),
        subscribers: known,
        views: gained(g?.views),
        forwards: gained(g?.forwards),
        reactions: gained(g?.reactions),
        posts: posts.get(t) ?? 0,
      });
    }
    return { views_available: data.viewsAvailable, series };
  }

  /** The channel's posts published in the range, with their latest counts, best first. */
  async topPosts(tenantId: string, channelId: string, q: TopPostsQuery): Promise<TopPostsDto> {
    const rows = await this.repo.topPosts(tenantId, channelId, q.from, q.to, q.sort, q.limit);
    const ids = await this.posts.idsByMessage(
      tenantId,
      channelId,
      rows.map((r) => r.message_id),
    );
    return { posts: rows.map((r) => ({ ...r, post_id: ids.get(r.message_id) ?? null })) };
  }

  /** A channel message's samples, oldest first. */
  async messageCurve(tenantId: string, channelId: string, messageId: number): Promise<CurveDto> {
    return { points: await this.repo.curve(tenantId, channelId, messageId, MAX_CURVE_POINTS) };
  }

  /** A platform post's samples, oldest first (none while it is not sent). NOT_FOUND for another tenant's post. */
  async postCurve(tenantId: string, postId: string): Promise<CurveDto> {
    const sent = await this.posts.sentMessage(tenantId, postId);
    if (sent.messageId === null) return { points: [] };
    return this.messageCurve(tenantId, sent.channelId, sent.messageId);
  }

  /** Views gained in each hour of the week (UTC) over the range: all 168 cells, Sunday 00:00 first. */
  async hours(tenantId: string, channelId: string, q: StatsRange): Promise<HoursDto> {
    const rows = await this.repo.hours(tenantId, channelId, q.from, q.to);
    const views = new Map(rows.map((r) => [r.weekday * 24 + r.hour, r.views]));
    const cells = Array.from({ length: 7 * 24 }, (_, i) => ({
      weekday: Math.floor(i / 24),
      hour: i % 24,
      views: views.get(i) ?? 0,
    }));
    return { cells };
  }

  /**
   * Stores one sample of a tenant's channel in one transaction: its subscriber count and each post's
   * counters. A channel that is not the tenant's answers NOT_FOUND; a second sample of a channel at the
   * same instant is ignored (so a retried write stores once). A post listed twice counts once.
   */
  async recordSample(tenantId: string, sample: ChannelSample): Promise<void> {
    checkSample(sample);
    if (!(await this.channels.owns(tenantId, sample.channelId))) throw channelNotFound(sample.channelId);
    const posts = new Map<number, PostCounts>();
    for (const p of sample.posts) posts.set(p.messageId, p);
    await this.repo.recordSample(tenantId, { ...sample, posts: [...posts.values()] });
  }

  /** When the tenant's channel was last sampled, null when never. */
  latestSampleAt(tenantId: string, channelId: string): Promise<Date | null> {
    return this.repo.latestSampleAt(tenantId, channelId);
  }

  /** Partition upkeep for every tenant (the housekeeping job): see AnalyticsRepository.maintainPartitions. */
  maintainPartitions(retentionDays: number, monthsAhead: number, now: Date): Promise<AnalyticsMaintenanceResult> {
    return this.repo.maintainPartitions(retentionDays, monthsAhead, now);
  }
}

/** A collector's sample that breaks these rules is a programming error, refused before any write. */
function checkSample(sample: ChannelSample): void {
  const fail = (why: string): never => {
    throw new CommonError(CommonErrorCode.Internal, `Invalid analytics sample: ${why}.`);
  };
  if (!isDate(sample.sampledAt)) fail('sampledAt is not a date');
  if (sample.subscribers !== null && !isCount(sample.subscribers)) fail('subscribers is not a count');
  if (sample.source !== 'account' && sample.source !== 'bot') fail('source is neither account nor bot');
  if (sample.source === 'bot' && sample.posts.length > 0) fail('a bot sample has no post counters');
  for (const p of sample.posts) {
    if (!Number.isInteger(p.messageId) || p.messageId <= 0 || p.messageId > MAX_COUNT) fail('a message id is invalid');
    if (!isDate(p.postedAt)) fail(`post ${p.messageId} has no posting date`);
    if (!isCount(p.views) || !isCount(p.forwards) || !isCount(p.reactions)) {
      fail(`post ${p.messageId} has a counter that is not a count`);
    }
  }
}
