import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { redisConnectionOptions } from '../../common/redis';

/** An upload waits at most this long for its post to go out. */
const STAGE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Where a post's uploaded photo or document waits until a worker sends it.
 * Redis, because the worker that sends is usually not the pod that received
 * the upload; the bytes go once the post is sent (Telegram then holds them
 * and the post keeps the file_id).
 */
@Injectable()
export class PostMediaStore implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redis = new Redis(redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: 3 }));
    // Outages surface on the commands that fail (and in readiness); the event itself needs no handling.
    this.redis.on('error', () => undefined);
    this.prefix = `${config.redis.prefix}:post-media`;
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  async put(postId: string, data: Buffer): Promise<void> {
    await this.redis.set(`${this.prefix}:${postId}`, data, 'EX', STAGE_TTL_SECONDS);
  }

  get(postId: string): Promise<Buffer | null> {
    return this.redis.getBuffer(`${this.prefix}:${postId}`);
  }

  async remove(postId: string): Promise<void> {
    await this.redis.del(`${this.prefix}:${postId}`);
  }
}
