import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config';
import { BotClients } from '../../bot/bot-clients.service';
import { classifyTelegramFailure, describeFailure } from '../../bot/telegram-bot-api.failure';
import { RateLimitError } from '../../rate-limit/rate-limit.errors';
import { telegramUnavailable } from '../../user-mtproto/user-mtproto.errors';
import { ChannelsService } from '../../channels/channels.service';
import { AnalyticsService } from '../analytics.service';
import type { CollectResult } from './channel-sampler';
import { CollectionScheduleRepository } from './collection-schedule.repository';
import { botCannotSeeChannel, collectionStopped } from './collection.errors';
import { SamplingPolicy } from './sampling-policy';

/**
 * A tenant without a connected account still gets its channels' subscriber counts, as its bot sees them
 * (`getChatMemberCount`, source `bot`); views are then unavailable. Without a bot either, collection stops
 * with the reason `no_telegram_access`.
 */
@Injectable()
export class BotSampler {
  private readonly policy: SamplingPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bots: BotClients,
    private readonly channels: ChannelsService,
    private readonly schedule: CollectionScheduleRepository,
    private readonly analytics: AnalyticsService,
  ) {
    this.policy = new SamplingPolicy(config.analyticsCollection);
  }

  async sample(tenantId: string, channelId: string): Promise<CollectResult> {
    const channel = await this.channels.find(tenantId, channelId);
    const bot = await this.bots.forTenant(tenantId);
    const chat = channel.telegramId ?? (channel.username ? `@${channel.username}` : null);
    if (!bot || !chat) {
      const recheck = this.policy.after(new Date(), this.config.analyticsCollection.subscribersIntervalSeconds);
      await this.schedule.reschedule(tenantId, channelId, recheck, 'stopped', 'no_telegram_access');
      throw collectionStopped('no_telegram_access');
    }
    let subscribers: number;
    try {
      subscribers = await bot.api.memberCount(chat);
    } catch (err) {
      // The bot cannot see the channel (or Telegram did not answer): tried again at the channel's next interval.
      const later = this.policy.after(new Date(), this.config.analyticsCollection.subscribersIntervalSeconds);
      await this.schedule.reschedule(tenantId, channelId, later, 'waiting', 'bot_unavailable');
      const failure = classifyTelegramFailure(err);
      if (failure.kind === 'flood') throw new RateLimitError(failure.retryAfter);
      if (failure.kind === 'unavailable') throw telegramUnavailable('the Bot API did not answer');
      throw botCannotSeeChannel(describeFailure(failure));
    }
    const sampledAt = new Date();
    await this.analytics.recordSample(tenantId, { channelId, sampledAt, subscribers, source: 'bot', posts: [] });
    await this.schedule.sampled(tenantId, channelId, {
      sampledAt,
      source: 'bot',
      lastMessageId: 0,
      posts: [],
      forgetPostedBefore: this.policy.youngSince(sampledAt),
      nextDueAt: this.policy.nextChannelDue(sampledAt, []),
    });
    return { sampledAt: sampledAt.toISOString(), source: 'bot', subscribers, posts: 0, calls: 1 };
  }
}
