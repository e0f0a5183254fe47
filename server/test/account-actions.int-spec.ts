import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { AuditAction } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { MtprotoClientPool } from '../src/modules/user-mtproto/mtproto-client.pool';
import { WorldEvent } from '../src/sandbox/world';
import type { MemberChangedEvent, PrivateMessage } from '../src/sandbox/world';
import { newTenant, NewUser } from './factories/user.factory';
import { connectBot, ownerQuery } from './helpers/bot-world';
import { present } from './helpers/present';
import type { TestApp } from './helpers/test-app';
import { control } from './sandbox/bot-helpers';
import {
  connectAccount,
  eventually,
  MtprotoCluster,
  newSandboxUser,
  startCluster,
  startWorkerProcess,
} from './user-mtproto-kit';

interface SandboxMessage {
  message_id: number;
  from: { kind: string; id: number };
  to: { kind: string; id: number };
  text: string;
  media?: { kind: string; size: number; file_name?: string; mime_type?: string };
}

const uniqueName = (prefix: string): string => `${prefix}${Date.now() % 1e8}${Math.floor(Math.random() * 1e4)}`;

/** What the sandbox user received (or sent) in private chats. */
async function messagesOf(cluster: MtprotoCluster, phone: string): Promise<SandboxMessage[]> {
  const res = await control<SandboxMessage[]>(cluster.sandbox, 'GET', `/sandbox/users/${phone}/messages`);
  expect(res.status).toBe(200);
  return res.body;
}

describe('acting as the tenant account (real gramjs through the worker, against the sandbox)', () => {
  let cluster: MtprotoCluster;
  let api: TestApp;
  let tenant: NewUser;
  let account: { id: number; phone: string };
  let bot: { id: number };

  beforeAll(async () => {
    cluster = await startCluster();
    api = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '15' });
    // Flood waits are answered, never slept through, so the spec sees Telegram's own.
    await cluster.start('worker', { MTPROTO_FLOOD_SLEEP_SECONDS: '0' });
    account = await newSandboxUser(cluster.sandbox);
    tenant = await newTenant(api);
    bot = await connectBot(api, cluster.sandbox, tenant.headers);
    await connectAccount(api, cluster.sandbox, tenant, account);
    await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/limits`, { sends_per_minute: 100000 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  const send = (body: Record<string, unknown>, who: NewUser = tenant) =>
    request(api.url).post('/api/user-mtproto/messages').set(who.headers).send(body);

  it('sends a text message that arrives in the sandbox from the account', async () => {
    const username = uniqueName('to');
    const to = await newSandboxUser(cluster.sandbox, { username });
    const res = await send({ peer: `@${username}`, text: 'hello from the account', idempotency_key: 'text-1' }).expect(
      200,
    );
    expect(res.body).toEqual({
      id: expect.any(String),
      peer: `@${username}`,
      message_id: expect.any(Number),
      date: expect.any(String),
    });
    const got = await messagesOf(cluster, to.phone);
    expect(got.map((m) => [m.from, m.text])).toEqual([[{ kind: 'user', id: account.id }, 'hello from the account']]);
    const mine = (await messagesOf(cluster, account.phone)).filter((m) => m.to.id === to.id);
    expect(mine.map((m) => m.message_id)).toEqual([res.body.message_id]);
    // Audited with the answer, without its content.
    const audited = await ownerQuery<{ tenant_id: string; meta: Record<string, unknown> }>(
      api,
      'SELECT tenant_id, meta FROM audit_events WHERE action = $1 AND target = $2',
      [AuditAction.MtprotoMessageSent, res.body.id],
    );
    expect(audited).toEqual([
      { tenant_id: tenant.user.id, meta: { peer_kind: 'username', with_file: false, file_bytes: 0 } },
    ]);
  });

  it('sends one message for a key given twice, one after the other and at once', async () => {
    const username = uniqueName('twice');
    const to = await newSandboxUser(cluster.sandbox, { username });
    const body = { peer: `@${username}`, text: 'only once', idempotency_key: 'twice-1' };
    const first = await send(body).expect(200);
    const again = await send(body).expect(200);
    expect(again.body).toEqual(first.body);
    const atOnce = { ...body, idempotency_key: 'twice-2', text: 'only once too' };
    const [a, b] = await Promise.all([send(atOnce), send(atOnce)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body).toEqual(b.body);
    const got = await messagesOf(cluster, to.phone);
    expect(got.map((m) => m.text)).toEqual(['only once', 'only once too']);
    // The same key for another message is refused, not sent.
    const reused = await send({ ...body, text: 'something else' }).expect(409);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await messagesOf(cluster, to.phone)).toHaveLength(2);
  });

  it('sends a file (multipart, above 10 MB: saveBigFilePart) as a document with its caption', async () => {
    const username = uniqueName('file');
    const to = await newSandboxUser(cluster.sandbox, { username });
    const bytes = Buffer.alloc(11 * 1024 * 1024 + 17, 7);
    const res = await request(api.url)
      .post('/api/user-mtproto/messages')
      .set(tenant.headers)
      .field('peer', `@${username}`)
      .field('text', 'the report')
      .field('idempotency_key', 'file-1')
      .attach('file', bytes, { filename: 'report.bin', contentType: 'application/octet-stream' })
      .expect(200);
    const got = await messagesOf(cluster, to.phone);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      message_id: expect.any(Number),
      from: { kind: 'user', id: account.id },
      text: 'the report',
      media: { kind: 'document', size: bytes.length, file_name: 'report.bin' },
    });
    expect(res.body.message_id).toEqual(expect.any(Number));
  });

  it('imports contacts (only registered phones are found), lists them, and sends to a contact by phone', async () => {
    const known = await newSandboxUser(cluster.sandbox);
    const unknownPhone = `+999${Date.now() % 1e8}`;
    const imported = await request(api.url)
      .post('/api/user-mtproto/contacts/import')
      .set(tenant.headers)
      .send({
        contacts: [
          { phone: `+${known.phone}`, first_name: 'Known' },
          { phone: unknownPhone, first_name: 'Nobody', last_name: 'Here' },
        ],
      })
      .expect(200);
    expect(imported.body.items).toEqual([
      { phone: `+${known.phone}`, found: true, user_id: String(known.id) },
      { phone: unknownPhone, found: false, user_id: null },
    ]);
    const contacts = await request(api.url).get('/api/user-mtproto/contacts').set(tenant.headers).expect(200);
    expect(contacts.body.items).toContainEqual(
      expect.objectContaining({ user_id: String(known.id), first_name: 'Known' }),
    );
    await send({ peer: `+${known.phone}`, text: 'to a contact', idempotency_key: 'phone-1' }).expect(200);
    await send({ peer: String(known.id), text: 'by user id', idempotency_key: 'uid-1' }).expect(200);
    expect((await messagesOf(cluster, known.phone)).map((m) => m.text)).toEqual(['to a contact', 'by user id']);
    const bad = await request(api.url)
      .post('/api/user-mtproto/contacts/import')
      .set(tenant.headers)
      .send({ contacts: [{ phone: '12345', first_name: 'x' }] })
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it("lists the account's dialogs with unread counts", async () => {
    const writer = await newSandboxUser(cluster.sandbox, { username: uniqueName('writer') });
    for (const text of ['one', 'two']) {
      const r = await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/messages`, {
        from_phone: writer.phone,
        text,
      });
      expect(r.status).toBeLessThan(300);
    }
    const res = await request(api.url).get('/api/user-mtproto/dialogs?limit=100').set(tenant.headers).expect(200);
    const dialog = (res.body.items as { peer: { id: string }; unread_count: number }[]).find(
      (d) => d.peer.id === String(writer.id),
    );
    expect(dialog).toMatchObject({ peer: { type: 'user', id: String(writer.id) }, unread_count: 2 });
    await request(api.url).get('/api/user-mtproto/dialogs?limit=101').set(tenant.headers).expect(400);
  });

  it('creates a private channel with the bot as admin, in one call; the bot then posts there through the posting API', async () => {
    const res = await request(api.url)
      .post('/api/user-mtproto/channels')
      .set(tenant.headers)
      .send({ title: 'Store news', about: 'Private' })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      telegram_id: expect.stringMatching(/^-100\d+$/),
      title: 'Store news',
      bot_is_admin: true,
      bot_can_post: true,
      invite_link: expect.stringMatching(/^https:\/\/t\.me\/\+/),
    });
    const channel = await control<{
      members: { kind: string; id: number; status: string; can_post_messages: boolean }[];
    }>(cluster.sandbox, 'GET', `/sandbox/channels/${res.body.telegram_id}`);
    expect(channel.body.members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'user', id: account.id, status: 'creator' }),
        expect.objectContaining({ kind: 'bot', id: bot.id, status: 'administrator', can_post_messages: true }),
      ]),
    );
    const listed = await request(api.url).get(`/api/channels/${res.body.id}`).set(tenant.headers).expect(200);
    expect(listed.body).toMatchObject({ telegram_id: res.body.telegram_id, bot_is_admin: true, bot_can_post: true });
    const post = await request(api.url)
      .post(`/api/channels/${res.body.id}/posts`)
      .set(tenant.headers)
      .send({ text: 'first post by the bot', idempotency_key: 'post-1' })
      .expect(201);
    const settled = await eventually(async () => {
      const p = await request(api.url).get(`/api/posts/${post.body.id}`).set(tenant.headers).expect(200);
      return ['sent', 'failed'].includes(p.body.status as string) ? p.body : undefined;
    }, 30_000);
    expect(settled).toMatchObject({ status: 'sent', error: null });
    // The account can write there too, by the channel's id.
    await send({ peer: res.body.id, text: 'and the owner', idempotency_key: 'ch-1' }).expect(200);
    const posted = await control<{ text: string }[]>(
      cluster.sandbox,
      'GET',
      `/sandbox/channels/${res.body.telegram_id}/messages`,
    );
    expect(posted.body.map((m) => m.text)).toEqual(expect.arrayContaining(['first post by the bot', 'and the owner']));
  });

  it('joins and leaves a public channel through the account', async () => {
    const owner = await newSandboxUser(cluster.sandbox);
    const username = uniqueName('pub');
    const created = await control<{ id: number }>(cluster.sandbox, 'POST', '/sandbox/channels', {
      title: 'Public',
      username,
      owner_phone: owner.phone,
    });
    const row = await request(api.url).post('/api/channels').set(tenant.headers).send({ username }).expect(201);
    const memberIds = async (): Promise<number[]> =>
      (
        await control<{ members: { kind: string; id: number }[] }>(
          cluster.sandbox,
          'GET',
          `/sandbox/channels/${created.body.id}`,
        )
      ).body.members
        .filter((m) => m.kind === 'user')
        .map((m) => m.id);
    const joined = await request(api.url).post(`/api/channels/${row.body.id}/join`).set(tenant.headers).expect(200);
    expect(joined.body).toEqual({ channel_id: row.body.id, member: true });
    expect(await memberIds()).toContain(account.id);
    await request(api.url).post(`/api/channels/${row.body.id}/leave`).set(tenant.headers).expect(200);
    expect(await memberIds()).not.toContain(account.id);
  });

  it('joins a private channel through its invite link (again: still one member), refuses a link to another channel, then leaves', async () => {
    const owner = await newSandboxUser(cluster.sandbox);
    const privateChannel = async (title: string) => {
      const created = await control<{ id: string; channel_id: number }>(cluster.sandbox, 'POST', '/sandbox/channels', {
        title,
        owner_phone: owner.phone,
      });
      const invite = cluster.sandbox.world.createInvite(created.body.channel_id, owner.id);
      return { ...created.body, link: `https://t.me/+${invite.hash}` };
    };
    const mine = await privateChannel(uniqueName('Private '));
    const other = await privateChannel(uniqueName('Other '));
    const row = await request(api.url)
      .post('/api/channels')
      .set(tenant.headers)
      .send({ telegram_id: mine.id, title: 'Private' })
      .expect(201);
    const members = async (channelId: number): Promise<number[]> =>
      (
        await control<{ members: { kind: string; id: number }[] }>(
          cluster.sandbox,
          'GET',
          `/sandbox/channels/${channelId}`,
        )
      ).body.members
        .filter((m) => m.kind === 'user')
        .map((m) => m.id);
    const join = (body: Record<string, unknown>) =>
      request(api.url).post(`/api/channels/${row.body.id}/join`).set(tenant.headers).send(body);

    // Without the link the account cannot reach a private channel.
    const refused = await join({});
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect((await join({ invite_link: 'https://example.com/+abc' }).expect(400)).body.error.code).toBe(
      'VALIDATION_FAILED',
    );

    expect((await join({ invite_link: mine.link }).expect(200)).body).toEqual({
      channel_id: row.body.id,
      member: true,
    });
    expect(await members(mine.channel_id)).toContain(account.id);
    await join({ invite_link: mine.link.replace('https://t.me/+', 't.me/joinchat/') }).expect(200);
    expect((await members(mine.channel_id)).filter((id) => id === account.id)).toHaveLength(1);

    const wrong = await join({ invite_link: other.link }).expect(400);
    expect(wrong.body.error.code).toBe('TELEGRAM_REQUEST_INVALID');
    expect(await members(other.channel_id)).not.toContain(account.id);

    // The access hash the join found is what leaving uses.
    await request(api.url).post(`/api/channels/${row.body.id}/leave`).set(tenant.headers).expect(200);
    expect(await members(mine.channel_id)).not.toContain(account.id);
  });

  describe('errors, from what the sandbox does', () => {
    it('MTPROTO_NOT_CONFIGURED without a connected account', async () => {
      const other = await newTenant(api);
      const res = await send({ peer: '@someone_x', text: 'x', idempotency_key: 'k' }, other).expect(409);
      expect(res.body.error.code).toBe('MTPROTO_NOT_CONFIGURED');
      const dialogs = await request(api.url).get('/api/user-mtproto/dialogs').set(other.headers).expect(409);
      expect(dialogs.body.error.code).toBe('MTPROTO_NOT_CONFIGURED');
    });

    it('PEER_NOT_FOUND for a username nobody has, a phone that is no contact and an unknown user id', async () => {
      for (const peer of [`@${uniqueName('nobody')}`, '+15550000001', '999999991']) {
        const res = await send({ peer, text: 'x', idempotency_key: `nf-${peer.replace(/\W/g, '')}` });
        expect([peer, res.status, res.body.error?.code]).toEqual([peer, 404, 'PEER_NOT_FOUND']);
      }
    });

    it('PRIVACY_RESTRICTED when the user takes messages from contacts only', async () => {
      const username = uniqueName('private');
      const to = await newSandboxUser(cluster.sandbox, { username });
      await control(cluster.sandbox, 'POST', `/sandbox/users/${to.phone}/privacy`, { messages: 'contacts' });
      const res = await send({ peer: `@${username}`, text: 'hi', idempotency_key: 'priv-1' }).expect(403);
      expect(res.body.error.code).toBe('PRIVACY_RESTRICTED');
      expect(await messagesOf(cluster, to.phone)).toEqual([]);
      // Refused means nothing was sent: the key may be used again once the user allows it.
      await control(cluster.sandbox, 'POST', `/sandbox/users/${to.phone}/privacy`, { messages: 'everybody' });
      await send({ peer: `@${username}`, text: 'hi', idempotency_key: 'priv-1' }).expect(200);
    });

    it('FLOOD_WAIT with retry_after when the account sends more in a minute than Telegram tolerates', async () => {
      const username = uniqueName('flood');
      const to = await newSandboxUser(cluster.sandbox, { username });
      // One send a minute: the account sent more than that in this minute already.
      await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/limits`, { sends_per_minute: 1 });
      try {
        const res = await send({ peer: `@${username}`, text: 'x', idempotency_key: 'flood-1' }).expect(429);
        expect(res.body.error).toMatchObject({ code: 'FLOOD_WAIT', retry_after: expect.any(Number) });
        expect(res.body.error.retry_after).toBeGreaterThan(0);
        expect(await messagesOf(cluster, to.phone)).toEqual([]);
      } finally {
        await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/limits`, { sends_per_minute: 100000 });
      }
    });

    it('CHANNELS_TOO_MUCH when the account is in as many channels as allowed', async () => {
      await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/limits`, { channels: 1 });
      try {
        const res = await request(api.url)
          .post('/api/user-mtproto/channels')
          .set(tenant.headers)
          .send({ title: 'One too many', add_bot_as_admin: false })
          .expect(409);
        expect(res.body.error.code).toBe('CHANNELS_TOO_MUCH');
      } finally {
        await control(cluster.sandbox, 'POST', `/sandbox/users/${account.phone}/limits`, { channels: 500 });
      }
    });

    it('leaves nothing half-made when the bot cannot be made admin: the channel made is deleted, no channel row', async () => {
      const title = uniqueName('Half made ');
      // The tenant's bot is gone from Telegram under the name stored when it was connected: resolving it fails
      // after the channel exists.
      const rows = await ownerQuery<{ bot_username: string }>(
        api,
        'SELECT bot_username FROM user_bot_credentials WHERE user_id = $1',
        [tenant.user.id],
      );
      const stored = present(rows[0], "the tenant's bot").bot_username;
      await ownerQuery(api, 'UPDATE user_bot_credentials SET bot_username = $2 WHERE user_id = $1', [
        tenant.user.id,
        uniqueName('gonebot'),
      ]);
      api.app.get(CredentialsService).clearCache();
      const made = new Map<number, { left: boolean }>();
      const watch = (e: MemberChangedEvent): void => {
        if (e.channel.title !== title || e.member.kind !== 'user' || e.member.id !== account.id) return;
        made.set(e.channel.id, { left: (made.get(e.channel.id)?.left ?? false) || e.left === true });
      };
      cluster.sandbox.world.on(WorldEvent.MemberChanged, watch);
      try {
        const res = await request(api.url)
          .post('/api/user-mtproto/channels')
          .set(tenant.headers)
          .send({ title })
          .expect(404);
        expect(res.body.error.code).toBe('PEER_NOT_FOUND');
        // Telegram made the channel, and it was deleted again before the answer.
        expect([...made.values()]).toEqual([{ left: true }]);
        expect(cluster.sandbox.world.channelsOfUser(account.id).map((c) => c.title)).not.toContain(title);
        const listed = await request(api.url).get('/api/channels').set(tenant.headers).expect(200);
        expect(JSON.stringify(listed.body)).not.toContain(title);
      } finally {
        cluster.sandbox.world.off(WorldEvent.MemberChanged, watch);
        await ownerQuery(api, 'UPDATE user_bot_credentials SET bot_username = $2 WHERE user_id = $1', [
          tenant.user.id,
          stored,
        ]);
        api.app.get(CredentialsService).clearCache();
      }
    });

    it('BOT_NOT_CONFIGURED when the bot is asked for and there is none', async () => {
      const noBot = await newTenant(api);
      await connectAccount(api, cluster.sandbox, noBot, await newSandboxUser(cluster.sandbox));
      const res = await request(api.url)
        .post('/api/user-mtproto/channels')
        .set(noBot.headers)
        .send({ title: 'Needs a bot' })
        .expect(409);
      expect(res.body.error.code).toBe('BOT_NOT_CONFIGURED');
    });

    it("answers 404 for another tenant's channel ids", async () => {
      const other = await newTenant(api);
      const theirs = await request(api.url)
        .post('/api/channels')
        .set(other.headers)
        .send({ username: uniqueName('theirs') })
        .expect(201);
      const res = await send({ peer: theirs.body.id, text: 'x', idempotency_key: 'theirs-1' }).expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      await request(api.url).post(`/api/channels/${theirs.body.id}/join`).set(tenant.headers).expect(404);
      await request(api.url).post(`/api/channels/${theirs.body.id}/leave`).set(tenant.headers).expect(404);
    });
  });
});

describe('a send whose answer is lost (the worker dies right after Telegram took the message)', () => {
  let cluster: MtprotoCluster;
  let api: TestApp;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    cluster = await startCluster();
    api = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '3' });
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cluster?.close();
  });

  it('sends one message when the caller retries with the same key', async () => {
    const account = await newSandboxUser(cluster.sandbox);
    const tenant = await newTenant(api);
    await connectAccount(api, cluster.sandbox, tenant, account);
    const username = uniqueName('lost');
    const to = await newSandboxUser(cluster.sandbox, { username });
    const worker = await startWorkerProcess(cluster, { MTPROTO_LEASE_SECONDS: '2' }, (p) => (child = p));
    // The worker process owns the session (the only worker yet) once it answered a call.
    await request(api.url).get('/api/user-mtproto/contacts').set(tenant.headers).expect(200);

    // The moment the sandbox records the message, before its answer leaves, the worker dies.
    const kill = (m: PrivateMessage): void => {
      if (m.text === 'sent once' && m.toId === to.id) worker.kill('SIGKILL');
    };
    cluster.sandbox.world.on(WorldEvent.PrivateMessage, kill);
    const body = { peer: `@${username}`, text: 'sent once', idempotency_key: 'lost-1' };
    const lost = await request(api.url).post('/api/user-mtproto/messages').set(tenant.headers).send(body).expect(503);
    cluster.sandbox.world.off(WorldEvent.PrivateMessage, kill);
    expect(lost.body.error.code).toBe('TELEGRAM_UNAVAILABLE');
    expect((await messagesOf(cluster, to.phone)).map((m) => m.text)).toEqual(['sent once']);

    // Another worker takes the session over once the dead one's lease expires; the caller retries.
    await cluster.start('worker', { MTPROTO_LEASE_SECONDS: '2' });
    const retried = await eventually(async () => {
      const r = await request(api.url).post('/api/user-mtproto/messages').set(tenant.headers).send(body);
      return r.status === 200 ? r : undefined;
    }, 30_000);
    const got = await messagesOf(cluster, to.phone);
    expect(got.map((m) => m.text)).toEqual(['sent once']);
    expect(retried.body.message_id).toBe(got[0]?.message_id);
  });
});

describe('one process running both roles (ROLE=all)', () => {
  let cluster: MtprotoCluster;

  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('sends through whoever holds the lease: another worker through Redis, then itself directly, once per key', async () => {
    const both = await cluster.start('all');
    const worker = await cluster.start('worker');
    const account = await newSandboxUser(cluster.sandbox);
    const tenant = await newTenant(both);
    await connectAccount(both, cluster.sandbox, tenant, account);
    const username = uniqueName('both');
    const to = await newSandboxUser(cluster.sandbox, { username });
    const send = (text: string, key: string) =>
      request(both.url)
        .post('/api/user-mtproto/messages')
        .set(tenant.headers)
        .send({ peer: `@${username}`, text, idempotency_key: key })
        .expect(200);
    const holds = (app: TestApp): boolean => app.app.get(MtprotoClientPool).session(tenant.user.id) !== undefined;

    // The other worker holds the session: the process running both roles asks it and does not open its own.
    await worker.app.get(MtprotoClientPool).hold(tenant.user.id);
    const first = await send('through the holder', 'both-1');
    expect(holds(both)).toBe(false);
    expect(holds(worker)).toBe(true);

    // The holder stops (its lease is given back): the next call opens the session here, and later ones run here.
    await cluster.stop(worker);
    await send('opened here', 'both-2');
    expect(holds(both)).toBe(true);
    const direct = await send('sent here', 'both-3');
    const again = await send('sent here', 'both-3');
    expect(again.body).toEqual(direct.body);
    expect((await send('through the holder', 'both-1')).body).toEqual(first.body);

    const got = await messagesOf(cluster, to.phone);
    expect(got.map((m) => [m.from.id, m.text])).toEqual([
      [account.id, 'through the holder'],
      [account.id, 'opened here'],
      [account.id, 'sent here'],
    ]);
  });
});

describe('a session that sent a file, once it is closed', () => {
  let cluster: MtprotoCluster;

  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it("leaves no connection to Telegram behind: the upload's extra connection closes with the session", async () => {
    const api = await cluster.start('api');
    const worker = await cluster.start('worker', { MTPROTO_IDLE_SECONDS: '2' });
    const account = await newSandboxUser(cluster.sandbox);
    const tenant = await newTenant(api);
    await connectAccount(api, cluster.sandbox, tenant, account);
    const username = uniqueName('upload');
    const to = await newSandboxUser(cluster.sandbox, { username });
    const connections = async (): Promise<number> =>
      (await control<{ connections: number }>(cluster.sandbox, 'GET', '/sandbox/mtproto/stats')).body.connections;

    await request(api.url)
      .post('/api/user-mtproto/messages')
      .set(tenant.headers)
      .field('peer', `@${username}`)
      .field('idempotency_key', 'upload-1')
      .attach('file', Buffer.alloc(4096, 1), { filename: 'note.bin', contentType: 'application/octet-stream' })
      .expect(200);
    expect((await messagesOf(cluster, to.phone)).map((m) => m.media?.file_name)).toEqual(['note.bin']);

    // The idle session is closed; gramjs keeps an upload's connection for 30 s after its last part unless the
    // client's closing also ends it.
    const pool = worker.app.get(MtprotoClientPool);
    await eventually(() => (pool.size === 0 ? true : undefined), { timeoutMs: 15_000, what: 'idle eviction' });
    await eventually(async () => ((await connections()) === 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'no connection to the sandbox',
    });
  });
});
