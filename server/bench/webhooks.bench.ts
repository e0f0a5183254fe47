/**
 * Webhook delivery, in one app (role all, real Postgres and Redis, loopback endpoints):
 *
 * (a) End to end: 100 tenants with a bot and an endpoint each; after a warm-up (one update per tenant,
 *     then 1 s at the rate, all delivered before the run starts, so the run measures the warm app and
 *     not its first lookups, connections and compilations), bot updates are POSTed to the product's Telegram webhook route at 500
 *     updates/s (open loop) for 10 s, and each update's latency runs from that POST to its signed
 *     delivery reaching the tenant's endpoint (ingestion, bot-updates queue, event, dispatch,
 *     delivery). p50/p99, the slowest half second's p99, and how many never arrived.
 * (b) Throughput: events recorded for the 100 tenants and delivered to their endpoints, against raw
 *     BullMQ no-op jobs (same Redis, same concurrency) in the same run.
 * Each row notes the machine's 1-minute load average before and after its phase: the machine may be shared.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { EventType } from '../src/modules/events/event-types';
import { EventsService } from '../src/modules/events/events.service';
import { QueueName } from '../src/modules/queue/queue-names';
import { redisConnectionOptions } from '../src/modules/redis/redis-connection';
import { User, UserRole } from '../src/modules/tenants/user.entity';
import { WebhooksService } from '../src/modules/webhooks/webhooks.service';
import { startTestApp, type TestApp } from '../test/helpers/test-app';
import { TEST_REDIS_URL, uniqueRedisPrefix } from '../test/helpers/test-database';
import { type BenchRow, ratioRow } from './lib/report';

const TENANTS = 100;
const RATE = 500;
const SECONDS = 10;
const DRAIN_MS = 30_000;
const THROUGHPUT_EVENTS = 5_000;
const CONCURRENCY = 64;
const SECRET = 'bench-webhook-secret-0123456789';
const BOT_BASE = 20_000;
const WARM_UP_BASE = 500_000;
const WARM_UP_SECONDS = 1;
const RUN_BASE = 1_000_000;
const WINDOW_MS = 500;

/** The 1-minute load average and the CPUs, for the notes. */
const load = (): string => `${os.loadavg()[0]?.toFixed(2)} on ${os.cpus().length} CPUs`;

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

/** The tenants' endpoints: one loopback server, a path per tenant; calls `onEvent` with each delivered event. */
async function receiver(onEvent: (event: { type: string; data: Record<string, any> }) => void): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end();
      onEvent(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function tenantsWithEndpoints(t: TestApp, url: string): Promise<string[]> {
  const users = await t.app
    .get(DataSource)
    .getRepository(User)
    .save(Array.from({ length: TENANTS }, (_, i) => ({ email: `wh-bench-${i}@example.test`, role: UserRole.Tenant })));
  const credentials = t.app.get(CredentialsService);
  const webhooks = t.app.get(WebhooksService);
  for (const [i, u] of users.entries()) {
    await credentials.update(
      u.id,
      {
        botToken: `${BOT_BASE + i}:${'W'.repeat(35)}`,
        botId: String(BOT_BASE + i),
        botUsername: `whbench${i}_bot`,
        isBotVerified: true,
        webhookSecret: SECRET,
      },
      systemActor(),
    );
    await webhooks.create(u.id, { url: `${url}/t/${i}` }, systemActor());
  }
  return users.map((u) => u.id);
}

const updateBody = (updateId: number): string =>
  JSON.stringify({
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_700_000_000,
      chat: { id: 42, type: 'private', first_name: 'Bench' },
      from: { id: 42, is_bot: false, first_name: 'Bench' },
      text: `hello ${updateId}`,
    },
  });

/** Updates sent in one phase: when each was sent, and how many the webhook route refused. */
interface Phase {
  sentAt: Map<number, number>;
  refused: number;
}

const newPhase = (): Phase => ({ sentAt: new Map(), refused: 0 });

/** POSTs bot updates to the product's webhook route over one set of keep-alive connections. */
function poster(t: TestApp): { post(phase: Phase, updateId: number, bot: number): Promise<void>; close(): void } {
  const target = new URL(t.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (phase: Phase, updateId: number, bot: number): Promise<void> =>
    new Promise((resolve) => {
      const body = updateBody(updateId);
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `/telegram/webhook/${bot}`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-telegram-bot-api-secret-token': SECRET,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 300) phase.refused++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        phase.refused++;
        resolve();
      });
      phase.sentAt.set(updateId, performance.now());
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

type Poster = ReturnType<typeof poster>;

/** Open loop: RATE updates/s for `seconds`, round-robin over the tenants' bots; answers when it started. */
async function openLoop(p: Poster, phase: Phase, firstId: number, seconds: number): Promise<number> {
  const total = RATE * seconds;
  const tickMs = 10;
  const perTick = (RATE * tickMs) / 1000;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total;) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE) + perTick);
    for (; i < due; i++) inFlight.push(p.post(phase, firstId + i, BOT_BASE + (i % TENANTS)));
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inFlight);
  return started;
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Waits until every update of the phase the route took has arrived (or DRAIN_MS). */
const drained = (phase: Phase, arrivals: Map<number, number>): Promise<void> =>
  until(
    () => [...phase.sentAt.keys()].filter((id) => arrivals.has(id)).length >= phase.sentAt.size - phase.refused,
    DRAIN_MS,
  );

/**
 * The warm-up: one update per tenant, then WARM_UP_SECONDS at the rate, all delivered before the
 * measured run starts; answers the slowest, in ms.
 */
async function warmUp(p: Poster, arrivals: Map<number, number>): Promise<number> {
  const phase = newPhase();
  await Promise.all(Array.from({ length: TENANTS }, (_, i) => p.post(phase, WARM_UP_BASE + i, BOT_BASE + i)));
  await openLoop(p, phase, WARM_UP_BASE + TENANTS, WARM_UP_SECONDS);
  await drained(phase, arrivals);
  return Math.max(...[...phase.sentAt].map(([id, at]) => (arrivals.get(id) ?? Number.POSITIVE_INFINITY) - at));
}

interface EndToEnd {
  sent: number;
  refused: number;
  latencies: number[];
  lost: number;
  /** The slowest half second of sending: its p99, and when it started (s into the run). */
  worstWindow: { p99: number; at: number };
  /** CPU time of this process (the app, the senders and the endpoint) per update sent, in ms: all, in the kernel. */
  cpuMsPerUpdate: { total: number; system: number };
}

/** (a) RATE updates/s for SECONDS, after the warm-up, on its connections. */
async function endToEnd(p: Poster, arrivals: Map<number, number>): Promise<EndToEnd> {
  const phase = newPhase();
  const cpuBefore = process.cpuUsage();
  const started = await openLoop(p, phase, RUN_BASE, SECONDS);
  await drained(phase, arrivals);
  const latencies: number[] = [];
  const windows = new Map<number, number[]>();
  for (const [id, at] of phase.sentAt) {
    const arrived = arrivals.get(id);
    if (arrived === undefined) continue;
    latencies.push(arrived - at);
    const w = Math.floor((at - started) / WINDOW_MS);
    windows.set(w, [...(windows.get(w) ?? []), arrived - at]);
  }
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  let worstWindow = { p99: Number.NaN, at: 0 };
  for (const [w, list] of windows) {
    const p99 = percentile(
      list.sort((a, b) => a - b),
      0.99,
    );
    if (!(p99 <= worstWindow.p99)) worstWindow = { p99, at: (w * WINDOW_MS) / 1000 };
  }
  return {
    sent: phase.sentAt.size,
    refused: phase.refused,
    latencies,
    lost: phase.sentAt.size - phase.refused - latencies.length,
    worstWindow,
    cpuMsPerUpdate: {
      total: (cpu.user + cpu.system) / 1000 / phase.sentAt.size,
      system: cpu.system / 1000 / phase.sentAt.size,
    },
  };
}

/** (b) Events recorded for the tenants and delivered, timed from the first record to the last arrival. */
async function deliveryThroughput(t: TestApp, tenants: string[], delivered: () => number): Promise<number> {
  const events = t.app.get(EventsService);
  const start = delivered();
  const started = performance.now();
  const perTenant = THROUGHPUT_EVENTS / tenants.length;
  await Promise.all(
    tenants.map(async (tenantId) => {
      for (let i = 0; i < perTenant; i += 10) {
        await events.emitMany(
          tenantId,
          Array.from({ length: 10 }, (_, k) => ({
            type: EventType.PostSent,
            data: { post_id: `p${i + k}`, channel_id: 'bench', message_id: i + k },
          })),
        );
      }
    }),
  );
  const deadline = Date.now() + 120_000;
  while (delivered() - start < THROUGHPUT_EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return (delivered() - start) / ((performance.now() - started) / 1000);
}

/** Raw BullMQ: the same number of no-op jobs through a queue and a worker of the same concurrency. */
async function rawBullmq(): Promise<number> {
  const connection = redisConnectionOptions(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `${uniqueRedisPrefix()}:bull`;
  const queue = new Queue('bench-noop', { connection, prefix });
  let done = 0;
  const worker = new Worker('bench-noop', () => Promise.resolve(), {
    connection,
    prefix,
    concurrency: CONCURRENCY,
    removeOnComplete: { count: 0 },
  });
  try {
    await worker.waitUntilReady();
    const finished = new Promise<void>((resolve) =>
      worker.on('completed', () => {
        if (++done === THROUGHPUT_EVENTS) resolve();
      }),
    );
    const started = performance.now();
    for (let i = 0; i < THROUGHPUT_EVENTS; i += 500) {
      await queue.addBulk(Array.from({ length: 500 }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
    }
    await finished;
    return THROUGHPUT_EVENTS / ((performance.now() - started) / 1000);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

export default async function webhooksBench(): Promise<BenchRow[]> {
  const arrivals = new Map<number, number>();
  let delivered = 0;
  const endpoint = await receiver((event) => {
    delivered++;
    const updateId = event.data?.update?.update_id as number | undefined;
    if (typeof updateId === 'number' && !arrivals.has(updateId)) arrivals.set(updateId, performance.now());
  });
  const t = await startTestApp({
    env: {
      TELEGRAM_MODE: 'real',
      SYSTEM_BOT_TOKEN: '',
      TELEGRAM_BOT_API_URL: 'http://127.0.0.1:9',
      WEBHOOK_DELIVERY_CONCURRENCY: String(CONCURRENCY),
    },
  });
  try {
    const tenants = await tenantsWithEndpoints(t, endpoint.url);
    const p = poster(t);
    const warmUpMs = await warmUp(p, arrivals);
    const e2eLoad = load();
    const e2e = await endToEnd(p, arrivals).finally(() => p.close());
    const e2eLoadAfter = load();
    const ours = await deliveryThroughput(t, tenants, () => delivered);
    const raw = await rawBullmq();
    const throughputLoad = `load ${e2eLoadAfter} before, ${load()} after`;
    const p50 = percentile(e2e.latencies, 0.5);
    const p99 = percentile(e2e.latencies, 0.99);
    return [
      {
        name: `bot update → tenant endpoint p50 (${TENANTS} tenants, ${RATE} updates/s, ${SECONDS} s)`,
        value: p50,
        unit: 'ms',
      },
      {
        name: `bot update → tenant endpoint p99 (${TENANTS} tenants, ${RATE} updates/s, ${SECONDS} s)`,
        value: p99,
        unit: 'ms',
        goal: '≤ 100 ms',
        met: p99 <= 100,
        notes:
          `${e2e.sent} updates sent, ${e2e.refused} refused by the webhook route; slowest half second p99 ` +
          `${e2e.worstWindow.p99.toFixed(0)} ms (at ${e2e.worstWindow.at} s); warm-up (one update per tenant, ` +
          `then ${WARM_UP_SECONDS} s at the rate) slowest ${warmUpMs.toFixed(0)} ms; ` +
          `${e2e.cpuMsPerUpdate.total.toFixed(2)} ms CPU per update in the bench process (app, senders, endpoint; ` +
          `${e2e.cpuMsPerUpdate.system.toFixed(2)} ms of it in the kernel); load ${e2eLoad} before, ${e2eLoadAfter} after`,
      },
      {
        name: 'bot updates never delivered',
        value: e2e.lost,
        unit: 'updates',
        goal: '0',
        met: e2e.lost === 0 && e2e.refused === 0,
        notes: `waited up to ${DRAIN_MS / 1000} s after the last update`,
      },
      ratioRow(
        `webhook deliveries (${THROUGHPUT_EVENTS} events, ${TENANTS} tenants) vs raw BullMQ no-op jobs`,
        ours,
        raw,
        'jobs/s',
        { min: 0.5, text: '≥ 0.5×' },
        `concurrency ${CONCURRENCY} both; deliveries include recording, dispatch, signing, the POST and its record; ${throughputLoad}`,
      ),
    ];
  } finally {
    for (const name of [QueueName.BotUpdates, QueueName.WebhookDispatch, QueueName.WebhookDelivery]) {
      await t.app.get<Queue>(getQueueToken(name)).obliterate({ force: true });
    }
    await t.close();
    await endpoint.close();
  }
}
