/**
 * Sending posts through the product (outbox rows, channel drains, limiters,
 * real telegraf calls to the sandbox) against raw BullMQ no-op jobs in the
 * same run; then, with the sandbox enforcing Telegram's limits, the rate one
 * bot reaches against the 30 msg/s it is allowed, and the 429s it caused.
 */
import { getQueueToken } from '@nestjs/bullmq';
import { type Job, Queue, Worker } from 'bullmq';
import { Client } from 'pg';
import type { Queue as QueueType } from 'bullmq';
import { redisConnectionOptions } from '../src/common/redis';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { QueueName } from '../src/modules/queue/queue-names';
import type { DrainJob } from '../src/modules/posts/posts.service';
import { startSandbox, type SandboxHandle } from '../src/sandbox';
import { newTenant } from '../test/factories/user.factory';
import { startTestApp, type TestApp } from '../test/helpers/test-app';
import { TEST_REDIS_URL, uniqueRedisPrefix } from '../test/helpers/test-database';
import { BenchRow, ratioRow } from './lib/report';

const NOOP_JOBS = 5000;
const BOTS = 100;
const CHANNELS_PER_BOT = 10;
const POSTS_PER_CHANNEL = 2;
const LIMITED_CHANNELS = 300;
const LIMITED_POSTS_PER_CHANNEL = 2;
const ALLOWED_PER_SECOND = 30;

async function rawBullmq(): Promise<number> {
  const connection = redisConnectionOptions(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `${uniqueRedisPrefix()}:bull`;
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const worker = new Worker(
    'noop',
    async (_job: Job) => {
      if (++done === NOOP_JOBS) finish();
      return Promise.resolve();
    },
    { connection, prefix, concurrency: 32 },
  );
  await worker.waitUntilReady();
  const started = Date.now();
  await queue.addBulk(
    Array.from({ length: NOOP_JOBS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })),
  );
  await finished;
  const perSecond = NOOP_JOBS / ((Date.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return perSecond;
}

interface Seeded {
  tenantId: string;
  botId: number;
  channels: { id: string; telegramId: number }[];
}

async function control(sandbox: SandboxHandle, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${sandbox.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

async function seed(t: TestApp, sandbox: SandboxHandle, bots: number, channelsPerBot: number): Promise<Seeded[]> {
  const out: Seeded[] = [];
  const owner = await control(sandbox, '/sandbox/users', { phone: `1999${Date.now() % 1e7}`, first_name: 'Owner' });
  for (let b = 0; b < bots; b++) {
    const { user, headers } = await newTenant(t);
    await t.app
      .get(CredentialsService)
      .setLimits(user.id, { rateLimitRps: 1000, maxConcurrentRequests: 100 }, systemActor());
    const bot = await control(sandbox, '/sandbox/bots', { username: `send${b}_${Date.now() % 1e6}_bot` });
    const put = await fetch(`${t.url}/api/user-bot`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ bot_token: bot.token }),
    });
    if (put.status !== 200) throw new Error(`bot not connected: ${put.status}`);
    const channels: Seeded['channels'] = [];
    for (let c = 0; c < channelsPerBot; c++) {
      const ch = await control(sandbox, '/sandbox/channels', { title: `c${c}`, owner_phone: owner.phone });
      await control(sandbox, `/sandbox/channels/${ch.id}/members`, {
        bot_id: bot.id,
        admin: true,
        can_post_messages: true,
      });
      const res = await fetch(`${t.url}/api/channels`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ telegram_id: String(ch.id) }),
      });
      channels.push({ id: ((await res.json()) as { id: string }).id, telegramId: ch.id });
    }
    out.push({ tenantId: user.id, botId: bot.id, channels });
  }
  return out;
}

/** Writes the outbox rows directly (the API's cost is not the sender's), wakes every channel, waits for all sent. */
async function sendAll(
  t: TestApp,
  seeded: Seeded[],
  postsPerChannel: number,
): Promise<{ seconds: number; firstToLast: number; total: number }> {
  const pg = new Client({ connectionString: t.db.url });
  await pg.connect();
  try {
    let total = 0;
    for (const s of seeded) {
      for (const ch of s.channels) {
        for (let n = 0; n < postsPerChannel; n++) {
          await pg.query(
            `INSERT INTO posts (user_id, channel_id, text, status, idempotency_key) VALUES ($1, $2, $3, 'scheduled', $4)`,
            [s.tenantId, ch.id, `post ${n}`, `${ch.id}-${n}`],
          );
          total++;
        }
      }
    }
    const queue = t.app.get<QueueType<DrainJob>>(getQueueToken(QueueName.PostSend));
    const started = Date.now();
    await queue.addBulk(
      seeded.flatMap((s) =>
        s.channels.map((ch) => ({
          name: 'drain',
          data: { tenantId: s.tenantId, channelId: ch.id },
          opts: { removeOnComplete: true },
        })),
      ),
    );
    for (;;) {
      const { rows } = await pg.query<{ sent: string; failed: string }>(
        `SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'failed') AS failed FROM posts`,
      );
      if (Number(rows[0].failed) > 0) throw new Error(`${rows[0].failed} posts failed`);
      if (Number(rows[0].sent) === total) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (Date.now() - started) / 1000;
    const { rows } = await pg.query<{ span: number }>(
      `SELECT EXTRACT(EPOCH FROM max(sent_at) - min(sent_at))::float AS span FROM posts`,
    );
    await pg.query('DELETE FROM posts');
    return { seconds, firstToLast: rows[0].span, total };
  } finally {
    await pg.end();
  }
}

export default async function sendBench(): Promise<BenchRow[]> {
  const baseline = await rawBullmq();

  const free = await startSandbox({ httpPort: 0, mtprotoPort: 0, limitsEnabled: false });
  const t = await startTestApp({ sandbox: free, env: { ROLE: 'all' } });
  let unlimited: { seconds: number; total: number };
  try {
    const seeded = await seed(t, free, BOTS, CHANNELS_PER_BOT);
    unlimited = await sendAll(t, seeded, POSTS_PER_CHANNEL);
  } finally {
    await t.close();
    await free.close();
  }

  const limitedSandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0, limitsEnabled: true });
  const lt = await startTestApp({ sandbox: limitedSandbox, env: { ROLE: 'all' } });
  let limited: { firstToLast: number; total: number };
  let throttled = 0;
  try {
    const seeded = await seed(lt, limitedSandbox, 1, LIMITED_CHANNELS);
    limited = await sendAll(lt, seeded, LIMITED_POSTS_PER_CHANNEL);
    const stats = (await (await fetch(`${limitedSandbox.httpUrl}/sandbox/bots/${seeded[0].botId}/stats`)).json()) as {
      throttled: number;
    };
    throttled = stats.throttled;
  } finally {
    await lt.close();
    await limitedSandbox.close();
  }
  // The first 30 may go at once (a full window); the rate is what follows them.
  const steady = (limited.total - ALLOWED_PER_SECOND) / limited.firstToLast;

  return [
    ratioRow(
      `sending, sandbox limits off, ${BOTS} bots × ${CHANNELS_PER_BOT} channels vs raw BullMQ no-op jobs`,
      unlimited.total / unlimited.seconds,
      baseline,
      'posts/s',
      { min: 0.5, text: '≥ 0.5×' },
      `${unlimited.total} posts; our own Telegram limiter still spaces each chat 1/s`,
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
