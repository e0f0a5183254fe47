import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { redisConnectionOptions } from '../../common/redis';

/**
 * Checks several sliding windows at once and takes a slot in all of them or in
 * none. Redis's clock is the one clock every pod shares. A slot taken is
 * scored as still in flight (ARGV[2] ms ahead) until COMPLETE_WINDOWS stamps
 * it with the time the call came back, so a window is measured from when the
 * other side may have seen a call, whatever the network did to it.
 * Returns {0, 0} when taken, else {milliseconds to wait, the binding window's
 * 1-based index (windows + 1 for the block key)}.
 * KEYS: the window keys, then a block key whose TTL is a wait Telegram
 * imposed. ARGV: member, in-flight ms, then max and window ms per window key.
 */
const TAKE_WINDOWS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windows = (#ARGV - 2) / 2
local blocked = redis.call('PTTL', KEYS[windows + 1])
if blocked > 0 then return {blocked, windows + 1} end
local wait = 0
local scope = 0
for i = 1, windows do
  local key = KEYS[i]
  local max = tonumber(ARGV[1 + i * 2])
  local window = tonumber(ARGV[2 + i * 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= max then
    local edge = tonumber(redis.call('ZRANGE', key, n - max, n - max, 'WITHSCORES')[2])
    local w
    if edge > now then w = 5 else w = edge + window - now + 1 end
    if w > wait then
      wait = w
      scope = i
    end
  end
end
if wait > 0 then return {wait, scope} end
for i = 1, windows do
  local window = tonumber(ARGV[2 + i * 2])
  redis.call('ZADD', KEYS[i], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[i], window + tonumber(ARGV[2]) + 1000)
end
return {0, 0}
`;

/**
 * Stamps a taken slot with the time its call came back: the caller's reading
 * (same host clock, taken as the answer arrived), never later than now.
 * KEYS: window keys. ARGV: member, the caller's time in ms.
 */
const COMPLETE_WINDOWS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = math.min(tonumber(ARGV[2]), now)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', at, ARGV[1])
end
return 0
`;

/**
 * A tenant's calls per second plus its concurrent calls, taken together.
 * KEYS: rps window, concurrency set. ARGV: member, rps, concurrency max, lease ms.
 * The concurrency set scores each holder by its lease expiry, so a holder that
 * died frees its slot when the lease runs out.
 */
const TAKE_TENANT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rps = tonumber(ARGV[2])
local maxc = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local wait = 0
local n = redis.call('ZCARD', KEYS[1])
if n >= rps then
  local edge = redis.call('ZRANGE', KEYS[1], n - rps, n - rps, 'WITHSCORES')
  wait = tonumber(edge[2]) + 1000 - now + 1
end
if redis.call('ZCARD', KEYS[2]) >= maxc then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  local w = math.min(tonumber(first[2]) - now + 1, 25)
  if w > wait then wait = w end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], 2000)
redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[2], lease + 1000)
return 0
`;

type WithScripts = Redis & {
  takeWindows(numKeys: number, ...args: (string | number)[]): Promise<[number, number]>;
  completeWindows(numKeys: number, ...args: (string | number)[]): Promise<number>;
  takeTenant(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
};

/** The Redis connection and scripts behind the limiters (one per process). */
@Injectable()
export class RateLimitRedis implements OnModuleDestroy {
  readonly client: WithScripts;
  readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const client = new Redis(redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: 3 }));
    // Outages surface on the commands that fail (and in readiness); the event itself needs no handling.
    client.on('error', () => undefined);
    client.defineCommand('takeWindows', { lua: TAKE_WINDOWS });
    client.defineCommand('completeWindows', { lua: COMPLETE_WINDOWS });
    client.defineCommand('takeTenant', { numberOfKeys: 2, lua: TAKE_TENANT });
    this.client = client as WithScripts;
    this.prefix = `${config.redis.prefix}:rl`;
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
