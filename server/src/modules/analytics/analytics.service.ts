import { Injectable } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { channelNotFound } from '../channels/channels.errors';
import { ChannelsService } from '../channels/channels.service';
import { AnalyticsRepository } from './analytics.repository';
import type { AnalyticsMaintenanceResult, ChannelSample, PostCounts } from './analytics.types';

export type { ChannelSample, PostCounts, SampleSource } from './analytics.types';

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
  ) {}

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
