import { createHook } from 'node:async_hooks';
import type { ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { systemActor } from '../src/modules/audit/audit-actions';
import { SystemBotToken } from '../src/modules/system-bot/system-bot-token';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { MtprotoClientPool } from '../src/modules/user-mtproto/mtproto-client.pool';
import { MtprotoRedis } from '../src/modules/user-mtproto/mtproto-redis';
import { newTenant, NewUser } from './factories/user.factory';
import type { TestApp } from './helpers/test-app';
import { control } from './sandbox/bot-helpers';
import {
  API_HASH,
  API_ID,
  channelWithPosts,
  connectAccount,
  eventually,
  leaseOwner,
  MtprotoCluster,
  newSandboxUser,
  startCluster,
  startWorkerProcess,
} from './user-mtproto-kit';
import { present } from './helpers/present';
import type { MtprotoServerStats } from '../src/sandbox/mtproto/mtproto-server';

jest.setTimeout(90000);

interface Connected {
  tenant: NewUser;
  user: { id: number; phone: string };
  channel: { id: string; sandboxId: number; username: string };
}

describe('user MTProto sessions: owners, pool, history, revocation (real gramjs against the sandbox)', () => {
  let cluster: MtprotoCluster;
  let api: TestApp;

  beforeAll(async () => {
    cluster = await startCluster();
    api = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '10' });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  async function connectedTenant(posts: string[] = ['first post'], linked = false): Promise<Connected> {
    const user = await newSandboxUser(cluster.sandbox);
    const tenant = await newTenant(api, linked ? { telegramUserId: String(user.id) } : {});
    await connectAccount(api, cluster.sandbox, tenant, user);
    const channel = await channelWithPosts(api, cluster.sandbox, tenant, user, posts);
    return { tenant, user, channel };
  }

  const history = (t: Connected, query = '') =>
    request(api.url).get(`/api/channels/${t.channel.id}/history${query}`).set(t.tenant.headers);

  /** Client sockets of this process open to the sandbox's MTProto door. */
  function mtprotoSockets(): number {
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    return handles.filter((h) => h instanceof Socket && !h.destroyed && h.remotePort === cluster.sandbox.mtprotoPort)
      .length;
  }

  async function sandboxStats(): Promise<
    Pick<MtprotoServerStats, 'connections' | 'attemptsByAuthKey' | 'connectionsByAuthKey'>
  > {
    return (await control(cluster.sandbox, 'GET', '/sandbox/mtproto/stats')).body;
  }

  /** A query in the tenant's row-level-security scope, as the app's repositories run them. */
  function asTenant(tenantId: string, sql: string, params: unknown[]): Promise<any[]> {
    return api.app.get(DataSource).transaction(async (em) => {
      await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
      return em.query<any[]>(sql, params);
    });
  }

  const leaseHolder = (tenantId: string): Promise<string | null> => leaseOwner(cluster, tenantId);

  it('answers TELEGRAM_UNAVAILABLE when no session worker answers in time', async () => {
    // An API instance with a short call timeout; the cluster closes it with the others at the end.
    const impatient = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '1' });
    const t = await connectedTenant(['nobody reads this']);
    const res = await request(impatient.url)
      .get(`/api/channels/${t.channel.id}/history`)
      .set(t.tenant.headers)
      .expect(503);
    expect(res.body.error.code).toBe('TELEGRAM_UNAVAILABLE');
  });

  describe('with one worker', () => {
    let worker: TestApp;

    beforeAll(async () => {
      worker = await cluster.start('worker');
    });

    afterAll(async () => {
      await cluster.stop(worker);
    });

    it('returns what the sandbox channel holds, newest first, paged by offset_id', async () => {
      const t = await connectedTenant(['one', 'two', 'three', 'four', 'five']);
      cluster.sandbox.world.editChannelMessage(t.channel.sandboxId, 2, 'two, edited');
      const sandboxMessages = (
        await control(cluster.sandbox, 'GET', `/sandbox/channels/${t.channel.sandboxId}/messages`)
      ).body as { message_id: number; date: number; text: string; views: number; edit_date?: number }[];

      const first = await history(t, '?limit=3').expect(200);
      expect(first.body.messages.map((m: { id: number }) => m.id)).toEqual([5, 4, 3]);
      expect(first.body.next_offset_id).toBe(3);
      const second = await history(t, '?limit=3&offset_id=3').expect(200);
      expect(second.body.messages.map((m: { id: number }) => m.id)).toEqual([2, 1]);
      expect(second.body.next_offset_id).toBeNull();

      const all = [...first.body.messages, ...second.body.messages];
      for (const m of all) {
        const s = sandboxMessages.find((x) => x.message_id === m.id)!;
        expect(m).toEqual({
          id: s.message_id,
          date: new Date(s.date * 1000).toISOString(),
          text: s.text,
          views: s.views,
          forwards: expect.any(Number),
          replies: null,
          edit_date: s.edit_date ? new Date(s.edit_date * 1000).toISOString() : null,
        });
      }
      expect(all.find((m: { id: number }) => m.id === 2).text).toBe('two, edited');

      // The access hash was cached on the channel row, with the channel's id.
      const sandboxChannel = (await control(cluster.sandbox, 'GET', `/sandbox/channels/${t.channel.sandboxId}`)).body;
      const [row] = await asTenant(
        t.tenant.user.id,
        `SELECT "access_hash", "telegram_id" FROM "channels" WHERE "id" = $1`,
        [t.channel.id],
      );
      expect(row).toEqual({ access_hash: sandboxChannel.access_hash, telegram_id: String(sandboxChannel.id) });
    });

    it("answers 404 for another tenant's channel id", async () => {
      const owner = await connectedTenant(['secret']);
      const other = await connectedTenant();
      const res = await request(api.url)
        .get(`/api/channels/${owner.channel.id}/history`)
        .set(other.tenant.headers)
        .expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });

    it('answers MTPROTO_NOT_CONFIGURED when the tenant has no verified session', async () => {
      const tenant = await newTenant(api);
      const row = await request(api.url).post('/api/channels').set(tenant.headers).send({ username: 'somechan' });
      const res = await request(api.url).get(`/api/channels/${row.body.id}/history`).set(tenant.headers).expect(409);
      expect(res.body.error.code).toBe('MTPROTO_NOT_CONFIGURED');
    });

    it('turns a long FLOOD_WAIT on a history read into 429 with retry_after', async () => {
      const t = await connectedTenant(['x']);
      await history(t).expect(200);
      await control(cluster.sandbox, 'POST', '/sandbox/faults', {
        door: 'mtproto',
        method: 'messages.getHistory',
        error: 'FLOOD_WAIT_90',
      });
      const res = await history(t).expect(429);
      expect(res.body.error).toMatchObject({ code: 'FLOOD_WAIT', retry_after: 90 });
    });

    it("applies the tenant's rate_limit_rps and max_concurrent_requests to MTProto calls", async () => {
      const t = await connectedTenant(['limited']);
      await api.app
        .get(CredentialsService)
        .setLimits(t.tenant.user.id, { rateLimitRps: 1, maxConcurrentRequests: 1 }, systemActor());
      const answers = await Promise.all(Array.from({ length: 12 }, () => history(t)));
      const ok = answers.filter((r) => r.status === 200);
      const limited = answers.filter((r) => r.status === 429);
      // One call a second, each waiting at most a few seconds: some get through, the rest are told when to retry.
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(ok.length).toBeLessThan(12);
      expect(ok.length + limited.length).toBe(12);
      for (const r of limited) {
        expect(r.body.error.code).toBe('RATE_LIMITED');
        expect(r.body.error.retry_after).toBeGreaterThanOrEqual(1);
      }
    });

    it('clears a revoked session, notifies the tenant, and never reconnects with that key', async () => {
      const t = await connectedTenant(['before revocation'], true);
      const token = await worker.app.get(SystemBotToken).token();
      const systemBot = cluster.sandbox.world.findBotByToken(token!)!;
      await control(cluster.sandbox, 'POST', `/sandbox/bots/${systemBot.id}/messages`, {
        from_phone: t.user.phone,
        text: '/start',
      });
      await history(t).expect(200);
      expect(worker.app.get(MtprotoClientPool).connectedTenants()).toContain(t.tenant.user.id);
      const status = await request(api.url).get('/api/user-mtproto/status').set(t.tenant.headers).expect(200);
      expect(status.body).toMatchObject({ verified: true, connected: true });

      const credentials = api.app.get(CredentialsService);
      credentials.forget(t.tenant.user.id);
      const session = (await credentials.get(t.tenant.user.id))!.sessionString!;
      const factory = api.app.get(MtprotoClientFactory);
      const probe = await factory.createClient({ apiId: API_ID, apiHash: API_HASH, session });
      // The session's key is read on connect; load it without connecting.
      await probe.session.load();
      const keyId = factory.authKeyId(probe)!;
      await factory.destroyClient(probe);

      await control(cluster.sandbox, 'POST', `/sandbox/users/${t.user.phone}/revoke-sessions`);
      await eventually(
        async () => {
          const s = await request(api.url).get('/api/user-mtproto/status').set(t.tenant.headers);
          return s.body.verified === false ? true : undefined;
        },
        { timeoutMs: 15000, what: 'the session to be marked not verified' },
      );
      expect(worker.app.get(MtprotoClientPool).connectedTenants()).not.toContain(t.tenant.user.id);
      credentials.forget(t.tenant.user.id);
      expect(await credentials.get(t.tenant.user.id)).toMatchObject({ sessionString: null, isMtprotoVerified: false });

      const [audit] = await asTenant(
        t.tenant.user.id,
        `SELECT "action", "meta" FROM "audit_events" WHERE "tenant_id" = $1 AND "action" = $2`,
        [t.tenant.user.id, 'mtproto.session_revoked'],
      );
      expect(audit.meta).toEqual({ reason: 'AUTH_KEY_UNREGISTERED' });

      // And the tenant's systems hear it as an event.
      const revoked = await eventually(
        async () => {
          const res = await request(api.url)
            .get('/api/events')
            .query({ types: 'mtproto.session_revoked' })
            .set(t.tenant.headers)
            .expect(200);
          return res.body.events.length > 0 ? (res.body.events as { type: string; data: unknown }[]) : undefined;
        },
        { timeoutMs: 15000, what: 'the mtproto.session_revoked event' },
      );
      expect(revoked).toEqual([
        expect.objectContaining({ type: 'mtproto.session_revoked', data: { reason: 'AUTH_KEY_UNREGISTERED' } }),
      ]);

      // The system bot told the tenant, on the Telegram account linked to the tenant.
      const sent = await eventually(
        async () => {
          const res = await control<{ chat_id: number; text?: string }[]>(
            cluster.sandbox,
            'GET',
            `/sandbox/bots/${systemBot.id}/sent`,
          );
          return res.body.find((m) => m.chat_id === t.user.id && /session/i.test(m.text ?? ''));
        },
        { timeoutMs: 15000, what: 'the system bot to notify the tenant' },
      );
      expect(sent.text).toMatch(/connect your account again/i);

      const attempts = (await sandboxStats()).attemptsByAuthKey[keyId];
      expect(attempts).toBeGreaterThan(0);
      const again = await history(t).expect(409);
      expect(again.body.error.code).toBe('MTPROTO_NOT_CONFIGURED');
      // The worker closed the client: no connection presents the dead key any more, and none came back with it.
      await eventually(
        async () => ((await sandboxStats()).connectionsByAuthKey[keyId] === undefined ? true : undefined),
        { timeoutMs: 15000, what: 'no connection to use the revoked key' },
      );
      expect((await sandboxStats()).attemptsByAuthKey[keyId]).toBe(attempts);
    });
  });

  describe('with MTPROTO_POOL_MAX=5 and 8 active tenants', () => {
    let worker: TestApp;
    const liveGramTimers = new Set<number>();
    let gramTimersCreated = 0;
    const hook = createHook({
      init(id, type) {
        if (type !== 'Timeout') return;
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 100;
        const stack = new Error().stack ?? '';
        Error.stackTraceLimit = limit;
        if (stack.includes('node_modules/telegram/')) {
          liveGramTimers.add(id);
          gramTimersCreated += 1;
        }
      },
      destroy(id) {
        liveGramTimers.delete(id);
      },
    });

    beforeAll(async () => {
      worker = await cluster.start('worker', { MTPROTO_POOL_MAX: '5', MTPROTO_IDLE_SECONDS: '4' });
    });

    afterAll(async () => {
      hook.disable();
      await cluster.stop(worker);
    });

    it('keeps at most 5 clients connected, and evicted clients leave no sockets or timers behind', async () => {
      hook.enable();
      const tenants: Connected[] = [];
      for (let i = 0; i < 8; i++) tenants.push(await connectedTenant([`post ${i}`]));
      const pool = worker.app.get(MtprotoClientPool);
      for (const t of tenants) {
        const res = await history(t).expect(200);
        expect(res.body.messages[0].text).toMatch(/^post \d$/);
        expect(pool.size).toBeLessThanOrEqual(5);
        expect(mtprotoSockets()).toBeLessThanOrEqual(5);
      }
      expect(pool.size).toBe(5);
      expect(pool.connectedTenants()).toEqual(tenants.slice(3).map((t) => t.tenant.user.id));
      await eventually(async () => ((await sandboxStats()).connections === 5 ? true : undefined), {
        timeoutMs: 15_000,
        what: '5 connections',
      });
      // The detector saw gramjs's timers (the login clients' update loops, at least).
      expect(gramTimersCreated).toBeGreaterThan(0);

      // Idle eviction closes the rest; nothing of theirs may stay behind.
      await eventually(() => (pool.size === 0 ? true : undefined), { timeoutMs: 15000, what: 'idle eviction' });
      expect(mtprotoSockets()).toBe(0);
      await eventually(async () => ((await sandboxStats()).connections === 0 ? true : undefined), {
        timeoutMs: 15_000,
        what: 'no connections',
      });
      await eventually(() => (liveGramTimers.size === 0 ? true : undefined), {
        timeoutMs: 15000,
        what: 'gramjs timers to end',
      });
    });
  });

  describe('with two workers', () => {
    it("connects each tenant's session in exactly one worker, and moves it when that worker stops", async () => {
      const w1 = await cluster.start('worker', { MTPROTO_LEASE_SECONDS: '3' });
      const w2 = await cluster.start('worker', { MTPROTO_LEASE_SECONDS: '3' });
      try {
        const tenants: Connected[] = [];
        for (let i = 0; i < 4; i++) tenants.push(await connectedTenant([`t${i}`]));
        const before = (await sandboxStats()).connections;
        await Promise.all(tenants.map((t) => history(t).expect(200)));
        await Promise.all(tenants.map((t) => history(t).expect(200)));
        const ids = new Map([
          [w1.app.get(MtprotoRedis).instanceId, w1],
          [w2.app.get(MtprotoRedis).instanceId, w2],
        ]);
        for (const t of tenants) {
          const holders = [w1, w2].filter((w) =>
            w.app.get(MtprotoClientPool).connectedTenants().includes(t.tenant.user.id),
          );
          expect(holders).toHaveLength(1);
          expect(ids.get((await leaseHolder(t.tenant.user.id))!)).toBe(holders[0]);
        }
        expect((await sandboxStats()).connections - before).toBe(4);

        const moved = present(tenants[0], 'a connected tenant');
        const owner = ids.get((await leaseHolder(moved.tenant.user.id))!)!;
        const survivor = owner === w1 ? w2 : w1;
        await cluster.stop(owner);
        await history(moved).expect(200);
        expect(survivor.app.get(MtprotoClientPool).connectedTenants()).toContain(moved.tenant.user.id);
        expect(await leaseHolder(moved.tenant.user.id)).toBe(survivor.app.get(MtprotoRedis).instanceId);
      } finally {
        await cluster.stop(w1);
        await cluster.stop(w2);
      }
    });
  });

  describe('when the owning worker dies', () => {
    let child: ChildProcess | undefined;

    afterAll(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });

    it("moves a killed worker's session to another worker once its lease expires", async () => {
      child = await startWorkerProcess(cluster, { MTPROTO_LEASE_SECONDS: '3' });
      const t = await connectedTenant(['survives a crash']);
      await history(t).expect(200);
      const childOwner = await leaseHolder(t.tenant.user.id);
      expect(childOwner).not.toBeNull();

      const survivor = await cluster.start('worker', { MTPROTO_LEASE_SECONDS: '3' });
      try {
        const survivorId = survivor.app.get(MtprotoRedis).instanceId;
        expect(childOwner).not.toBe(survivorId);
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        // Killed without a shutdown, the worker could not release its lease: the session stays put until it expires.
        expect(await leaseHolder(t.tenant.user.id)).toBe(childOwner);
        await eventually(async () => ((await leaseHolder(t.tenant.user.id)) === null ? true : undefined), {
          timeoutMs: 10000,
          what: 'the lease to expire',
        });
        const res = await history(t).expect(200);
        expect(res.body.messages[0].text).toBe('survives a crash');
        expect(survivor.app.get(MtprotoClientPool).connectedTenants()).toContain(t.tenant.user.id);
        expect(await leaseHolder(t.tenant.user.id)).toBe(survivorId);
      } finally {
        await cluster.stop(survivor);
      }
    });
  });
});
