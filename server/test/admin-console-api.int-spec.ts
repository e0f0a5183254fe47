import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { redisConnectionOptions } from '../src/modules/redis/redis-connection';
import { systemActor } from '../src/modules/audit/audit-actions';
import { ChannelType } from '../src/modules/channels/channel.entity';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { QueueName } from '../src/modules/queue/queue-names';
import { UserRole } from '../src/modules/tenants/user.entity';
import type { SandboxHandle } from '../src/sandbox';
import { startTestAppWithSandbox, type SandboxTestApp } from './helpers/test-app';
import { eventually } from './helpers/eventually';
import { newStaff, newTenant, NewUser } from './factories/user.factory';
import { newChannel } from './factories/channel.factory';
import { control, newBot, newUser, telegramFor } from './sandbox/bot-helpers';

const SESSION = '1BQANOTAREALSESSIONBUTSECRETANYWAY';
const PHONE = '+447700900123';
const API_HASH = '0123456789abcdef0123456789abcdef';

describe('admin API for the console', () => {
  let t: SandboxTestApp;
  let sandbox: SandboxHandle;
  let support: NewUser;
  let redis: Redis;

  beforeAll(async () => {
    // The api role runs no queue processors, so the jobs this spec fails stay failed.
    t = await startTestAppWithSandbox({ env: { ROLE: 'api' } });
    sandbox = t.sandbox;
    support = await newStaff(t, UserRole.Support);
    redis = new Redis(redisConnectionOptions(t.config.redis.url));
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
  });

  describe('tenant detail', () => {
    it('reports the bot webhook health from Telegram, including the last delivery error', async () => {
      const tenant = await newTenant(t);
      const bot = await newBot(sandbox);
      const sender = await newUser(sandbox);
      await telegramFor(sandbox, bot.token).setWebhook('http://127.0.0.1:9/unreachable');
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: sender.phone, text: 'hi' });
      await t.app
        .get(CredentialsService)
        .update(
          tenant.user.id,
          { botToken: bot.token, botUsername: bot.username, botId: String(bot.id), isBotVerified: true },
          systemActor(),
        );

      const body = await eventually(
        async () => {
          const res = await request(t.url).get(`/api/admin/tenants/${tenant.user.id}`).set(support.headers).expect(200);
          return res.body.bot.webhook.last_error_message ? res.body : undefined;
        },
        { what: 'a webhook delivery error' },
      );
      expect(body.bot).toMatchObject({
        configured: true,
        username: bot.username,
        bot_id: String(bot.id),
        verified: true,
        webhook: {
          checked: true,
          healthy: false,
          url: 'http://127.0.0.1:9/unreachable',
          pending_update_count: 1,
          check_error: null,
        },
      });
      expect(new Date(body.bot.webhook.last_error_at).getTime()).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toContain(bot.token);
    });

    it('calls a webhook healthy when it is set and Telegram reports no error', async () => {
      const tenant = await newTenant(t);
      const bot = await newBot(sandbox);
      await telegramFor(sandbox, bot.token).setWebhook('https://hooks.example.test/tg');
      await t.app.get(CredentialsService).update(tenant.user.id, { botToken: bot.token }, systemActor());
      const res = await request(t.url).get(`/api/admin/tenants/${tenant.user.id}`).set(support.headers).expect(200);
      expect(res.body.bot.webhook).toMatchObject({ checked: true, healthy: true, pending_update_count: 0 });
    });

    it('says Telegram refused the check for a revoked token, without showing the token', async () => {
      const tenant = await newTenant(t);
      const token = '123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      await t.app.get(CredentialsService).update(tenant.user.id, { botToken: token }, systemActor());
      const res = await request(t.url).get(`/api/admin/tenants/${tenant.user.id}`).set(support.headers).expect(200);
      expect(res.body.bot.webhook).toMatchObject({ checked: false, healthy: false });
      expect(res.body.bot.webhook.check_error).toMatch(/^Telegram answered 401/);
      expect(JSON.stringify(res.body)).not.toContain(token);
    });

    it('shows the MTProto integration (masked phone, connected from the worker lease) and channels with admin status', async () => {
      const tenant = await newTenant(t);
      await t.app.get(CredentialsService).update(
        tenant.user.id,
        {
          telegramApiId: 12345,
          telegramApiHash: API_HASH,
          telegramPhone: PHONE,
          sessionString: SESSION,
          isMtprotoVerified: true,
          mtprotoLastUsedAt: new Date('2026-11-20T10:00:00Z'),
        },
        systemActor(),
      );
      const admin = await newChannel(t, tenant.user.id, { title: 'Posting', type: ChannelType.Channel });
      // What the channel admin check writes; the row-level-security scope is the tenant's own.
      await t.app.get(DataSource).transaction(async (em) => {
        await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenant.user.id]);
        await em.query(
          `UPDATE channels SET bot_is_admin = true, bot_can_post = true, admin_checked_at = now() WHERE id = $1`,
          [admin.id],
        );
      });
      await newChannel(t, tenant.user.id, { title: 'Read only' });

      const before = await request(t.url).get(`/api/admin/tenants/${tenant.user.id}`).set(support.headers).expect(200);
      expect(before.body.mtproto).toEqual({
        configured: true,
        verified: true,
        connected: false,
        phone_masked: '+447******123',
        last_used_at: '2026-11-20T10:00:00.000Z',
      });
      expect(before.body.bot).toMatchObject({ configured: false, webhook: null });
      const byTitle = Object.fromEntries(
        before.body.channels.map((c: { title: string; bot_is_admin: boolean; bot_can_post: boolean }) => [c.title, c]),
      );
      expect(byTitle.Posting).toMatchObject({ bot_is_admin: true, bot_can_post: true, type: 'channel' });
      expect(byTitle.Posting.admin_checked_at).not.toBeNull();
      expect(byTitle['Read only']).toMatchObject({ bot_is_admin: false, bot_can_post: false, admin_checked_at: null });

      await redis.set(`${t.config.redis.prefix}:mtproto:lease:${tenant.user.id}`, 'worker-1|1', 'PX', 30000);
      const after = await request(t.url).get(`/api/admin/tenants/${tenant.user.id}`).set(support.headers).expect(200);
      expect(after.body.mtproto.connected).toBe(true);
      for (const secret of [SESSION, PHONE, API_HASH]) expect(JSON.stringify(after.body)).not.toContain(secret);
    });
  });

  describe('force MTProto disconnect', () => {
    it('clears the session, marks the account unverified, tells the session owners and audits it', async () => {
      const tenant = await newTenant(t);
      const creds = t.app.get(CredentialsService);
      await creds.update(
        tenant.user.id,
        {
          telegramApiId: 1,
          telegramApiHash: API_HASH,
          telegramPhone: PHONE,
          sessionString: SESSION,
          isMtprotoVerified: true,
        },
        systemActor(),
      );
      const sub = new Redis(redisConnectionOptions(t.config.redis.url));
      const heard: string[] = [];
      sub.on('message', (_channel: string, message: string) => heard.push(message));
      await sub.subscribe(`${t.config.redis.prefix}:mtproto:session-changed`);
      try {
        const res = await request(t.url)
          .post(`/api/admin/tenants/${tenant.user.id}/mtproto/disconnect`)
          .set(support.headers)
          .expect(200);
        expect(res.body).toMatchObject({ had_session: true, mtproto: { verified: false, configured: true } });
        await eventually(() => Promise.resolve(heard.length > 0 ? true : undefined), {
          what: 'the session-changed notice',
        });
        expect(heard).toEqual([tenant.user.id]);
      } finally {
        sub.disconnect();
      }
      creds.clearCache();
      const stored = await creds.get(tenant.user.id);
      expect(stored).toMatchObject({ sessionString: null, isMtprotoVerified: false, telegramPhone: PHONE });

      const audit = await request(t.url)
        .get('/api/admin/audit')
        .query({ tenant_id: tenant.user.id, action: 'admin.mtproto_force_disconnected' })
        .set(support.headers)
        .expect(200);
      expect(audit.body.items).toHaveLength(1);
      expect(audit.body.items[0]).toMatchObject({
        actor_id: support.user.id,
        actor_role: 'support',
        meta: { had_session: true, was_connected: false },
      });
      // The MTProto module's own record of the session ending, under the staff member's name.
      const ended = await request(t.url)
        .get('/api/admin/audit')
        .query({ tenant_id: tenant.user.id, action: 'mtproto.disconnected' })
        .set(support.headers)
        .expect(200);
      expect(ended.body.items[0]).toMatchObject({ actor_id: support.user.id, actor_role: 'support' });
    });

    it('answers 404 for an unknown tenant and 403 for a tenant token', async () => {
      const tenant = await newTenant(t);
      await request(t.url)
        .post('/api/admin/tenants/00000000-0000-4000-8000-000000000000/mtproto/disconnect')
        .set(support.headers)
        .expect(404);
      await request(t.url)
        .post(`/api/admin/tenants/${tenant.user.id}/mtproto/disconnect`)
        .set(tenant.headers)
        .expect(403);
    });
  });

  describe('tenant list sorting', () => {
    it('sorts by email in either direction', async () => {
      const tag = `sort${Date.now()}`;
      for (const p of ['b', 'c', 'a']) await newTenant(t, { email: `${p}-${tag}@example.test` });
      const emails = async (order: string) =>
        (
          await request(t.url)
            .get('/api/admin/tenants')
            .query({ search: tag, sort: 'email', order })
            .set(support.headers)
            .expect(200)
        ).body.items.map((i: { email: string }) => i.email[0]);
      expect(await emails('asc')).toEqual(['a', 'b', 'c']);
      expect(await emails('desc')).toEqual(['c', 'b', 'a']);
      await request(t.url).get('/api/admin/tenants').query({ sort: 'password_hash' }).set(support.headers).expect(400);
    });
  });

  describe('audit log filters', () => {
    it('filters by date range and pages by number with a total', async () => {
      const tenant = await newTenant(t);
      for (const rps of [21, 22, 23]) {
        await request(t.url)
          .patch(`/api/admin/tenants/${tenant.user.id}/limits`)
          .set(support.headers)
          .send({ rate_limit_rps: rps, max_concurrent_requests: 5 })
          .expect(200);
      }
      const query = { tenant_id: tenant.user.id, action: 'tenant.limits_changed' };
      const all = await request(t.url).get('/api/admin/audit').query(query).set(support.headers).expect(200);
      expect(all.body.total).toBe(3);
      const middle = all.body.items[1].at as string;
      const last = all.body.items[0].at as string;

      const ranged = await request(t.url)
        .get('/api/admin/audit')
        .query({ ...query, from: middle, to: last })
        .set(support.headers)
        .expect(200);
      expect(ranged.body.items.map((e: { meta: { rate_limit_rps: number } }) => e.meta.rate_limit_rps)).toEqual([22]);
      expect(ranged.body.total).toBe(1);

      const future = await request(t.url)
        .get('/api/admin/audit')
        .query({ ...query, from: '2999-01-01T00:00:00Z' })
        .set(support.headers)
        .expect(200);
      expect(future.body).toMatchObject({ items: [], total: 0 });

      const page2 = await request(t.url)
        .get('/api/admin/audit')
        .query({ ...query, limit: 2, page: 2 })
        .set(support.headers)
        .expect(200);
      expect(page2.body.items.map((e: { meta: { rate_limit_rps: number } }) => e.meta.rate_limit_rps)).toEqual([21]);
      expect(page2.body.total).toBe(3);
    });

    it('refuses a malformed date or an unknown action', async () => {
      for (const q of [{ from: 'yesterday' }, { to: '2026-13-45' }, { action: 'drop.tables' }]) {
        const res = await request(t.url).get('/api/admin/audit').query(q).set(support.headers).expect(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('queues', () => {
    const prefix = () => `${t.config.redis.prefix}:bull`;

    async function failedJob(reason: string): Promise<Job> {
      const queue = t.app.get<Queue>(getQueueToken(QueueName.Maintenance), { strict: false });
      const job = await queue.add('admin-spec-failing', { n: 1 });
      const worker = new Worker(QueueName.Maintenance, () => Promise.reject(new Error(reason)), {
        connection: redisConnectionOptions(t.config.redis.url, { maxRetriesPerRequest: null }),
        prefix: prefix(),
      });
      try {
        await eventually(async () => ((await job.isFailed()) ? true : undefined), { what: 'the job to fail' });
      } finally {
        await worker.close();
      }
      return job;
    }

    it('lists every queue with its counts and latest failures', async () => {
      await failedJob('Telegram said no');
      const res = await request(t.url).get('/api/admin/queues').set(support.headers).expect(200);
      expect(res.body.queues.map((q: { name: string }) => q.name)).toEqual(Object.values(QueueName));
      const maintenance = res.body.queues.find((q: { name: string }) => q.name === String(QueueName.Maintenance));
      expect(maintenance).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
      expect(maintenance.failed).toBeGreaterThanOrEqual(1);
      expect(maintenance.latest_failures[0]).toMatchObject({
        name: 'admin-spec-failing',
        error: 'Telegram said no',
        attempts_made: 1,
      });
    });

    it('retries a failed job, audits it, and refuses a job that has not failed', async () => {
      const job = await failedJob('first try fails');
      const url = `/api/admin/queues/${QueueName.Maintenance}/jobs/${job.id}/retry`;
      const res = await request(t.url).post(url).set(support.headers).expect(200);
      expect(res.body).toEqual({ queue: QueueName.Maintenance, id: job.id, state: 'waiting' });

      const again = await request(t.url).post(url).set(support.headers).expect(409);
      expect(again.body.error.code).toBe('JOB_NOT_FAILED');

      const audit = await request(t.url)
        .get('/api/admin/audit')
        .query({ action: 'admin.queue_job_retried' })
        .set(support.headers)
        .expect(200);
      expect(audit.body.items[0]).toMatchObject({
        actor_id: support.user.id,
        target: `job:${QueueName.Maintenance}/${job.id}`,
      });
    });

    it('answers 404 for an unknown queue or job', async () => {
      const a = await request(t.url).post('/api/admin/queues/nope/jobs/1/retry').set(support.headers).expect(404);
      expect(a.body.error.code).toBe('QUEUE_NOT_FOUND');
      const b = await request(t.url)
        .post(`/api/admin/queues/${QueueName.Maintenance}/jobs/999999/retry`)
        .set(support.headers)
        .expect(404);
      expect(b.body.error.code).toBe('JOB_NOT_FOUND');
    });
  });
});
