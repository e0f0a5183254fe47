import { DataSource } from 'typeorm';
import request from 'supertest';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { UserRole } from '../src/modules/tenants/user.entity';
import { startTestApp, TestApp } from './helpers/test-app';
import { newStaff, newTenant, NewUser } from './factories/user.factory';
import { newChannel } from './factories/channel.factory';

const SECRETS = {
  botToken: '7700112233:AAHsecretsecretsecretsecretsecret12',
  telegramApiHash: 'fedcba9876543210fedcba9876543210',
  telegramPhone: '+44770090012',
  sessionString: '1BQANOTTHISSESSIONSTRINGPLEASE',
  webhookSecret: 'hook-secret-for-admin-spec',
};

describe('admin API', () => {
  let t: TestApp;
  let support: NewUser;
  let tenant: NewUser;
  beforeAll(async () => {
    t = await startTestApp();
    support = await newStaff(t, UserRole.Support);
    tenant = await newTenant(t, { email: 'findme-acme@example.test', telegramUserId: '4242424242' });
    await t.app
      .get(CredentialsService)
      .update(
        tenant.user.id,
        { ...SECRETS, botUsername: 'acme_sender_bot', botId: '7700112233', isBotVerified: true },
        systemActor(),
      );
    await newChannel(t, tenant.user.id);
    await newChannel(t, tenant.user.id);
  });
  afterAll(async () => t?.close());

  it.each([
    ['acme', 'email'],
    ['SENDER_BOT', 'bot username'],
    ['4242424242', 'telegram id'],
  ])('finds a tenant by %s (%s)', async (search) => {
    const res = await request(t.url).get('/api/admin/tenants').query({ search }).set(support.headers).expect(200);
    expect(res.body.total).toBe(1);
    expect(res.body.items[0]).toMatchObject({
      id: tenant.user.id,
      email: 'findme-acme@example.test',
      telegram_user_id: '4242424242',
      bot_username: 'acme_sender_bot',
      is_bot_verified: true,
      status: 'active',
    });
  });

  it('lists tenants only (no staff), paginated', async () => {
    const res = await request(t.url)
      .get('/api/admin/tenants')
      .query({ page_size: 100 })
      .set(support.headers)
      .expect(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).not.toContain(support.user.id);
    expect(res.body).toMatchObject({ page: 1, page_size: 100 });
  });

  it('treats % and _ in a search as plain characters', async () => {
    const res = await request(t.url).get('/api/admin/tenants').query({ search: '%' }).set(support.headers).expect(200);
    expect(res.body.total).toBe(0);
  });

  it('shows a tenant with integration status, masked phone and channel count, and never a secret', async () => {
    const res = await request(t.url).get(`/api/admin/tenants/${tenant.user.id}`).set(support.headers).expect(200);
    expect(res.body).toMatchObject({
      id: tenant.user.id,
      channels_count: 2,
      integration: {
        configured: true,
        bot_username: 'acme_sender_bot',
        bot_id: '7700112233',
        has_bot_token: true,
        has_session: true,
        phone_masked: '+447*****012',
        rate_limit_rps: 10,
        max_concurrent_requests: 5,
      },
    });
    const body = JSON.stringify(res.body);
    for (const secret of Object.values(SECRETS)) expect(body).not.toContain(secret);
  });

  it('answers 404 for a staff id or an unknown id', async () => {
    await request(t.url).get(`/api/admin/tenants/${support.user.id}`).set(support.headers).expect(404);
    await request(t.url)
      .get('/api/admin/tenants/00000000-0000-4000-8000-000000000000')
      .set(support.headers)
      .expect(404);
    await request(t.url).get('/api/admin/tenants/nope').set(support.headers).expect(404);
  });

  it('suspends and reactivates a tenant, auditing both', async () => {
    const target = await newTenant(t);
    await request(t.url)
      .patch(`/api/admin/tenants/${target.user.id}`)
      .set(support.headers)
      .send({ status: 'suspended' })
      .expect(200);
    const blocked = await request(t.url).get('/api/me').set(target.headers).expect(403);
    expect(blocked.body.error.code).toBe('TENANT_SUSPENDED');
    const back = await request(t.url)
      .patch(`/api/admin/tenants/${target.user.id}`)
      .set(support.headers)
      .send({ status: 'active' })
      .expect(200);
    expect(back.body.status).toBe('active');
    await request(t.url).get('/api/me').set(target.headers).expect(200);

    const audit = await request(t.url)
      .get('/api/admin/audit')
      .query({ tenant_id: target.user.id })
      .set(support.headers)
      .expect(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['tenant.suspended', 'tenant.reactivated']));
    const suspended = audit.body.items.find((e: { action: string }) => e.action === 'tenant.suspended');
    expect(suspended).toMatchObject({ actor_id: support.user.id, actor_role: 'support', tenant_id: target.user.id });
  });

  it('refuses a status other than active or suspended', async () => {
    const res = await request(t.url)
      .patch(`/api/admin/tenants/${tenant.user.id}`)
      .set(support.headers)
      .send({ status: 'deleted' })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('changes a tenant’s limits within bounds and refuses out-of-range values', async () => {
    const res = await request(t.url)
      .patch(`/api/admin/tenants/${tenant.user.id}/limits`)
      .set(support.headers)
      .send({ rate_limit_rps: 25, max_concurrent_requests: 8 })
      .expect(200);
    expect(res.body).toEqual({ rate_limit_rps: 25, max_concurrent_requests: 8 });
    const detail = await request(t.url).get(`/api/admin/tenants/${tenant.user.id}`).set(support.headers).expect(200);
    expect(detail.body.integration).toMatchObject({ rate_limit_rps: 25, max_concurrent_requests: 8 });

    for (const body of [
      { rate_limit_rps: 0, max_concurrent_requests: 5 },
      { rate_limit_rps: 1001, max_concurrent_requests: 5 },
      { rate_limit_rps: 10, max_concurrent_requests: 101 },
      { rate_limit_rps: 1.5, max_concurrent_requests: 5 },
      { rate_limit_rps: 10 },
    ]) {
      const bad = await request(t.url)
        .patch(`/api/admin/tenants/${tenant.user.id}/limits`)
        .set(support.headers)
        .send(body)
        .expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('sets limits for a tenant that has not connected anything yet', async () => {
    const fresh = await newTenant(t);
    await request(t.url)
      .patch(`/api/admin/tenants/${fresh.user.id}/limits`)
      .set(support.headers)
      .send({ rate_limit_rps: 3, max_concurrent_requests: 2 })
      .expect(200);
  });

  it('filters the audit log by tenant and action and pages with before', async () => {
    const target = await newTenant(t);
    for (const rps of [11, 12, 13]) {
      await request(t.url)
        .patch(`/api/admin/tenants/${target.user.id}/limits`)
        .set(support.headers)
        .send({ rate_limit_rps: rps, max_concurrent_requests: 5 })
        .expect(200);
    }
    const page1 = await request(t.url)
      .get('/api/admin/audit')
      .query({ tenant_id: target.user.id, action: 'tenant.limits_changed', limit: 2 })
      .set(support.headers)
      .expect(200);
    expect(page1.body.items.map((e: { meta: { rate_limit_rps: number } }) => e.meta.rate_limit_rps)).toEqual([13, 12]);
    expect(page1.body.next_before).toBe(page1.body.items[1].id);
    const page2 = await request(t.url)
      .get('/api/admin/audit')
      .query({ tenant_id: target.user.id, action: 'tenant.limits_changed', limit: 2, before: page1.body.next_before })
      .set(support.headers)
      .expect(200);
    expect(page2.body.items.map((e: { meta: { rate_limit_rps: number } }) => e.meta.rate_limit_rps)).toEqual([11]);
    expect(page2.body.next_before).toBeNull();
  });

  it('audits every cross-tenant read with the staff member and a reason', async () => {
    await request(t.url).get('/api/admin/tenants').query({ search: 'acme' }).set(support.headers).expect(200);
    const rows = await t.app
      .get(DataSource)
      .query(`SELECT meta FROM audit_events WHERE action = 'admin.data_access' AND actor_id = $1`, [support.user.id]);
    expect(rows.map((r: { meta: { reason: string } }) => r.meta.reason)).toContain('search tenants');
  });

  it('lets admins in as well as support', async () => {
    const admin = await newStaff(t, UserRole.Admin);
    await request(t.url).get('/api/admin/audit').set(admin.headers).expect(200);
  });
});
