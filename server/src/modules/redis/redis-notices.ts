import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRedis, RedisClientName } from './redis-client-name';
import type { RedisClient } from './redis-connection';
import { RedisConnections } from './redis-connections';

type Handler = (message: string) => void;

/**
 * Cluster-wide notices over Redis pub/sub: every app instance listening on a channel hears what
 * any instance (itself included) publishes there. One subscriber connection per app instance
 * serves every channel. A notice published while an instance is cut off from Redis is not
 * replayed to it, so listeners use notices to act early (drop a cache, a client), never as the
 * only way a change becomes visible.
 */
@Injectable()
export class RedisNotices implements OnModuleDestroy {
  private readonly log = new Logger('RedisNotices');
  private readonly handlers = new Map<string, Handler[]>();
  private sub?: RedisClient;
  private closing = false;

  constructor(
    @InjectRedis(RedisClientName.Commands) private readonly cmd: RedisClient,
    private readonly connections: RedisConnections,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.cmd.publish(channel, message);
  }

  /**
   * Calls `handler` for every notice on `channel`. Resolves once the subscription is active, so no
   * notice published afterwards is missed.
   */
  async listen(channel: string, handler: Handler): Promise<void> {
    const existing = this.handlers.get(channel);
    if (existing) {
      existing.push(handler);
    } else {
      this.handlers.set(channel, [handler]);
    }
    try {
      await this.subscriber().subscribe(channel);
    } catch (err) {
      if (!this.closing) this.log.error(`subscription to ${channel} failed: ${(err as Error).message}`);
      throw err;
    }
  }

  private subscriber(): RedisClient {
    if (this.sub) return this.sub;
    const sub = this.connections.dedicated('subscriber');
    sub.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) {
        try {
          handler(message);
        } catch (err) {
          this.log.error(`a handler of ${channel} failed: ${(err as Error).message}`);
        }
      }
    });
    this.sub = sub;
    return sub;
  }

  onModuleDestroy(): void {
    this.closing = true;
    if (this.sub) this.connections.release(this.sub);
    this.sub = undefined;
  }
}
