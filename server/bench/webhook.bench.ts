/**
 * Webhook ingestion: the product's route with 1,000 registered tenant bots
 * (through the app's router with its request log, metrics, guards, pipes and
 * filter; then the secret check, duplicate check, queueing) against a bare
 * telegraf `webhookCallback` on node:http serving one bot, in the same run with
 * the same load generator. Updates are only ingested here (api role); handling
 * them is a worker's job and not part of this figure.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bullmq';
import { Body, Controller, Headers, HttpCode, type INestApplication, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { Telegraf } from 'telegraf';
import { DataSource } from 'typeorm';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { WebhookIngestService } from '../src/modules/bot/webhook-ingest.service';
import { WebhookController } from '../src/modules/bot/webhook.controller';
import { systemActor } from '../src/modules/audit/audit-actions';
import { QueueName } from '../src/modules/queue/queue-names';
import { User, UserRole } from '../src/modules/tenants/user.entity';
import { redisClientToken, RedisClientName } from '../src/modules/redis/redis-client-name';
import type { RedisClient } from '../src/modules/redis/redis-connection';
import { startTestApp } from '../test/helpers/test-app';
import { BenchRow, ratioRow } from './lib/report';
import { present } from '../test/helpers/present';

const BOTS = 1000;
const REQUESTS = 20_000;
const SECONDS = 10;
const CONCURRENCY = 32;
const ROUNDS = 5;
const SECRET = 'bench-webhook-secret-0123456789';

const update = (i: number): string =>
  JSON.stringify({
    update_id: 1_000_000 + i,
    message: {
      message_id: i + 1,
      date: 1_700_000_000,
      chat: { id: 42, type: 'private', first_name: 'Bench' },
      from: { id: 42, is_bot: false, first_name: 'Bench' },
      text: `hello ${i}`,
    },
  });

/**
 * One load generator for both sides: the closed-loop keep-alive loop of
 * lib/http-load, with the path chosen per request (the product spreads its
 * load over 1,000 bots' paths; the bare side has one).
 */
async function load(
  base: string,
  path: (i: number) => string,
  offset: number,
  requests: number,
): Promise<{ perSecond: number; p99ms: number; failed: number }> {
  const target = new URL(base);
  if (target.hostname !== '127.0.0.1') throw new Error('Benchmarks only send traffic to loopback.');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const body = update(offset + i);
      const t0 = process.hrtime.bigint();
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: path(i),
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
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if ((res.statusCode ?? 500) >= 300) failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests && Date.now() < deadline) await one(next++);
    }),
  );
  agent.destroy();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: next / seconds,
    p99ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    failed,
  };
}

interface Side {
  measure(round: number): Promise<{ perSecond: number; p99ms: number }>;
  close(): Promise<void>;
}

async function bareTelegraf(): Promise<Side> {
  const bot = new Telegraf(`1:${'A'.repeat(35)}`, { telegram: { apiRoot: 'http://127.0.0.1:9', webhookReply: false } });
  bot.botInfo = {
    id: 1,
    is_bot: true,
    first_name: 'bench',
    username: 'bench_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
  bot.on('message', () => undefined);
  const callback = bot.webhookCallback('/hook', { secretToken: SECRET });
  const server = http.createServer((req, res) => void callback(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    measure: async (round) => {
      const result = await load(`http://127.0.0.1:${port}`, () => '/hook', round * 10_000_000, REQUESTS);
      if (result.failed > 0) throw new Error(`bare telegraf: ${result.failed} failed requests`);
      return result;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function product(): Promise<Side & { ingest: WebhookIngestService; redis: RedisClient }> {
  const t = await startTestApp({ env: { ROLE: 'api', TELEGRAM_MODE: 'real', SYSTEM_BOT_TOKEN: '' } });
  const ds = t.app.get(DataSource);
  const credentials = t.app.get(CredentialsService);
  const users = await ds
    .getRepository(User)
    .save(Array.from({ length: BOTS }, (_, i) => ({ email: `bench-${i}@example.test`, role: UserRole.Tenant })));
  for (const [i, u] of users.entries()) {
    await credentials.update(
      u.id,
      {
        botToken: `${10_000 + i}:${'B'.repeat(35)}`,
        botId: String(10_000 + i),
        botUsername: `bench${i}_bot`,
        isBotVerified: true,
        webhookSecret: SECRET,
      },
      systemActor(),
    );
  }
  // Request i goes to bot (i mod 1,000); a first pass warms every bot's cached lookups.
  const perBot = (offset: number, requests: number) =>
    load(t.url, (i) => `/telegram/webhook/${10_000 + (i % BOTS)}`, offset, requests);
  await perBot(0, BOTS);
  return {
    ingest: t.app.get(WebhookIngestService),
    redis: t.app.get<RedisClient>(redisClientToken(RedisClientName.Commands)),
    measure: async (round) => {
      const result = await perBot((round + 1) * 10_000_000, REQUESTS);
      if (result.failed > 0) throw new Error(`product: ${result.failed} failed requests`);
      return result;
    },
    close: async () => {
      await t.app.get<Queue>(getQueueToken(QueueName.BotUpdates)).obliterate({ force: true });
      await t.close();
    },
  };
}

/**
 * A server under the product's load: requests spread over the 1,000 bots' paths, with update ids of their own
 * (`block` keeps each server's ids apart from the others').
 */
function spreadOverBots(port: number, block: number, label: string, close: () => Promise<void>): Side {
  return {
    measure: async (round) => {
      const result = await load(
        `http://127.0.0.1:${port}`,
        (i) => `/telegram/webhook/${10_000 + (i % BOTS)}`,
        (round + block) * 10_000_000,
        REQUESTS,
      );
      if (result.failed > 0) throw new Error(`${label}: ${result.failed} failed requests`);
      return result;
    },
    close,
  };
}

/**
 * The ceiling of any webhook route through Nest's router: a controller that answers `{ok: true}` and does
 * nothing else (no secret check, no duplicate check, no queue, no global pipes, guards, filters or
 * middleware), on each platform Nest offers. Whatever the product adds to it can only lower the figure.
 */
@Controller('telegram')
class EmptyWebhookController {
  @Post('webhook/:bot_id')
  @HttpCode(200)
  hook(
    @Param('bot_id') _botId: string,
    @Headers('x-telegram-bot-api-secret-token') _secret: string | undefined,
    @Body() _update: unknown,
  ): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [EmptyWebhookController] })
class EmptyWebhookModule {}

async function emptyNestRoute(platform: 'express' | 'fastify'): Promise<Side> {
  const app: INestApplication =
    platform === 'express'
      ? await NestFactory.create(EmptyWebhookModule, { logger: false })
      : await NestFactory.create(EmptyWebhookModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as http.Server).address() as AddressInfo;
  return spreadOverBots(port, 20, `empty Nest route on ${platform}`, () => app.close());
}

/**
 * The product's own `WebhookController` and `WebhookIngestService` (per-bot secret, update shape, once per update_id,
 * queued before the 200: the very service of the product's app above) on a Nest app on Fastify, with nothing else:
 * no global filter, guards, pipes, request log or metrics. What the app's global pipeline costs the route is the gap
 * between this row and the product's.
 */
async function ingestOnFastify(ingest: WebhookIngestService): Promise<Side> {
  @Module({ controllers: [WebhookController], providers: [{ provide: WebhookIngestService, useValue: ingest }] })
  class IngestingWebhookModule {}
  const app = await NestFactory.create(IngestingWebhookModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as http.Server).address() as AddressInfo;
  return spreadOverBots(port, 60, `ingestion on a Fastify route`, () => app.close());
}

/**
 * Under Nest's router on Fastify lies Fastify's own: a route registered on the Fastify instance itself (no Nest),
 * answering `{ok: true}` after Fastify has parsed the body. What the router alone costs, with nothing of Nest.
 */
async function plainFastifyRoute(): Promise<Side> {
  const fastify = new FastifyAdapter().getInstance();
  fastify.post('/telegram/webhook/:bot_id', (_request, reply) => reply.send({ ok: true }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fastify.server.address() as AddressInfo;
  return spreadOverBots(port, 40, `plain Fastify route`, () => fastify.close());
}

/**
 * The floor of any webhook ingestion through a router on this machine: a plain Fastify route (no Nest, no request
 * log, metrics, guards, pipes or filter; no secret check) that answers once the update has been to Redis, the least
 * "queued before the 200" takes: the updates of one event-loop turn share a single round trip (one SET NX per
 * update), as the product's ingestion batches them. Whatever a real route adds can only lower it.
 */
async function floorOfARoutedIngestion(redis: RedisClient, prefix: string): Promise<Side> {
  const fastify = new FastifyAdapter().getInstance();
  let batch: { key: string; done: () => void }[] = [];
  const flush = async (): Promise<void> => {
    const now = batch;
    batch = [];
    const pipeline = redis.pipeline();
    for (const p of now) pipeline.set(p.key, '1', 'EX', 60, 'NX');
    await pipeline.exec();
    for (const p of now) p.done();
  };
  fastify.post<{ Params: { bot_id: string }; Body: { update_id: number } }>(
    '/telegram/webhook/:bot_id',
    async (request) => {
      await new Promise<void>((done) => {
        if (batch.length === 0) setImmediate(() => void flush());
        batch.push({ key: `${prefix}:floor:${request.params.bot_id}:${request.body.update_id}`, done });
      });
      return { ok: true };
    },
  );
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fastify.server.address() as AddressInfo;
  return spreadOverBots(port, 100, `the floor of a routed ingestion`, () => fastify.close());
}

const median = (xs: number[]): number =>
  present([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)], 'a value to take the median of');

interface Measured {
  baseline: number;
  ours: { perSecond: number; p99: number };
  references: { express: number; fastify: number; plainFastify: number; ingestOnFastify: number; floor: number };
}

/**
 * Every server up at once, measured in alternating rounds so all see the same machine; medians reported.
 * The empty Nest routes only bound what a routed webhook could reach; they are not the product.
 */
async function measureAll(): Promise<Measured> {
  const bare = await bareTelegraf();
  const ours = await product();
  const express = await emptyNestRoute('express');
  const fastify = await emptyNestRoute('fastify');
  const plain = await plainFastifyRoute();
  const routed = await ingestOnFastify(ours.ingest);
  const floor = await floorOfARoutedIngestion(ours.redis, `bench-floor-${process.pid}`);
  try {
    const b: number[] = [];
    const o: { perSecond: number; p99ms: number }[] = [];
    const e: number[] = [];
    const f: number[] = [];
    const p: number[] = [];
    const r: number[] = [];
    const l: number[] = [];
    await express.measure(-1);
    await fastify.measure(-1);
    await plain.measure(-1);
    await routed.measure(-1);
    await floor.measure(-1);
    for (let round = 0; round < ROUNDS; round++) {
      b.push((await bare.measure(round)).perSecond);
      o.push(await ours.measure(round));
      e.push((await express.measure(round)).perSecond);
      f.push((await fastify.measure(round)).perSecond);
      p.push((await plain.measure(round)).perSecond);
      r.push((await routed.measure(round)).perSecond);
      l.push((await floor.measure(round)).perSecond);
    }
    const mid = median(o.map((r) => r.perSecond));
    return {
      baseline: median(b),
      ours: { perSecond: mid, p99: o.find((r) => r.perSecond === mid)?.p99ms ?? 0 },
      references: {
        express: median(e),
        fastify: median(f),
        plainFastify: median(p),
        ingestOnFastify: median(r),
        floor: median(l),
      },
    };
  } finally {
    await bare.close();
    await ours.close();
    await express.close();
    await fastify.close();
    await plain.close();
    await routed.close();
    await floor.close();
  }
}

export default async function webhookBench(): Promise<BenchRow[]> {
  const { baseline, ours, references } = await measureAll();
  const reference = (name: string, perSecond: number, what: string): BenchRow => ({
    name: `${name} vs bare telegraf`,
    value: perSecond,
    baseline,
    ratio: perSecond / baseline,
    unit: 'updates/s',
    notes: `reference, no goal: ${what}, same load`,
  });
  const emptyRoute =
    'answers {ok: true} and does nothing else (no checks, no queue, no pipes, guards, filters or middleware); ' +
    "what any webhook route through Nest's router can reach at most";
  return [
    ratioRow(
      'webhook ingestion: 1,000 tenant bots vs bare telegraf webhookCallback (1 bot)',
      ours.perSecond,
      baseline,
      'updates/s',
      { min: 0.8, text: '≥ 0.8×' },
      `product p99 ${ours.p99.toFixed(1)} ms; WebhookController through the app's router on Fastify (request ` +
        `log, metrics, guards, pipes, filter); ${CONCURRENCY} keep-alive connections, loopback, same process`,
    ),
    reference(
      'ceiling: an empty Nest controller route on Express (@nestjs/platform-express)',
      references.express,
      emptyRoute,
    ),
    reference(
      "ceiling: an empty Nest controller route on Fastify (the app's platform)",
      references.fastify,
      emptyRoute,
    ),
    reference(
      "ceiling: a plain Fastify route (Fastify's router, no Nest)",
      references.plainFastify,
      "a route on the Fastify instance itself, answering {ok: true} after Fastify's body parsing; what Nest's " +
        'router on Fastify stands on',
    ),
    reference(
      "ceiling: the product's ingestion behind a Nest controller route on Fastify",
      references.ingestOnFastify,
      "the product's WebhookController and WebhookIngestService (secret, shape, once per update_id, queued) on " +
        "Fastify with no global filter, guards, pipes, request log or metrics; a routed webhook's best on Fastify",
    ),
    reference(
      'floor: a plain Fastify route answering after one Redis round trip per event-loop turn',
      references.floor,
      'no Nest, no pipeline, no secret check: the updates of a turn written to Redis in one pipelined round trip ' +
        '(SET NX each) before their 200s, the least a route that queues before answering does; what any routed ' +
        'ingestion on this machine can reach at most',
    ),
  ];
}
