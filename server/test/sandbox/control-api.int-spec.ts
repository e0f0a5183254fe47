import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { WorldEvent } from '../../src/sandbox/world';
import { control, telegramFor } from './bot-helpers';

describe('sandbox control API', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    await control(sandbox, 'POST', '/sandbox/reset');
  });

  const createUser = async (phone: string, extra: Record<string, unknown> = {}) => {
    const res = await control(sandbox, 'POST', '/sandbox/users', { phone, first_name: 'Ann', ...extra });
    expect(res.status).toBe(201);
    return res.body as { id: number; phone: string };
  };

  it('creates a user, normalising the phone, and refuses duplicates and bad input', async () => {
    const res = await control(sandbox, 'POST', '/sandbox/users', {
      phone: '+1 555 000-1111',
      first_name: 'Ann',
      last_name: 'Lee',
      username: 'annlee',
      password: 'hunter22',
    });
    expect(res).toEqual({ status: 201, body: { id: expect.any(Number), phone: '15550001111' } });
    expect(res.body.id).toBeGreaterThanOrEqual(100000001);
    expect(sandbox.world.findUserByUsername('@AnnLee')).toMatchObject({ lastName: 'Lee', password: 'hunter22' });

    const dup = await control(sandbox, 'POST', '/sandbox/users', { phone: '15550001111', first_name: 'Bo' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CONFLICT');

    for (const bad of [{ first_name: 'NoPhone' }, { phone: '12', first_name: 'Short' }, { phone: '15550002222' }]) {
      const res400 = await control(sandbox, 'POST', '/sandbox/users', bad);
      expect(res400.status).toBe(400);
      expect(res400.body.error).toEqual({ code: 'VALIDATION_FAILED', message: expect.any(String) });
    }
  });

  it('lists the login codes delivered to a phone, newest first', async () => {
    await createUser('15550003333');
    const record = (code: string, at: number) =>
      sandbox.world.recordLoginCode({
        code,
        phone: '15550003333',
        phoneCodeHash: code,
        authKeyId: 'ab',
        sentAt: new Date(at),
        expiresAt: new Date(at + 300_000),
        used: false,
      });
    record('11111', Date.now() - 1000);
    record('22222', Date.now());
    const res = await control(sandbox, 'GET', '/sandbox/users/+15550003333/codes');
    expect(res.status).toBe(200);
    expect(res.body.map((c: any) => c.code)).toEqual(['22222', '11111']);
    expect(res.body[0].sent_at).toEqual(expect.any(String));
    expect((await control(sandbox, 'GET', '/sandbox/users/abc/codes')).status).toBe(400);
  });

  it('revokes sessions of a user', async () => {
    const user = await createUser('15550004444');
    const revoked: number[] = [];
    sandbox.world.on(WorldEvent.SessionsRevoked, (e: { userId: number }) => revoked.push(e.userId));
    expect(await control(sandbox, 'POST', '/sandbox/users/15550004444/revoke-sessions')).toEqual({
      status: 200,
      body: { revoked: true },
    });
    expect(revoked).toEqual([user.id]);
    expect((await control(sandbox, 'POST', '/sandbox/users/15550009999/revoke-sessions')).status).toBe(404);
    expect((await control(sandbox, 'POST', '/sandbox/users/x/revoke-sessions')).status).toBe(400);
  });

  it('accepts a QR login token for a user', async () => {
    const user = await createUser('15550005555');
    const token = sandbox.world.createLoginToken('cafe', 30);
    const res = await control(sandbox, 'POST', '/sandbox/users/15550005555/accept-login-token', {
      token: token.token.toString('base64url'),
    });
    expect(res).toEqual({ status: 200, body: { accepted: true } });
    expect(sandbox.world.findLoginToken(token.token)?.acceptedByUserId).toBe(user.id);

    const bad = await control(sandbox, 'POST', '/sandbox/users/15550005555/accept-login-token', {
      token: 'not base64!',
    });
    expect(bad.status).toBe(400);
    const unknown = await control(sandbox, 'POST', '/sandbox/users/15550005555/accept-login-token', { token: 'AAAA' });
    expect(unknown.status).toBe(404);
  });

  it('delivers a private message between users', async () => {
    const to = await createUser('15550006666');
    const from = await createUser('15550007777');
    const res = await control(sandbox, 'POST', '/sandbox/users/15550006666/messages', {
      from_phone: '15550007777',
      text: 'hi there',
    });
    expect(res).toEqual({ status: 200, body: { message_id: expect.any(Number) } });
    expect(sandbox.world.privateMessagesOf('user', to.id)).toEqual([
      expect.objectContaining({ fromId: from.id, toId: to.id, text: 'hi there', fromKind: 'user', toKind: 'user' }),
    ]);
    const bad = await control(sandbox, 'POST', '/sandbox/users/15550006666/messages', { from_phone: '15550007777' });
    expect(bad.status).toBe(400);
  });

  it('creates bots with a working token and refuses usernames not ending in bot', async () => {
    await createUser('15550008888');
    const res = await control(sandbox, 'POST', '/sandbox/bots', {
      username: 'weather_bot',
      owner_phone: '15550008888',
    });
    expect(res).toEqual({
      status: 201,
      body: {
        id: expect.any(Number),
        token: expect.stringMatching(/^\d+:[A-Za-z0-9_-]{35}$/),
        username: 'weather_bot',
      },
    });
    expect(res.body.token.startsWith(`${res.body.id}:`)).toBe(true);
    expect((await telegramFor(sandbox, res.body.token).getMe()).username).toBe('weather_bot');

    expect((await control(sandbox, 'POST', '/sandbox/bots', { username: 'weather' })).status).toBe(400);
    expect((await control(sandbox, 'POST', '/sandbox/bots', { username: 'weather_bot' })).status).toBe(409);
    expect(
      (await control(sandbox, 'POST', '/sandbox/bots', { username: 'other_bot', owner_phone: '19999999999' })).status,
    ).toBe(404);
  });

  it('lets a user write to a bot, and lists what the bot sent with stats', async () => {
    await createUser('15550001212');
    const bot = (await control(sandbox, 'POST', '/sandbox/bots', { username: 'echo_bot' })).body;
    const res = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: '15550001212',
      text: '/start',
    });
    expect(res).toEqual({ status: 200, body: { message_id: expect.any(Number), update_id: expect.any(Number) } });
    const user = sandbox.world.findUserByPhone('15550001212')!;
    await telegramFor(sandbox, bot.token).sendMessage(user.id, 'pong');

    const sent = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
    expect(sent).toEqual({
      status: 200,
      body: [
        {
          message_id: expect.any(Number),
          chat_id: user.id,
          text: 'pong',
          method: 'sendMessage',
          date: expect.any(Number),
        },
      ],
    });
    const stats = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/stats`);
    expect(stats.body).toEqual({ sent: 1, throttled: 0, refusals: [], polling: false, in_flight: 0, dropped: 0 });

    expect((await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { text: 'x' })).status).toBe(400);
    expect((await control(sandbox, 'GET', '/sandbox/bots/abc/sent')).status).toBe(400);
    expect((await control(sandbox, 'GET', '/sandbox/bots/123/stats')).status).toBe(404);
    expect((await control(sandbox, 'GET', '/sandbox/bots/1.5/stats')).status).toBe(400);
  });

  it('creates channels, manages members by either id form, and posts messages with views', async () => {
    await createUser('15550001313');
    await createUser('15550001414');
    const created = await control(sandbox, 'POST', '/sandbox/channels', {
      title: 'Daily',
      username: 'dailynews',
      owner_phone: '15550001313',
    });
    expect(created.status).toBe(201);
    const { id, channel_id, access_hash } = created.body;
    expect(channel_id).toBeGreaterThanOrEqual(1000000001);
    expect(id).toBe(Number(`-100${channel_id}`));
    expect(access_hash).toMatch(/^\d+$/);
    expect(sandbox.world.findChannel(channel_id)?.accessHash.toString()).toBe(access_hash);

    const member = await control(sandbox, 'POST', `/sandbox/channels/${channel_id}/members`, {
      phone: '15550001414',
      admin: true,
    });
    expect(member.body).toMatchObject({ kind: 'user', status: 'administrator', admin: true, can_post_messages: true });
    const bot = (await control(sandbox, 'POST', '/sandbox/bots', { username: 'poster_bot' })).body;
    const botMember = await control(sandbox, 'POST', `/sandbox/channels/${id}/members`, {
      bot_id: bot.id,
      admin: true,
    });
    expect(botMember.body).toMatchObject({ kind: 'bot', id: bot.id, admin: true });
    expect((await control(sandbox, 'POST', `/sandbox/channels/${id}/members`, { admin: true })).status).toBe(400);
    expect((await control(sandbox, 'DELETE', `/sandbox/channels/${id}/members/bot/${bot.id}`)).body).toEqual({
      removed: true,
    });
    expect((await control(sandbox, 'DELETE', `/sandbox/channels/${id}/members/bot/${bot.id}`)).status).toBe(404);
    expect((await control(sandbox, 'DELETE', `/sandbox/channels/${id}/members/bot/not-a-number`)).status).toBe(400);
    const detail = await control(sandbox, 'GET', `/sandbox/channels/${channel_id}`);
    expect(detail.body).toMatchObject({ id, channel_id, title: 'Daily', username: 'dailynews', megagroup: false });
    expect(detail.body.members.map((m: any) => [m.kind, m.status])).toEqual([
      ['user', 'creator'],
      ['user', 'administrator'],
    ]);
    expect(await control(sandbox, 'DELETE', `/sandbox/channels/${id}/members/user/15550001414`)).toEqual({
      status: 200,
      body: { removed: true },
    });
    expect((await control(sandbox, 'DELETE', `/sandbox/channels/${id}/members/user/12`)).status).toBe(400);

    const post = await control(sandbox, 'POST', `/sandbox/channels/@dailynews/messages`, { text: 'hello', views: 42 });
    expect(post).toEqual({ status: 200, body: { message_id: 1 } });
    const listed = await control(sandbox, 'GET', `/sandbox/channels/${channel_id}/messages`);
    expect(listed.body).toEqual([
      { message_id: 1, date: expect.any(Number), text: 'hello', views: 42, forwards: 0, reactions: {} },
    ]);
    expect((await control(sandbox, 'POST', `/sandbox/channels/${id}/messages`, { text: 'x', views: -1 })).status).toBe(
      400,
    );
    expect((await control(sandbox, 'POST', '/sandbox/channels', { title: 'No owner' })).status).toBe(400);
    expect((await control(sandbox, 'POST', '/sandbox/channels/-1009999/messages', { text: 'x' })).status).toBe(404);
  });

  it('injects faults that the Bot API door serves once per time', async () => {
    const bot = (await control(sandbox, 'POST', '/sandbox/bots', { username: 'faulty_bot' })).body;
    const res = await control(sandbox, 'POST', '/sandbox/faults', {
      door: 'bot',
      method: 'getMe',
      error: 500,
      times: 2,
    });
    expect(res).toEqual({ status: 201, body: { door: 'bot', method: 'getMe', error: 500, times: 2 } });
    const tg = telegramFor(sandbox, bot.token);
    await expect(tg.getMe()).rejects.toMatchObject({ code: 500 });
    await expect(tg.getMe()).rejects.toMatchObject({ code: 500 });
    await expect(tg.getMe()).resolves.toMatchObject({ id: bot.id });

    expect(sandbox.world.takeFault('mtproto', 'messages.getHistory')).toBeUndefined();
    await control(sandbox, 'POST', '/sandbox/faults', {
      door: 'mtproto',
      method: 'messages.getHistory',
      error: 'FLOOD_WAIT_30',
      times: 1,
    });
    expect(sandbox.world.takeFault('mtproto', 'messages.getHistory')).toBe('FLOOD_WAIT_30');

    expect((await control(sandbox, 'POST', '/sandbox/faults', { door: 'sms', method: 'x', error: 500 })).status).toBe(
      400,
    );
    expect(
      (await control(sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'getMe', error: 500, times: 0 }))
        .status,
    ).toBe(400);
  });

  it('switches limits on and off', async () => {
    expect(await control(sandbox, 'POST', '/sandbox/limits', { enabled: false })).toEqual({
      status: 200,
      body: { enabled: false },
    });
    expect(sandbox.world.limitsEnabled).toBe(false);
    expect((await control(sandbox, 'POST', '/sandbox/limits', { enabled: 'yes' })).status).toBe(400);
    await control(sandbox, 'POST', '/sandbox/limits', { enabled: true });
    expect(sandbox.world.limitsEnabled).toBe(true);
  });

  it('publishes the MTProto public key and stats', async () => {
    const key = await control(sandbox, 'GET', '/sandbox/mtproto/public-key');
    expect(key.status).toBe(200);
    expect(key.body.pem).toContain('BEGIN');
    expect(key.body.fingerprint).toMatch(/^-?\d+$/);
    expect(key.body).toEqual(sandbox.publicKey);
    const stats = await control(sandbox, 'GET', '/sandbox/mtproto/stats');
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ connections: expect.any(Number), handshakes: expect.any(Number) });
  });

  it('resets the world: users, bots and tokens are gone', async () => {
    await createUser('15550001515');
    const bot = (await control(sandbox, 'POST', '/sandbox/bots', { username: 'gone_bot' })).body;
    expect(await control(sandbox, 'POST', '/sandbox/reset')).toEqual({ status: 200, body: { reset: true } });
    expect(sandbox.world.findUserByPhone('15550001515')).toBeUndefined();
    await expect(telegramFor(sandbox, bot.token).getMe()).rejects.toMatchObject({ code: 401 });
    expect((await control(sandbox, 'GET', '/sandbox/nothing-here')).status).toBe(404);
  });

  it('answers malformed JSON and non-JSON bodies with a clear 4xx', async () => {
    const malformed = await fetch(`${sandbox.httpUrl}/sandbox/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"phone":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.code).toBe('MALFORMED_JSON');
    const form = await fetch(`${sandbox.httpUrl}/sandbox/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'phone=1',
    });
    expect(form.status).toBe(415);
  });
});
