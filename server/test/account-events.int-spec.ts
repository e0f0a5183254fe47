import request from 'supertest';
import { DataSource } from 'typeorm';
import { AccountUpdatesReceiver } from '../src/modules/user-mtproto/account-updates/account-updates.receiver';
import { newTenant, NewUser } from './factories/user.factory';
import type { TestApp } from './helpers/test-app';
import { control } from './sandbox/bot-helpers';
import { connectAccount, eventually, MtprotoCluster, newSandboxUser, startCluster } from './user-mtproto-kit';

jest.setTimeout(90000);

interface Event {
  id: string;
  type: string;
  data: Record<string, any>;
}

/** Short sweeps, so a worker connects a receiving account within a second. */
const WORKER_ENV = { MTPROTO_RECEIVE_SWEEP_SECONDS: '1' };

describe('account events (real gramjs against the sandbox, real Postgres and Redis)', () => {
  let cluster: MtprotoCluster;
  let api: TestApp;
  let worker: TestApp | undefined;

  beforeAll(async () => {
    cluster = await startCluster();
    api = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '10' });
    worker = await cluster.start('worker', WORKER_ENV);
  });

  afterAll(async () => {
    await cluster?.close();
  });

  /** A query in the tenant's row-level-security scope. */
  function asTenant(tenantId: string, sql: string, params: unknown[]): Promise<any[]> {
    return api.app.get(DataSource).transaction(async (em) => {
      await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
      return em.query<any[]>(sql, params);
    });
  }

  async function receivingTenant(
    before?: (account: { id: number; phone: string }) => Promise<void>,
  ): Promise<{ tenant: NewUser; account: { id: number; phone: string } }> {
    const account = await newSandboxUser(cluster.sandbox, { username: `acc${Date.now() % 1e8}` });
    const tenant = await newTenant(api);
    await connectAccount(api, cluster.sandbox, tenant, account);
    await before?.(account);
    await request(api.url)
      .patch('/api/user-mtproto/settings')
      .set(tenant.headers)
      .send({ receive_updates: true })
      .expect(200, { receive_updates: true });
    await startedReceiving(tenant);
    return { tenant, account };
  }

  /** The worker connected the account and stored the state it starts from. */
  async function startedReceiving(tenant: NewUser): Promise<void> {
    await eventually(
      async () => {
        const [row] = await asTenant(tenant.user.id, `SELECT pts FROM mtproto_account_updates WHERE user_id = $1`, [
          tenant.user.id,
        ]);
        return row?.pts !== null && row?.pts !== undefined ? true : undefined;
      },
      { timeoutMs: 20000, what: 'the account to be connected and its update state stored' },
    );
  }

  async function eventsOf(tenant: NewUser, after = '0'): Promise<Event[]> {
    const res = await request(api.url).get(`/api/events?after=${after}&limit=500`).set(tenant.headers).expect(200);
    return res.body.events;
  }

  /** The tenant's account events, once `count` of them arrived (read through the pull API). */
  async function accountEvents(tenant: NewUser, count: number): Promise<Event[]> {
    return eventually(
      async () => {
        const all = (await eventsOf(tenant)).filter((e) => e.type.startsWith('account.'));
        return all.length >= count ? all : undefined;
      },
      { timeoutMs: 20000, what: `${count} account events` },
    );
  }

  it('answers the settings (off by default), and refuses a value that is not a boolean', async () => {
    const tenant = await newTenant(api);
    await request(api.url)
      .get('/api/user-mtproto/settings')
      .set(tenant.headers)
      .expect(200, { receive_updates: false });
    const bad = await request(api.url)
      .patch('/api/user-mtproto/settings')
      .set(tenant.headers)
      .send({ receive_updates: 'yes' })
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    await request(api.url)
      .patch('/api/user-mtproto/settings')
      .set(tenant.headers)
      .send({ receive_updates: true })
      .expect(200, { receive_updates: true });
    await request(api.url).get('/api/user-mtproto/settings').set(tenant.headers).expect(200, { receive_updates: true });
  });

  it("gives a stranger's first message account.message and one account.new_contact; the second only account.message", async () => {
    const { tenant, account } = await receivingTenant();
    const stranger = await newSandboxUser(cluster.sandbox, { username: `stranger${Date.now() % 1e8}` });
    const first = await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
      from_phone: stranger.phone,
      text: 'hello, is this for sale?',
    });
    const [contact, message] = await accountEvents(tenant, 2);
    expect(contact).toMatchObject({
      type: 'account.new_contact',
      data: {
        user: { id: String(stranger.id), first_name: 'Tenant' },
        peer: { type: 'user', id: String(stranger.id) },
        message_id: first.body.message_id,
      },
    });
    expect(contact?.data.user.username).toMatch(/^stranger/);
    expect(message).toMatchObject({
      type: 'account.message',
      data: {
        peer: { type: 'user', id: String(stranger.id) },
        message_id: first.body.message_id,
        text: 'hello, is this for sale?',
        from: { id: String(stranger.id) },
      },
    });
    expect(new Date(message!.data.date).getTime()).toBeGreaterThan(0);

    const second = await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
      from_phone: stranger.phone,
      text: 'still there?',
    });
    const all = await accountEvents(tenant, 3);
    expect(all.map((e) => e.type)).toEqual(['account.new_contact', 'account.message', 'account.message']);
    expect(all[2]?.data).toMatchObject({ message_id: second.body.message_id, text: 'still there?' });

    // Edited and deleted private messages.
    cluster.sandbox.world.editPrivateMessage(second.body.message_id, 'still there? (edited)');
    const edited = (await accountEvents(tenant, 4))[3];
    expect(edited).toMatchObject({
      type: 'account.message_edited',
      data: { message_id: second.body.message_id, text: 'still there? (edited)', peer: { id: String(stranger.id) } },
    });
    cluster.sandbox.world.deletePrivateMessages(stranger.id, [first.body.message_id], true);
    const deleted = (await accountEvents(tenant, 5))[4];
    expect(deleted).toMatchObject({ type: 'account.message_deleted', data: { message_ids: [first.body.message_id] } });
  });

  /** The account's stored common seq (contacts added move it: Telegram sequences them, with no pts). */
  async function storedSeq(tenant: NewUser): Promise<number> {
    const [row] = await asTenant(tenant.user.id, `SELECT seq FROM mtproto_account_updates WHERE user_id = $1`, [
      tenant.user.id,
    ]);
    return Number(row.seq);
  }

  it('gives a contact imported through the API account.new_contact at once, and its later messages only account.message', async () => {
    const { tenant, account } = await receivingTenant();
    const lead = await newSandboxUser(cluster.sandbox, { username: `lead${Date.now() % 1e8}` });
    const imported = await request(api.url)
      .post('/api/user-mtproto/contacts/import')
      .set(tenant.headers)
      .send({ contacts: [{ phone: `+${lead.phone}`, first_name: 'Lead', last_name: 'From CRM' }] })
      .expect(200);
    expect(imported.body.items).toEqual([{ phone: `+${lead.phone}`, found: true, user_id: String(lead.id) }]);

    const [contact] = await accountEvents(tenant, 1);
    expect(contact).toMatchObject({
      type: 'account.new_contact',
      // The account sees its contact under the name it gave.
      data: { user: { id: String(lead.id), first_name: 'Lead' }, peer: { type: 'user', id: String(lead.id) } },
    });
    expect(contact?.data.user.username).toMatch(/^lead/);
    expect(contact?.data.message_id).toBeUndefined();
    expect(new Date(contact!.data.date).getTime()).toBeGreaterThan(0);

    // Added again (renamed) in the app, then writing: no second lead.
    const seq = await storedSeq(tenant);
    const again = await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/contacts`, {
      phone: lead.phone,
      first_name: 'Lead (renamed)',
    });
    expect(again).toEqual({ status: 201, body: { user_id: lead.id } });
    await eventually(async () => ((await storedSeq(tenant)) > seq ? true : undefined), {
      timeoutMs: 20000,
      what: 'the second addition to be applied',
    });
    const first = await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
      from_phone: lead.phone,
      text: 'hi, got your number',
    });
    const all = await accountEvents(tenant, 2);
    expect(all.map((e) => e.type)).toEqual(['account.new_contact', 'account.message']);
    expect(all[1]?.data).toMatchObject({ message_id: first.body.message_id, text: 'hi, got your number' });
  });

  it('gives a person who wrote first and is added later one account.new_contact, and one added while no worker held the account one', async () => {
    const { tenant, account } = await receivingTenant();
    const writer = await newSandboxUser(cluster.sandbox);
    await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
      from_phone: writer.phone,
      text: 'hello',
    });
    await accountEvents(tenant, 2);
    const seq = await storedSeq(tenant);
    // Added in the Telegram app, on another device of the account.
    const added = await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/contacts`, {
      phone: writer.phone,
      first_name: 'Writer',
    });
    expect(added.status).toBe(201);
    await eventually(async () => ((await storedSeq(tenant)) > seq ? true : undefined), {
      timeoutMs: 20000,
      what: 'the addition to be applied',
    });
    const after = await accountEvents(tenant, 2);
    expect(after.map((e) => e.type)).toEqual(['account.new_contact', 'account.message']);
    expect(after[0]?.data.message_id).toEqual(expect.any(Number));

    // Added while away: the catch-up's difference brings the addition.
    await cluster.stop(worker!);
    worker = undefined;
    const away = await newSandboxUser(cluster.sandbox);
    await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/contacts`, { phone: away.phone });
    worker = await cluster.start('worker', WORKER_ENV);
    const all = await accountEvents(tenant, 3);
    expect(all.map((e) => e.type)).toEqual(['account.new_contact', 'account.message', 'account.new_contact']);
    expect(all[2]?.data).toMatchObject({ user: { id: String(away.id) }, peer: { type: 'user', id: String(away.id) } });
  });

  it('starts knowing whom the account talked to, its contacts and which channels it reads before it was turned on', async () => {
    const friend = await newSandboxUser(cluster.sandbox);
    const contact = await newSandboxUser(cluster.sandbox);
    const owner = await newSandboxUser(cluster.sandbox);
    const channel = await control(cluster.sandbox, 'POST', '/sandbox/channels', {
      title: 'Older',
      username: `older${Date.now() % 1e8}`,
      owner_phone: owner.phone,
    });
    const { tenant, account } = await receivingTenant(async (acc) => {
      await control(cluster.sandbox, 'POST', `/sandbox/users/${acc.phone}/messages`, {
        from_phone: friend.phone,
        text: 'before events were on',
      });
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.body.id}/members`, { phone: acc.phone });
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.body.id}/messages`, { text: 'old post' });
      await control(cluster.sandbox, 'POST', `/sandbox/users/${acc.phone}/contacts`, { phone: contact.phone });
    });
    const [row] = await asTenant(
      tenant.user.id,
      `SELECT channel_id::text AS channel_id FROM mtproto_channel_states WHERE user_id = $1`,
      [tenant.user.id],
    );
    expect(row?.channel_id).toBe(String(channel.body.id).replace(/^-100/, ''));
    await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
      from_phone: friend.phone,
      text: 'hello again',
    });
    // A contact from before, renamed and then writing: no lead.
    await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/contacts`, {
      phone: contact.phone,
      first_name: 'Renamed',
    });
    await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
      from_phone: contact.phone,
      text: 'from a contact',
    });
    const events = await accountEvents(tenant, 2);
    expect(events.map((e) => [e.type, e.data.text])).toEqual([
      ['account.message', 'hello again'],
      ['account.message', 'from a contact'],
    ]);
  });

  it('gives channel posts, their edits and deletions', async () => {
    const { tenant, account } = await receivingTenant();
    const owner = await newSandboxUser(cluster.sandbox);
    const username = `news${Date.now() % 1e8}`;
    const channel = await control(cluster.sandbox, 'POST', '/sandbox/channels', {
      title: 'News',
      username,
      owner_phone: owner.phone,
    });
    await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.body.id}/members`, { phone: account.phone });
    const post = await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.body.id}/messages`, {
      text: 'new arrivals',
    });
    const [posted] = await accountEvents(tenant, 1);
    expect(posted).toMatchObject({
      type: 'account.channel_post',
      data: {
        channel_id: String(channel.body.id),
        peer: { type: 'channel', id: String(channel.body.id), username, title: 'News' },
        message_id: post.body.message_id,
        text: 'new arrivals',
      },
    });
    await control(cluster.sandbox, 'PATCH', `/sandbox/channels/${channel.body.id}/messages/${post.body.message_id}`, {
      text: 'new arrivals (updated)',
    });
    const edited = (await accountEvents(tenant, 2))[1];
    expect(edited).toMatchObject({
      type: 'account.message_edited',
      data: { channel_id: String(channel.body.id), message_id: post.body.message_id, text: 'new arrivals (updated)' },
    });
    cluster.sandbox.world.deleteChannelMessage(channel.body.id, post.body.message_id);
    const deleted = (await accountEvents(tenant, 3))[2];
    expect(deleted).toMatchObject({
      type: 'account.message_deleted',
      data: { channel_id: String(channel.body.id), message_ids: [post.body.message_id] },
    });
  });

  it('stops when turned off (what happens meanwhile gives nothing) and follows the open client again when turned on', async () => {
    const { tenant, account } = await receivingTenant();
    const receiver = worker!.app.get(AccountUpdatesReceiver);
    expect(receiver.receivingTenants()).toContain(tenant.user.id);
    await request(api.url)
      .patch('/api/user-mtproto/settings')
      .set(tenant.headers)
      .send({ receive_updates: false })
      .expect(200, { receive_updates: false });
    await eventually(() => Promise.resolve(receiver.receivingTenants().includes(tenant.user.id) ? undefined : true), {
      timeoutMs: 10000,
      what: 'the worker to stop following the account',
    });
    const stranger = await newSandboxUser(cluster.sandbox);
    const send = (text: string) =>
      control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
        from_phone: stranger.phone,
        text,
      });
    await send('while off');

    await request(api.url)
      .patch('/api/user-mtproto/settings')
      .set(tenant.headers)
      .send({ receive_updates: true })
      .expect(200, { receive_updates: true });
    await startedReceiving(tenant);
    await send('back on');
    // The message sent while off gives nothing; its chat makes the stranger known when receiving starts again.
    const events = await accountEvents(tenant, 1);
    expect(events.map((e) => [e.type, e.data.text])).toEqual([['account.message', 'back on']]);
  });

  it('catches up on what happened while no worker held the account, exactly once, channels included', async () => {
    const { tenant, account } = await receivingTenant();
    const owner = await newSandboxUser(cluster.sandbox);
    const channel = await control(cluster.sandbox, 'POST', '/sandbox/channels', {
      title: 'Away',
      username: `away${Date.now() % 1e8}`,
      owner_phone: owner.phone,
    });
    await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.body.id}/members`, { phone: account.phone });
    await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.body.id}/messages`, { text: 'before' });
    await accountEvents(tenant, 1);
    const before = await eventsOf(tenant);

    await cluster.stop(worker!);
    worker = undefined;
    const stranger = await newSandboxUser(cluster.sandbox);
    for (let i = 1; i <= 30; i++) {
      await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
        from_phone: stranger.phone,
        text: `away ${i}`,
      });
    }
    for (let i = 1; i <= 5; i++) {
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.body.id}/messages`, { text: `post ${i}` });
    }

    worker = await cluster.start('worker', WORKER_ENV);
    const after = await eventually(
      async () => {
        const all = await eventsOf(tenant, before.at(-1)!.id);
        return all.length >= 36 ? all : undefined;
      },
      { timeoutMs: 20000, what: 'the missed updates' },
    );
    expect(worker.app.get(AccountUpdatesReceiver).receivingTenants()).toContain(tenant.user.id);
    const texts = after.filter((e) => e.type === 'account.message').map((e) => e.data.text);
    expect(texts).toEqual(Array.from({ length: 30 }, (_, i) => `away ${i + 1}`));
    expect(after.filter((e) => e.type === 'account.new_contact')).toHaveLength(1);
    const posts = after.filter((e) => e.type === 'account.channel_post').map((e) => e.data.text);
    expect(posts).toEqual(['post 1', 'post 2', 'post 3', 'post 4', 'post 5']);
    expect(after).toHaveLength(36);
  });
});
