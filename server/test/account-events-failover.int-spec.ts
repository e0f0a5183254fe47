import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import request from 'supertest';
import { AccountUpdatesReceiver } from '../src/modules/user-mtproto/account-updates/account-updates.receiver';
import { MtprotoRedis } from '../src/modules/user-mtproto/mtproto-redis';
import { newTenant, NewUser } from './factories/user.factory';
import { present } from './helpers/present';
import type { TestApp } from './helpers/test-app';
import { TEST_REDIS_URL } from './helpers/test-database';
import {
  connectAccount,
  eventually,
  leaseOwner,
  MtprotoCluster,
  newSandboxUser,
  startCluster,
  startWorkerProcess,
} from './user-mtproto-kit';

jest.setTimeout(120000);

const TENANTS = 20;
const PER_TENANT = 100;
const STRANGERS_PER_TENANT = 4;
/** Updates sent before the owning worker is killed; the rest arrive while it is dead and after. */
const KILL_AFTER = 700;

/** Short leases and sweeps: a dead worker's accounts move within a few seconds. */
const WORKER_ENV = { MTPROTO_LEASE_SECONDS: '2', MTPROTO_RECEIVE_SWEEP_SECONDS: '1' };

interface Receiving {
  tenant: NewUser;
  account: { id: number; phone: string };
  strangers: { id: number; phone: string }[];
}

interface Event {
  id: string;
  type: string;
  data: Record<string, any>;
}

describe('account events across a worker killed mid-stream (real gramjs, real worker processes)', () => {
  let cluster: MtprotoCluster;
  let api: TestApp;
  let child: ChildProcess | undefined;
  let redis: Redis;

  beforeAll(async () => {
    cluster = await startCluster();
    api = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '10' });
    redis = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    redis?.disconnect();
    await cluster?.close();
  });

  const owner = (tenantId: string): Promise<string | null> => leaseOwner(cluster, tenantId);

  async function receivingTenant(): Promise<Receiving> {
    const account = await newSandboxUser(cluster.sandbox);
    const tenant = await newTenant(api);
    await connectAccount(api, cluster.sandbox, tenant, account);
    await request(api.url)
      .patch('/api/user-mtproto/settings')
      .set(tenant.headers)
      .send({ receive_updates: true })
      .expect(200);
    const strangers = [];
    for (let i = 0; i < STRANGERS_PER_TENANT; i++) strangers.push(await newSandboxUser(cluster.sandbox));
    return { tenant, account, strangers };
  }

  /** Every event of the tenant, through the pull API, page by page. */
  async function allEvents(tenant: NewUser): Promise<Event[]> {
    const out: Event[] = [];
    let after = '0';
    for (;;) {
      const res = await request(api.url).get(`/api/events?after=${after}&limit=500`).set(tenant.headers).expect(200);
      out.push(...res.body.events);
      if (res.body.events.length < 500) return out;
      after = res.body.next_after;
    }
  }

  it('records each of 2,000 updates to 20 accounts exactly once while the worker owning them is SIGKILLed', async () => {
    // The worker process starts while the tenants connect their accounts.
    const [started, tenants] = await Promise.all([
      startWorkerProcess(cluster, WORKER_ENV, (proc) => (child = proc)),
      (async () => {
        const out: Receiving[] = [];
        // A few logins at a time, as tenants sign up.
        for (let i = 0; i < TENANTS; i += 4)
          out.push(...(await Promise.all([0, 1, 2, 3].map(() => receivingTenant()))));
        return out;
      })(),
    ]);
    child = started;

    // The child worker connects every account and stores where its updates stand. Its 2-second leases are
    // renewed every 0.67 s; on a loaded machine a renewal can come late, the lease lapse and the same worker
    // claim it again a moment later, so the one owner is waited for rather than sampled.
    const childOwner = await eventually(
      async () => {
        const owners = new Set(await Promise.all(tenants.map((t) => owner(t.tenant.user.id))));
        const [only] = owners;
        return owners.size === 1 && only ? only : undefined;
      },
      { timeoutMs: 30000, what: 'the child worker to hold every account' },
    );
    expect(childOwner).not.toBe(api.app.get(MtprotoRedis).instanceId);
    // Settled: each account's first catch-up recorded its state (messages sent now are live updates).
    await eventually(
      async () => {
        const states = await Promise.all(
          tenants.map((t) => request(api.url).get('/api/user-mtproto/status').set(t.tenant.headers).expect(200)),
        );
        return states.every((s) => s.body.connected) ? true : undefined;
      },
      { timeoutMs: 30000, what: 'every account connected' },
    );

    const survivor = await cluster.start('worker', WORKER_ENV);
    const survivorId = survivor.app.get(MtprotoRedis).instanceId;

    // 2,000 updates in rounds of one message to every account: the world change the sandbox's control API
    // makes (POST /sandbox/users/:phone/messages), without its HTTP round trip; each round's pushes leave
    // before the next round starts.
    const sent = new Map<string, { text: string; messageId: number }[]>(tenants.map((t) => [t.tenant.user.id, []]));
    const rounds = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        for (const t of tenants) {
          const stranger = present(t.strangers[i % STRANGERS_PER_TENANT], 'a stranger');
          const text = `update ${i} to ${t.account.id}`;
          const m = cluster.sandbox.world.sendPrivateMessage({
            fromKind: 'user',
            fromId: stranger.id,
            toKind: 'user',
            toId: t.account.id,
            text,
          });
          present(sent.get(t.tenant.user.id), 'what was sent').push({ text, messageId: m.id });
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const killRound = KILL_AFTER / TENANTS;
    await rounds(0, killRound);
    // Killed mid-stream: once it has recorded some of them.
    await eventually(
      async () => ((await allEvents(present(tenants[0], 'a tenant').tenant)).length > 0 ? true : undefined),
      {
        timeoutMs: 20000,
        what: 'the child worker to record events',
      },
    );
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    started.kill('SIGKILL');
    // While it dies, and while its leases still hold the accounts.
    await rounds(killRound, killRound + 25);
    await exited;
    await rounds(killRound + 25, killRound + 50);
    // The survivor takes every account over once the dead worker's leases expire; the rest arrive live there.
    await eventually(
      async () => {
        const owners = await Promise.all(tenants.map((t) => owner(t.tenant.user.id)));
        return owners.every((o) => o === survivorId) ? true : undefined;
      },
      { timeoutMs: 20000, what: 'the survivor to hold every account' },
    );
    await rounds(killRound + 50, PER_TENANT);

    // Every update in every pull API.
    const events = new Map<string, Event[]>();
    await eventually(
      async () => {
        for (const t of tenants) {
          if ((events.get(t.tenant.user.id)?.length ?? 0) >= PER_TENANT + STRANGERS_PER_TENANT) continue;
          events.set(t.tenant.user.id, await allEvents(t.tenant));
        }
        return [...events.values()].every((e) => e.length >= PER_TENANT + STRANGERS_PER_TENANT) &&
          events.size === TENANTS
          ? true
          : undefined;
      },
      { timeoutMs: 40000, what: 'every update in every pull API' },
    );

    for (const t of tenants) {
      const got = present(events.get(t.tenant.user.id), 'the tenant events');
      const messages = got.filter((e) => e.type === 'account.message');
      const expected = present(sent.get(t.tenant.user.id), 'what was sent');
      // Exactly once each: the same message ids and texts, no more.
      expect(messages.map((e) => e.data.message_id).sort((a, b) => a - b)).toEqual(
        expected.map((m) => m.messageId).sort((a, b) => a - b),
      );
      expect(new Set(messages.map((e) => e.data.text))).toEqual(new Set(expected.map((m) => m.text)));
      const contacts = got.filter((e) => e.type === 'account.new_contact').map((e) => e.data.user.id);
      expect(contacts.sort()).toEqual(t.strangers.map((s) => String(s.id)).sort());
      expect(got).toHaveLength(PER_TENANT + STRANGERS_PER_TENANT);
    }
    // Still the survivor's (waited for, as a late renewal on a loaded machine can lapse a lease for a moment).
    await eventually(
      async () => {
        const owners = await Promise.all(tenants.map((t) => owner(t.tenant.user.id)));
        return owners.every((o) => o === survivorId) ? true : undefined;
      },
      { timeoutMs: 20000, what: 'the survivor to still hold every account' },
    );
    expect(survivor.app.get(AccountUpdatesReceiver).receivingTenants()).toHaveLength(TENANTS);
  });
});
