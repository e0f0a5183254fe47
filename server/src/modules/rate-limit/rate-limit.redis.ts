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

/**
 * A sender's batch: the tenant's budget (rps, concurrency), the bot's window
 * and, per channel, its chat and group windows, checked and taken for as many
 * channels as may go now, in the order given. A channel that may not go gets
 * the wait and the limit that binds it; once a shared limit (block, tenant,
 * bot) is reached, every later channel gets its wait too.
 * KEYS: tenant rps, tenant slots, bot window, block key, then a chat and a
 * group window per channel. ARGV: member prefix (each taken slot is
 * `prefix:i`), in-flight ms, rps, concurrency max, lease ms, then max and
 * window ms of the bot, chat and group windows.
 * Returns, per channel, {0, 0} when taken, else {scope, ms to wait}; scope:
 * 1 bot, 2 chat, 3 group, 4 blocked, 5 tenant.
 */
const TAKE_BATCH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local prefix, inflight = ARGV[1], tonumber(ARGV[2])
local rps, maxc, lease = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local botMax, botWin = tonumber(ARGV[6]), tonumber(ARGV[7])
local chatMax, chatWin = tonumber(ARGV[8]), tonumber(ARGV[9])
local groupMax, groupWin = tonumber(ARGV[10]), tonumber(ARGV[11])
local n = (#KEYS - 4) / 2
local out = {}
local function rest(from, scope, wait)
  for j = from, n do
    out[j * 2 - 1] = scope
    out[j * 2] = wait
  end
  return out
end
local blocked = redis.call('PTTL', KEYS[4])
if blocked > 0 then return rest(1, 4, blocked) end
local function wait(key, max, window, count)
  if count < max then return 0 end
  local edge = tonumber(redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')[2])
  if edge > now then return 5 end
  return edge + window - now + 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - botWin)
local rpsN = redis.call('ZCARD', KEYS[1])
local slotsN = redis.call('ZCARD', KEYS[2])
local botN = redis.call('ZCARD', KEYS[3])
local taken = 0
for i = 1, n do
  local w = wait(KEYS[1], rps, 1000, rpsN)
  if slotsN >= maxc then
    local first = tonumber(redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2])
    w = math.max(w, math.min(first - now + 1, 25))
  end
  if w > 0 then
    rest(i, 5, w)
    break
  end
  w = wait(KEYS[3], botMax, botWin, botN)
  if w > 0 then
    rest(i, 1, w)
    break
  end
  local chat, group = KEYS[3 + i * 2], KEYS[4 + i * 2]
  redis.call('ZREMRANGEBYSCORE', chat, '-inf', now - chatWin)
  redis.call('ZREMRANGEBYSCORE', group, '-inf', now - groupWin)
  local cw = wait(chat, chatMax, chatWin, redis.call('ZCARD', chat))
  local gw = wait(group, groupMax, groupWin, redis.call('ZCARD', group))
  if cw > 0 or gw > 0 then
    if gw > cw then
      out[i * 2 - 1] = 3
      out[i * 2] = gw
    else
      out[i * 2 - 1] = 2
      out[i * 2] = cw
    end
  else
    local member = prefix .. ':' .. i
    redis.call('ZADD', KEYS[1], now, member)
    redis.call('ZADD', KEYS[2], now + lease, member)
    redis.call('ZADD', KEYS[3], now + inflight, member)
    redis.call('ZADD', chat, now + inflight, member)
    redis.call('PEXPIRE', chat, chatWin + inflight + 1000)
    redis.call('ZADD', group, now + inflight, member)
    redis.call('PEXPIRE', group, groupWin + inflight + 1000)
    rpsN = rpsN + 1
    slotsN = slotsN + 1
    botN = botN + 1
    taken = taken + 1
    out[i * 2 - 1] = 0
    out[i * 2] = 0
  end
end
if taken > 0 then
  redis.call('PEXPIRE', KEYS[1], 2000)
  redis.call('PEXPIRE', KEYS[2], lease + 1000)
  redis.call('PEXPIRE', KEYS[3], botWin + inflight + 1000)
end
return out
`;

/**
 * Ends a batch's slots: frees each concurrency slot, and stamps the windows
 * with when the call came back (never later than now), or, for a slot that
 * went unused, takes it out of every window as if never taken.
 * KEYS: tenant rps, tenant slots, bot window, then a chat and a group window
 * per slot. ARGV: member prefix, then per slot its index and time (0: unused).
 */
const COMPLETE_BATCH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = (#KEYS - 3) / 2
for i = 1, n do
  local member = ARGV[1] .. ':' .. ARGV[i * 2]
  local at = tonumber(ARGV[i * 2 + 1])
  local chat, group = KEYS[2 + i * 2], KEYS[3 + i * 2]
  redis.call('ZREM', KEYS[2], member)
  if at <= 0 then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[3], member)
    redis.call('ZREM', chat, member)
    redis.call('ZREM', group, member)
  else
    at = math.min(at, now)
    redis.call('ZADD', KEYS[3], 'XX', at, member)
    redis.call('ZADD', chat, 'XX', at, member)
    redis.call('ZADD', group, 'XX', at, member)
  end
end
return 0
`;

type WithScripts = Redis & {
  takeBatch(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  completeBatch(numKeys: number, ...args: (string | number)[]): Promise<number>;
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
    client.defineCommand('takeBatch', { lua: TAKE_BATCH });
    client.defineCommand('completeBatch', { lua: COMPLETE_BATCH });
    this.client = client as WithScripts;
    this.prefix = `${config.redis.prefix}:rl`;
  }

  /** The keys of a tenant's own budget, shared by the Bot API and MTProto sides. */
  tenantKeys(tenantId: string): { rps: string; slots: string } {
    return { rps: `${this.prefix}:tenant:${tenantId}:rps`, slots: `${this.prefix}:tenant:${tenantId}:slots` };
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
