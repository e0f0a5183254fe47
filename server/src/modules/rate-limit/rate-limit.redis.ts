import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';

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
  -- The call at edge leaves the window at edge + 1000 (pruned once now - 1000 reaches it): a full
  -- second at most, so a 429's retry_after is never rounded up to 2 s.
  wait = tonumber(edge[2]) + 1000 - now
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
 * and, per chat, its windows, checked and taken for as many chats as may go
 * now, in the order given. A chat that may not go gets the wait and the limit
 * that binds it; once a shared limit (block, tenant, bot) is reached, every
 * later chat gets its wait too.
 *
 * Each window is a sorted set of calls scored by when they came back; a call
 * taken is scored as still in flight (`inflight` ms ahead) until
 * COMPLETE_BATCH stamps it, so a window is measured from when Telegram may
 * have seen the call, whatever the network did to it. A chat's one key holds
 * both its windows: the last second (chat) and the last minute (group).
 * Redis's clock is the one clock every pod shares.
 *
 * KEYS: tenant rps, tenant slots, bot window, block key (its TTL is a wait
 * Telegram imposed), then one key per chat. ARGV: member prefix (each taken
 * slot is `prefix:i`), in-flight ms, rps, concurrency max, lease ms, then max
 * and window ms of the bot, chat and group windows.
 * Returns, per chat, {0, 0} when taken, else {scope, ms to wait}; scope:
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
local n = #KEYS - 4
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
-- The wait until a window of max calls has room: until its (count - max + 1)-th oldest call
-- leaves it. Calls taken by this batch are not written yet; they are the newest (score pending).
local function wait(key, max, window, count, stored, pending)
  if count < max then return 0 end
  local edge = pending
  if count - max < stored then
    edge = tonumber(redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')[2])
  end
  if edge > now then return 5 end
  return edge + window - now + 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - botWin)
local rpsStored = redis.call('ZCARD', KEYS[1])
local slotsStored = redis.call('ZCARD', KEYS[2])
local botStored = redis.call('ZCARD', KEYS[3])
local rpsAdd, slotsAdd, botAdd = {}, {}, {}
local taken = 0
for i = 1, n do
  local w = wait(KEYS[1], rps, 1000, rpsStored + taken, rpsStored, now)
  if slotsStored + taken >= maxc then
    local first = now + lease
    if slotsStored > 0 then first = tonumber(redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]) end
    w = math.max(w, math.min(first - now + 1, 25))
  end
  if w > 0 then
    rest(i, 5, w)
    break
  end
  w = wait(KEYS[3], botMax, botWin, botStored + taken, botStored, now + inflight)
  if w > 0 then
    rest(i, 1, w)
    break
  end
  local chat = KEYS[4 + i]
  redis.call('ZREMRANGEBYSCORE', chat, '-inf', now - groupWin)
  local inGroup = redis.call('ZCARD', chat)
  local inChat = 0
  if inGroup > 0 then inChat = redis.call('ZCOUNT', chat, '(' .. (now - chatWin), '+inf') end
  local cw = 0
  if inChat >= chatMax then
    local edge = tonumber(redis.call('ZRANGEBYSCORE', chat, '(' .. (now - chatWin), '+inf', 'WITHSCORES', 'LIMIT', inChat - chatMax, 1)[2])
    if edge > now then cw = 5 else cw = edge + chatWin - now + 1 end
  end
  local gw = wait(chat, groupMax, groupWin, inGroup, inGroup, 0)
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
    redis.call('ZADD', chat, now + inflight, member)
    redis.call('PEXPIRE', chat, groupWin + inflight + 1000)
    taken = taken + 1
    rpsAdd[#rpsAdd + 1] = now
    rpsAdd[#rpsAdd + 1] = member
    slotsAdd[#slotsAdd + 1] = now + lease
    slotsAdd[#slotsAdd + 1] = member
    botAdd[#botAdd + 1] = now + inflight
    botAdd[#botAdd + 1] = member
    out[i * 2 - 1] = 0
    out[i * 2] = 0
  end
end
if taken > 0 then
  redis.call('ZADD', KEYS[1], unpack(rpsAdd))
  redis.call('PEXPIRE', KEYS[1], 2000)
  redis.call('ZADD', KEYS[2], unpack(slotsAdd))
  redis.call('PEXPIRE', KEYS[2], lease + 1000)
  redis.call('ZADD', KEYS[3], unpack(botAdd))
  redis.call('PEXPIRE', KEYS[3], botWin + inflight + 1000)
end
return out
`;

/**
 * Ends a batch's slots: frees each concurrency slot, and stamps the bot and
 * chat windows with when the call came back (never later than now), or, for
 * a slot that went unused, takes it out of every window as if never taken.
 * KEYS: tenant rps, tenant slots, bot window, then a chat key per slot.
 * ARGV: member prefix, then per slot its index and time (0: unused).
 */
const COMPLETE_BATCH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS - 3
local members, stamps, unused = {}, {}, {}
for i = 1, n do
  local member = ARGV[1] .. ':' .. ARGV[i * 2]
  local at = tonumber(ARGV[i * 2 + 1])
  members[i] = member
  if at <= 0 then
    unused[#unused + 1] = member
    redis.call('ZREM', KEYS[3 + i], member)
  else
    at = math.min(at, now)
    stamps[#stamps + 1] = at
    stamps[#stamps + 1] = member
    redis.call('ZADD', KEYS[3 + i], 'XX', at, member)
  end
end
if n > 0 then redis.call('ZREM', KEYS[2], unpack(members)) end
if #stamps > 0 then redis.call('ZADD', KEYS[3], 'XX', unpack(stamps)) end
if #unused > 0 then
  redis.call('ZREM', KEYS[1], unpack(unused))
  redis.call('ZREM', KEYS[3], unpack(unused))
end
return 0
`;

type WithScripts = RedisClient & {
  takeBatch(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  completeBatch(numKeys: number, ...args: (string | number)[]): Promise<number>;
  takeTenant(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
};

/** The Redis client and scripts behind the limiters. */
@Injectable()
export class RateLimitRedis {
  readonly client: WithScripts;
  readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @InjectRedis(RedisClientName.Commands) client: RedisClient) {
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
}
