import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config';
import { CredentialsService } from '../../credentials/credentials.service';
import { RateLimitError } from '../../rate-limit/rate-limit.errors';
import { MtprotoCallClient } from '../../user-mtproto/mtproto-calls';
import { BotSampler } from './bot-sampler';
import { COLLECT_OP, CollectArgs, CollectResult } from './channel-sampler';
import { CollectionScheduleRepository, CollectionState, SampleSource } from './collection-schedule.repository';
import { collectionStopped, reasonText } from './collection.errors';
import { SamplingPolicy } from './sampling-policy';

/** At most one on-demand refresh per channel in this many seconds. */
export const REFRESH_MIN_SECONDS = 60;

/** Where a channel's collection stands, for the API (the stats routes may show it beside their series). */
export interface CollectionStatus {
  state: CollectionState | 'pending';
  /** Why it waits or stopped: `flood_wait`, `budget`, `bot_unavailable`, `session_revoked`, `account_not_connected`, `no_telegram_access`. */
  reason: string | null;
  message: string | null;
  source: SampleSource | null;
  lastSampledAt: Date | null;
  nextSampleAt: Date | null;
}

/**
 * Channel analytics collection as the rest of the product asks for it: one sample of a channel now, through
 * whichever way the tenant gives (its account's session in the worker holding it, else its bot), and where
 * a channel's collection stands. Exported by AnalyticsCollectorModule.
 */
@Injectable()
export class CollectionService {
  private readonly policy: SamplingPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
    private readonly calls: MtprotoCallClient,
    private readonly bot: BotSampler,
    private readonly schedule: CollectionScheduleRepository,
  ) {
    this.policy = new SamplingPolicy(config.analyticsCollection);
  }

  /**
   * Samples the channel now and answers once the sample is stored (the refresh route): at most once a minute
   * per channel (RATE_LIMITED with retry_after otherwise). The caller checked the channel is the tenant's.
   */
  async refresh(tenantId: string, channelId: string): Promise<CollectResult> {
    const wait = await this.schedule.claimRefresh(tenantId, channelId, REFRESH_MIN_SECONDS);
    if (wait > 0)
      throw new RateLimitError(wait, `This channel was refreshed less than a minute ago; retry after ${wait} s.`);
    return this.sampleNow(tenantId, channelId, true);
  }

  /**
   * One sample: through the account's session when it is connected (in the worker that holds it), through the
   * bot when the tenant never connected an account; a stopped collection answers COLLECTION_STOPPED.
   */
  async sampleNow(tenantId: string, channelId: string, force: boolean): Promise<CollectResult> {
    const creds = await this.credentials.get(tenantId);
    if (creds?.isMtprotoVerified && creds.sessionString) {
      const args: CollectArgs = { channelId, force };
      return this.calls.call<CollectResult>(tenantId, COLLECT_OP, args);
    }
    const state = await this.schedule.load(tenantId, channelId);
    if (state?.state === 'stopped' && state.reason === 'session_revoked') throw collectionStopped(state.reason);
    if (creds?.telegramApiId) {
      const recheck = this.policy.after(new Date(), this.config.analyticsCollection.subscribersIntervalSeconds);
      await this.schedule.reschedule(tenantId, channelId, recheck, 'stopped', 'account_not_connected');
      throw collectionStopped('account_not_connected');
    }
    return this.bot.sample(tenantId, channelId);
  }

  async status(tenantId: string, channelId: string): Promise<CollectionStatus> {
    const s = await this.schedule.load(tenantId, channelId);
    if (!s) {
      return { state: 'pending', reason: null, message: null, source: null, lastSampledAt: null, nextSampleAt: null };
    }
    return {
      state: s.state,
      reason: s.reason,
      message: s.state === 'stopped' ? reasonText(s.reason) : null,
      source: s.lastSource,
      lastSampledAt: s.lastSampledAt,
      nextSampleAt: s.state === 'stopped' ? null : s.nextDueAt,
    };
  }
}
