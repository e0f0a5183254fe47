import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppConfig, TelegramMode } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { TelegramBotApi } from '../bot/telegram-bot-api';
import { safeErrorMessage } from '../bot/telegram-bot-api.failure';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
import { setTimeout as sleep } from 'node:timers/promises';

export const SANDBOX_SYSTEM_BOT_USERNAME = 'tenantgram_bot';

/**
 * The system bot's token: SYSTEM_BOT_TOKEN, or in sandbox mode a bot the
 * sandbox creates (`@tenantgram_bot`, reused across restarts of the app while
 * the sandbox keeps running). The effective token is written back into the
 * config so the Mini App login checks initData against the same bot.
 */
@Injectable()
export class SystemBotToken {
  private readonly logger = new Logger(SystemBotToken.name);
  private resolving?: Promise<string | null>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly api: TelegramBotApi,
    @InjectRedis(RedisClientName.Commands) private readonly redis: RedisClient,
  ) {}

  /** The token, or null when there is no system bot (real mode without SYSTEM_BOT_TOKEN, sandbox not running). */
  token(): Promise<string | null> {
    this.resolving ??= this.resolve();
    return this.resolving;
  }

  private async resolve(): Promise<string | null> {
    if (this.config.telegram.systemBotToken) return this.config.telegram.systemBotToken;
    if (this.config.telegram.mode !== TelegramMode.Sandbox) return null;
    try {
      const token = await this.fromSandbox(this.redis);
      if (token) this.config.telegram.systemBotToken = token;
      return token;
    } catch (err) {
      this.logger.warn(`no system bot: the sandbox at ${this.api.apiRoot} is not reachable (${safeErrorMessage(err)})`);
      return null;
    }
  }

  private async fromSandbox(redis: RedisClient): Promise<string | null> {
    const key = `${this.config.redis.prefix}:system-bot:${this.api.apiRoot}`;
    const lock = `${key}:lock`;
    for (let i = 0; i < 50; i++) {
      const cached = await redis.get(key);
      if (cached && (await this.valid(cached))) return cached;
      if (await redis.set(lock, '1', 'PX', 10_000, 'NX')) {
        try {
          const token = await this.createInSandbox();
          await redis.set(key, token);
          return token;
        } finally {
          await redis.del(lock);
        }
      }
      await sleep(100);
    }
    return null;
  }

  private async valid(token: string): Promise<boolean> {
    try {
      await this.api.client(token).getMe();
      return true;
    } catch {
      return false;
    }
  }

  private async createInSandbox(): Promise<string> {
    const create = async (username: string): Promise<Response> =>
      fetch(`${this.api.apiRoot}/sandbox/bots`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, first_name: 'Tenantgram' }),
        signal: AbortSignal.timeout(5000),
      });
    let res = await create(SANDBOX_SYSTEM_BOT_USERNAME);
    if (res.status === 409) {
      // Taken by an app whose token we do not hold (another key prefix): take a name of our own.
      await res.body?.cancel();
      res = await create(`tenantgram_${Math.random().toString(36).slice(2, 8)}_bot`);
    }
    if (res.status !== 201) throw new Error(`the sandbox answered ${res.status}`);
    const body = (await res.json()) as { token: string; username: string };
    this.logger.log(`system bot @${body.username} created in the sandbox`);
    return body.token;
  }
}
