import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config';
import { DomainError } from '../../../common/errors/domain-error';
import { ChannelsService } from '../../channels/channels.service';
import { CollectionScheduleRepository, DueChannel } from './collection-schedule.repository';
import { CollectionService } from './collection.service';

/** Channels one tick takes at most. */
const CLAIM_BATCH = 100;
/** Samples one worker takes at once (each waits mostly on Telegram and the tenant's rate budget). */
const CONCURRENCY = 8;
/** Channel rows one tick reads to find channels without a schedule. */
const SEED_PAGE = 1000;

/**
 * Every worker, each ANALYTICS_TICK_SECONDS: adds channels that have no schedule yet (one page of all channels
 * per tick, round and round), takes the channels that are due (each taken by one worker only) and samples them
 * through CollectionService: a sample through an account runs in the worker that holds the tenant's session,
 * wherever the tick ran. A sample that fails stays due after the claim's hold (or after a FLOOD_WAIT, or never
 * while its collection is stopped).
 */
@Injectable()
export class CollectionScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('CollectionScheduler');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private seedCursor: string | null = null;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly channels: ChannelsService,
    private readonly schedule: CollectionScheduleRepository,
    private readonly collection: CollectionService,
  ) {}

  onModuleInit(): void {
    if (this.config.analyticsCollection.tickSeconds === 0) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
    }, this.config.analyticsCollection.tickSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One round: new channels added, due ones sampled. */
  async tick(): Promise<void> {
    try {
      await this.seed();
      const due = await this.schedule.claimDue(CLAIM_BATCH, this.holdSeconds());
      let next = 0;
      const lane = async (): Promise<void> => {
        while (!this.stopping && next < due.length) {
          const item = due[next++];
          if (item) await this.sampleOne(item);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, lane));
    } catch (err) {
      this.log.warn(`analytics tick failed: ${(err as Error).message}`);
    }
  }

  private async seed(): Promise<void> {
    const page = await this.channels.pageAcrossTenants(this.seedCursor, SEED_PAGE);
    await this.schedule.addMissing(page);
    this.seedCursor = page.length < SEED_PAGE ? null : (page.at(-1)?.id ?? null);
  }

  private async sampleOne(item: DueChannel): Promise<void> {
    try {
      await this.collection.sampleNow(item.tenantId, item.channelId, false);
    } catch (err) {
      // Domain errors (FLOOD_WAIT, stopped, unreachable) were recorded on the schedule where they arose.
      if (!(err instanceof DomainError)) {
        this.log.warn(`sampling channel ${item.channelId} failed: ${(err as Error).message}`);
      }
    }
  }

  /** A claimed channel is taken again after this long if its sample never finished (a lost worker). */
  private holdSeconds(): number {
    return Math.max(60, this.config.mtproto.callTimeoutSeconds * 2);
  }
}
