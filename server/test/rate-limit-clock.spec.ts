import { ConfigError, loadConfig } from '../src/config/app-config';
import { RateLimitError } from '../src/modules/rate-limit/rate-limit.errors';
import type { RateLimitRedis } from '../src/modules/rate-limit/rate-limit.redis';
import { TelegramSendLimiter } from '../src/modules/rate-limit/telegram-send-limiter';
import { TenantRateLimiter } from '../src/modules/rate-limit/tenant-rate-limiter';
import { FakeClock } from './helpers/clocks';

/**
 * The limiters' decisions by time, on a clock that moves only when they sleep.
 * The Redis side is a stand-in answering the scripts' waits: what the scripts
 * decide is covered against real Redis in posts-rate-limit.int-spec.ts.
 */
function scriptedRedis(answers: { takeTenant?: number[]; takeBatch?: number[][] }) {
  const calls = { takeBatch: [] as (string | number)[][], completeBatch: [] as (string | number)[][] };
  const tenantWaits = [...(answers.takeTenant ?? [])];
  const batches = [...(answers.takeBatch ?? [])];
  const redis = {
    prefix: 'unit:rl',
    tenantKeys: (id: string) => ({ rps: `unit:rl:tenant:${id}:rps`, slots: `unit:rl:tenant:${id}:slots` }),
    client: {
      takeTenant: () => Promise.resolve(tenantWaits.shift() ?? 0),
      takeBatch: (_n: number, ...args: (string | number)[]) => {
        calls.takeBatch.push(args);
        return Promise.resolve(batches.shift() ?? [0, 0]);
      },
      completeBatch: (_n: number, ...args: (string | number)[]) => {
        calls.completeBatch.push(args);
        return Promise.resolve(0);
      },
      zrem: () => Promise.resolve(1),
    },
  };
  return { redis: redis as unknown as RateLimitRedis, calls };
}

const config = (env: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'test', ...env });

describe('tenant rate limiter on a clock', () => {
  it('sleeps for each wait Redis answers, then takes the slot', async () => {
    const clock = new FakeClock();
    const { redis } = scriptedRedis({ takeTenant: [400, 300, 0] });
    const release = await new TenantRateLimiter(redis, clock).acquire('t1', { rps: 1, maxConcurrent: 1 });
    expect(clock.slept).toEqual([400, 300]);
    expect(release).toEqual(expect.any(Function));
  });

  it('answers 429 with the wait once the next wait would pass maxWaitMs, without sleeping it', async () => {
    const clock = new FakeClock();
    const { redis } = scriptedRedis({ takeTenant: [400, 400, 400, 0] });
    const err = await new TenantRateLimiter(redis, clock)
      .acquire('t1', { rps: 1, maxConcurrent: 1 }, { maxWaitMs: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterMs).toBe(400);
    expect((err as RateLimitError).details).toEqual({ retry_after: 1 });
    expect(clock.slept).toEqual([400, 400]);
  });
});

describe('Telegram send limiter on a clock', () => {
  it('waits in place while the wait fits maxWaitMs, and stamps the slot with when the call came back', async () => {
    const clock = new FakeClock();
    const { redis, calls } = scriptedRedis({
      takeBatch: [
        [2, 700],
        [0, 0],
      ],
    });
    const limiter = new TelegramSendLimiter(redis, config(), clock);
    const sender = { tenantId: 't1', botId: 'b1', rps: 10, maxConcurrent: 10 };
    const slot = await limiter.take(sender, '-100', 1000);
    expect(clock.slept).toEqual([700]);
    expect(slot).toHaveProperty('done');
    clock.advance(250);
    if ('done' in slot) await slot.done();
    expect(calls.completeBatch[0]?.slice(-2)).toEqual([1, clock.now()]);
  });

  it('answers the wait and its scope when it is longer than the caller can wait', async () => {
    const clock = new FakeClock();
    const { redis } = scriptedRedis({ takeBatch: [[3, 45_000]] });
    const limiter = new TelegramSendLimiter(redis, config(), clock);
    const sender = { tenantId: 't1', botId: 'b1', rps: 10, maxConcurrent: 10 };
    expect(await limiter.take(sender, '-100', 1000)).toEqual({ scope: 'group', waitMs: 45_000 });
    expect(clock.slept).toEqual([]);
  });

  it("holds bots to Telegram's figures by default and to the configured windows when set", async () => {
    const argsFor = async (env: Record<string, string>) => {
      const { redis, calls } = scriptedRedis({});
      await new TelegramSendLimiter(redis, config(env), new FakeClock()).takeBatch(
        { tenantId: 't1', botId: 'b1', rps: 10, maxConcurrent: 10 },
        ['-100'],
      );
      // The last six script arguments: bot, chat and group windows (max, ms).
      return calls.takeBatch[0]?.slice(-6);
    };
    expect(await argsFor({})).toEqual([30, 1002, 1, 1002, 20, 60_010]);
    expect(
      await argsFor({
        TELEGRAM_LIMIT_PER_BOT: '5',
        TELEGRAM_LIMIT_PER_BOT_WINDOW_MS: '100',
        TELEGRAM_LIMIT_PER_CHAT: '2',
        TELEGRAM_LIMIT_PER_CHAT_WINDOW_MS: '50',
        TELEGRAM_LIMIT_PER_GROUP: '10',
        TELEGRAM_LIMIT_PER_GROUP_WINDOW_MS: '500',
      }),
    ).toEqual([5, 100, 2, 50, 10, 500]);
  });

  it.each([
    ['TELEGRAM_LIMIT_PER_CHAT', '0'],
    ['TELEGRAM_LIMIT_PER_GROUP_WINDOW_MS', 'soon'],
    ['TELEGRAM_LIMIT_PER_BOT', '-3'],
  ])('refuses to start with %s=%s and names it', (name, value) => {
    expect(() => config({ [name]: value })).toThrow(ConfigError);
    expect(() => config({ [name]: value })).toThrow(new RegExp(name));
  });
});
