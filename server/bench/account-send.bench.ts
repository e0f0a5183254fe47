/**
 * Sending a message as the tenant's account through the HTTP API (JWT, idempotency row in Postgres,
 * the call to whoever holds the session, pooled gramjs client, the answer recorded) against plain
 * gramjs invoking the same messages.sendMessage against the same sandbox, alternating in the same run.
 * Two topologies, one after the other: one process running both roles (`ROLE=all`: the API holds the
 * session and sends directly), and the default deployment's split (`ROLE=api` and `ROLE=worker`: the
 * call crosses Redis to the worker holding the session). Both apps of the split run in this process.
 * Reference rows show the floor under any such API: an empty HTTP round trip and one durable commit
 * added to plain gramjs; on Nest (Express, the app's platform, and Fastify) an empty route and one query round trip;
 * and, under any implementation at all, a node:http round trip with no framework and one query round trip.
 */
import * as http from 'node:http';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { Api } from 'telegram';
import { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { returnBigInt } from 'telegram/Helpers';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { BenchRow, ratioRow } from './lib/report';
import {
  API_HASH,
  API_ID,
  BenchApp,
  BenchWorld,
  median,
  seedTenants,
  signInAccounts,
  startBenchApp,
  startBenchWorld,
} from './mtproto-setup';
import { present } from '../test/helpers/present';

const SENDS = 100;
const WARM_UP = 5;

type Timed = () => Promise<number>;

/** `SENDS` of each, alternating, after `WARM_UP` unmeasured rounds (opening the pooled client, resolving the peer, JIT). */
async function alternate(ours: Timed, plain: Timed): Promise<{ ours: number; plain: number }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < WARM_UP; i++) {
    await ours();
    await plain();
  }
  for (let i = 0; i < SENDS; i++) {
    a.push(await ours());
    b.push(await plain());
  }
  return { ours: median(a), plain: median(b) };
}

/** Alternating rounds of several timed calls after `WARM_UP` unmeasured ones; the median of each. */
async function medians(calls: Timed[]): Promise<number[]> {
  const times: number[][] = calls.map(() => []);
  for (let i = 0; i < WARM_UP + SENDS; i++) {
    for (const [k, call] of calls.entries()) {
      const ms = await call();
      if (i >= WARM_UP) times[k]?.push(ms);
    }
  }
  return times.map(median);
}

/** One statement on the app's pool, timed. */
const timedQuery =
  (ds: DataSource, sql: string): Timed =>
  async () => {
    const t0 = performance.now();
    await ds.query(sql);
    return performance.now() - t0;
  };

/** A reference row: the sum of the parts' medians (the last part plain gramjs), against plain gramjs. */
async function floorOf(name: string, parts: [string, Timed][], plain: Timed, note: string): Promise<BenchRow> {
  const ms = await medians([...parts.map(([, call]) => call), plain]);
  const plainMs = ms[parts.length] ?? NaN;
  const value = ms.reduce((sum, m) => sum + m, 0);
  const each = parts.map(([label], i) => `${label} ${(ms[i] ?? NaN).toFixed(2)} ms`).join(' + ');
  return {
    name,
    value,
    baseline: plainMs,
    ratio: value / plainMs,
    unit: 'ms',
    notes: `reference, no goal: ${each} + plain gramjs ${plainMs.toFixed(2)} ms; ${note}`,
  };
}

/** A POST with the send's body through fetch, as the API side of the comparison is called. */
const post =
  (url: string): Timed =>
  async () => {
    const t0 = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ peer: '@someone', text: 'floor', idempotency_key: 'floor' }),
    });
    await res.json();
    return performance.now() - t0;
  };

/** A node:http server that answers every request at once: an HTTP round trip with no framework and no work. */
async function emptyServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.on('error', () => res.destroy());
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What any HTTP API that keeps its answer durably adds to the call, whatever its code: the same fetch to a
 * node:http handler that answers at once, and one durable commit (a transaction id taken and committed, which
 * waits for the WAL flush) on the app's pool. Measured alternating with plain gramjs; reported against it.
 */
async function floorRow(app: BenchApp, plain: Timed): Promise<BenchRow> {
  const server = await emptyServer();
  // A transaction id taken and committed waits for the WAL flush.
  const durableCommit = timedQuery(app.app.get(DataSource), 'SELECT txid_current()');
  try {
    return await floorOf(
      'floor: empty HTTP round trip + one durable commit + plain gramjs (medians)',
      [
        ['HTTP', post(`http://127.0.0.1:${server.port}/`)],
        ['durable commit', durableCommit],
      ],
      plain,
      "what the send's goal leaves for everything else",
    );
  } finally {
    await server.close();
  }
}

/**
 * The least any HTTP API with the send's contract can cost, framework or not: a round trip to a node:http
 * handler that answers at once, through the cheapest client, and one round trip to a store (`SELECT 1`, nothing
 * written). The contract needs at least one store round trip before the send (the idempotency key looked up so a
 * repeated key returns the stored answer; the tenant's rate limit; the audit), so no implementation, on any
 * framework or none, can come under this row's figure on this machine.
 */
async function leastRow(app: BenchApp, plain: Timed): Promise<BenchRow> {
  const server = await emptyServer();
  const client = keepAlivePost(server.port, '/');
  try {
    return await floorOf(
      'floor of any implementation: node:http round trip, no framework + one query round trip + plain gramjs (medians)',
      [
        ['empty node:http round trip', client.call],
        ['SELECT 1', timedQuery(app.app.get(DataSource), 'SELECT 1')],
      ],
      plain,
      'no framework, nothing durable, no auth, no rate limit; keep-alive node:http client',
    );
  } finally {
    client.close();
    await server.close();
  }
}

/**
 * The same POST through a keep-alive node:http agent, the cheapest client Node has: a floor measured with it
 * cannot be blamed on the client.
 */
function keepAlivePost(port: number, path: string): { call: Timed; close: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ peer: '@someone', text: 'floor', idempotency_key: 'floor' });
  const call: Timed = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.on('error', reject);
          res.resume();
          res.on('end', () => resolve(performance.now() - t0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

/** A Nest route that answers at once, with nothing of the app's pipeline. */
@Controller('api/user-mtproto')
class EmptySendController {
  @Post('messages')
  @HttpCode(200)
  send(@Body() _body: unknown): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [EmptySendController] })
class EmptySendModule {}

/**
 * The floor on Nest, without durability: an empty Nest route (no guard, pipe, rate limit or audit) called
 * through the cheapest client, and one query round trip (`SELECT 1`, nothing written) added to plain gramjs; on
 * the app's platform (Express) and on the other one Nest offers (Fastify). The send's contract needs more than
 * this (a JWT check, the tenant's rate limit, the idempotency row, the answer recorded), so a figure above the
 * goal on both puts the goal out of reach of any implementation on Nest on this machine.
 */
async function nestFloorRow(app: BenchApp, plain: Timed, platform: 'express' | 'fastify'): Promise<BenchRow> {
  const empty =
    platform === 'express'
      ? await NestFactory.create(EmptySendModule, { logger: false })
      : await NestFactory.create(EmptySendModule, new FastifyAdapter(), { logger: false });
  await empty.listen(0, '127.0.0.1');
  const { port } = (empty.getHttpServer() as http.Server).address() as AddressInfo;
  const client = keepAlivePost(port, '/api/user-mtproto/messages');
  try {
    return await floorOf(
      platform === 'express'
        ? 'floor on Nest: empty Nest route + one query round trip + plain gramjs (medians)'
        : 'floor on Nest with Fastify: empty Nest route + one query round trip + plain gramjs (medians)',
      [
        [`empty Nest route (${platform})`, client.call],
        ['SELECT 1', timedQuery(app.app.get(DataSource), 'SELECT 1')],
      ],
      plain,
      'nothing durable, no auth, no rate limit; keep-alive node:http client',
    );
  } finally {
    client.close();
    await empty.close();
  }
}

export default async function accountSendBench(): Promise<BenchRow[]> {
  const world: BenchWorld = await startBenchWorld();
  const apps: BenchApp[] = [];
  const start = async (role: string): Promise<BenchApp> => {
    const app = await startBenchApp(world, { ROLE: role });
    apps.push(app);
    return app;
  };
  const stop = async (app: BenchApp): Promise<void> => {
    apps.splice(apps.indexOf(app), 1);
    await app.app.close();
  };
  try {
    const both = await start('all');
    const factory = both.app.get(MtprotoClientFactory);
    const accounts = await signInAccounts(world, factory, 2, 2);
    const sender = present(accounts[0], 'the sending account');
    const plainAccount = present(accounts[1], 'the plain gramjs account');
    const tenant = present((await seedTenants(both, world, [sender], 0))[0], 'the seeded tenant');
    // The comparison is about overhead, not the tenant's own throttle: give it the highest limits allowed.
    await both.app
      .get(CredentialsService)
      .setLimits(tenant.tenantId, { rateLimitRps: 1000, maxConcurrentRequests: 100 }, systemActor());
    // Telegram's per-minute send budget is not what is compared either.
    for (const a of [sender, plainAccount]) world.sandbox.world.setSendsPerMinute(a.userId, 100_000);
    const username = `benchto${Date.now() % 1e8}`;
    world.sandbox.world.createUser({
      phone: `18${String(Date.now() % 1e9).padStart(9, '0')}`,
      firstName: 'To',
      username,
    });

    let n = 0;
    const viaApi =
      (url: string): Timed =>
      async () => {
        const t0 = performance.now();
        const res = await fetch(`${url}/api/user-mtproto/messages`, {
          method: 'POST',
          headers: { ...tenant.headers, 'content-type': 'application/json' },
          body: JSON.stringify({ peer: `@${username}`, text: `api ${n}`, idempotency_key: `bench-${n++}` }),
        });
        if (res.status !== 200) throw new Error(`send answered ${res.status}: ${await res.text()}`);
        await res.json();
        return performance.now() - t0;
      };

    const client = await factory.createClient({ apiId: API_ID, apiHash: API_HASH, session: plainAccount.session });
    await client.connect();
    const rows: BenchRow[] = [];
    try {
      const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username }));
      const user = present(
        resolved.users.find((u): u is Api.User => u instanceof Api.User),
        'the resolved recipient',
      );
      const peer = new Api.InputPeerUser({ userId: user.id, accessHash: present(user.accessHash, 'an access hash') });
      const viaGram: Timed = async () => {
        const t0 = performance.now();
        await client.invoke(
          new Api.messages.SendMessage({
            peer,
            message: `plain ${n++}`,
            randomId: returnBigInt(randomBytes(8).readBigInt64LE().toString()),
          }),
        );
        return performance.now() - t0;
      };
      const notes = (topology: string): string =>
        `${topology}; ${SENDS} sends each, alternating, after ${WARM_UP} warm-ups; ours: HTTP + idempotency row + ` +
        `call to the session holder + messages.sendMessage + answer recorded and audited; tenant limits 1000 rps / 100 concurrent`;
      const goal = { max: 1.5, text: '<= 1.5x plain gramjs' };

      const one = await alternate(viaApi(both.url), viaGram);
      rows.push(
        ratioRow(
          'send as the account, api+worker in one process (median)',
          one.ours,
          one.plain,
          'ms',
          goal,
          notes('ROLE=all: the API process holds the session and sends directly'),
        ),
      );
      rows.push(await floorRow(both, viaGram));
      rows.push(await leastRow(both, viaGram));
      rows.push(await nestFloorRow(both, viaGram, 'express'));
      rows.push(await nestFloorRow(both, viaGram, 'fastify'));
      // The split: the session moves to the worker app (the first call reaches it through the shared list).
      await stop(both);
      await start('worker');
      const api = await start('api');
      const split = await alternate(viaApi(api.url), viaGram);
      rows.push(
        ratioRow(
          'send as the account, api and worker split (median)',
          split.ours,
          split.plain,
          'ms',
          goal,
          notes('ROLE=api + ROLE=worker (the default deployment): the call crosses Redis to the worker'),
        ),
      );
    } finally {
      await factory.destroyClient(client);
    }
    return rows;
  } finally {
    for (const app of [...apps].reverse()) await app.app.close();
    await world.close();
  }
}
