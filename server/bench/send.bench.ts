/**
 * Sending posts through the product (outbox rows, tenant senders, limiters,
 * real telegraf calls to the sandbox) against raw BullMQ no-op jobs in the
 * same run; then, with the sandbox enforcing Telegram's limits, the rate one
 * bot reaches against the 30 msg/s it is allowed, and the 429s it caused.
 * The sandbox runs in a process of its own, as Telegram is a server of its own.
 *
 * With the sandbox's limits off the product still holds every bot to
 * Telegram's limits (1 msg/s per chat, 30 msg/s per bot). A round therefore
 * gives each of the 100 bots one post in each of its 30 channels: as much as
 * Telegram lets a bot send at once, so no limiter waits and the figure is what
 * the sending path itself costs. Rounds are a second apart (the chats' spacing);
 * each is timed from queueing the tenants' senders to the last post's sent_at.
 * Send rounds alternate with the no-op rounds, after a few of each to warm up,
 * so both figures come from the machine in the same state (its speed drifts).
 */
import { getQueueToken } from '@nestjs/bullmq';
import { type Job, Queue, Worker } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { Queue as QueueType } from 'bullmq';
import { redisConnectionOptions } from '../src/modules/redis/redis-connection';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { QueueName } from '../src/modules/queue/queue-names';
import type { DrainJob } from '../src/modules/posts/posts.service';
import { newTenant } from '../test/factories/user.factory';
import { startTestApp, type TestApp } from '../test/helpers/test-app';
import { control, rawBotCall } from '../test/sandbox/bot-helpers';
import { TEST_REDIS_URL, uniqueRedisPrefix } from '../test/helpers/test-database';
import { BenchRow, ratioRow } from './lib/report';
import { startSandboxProcess, type SandboxProcess } from './lib/sandbox-process';
import { present } from '../test/helpers/present';

const NOOP_JOBS = 5000;
const ROUNDS = 7;
const WARMUP_ROUNDS = 3;
const BOTS = 100;
const CHANNELS_PER_BOT = 30;
const LIMITED_CHANNELS = 300;
const LIMITED_POSTS_PER_CHANNEL = 2;
const ALLOWED_PER_SECOND = 30;
/** Seeding tenants, bots and channels this many at a time. */
const SEED_PARALLEL = 10;

const median = (xs: number[]): number =>
  present([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)], 'a value to take the median of');

/**
 * Raw BullMQ: a queue and a worker whose jobs do nothing. A round adds
 * NOOP_JOBS in bulk and answers the jobs/s until the last one completed.
 */
async function rawBullmq(): Promise<{ round(): Promise<number>; close(): Promise<void> }> {
  const connection = redisConnectionOptions(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `${uniqueRedisPrefix()}:bull`;
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  let finish: () => void = () => undefined;
  const worker = new Worker(
    'noop',
    async (_job: Job) => {
      if (++done === NOOP_JOBS) finish();
      return Promise.resolve();
    },
    { connection, prefix, concurrency: 32 },
  );
  await worker.waitUntilReady();
  return {
    async round() {
      done = 0;
      const finished = new Promise<void>((r) => (finish = r));
      const started = performance.now();
      await queue.addBulk(
        Array.from({ length: NOOP_JOBS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })),
      );
      await finished;
      return NOOP_JOBS / ((performance.now() - started) / 1000);
    },
    async close() {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

interface Seeded {
  tenantId: string;
  botId: number;
  botToken: string;
  channels: { id: string; telegramId: number }[];
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

async function seed(t: TestApp, sandbox: SandboxProcess, bots: number, channelsPerBot: number): Promise<Seeded[]> {
  const { body: owner } = await control(sandbox, 'POST', '/sandbox/users', {
    phone: `1999${Date.now() % 1e7}`,
    first_name: 'Owner',
  });
  const tag = Date.now() % 1e6;
  return inBatches(
    Array.from({ length: bots }, (_, b) => b),
    SEED_PARALLEL,
    async (b): Promise<Seeded> => {
      const { user, headers } = await newTenant(t);
      await t.app
        .get(CredentialsService)
        .setLimits(user.id, { rateLimitRps: 1000, maxConcurrentRequests: 100 }, systemActor());
      const { body: bot } = await control(sandbox, 'POST', '/sandbox/bots', { username: `send${b}_${tag}_bot` });
      const put = await fetch(`${t.url}/api/user-bot`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ bot_token: bot.token }),
      });
      if (put.status !== 200) throw new Error(`bot not connected: ${put.status}`);
      const channels = await inBatches(
        Array.from({ length: channelsPerBot }, (_, c) => c),
        SEED_PARALLEL,
        async (c): Promise<Seeded['channels'][number]> => {
          const { body: ch } = await control(sandbox, 'POST', '/sandbox/channels', {
            title: `c${c}`,
            owner_phone: owner.phone,
          });
          await control(sandbox, 'POST', `/sandbox/channels/${ch.id}/members`, {
            bot_id: bot.id,
            admin: true,
            can_post_messages: true,
          });
          const res = await fetch(`${t.url}/api/channels`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ telegram_id: String(ch.id) }),
          });
          return { id: ((await res.json()) as { id: string }).id, telegramId: ch.id };
        },
      );
      return { tenantId: user.id, botId: bot.id, botToken: bot.token, channels };
    },
  );
}

/**
 * Seeding makes each bot an admin of its channels, and Telegram tells the bot
 * so (my_chat_member updates, delivered to the product's webhook one at a time
 * per bot). Waits until every bot has received them all, so the rounds measure
 * sending and not the tail of the seeding.
 */
async function updatesDelivered(sandbox: SandboxProcess, seeded: Seeded[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (const s of seeded) {
    for (;;) {
      const info = await rawBotCall(sandbox, s.botToken, 'getWebhookInfo');
      if ((info.body as { result: { pending_update_count: number } }).result.pending_update_count === 0) break;
      if (Date.now() > deadline) throw new Error(`bot ${s.botId} still has undelivered updates`);
      await sleep(100);
    }
  }
}

interface Round {
  total: number;
  /** From queueing the senders to the last sent_at. */
  seconds: number;
  /** From the first sent_at to the last. */
  firstToLast: number;
}

/**
 * Writes the outbox rows directly (the API's cost is not the sender's), wakes
 * every tenant's sender, waits until all are sent, and times it with the
 * database's own sent_at stamps (same host clock).
 */
async function sendAll(t: TestApp, seeded: Seeded[], postsPerChannel: number, round: number): Promise<Round> {
  const pg = new Client({ connectionString: t.db.url });
  await pg.connect();
  try {
    const rows = seeded.flatMap((s) =>
      s.channels.flatMap((ch) =>
        Array.from({ length: postsPerChannel }, (_, n) => [s.tenantId, ch.id, `post ${round}.${n}`]),
      ),
    );
    const total = rows.length;
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      await pg.query(
        `INSERT INTO posts (user_id, channel_id, text, status, idempotency_key, created_at)
         SELECT u, c, x, 'scheduled', x || ':' || c, clock_timestamp()
           FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS r(u, c, x)`,
        [chunk.map((r) => r[0]), chunk.map((r) => r[1]), chunk.map((r) => r[2])],
      );
    }
    const queue = t.app.get<QueueType<DrainJob>>(getQueueToken(QueueName.PostSend));
    const startedMs = Date.now();
    const elu0 = performance.eventLoopUtilization();
    await queue.addBulk(
      seeded.map((s) => ({ name: 'drain', data: { tenantId: s.tenantId }, opts: { removeOnComplete: true } })),
    );
    // Waits on the outbox index (only unsent posts), so polling costs the database little meanwhile.
    for (;;) {
      const { rows: left } = await pg.query<{ left: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM posts WHERE status IN ('scheduled', 'sending') AND telegram_message_id IS NULL) AS left`,
      );
      if (!present(left[0], 'the EXISTS row').left) break;
      await sleep(20);
    }
    const { rows: unsent } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM posts WHERE status <> 'sent'`);
    const unsentCount = present(unsent[0], 'the count row').n;
    if (Number(unsentCount) > 0) throw new Error(`${unsentCount} posts were not sent`);
    const { rows: spans } = await pg.query<{ first: number; last: number }>(
      `SELECT EXTRACT(EPOCH FROM min(sent_at))::float * 1000 AS first, EXTRACT(EPOCH FROM max(sent_at))::float * 1000 AS last FROM posts`,
    );
    const span = present(spans[0], 'the send window');
    if (process.env.BENCH_TRACE) {
      // Lines up with per-process CPU samples: the window in epoch ms, and how busy this process's loop was.
      const busy = performance.eventLoopUtilization(elu0).utilization.toFixed(2);
      process.stderr.write(`WINDOW ${startedMs} ${span.last} ${total} ${busy}\n`);
    }
    await pg.query('DELETE FROM posts');
    // What autovacuum does between bursts (it may be off on a test server): dead rows left by
    // one round's updates would otherwise slow every later one.
    await pg.query('VACUUM posts');
    return { total, seconds: (span.last - startedMs) / 1000, firstToLast: (span.last - span.first) / 1000 };
  } finally {
    await pg.end();
  }
}

export default async function sendBench(): Promise<BenchRow[]> {
  const noop = await rawBullmq();
  const free = await startSandboxProcess({ limitsEnabled: false });
  const t = await startTestApp({ sandbox: free, env: { ROLE: 'all' } });
  const rates: number[] = [];
  const baselineRates: number[] = [];
  let perRound = 0;
  try {
    const seeded = await seed(t, free, BOTS, CHANNELS_PER_BOT);
    await updatesDelivered(free, seeded);
    // Rounds of the two alternate, so both see the machine in the same state; the first of each warms up.
    for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
      // Lets the previous round's clean-up (DELETE, VACUUM) settle first.
      await sleep(500);
      const jobs = await noop.round();
      // Every chat's one-per-second spacing has passed since the previous round.
      await sleep(1100);
      const r = await sendAll(t, seeded, 1, round + WARMUP_ROUNDS);
      if (round < 0) continue;
      perRound = r.total;
      rates.push(r.total / r.seconds);
      baselineRates.push(jobs);
    }
  } finally {
    await t.close();
    await free.close();
    await noop.close();
  }
  const unlimited = median(rates);
  const baseline = median(baselineRates);

  const limitedSandbox = await startSandboxProcess({ limitsEnabled: true });
  const lt = await startTestApp({ sandbox: limitedSandbox, env: { ROLE: 'all' } });
  let limited: Round;
  let throttled = 0;
  try {
    const seeded = await seed(lt, limitedSandbox, 1, LIMITED_CHANNELS);
    await updatesDelivered(limitedSandbox, seeded);
    limited = await sendAll(lt, seeded, LIMITED_POSTS_PER_CHANNEL, 0);
    const stats = (await (
      await fetch(`${limitedSandbox.httpUrl}/sandbox/bots/${present(seeded[0], 'a seeded bot').botId}/stats`)
    ).json()) as {
      throttled: number;
    };
    throttled = stats.throttled;
  } finally {
    await lt.close();
    await limitedSandbox.close();
  }
  // The first 30 may go at once (a full window); the rate is what follows them.
  const steady = (limited.total - ALLOWED_PER_SECOND) / limited.firstToLast;
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');

  return [
    ratioRow(
      `sending, sandbox limits off, ${BOTS} bots × ${CHANNELS_PER_BOT} channels vs raw BullMQ no-op jobs`,
      unlimited,
      baseline,
      'posts/s',
      { min: 0.5, text: '≥ 0.5×' },
      `medians of ${ROUNDS} alternating rounds after ${WARMUP_ROUNDS} to warm up: ${perRound} posts per round (${fmt(rates)} posts/s) vs ${NOOP_JOBS} jobs per round (${fmt(baselineRates)} jobs/s)`,
    ),
    ratioRow(
      `sending with limits on: one bot, ${LIMITED_CHANNELS} channels, ${limited.total} posts vs 30 msg/s allowed`,
      steady,
      ALLOWED_PER_SECOND,
      'posts/s',
      { min: 0.95, text: '≥ 0.95× of allowed' },
      'rate after the first full window',
    ),
    {
      name: 'sending with limits on: 429s answered by the sandbox',
      value: throttled,
      unit: '429s',
      goal: '0',
      met: throttled === 0,
    },
  ];
}
