import request from 'supertest';
import { DataSource } from 'typeorm';
import type { SandboxHandle } from '../src/sandbox';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot, control, eventually, newBot, newUser, ownerQuery } from './helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp, type TestApp } from './helpers/test-app';
import { present } from './helpers/present';

describe('tenant bots', () => {
  let sandbox: SandboxHandle;
  let t: SandboxTestApp;

  beforeAll(async () => {
    t = await startTestAppWithSandbox();
    sandbox = t.sandbox;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('token flows', () => {
    it('sets a token: verifies it with getMe, stores it encrypted and registers the webhook', async () => {
      const { user, headers } = await newTenant(t);
      const bot = await newBot(sandbox);
      const res = await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(200);
      expect(res.body).toMatchObject({
        configured: true,
        verified: true,
        bot_username: bot.username,
        bot_id: String(bot.id),
        webhook: { url: `${t.url}/telegram/webhook/${bot.id}`, pending_update_count: 0, last_error: null },
        rate_limit_rps: 10,
        max_concurrent_requests: 5,
      });
      expect(JSON.stringify(res.body)).not.toContain(bot.token);
      const rows = await ownerQuery<{ bot_token: string; webhook_secret: string }>(
        t,
        'SELECT bot_token, webhook_secret FROM user_bot_credentials WHERE user_id = $1',
        [user.id],
      );
      expect(rows[0]?.bot_token).toMatch(/^v1:/);
      expect(rows[0]?.bot_token).not.toContain(bot.token.split(':')[1]);
      expect(rows[0]?.webhook_secret).toMatch(/^v1:/);
      const audit = await t.app.get(DataSource).getRepository(AuditEvent).findBy({ tenantId: user.id });
      expect(JSON.stringify(audit)).not.toContain(bot.token);
    });

    it('reports status, answers a live test and removes the bot with its webhook', async () => {
      const { headers } = await newTenant(t);
      const bot = await connectBot(t, sandbox, headers);
      const status = await request(t.url).get('/api/user-bot/status').set(headers).expect(200);
      expect(status.body).toMatchObject({ configured: true, verified: true, bot_id: String(bot.id) });
      const test = await request(t.url).post('/api/user-bot/test').set(headers).expect(200);
      expect(test.body).toMatchObject({ ok: true, bot_id: String(bot.id), bot_username: bot.username });

      await request(t.url).delete('/api/user-bot').set(headers).expect(204);
      const after = await request(t.url).get('/api/user-bot/status').set(headers).expect(200);
      expect(after.body).toMatchObject({ configured: false, verified: false, bot_id: null, webhook: null });
      const info = (await fetch(`${sandbox.httpUrl}/bot${bot.token}/getWebhookInfo`).then((r) => r.json())) as {
        result: { url: string };
      };
      expect(info.result.url).toBe('');
      await request(t.url).post('/api/user-bot/test').set(headers).expect(409);
    });

    it('answers 409 BOT_ALREADY_CONNECTED for a bot another account has, saying to disconnect it there or use another', async () => {
      const owner = await newTenant(t);
      const bot = await connectBot(t, sandbox, owner.headers);
      const { headers } = await newTenant(t);
      const res = await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(409);
      expect(res.body.error.code).toBe('BOT_ALREADY_CONNECTED');
      expect(res.body.error.message).toMatch(
        /connected to another account.*disconnect it there.*or connect another bot/,
      );
      expect(JSON.stringify(res.body)).not.toContain(bot.token);
      // Disconnected there, it connects here.
      await request(t.url).delete('/api/user-bot').set(owner.headers).expect(204);
      await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(200);
    });

    it('answers 400 BOT_TOKEN_INVALID_FORMAT for a token of the wrong shape', async () => {
      const { headers } = await newTenant(t);
      const res = await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: '123:short' }).expect(400);
      expect(res.body.error.code).toBe('BOT_TOKEN_INVALID_FORMAT');
      expect(JSON.stringify(res.body)).not.toContain('123:short');
    });

    it('answers 422 BOT_TOKEN_REJECTED when Telegram does not know the token', async () => {
      const { headers } = await newTenant(t);
      const res = await request(t.url)
        .put('/api/user-bot')
        .set(headers)
        .send({ bot_token: `999999:${'A'.repeat(35)}` })
        .expect(422);
      expect(res.body.error.code).toBe('BOT_TOKEN_REJECTED');
    });

    it('answers 503 TELEGRAM_UNAVAILABLE when Telegram fails with a server error', async () => {
      const { headers } = await newTenant(t);
      const bot = await newBot(sandbox);
      await control(sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'getMe', error: 502 });
      const res = await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(503);
      expect(res.body.error.code).toBe('TELEGRAM_UNAVAILABLE');
    });
  });

  describe('webhook', () => {
    it('refuses a wrong or missing secret with 401 and processes the right one once per update_id', async () => {
      const { headers } = await newTenant(t);
      const bot = await connectBot(t, sandbox, headers);
      const update = {
        update_id: 900001,
        message: {
          message_id: 1,
          date: Math.floor(Date.now() / 1000),
          chat: { id: 1, type: 'private', first_name: 'X' },
          from: { id: 1, is_bot: false, first_name: 'X' },
          text: 'hello',
        },
      };
      const path = `/telegram/webhook/${bot.id}`;
      await request(t.url).post(path).send(update).expect(401);
      await request(t.url).post(path).set('X-Telegram-Bot-Api-Secret-Token', 'wrong').send(update).expect(401);
      await request(t.url)
        .post('/telegram/webhook/424242')
        .set('X-Telegram-Bot-Api-Secret-Token', 'x')
        .send(update)
        .expect(401);

      // The right secret is what the sandbox uses: a user's /start arrives through the real webhook delivery.
      const user = await newUser(sandbox, 'Carol');
      const sent = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
        from_phone: user.phone,
        text: '/start',
      });
      const reply = await eventually(async () => {
        const out = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
        return (out.body as { chat_id: number; text?: string }[]).find((m) => m.chat_id === user.id);
      });
      expect(reply.text).toContain('Hello, Carol!');

      // Telegram redelivering the same update_id (e.g. after a timeout) does not run it again.
      const secret = await webhookSecretOf(t, bot.id);
      const again = {
        update_id: sent.body.update_id,
        message: {
          message_id: sent.body.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: user.id, type: 'private', first_name: 'Carol' },
          from: { id: user.id, is_bot: false, first_name: 'Carol' },
          text: '/start',
          entities: [{ type: 'bot_command', offset: 0, length: 6 }],
        },
      };
      await request(t.url).post(path).set('X-Telegram-Bot-Api-Secret-Token', secret).send(again).expect(200);
      await request(t.url).post(path).set('X-Telegram-Bot-Api-Secret-Token', secret).send(again).expect(200);
      // A new update after them is answered: by then the redeliveries had their turn.
      const next = {
        ...again,
        update_id: again.update_id + 1,
        message: { ...again.message, message_id: again.message.message_id + 1 },
      };
      await request(t.url).post(path).set('X-Telegram-Bot-Api-Secret-Token', secret).send(next).expect(200);
      const replies = await eventually(async () => {
        const out = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
        const mine = (out.body as { chat_id: number }[]).filter((m) => m.chat_id === user.id);
        return mine.length >= 2 ? mine : undefined;
      });
      expect(replies).toHaveLength(2);
      // Queued again on each redelivery, it is still one event: the first delivery, the redeliveries and the next
      // update give two, in order.
      const events = await request(t.url).get('/api/events?limit=500').set(headers).expect(200);
      const ids = (events.body.events as { type: string; data: { update?: { update_id?: number } } }[])
        .filter((e) => e.type === 'bot.message')
        .map((e) => e.data.update?.update_id);
      expect(ids.filter((id) => id === again.update_id || id === next.update_id)).toEqual([
        again.update_id,
        next.update_id,
      ]);
    });
  });

  describe('channel admin status', () => {
    it('tells an administrator that can post, a plain member and a bot that is not a member apart', async () => {
      const { headers } = await newTenant(t);
      const bot = await connectBot(t, sandbox, headers);
      const admin = await channelFor(t, sandbox, headers, bot.id);
      const member = await channelFor(t, sandbox, headers, bot.id, { admin: false });
      const outsider = await channelFor(t, sandbox, headers, bot.id, 'none');

      const a = await request(t.url).post(`/api/channels/${admin.id}/admin-status`).set(headers).expect(200);
      expect(a.body).toMatchObject({ status: 'administrator', bot_is_admin: true, bot_can_post: true });
      const m = await request(t.url).post(`/api/channels/${member.id}/admin-status`).set(headers).expect(200);
      expect(m.body).toMatchObject({ status: 'member', bot_is_admin: false, bot_can_post: false });
      const o = await request(t.url).post(`/api/channels/${outsider.id}/admin-status`).set(headers).expect(200);
      expect(o.body).toMatchObject({ status: 'not_member', bot_is_admin: false, bot_can_post: false });

      const all = await request(t.url).get('/api/channels/admin-status').set(headers).expect(200);
      expect(all.body.map((s: { channel_id: string; status: string }) => [s.channel_id, s.status])).toEqual([
        [admin.id, 'administrator'],
        [member.id, 'member'],
        [outsider.id, 'not_member'],
      ]);
      const stored = await request(t.url).get(`/api/channels/${admin.id}`).set(headers).expect(200);
      expect(stored.body).toMatchObject({ bot_is_admin: true, bot_can_post: true });
      expect(stored.body.admin_checked_at).not.toBeNull();
    });

    it('names a channel added by id alone from Telegram, and keeps a title the tenant gave', async () => {
      const { headers } = await newTenant(t);
      const bot = await connectBot(t, sandbox, headers);
      const owner = await newUser(sandbox, 'Owner');
      const username = `named${Date.now() % 1e9}`;
      const { body: tg } = await control(sandbox, 'POST', '/sandbox/channels', {
        title: 'Shop news',
        username,
        owner_phone: owner.phone,
      });
      await control(sandbox, 'POST', `/sandbox/channels/${tg.id}/members`, {
        bot_id: bot.id,
        admin: true,
        can_post_messages: true,
      });
      const bare = await request(t.url)
        .post('/api/channels')
        .set(headers)
        .send({ telegram_id: String(tg.id) })
        .expect(201);
      expect(bare.body).toMatchObject({ title: '', username: null });
      const checked = await request(t.url).post(`/api/channels/${bare.body.id}/admin-status`).set(headers).expect(200);
      expect(checked.body).toMatchObject({ title: 'Shop news', status: 'administrator' });
      const stored = await request(t.url).get(`/api/channels/${bare.body.id}`).set(headers).expect(200);
      expect(stored.body).toMatchObject({ title: 'Shop news', username });

      // A title the tenant chose stays.
      const own = await channelFor(t, sandbox, headers, bot.id);
      await request(t.url).post(`/api/channels/${own.id}/admin-status`).set(headers).expect(200);
      const kept = await request(t.url).get(`/api/channels/${own.id}`).set(headers).expect(200);
      expect(kept.body.title).toBe(`Channel ${own.telegramId}`);
    });

    it('keeps bot_is_admin and bot_can_post current from my_chat_member updates, without polling', async () => {
      const { headers } = await newTenant(t);
      const bot = await connectBot(t, sandbox, headers);
      const ch = await channelFor(t, sandbox, headers, bot.id, { admin: false });
      await control(sandbox, 'POST', `/sandbox/channels/${ch.telegramId}/members`, {
        bot_id: bot.id,
        admin: true,
        can_post_messages: true,
      });
      await eventually(async () => {
        const res = await request(t.url).get(`/api/channels/${ch.id}`).set(headers);
        return res.body.bot_can_post === true ? res.body : undefined;
      });
      await control(sandbox, 'POST', `/sandbox/channels/${ch.telegramId}/members`, { bot_id: bot.id, admin: false });
      const after = await eventually(async () => {
        const res = await request(t.url).get(`/api/channels/${ch.id}`).set(headers);
        return res.body.bot_can_post === false ? res.body : undefined;
      });
      expect(after).toMatchObject({ bot_is_admin: false, bot_can_post: false });
    });
  });
});

/** The webhook secret the app registered for the bot, as the app itself reads it. */
async function webhookSecretOf(t: TestApp, botId: number): Promise<string> {
  const { CredentialsService } = await import('../src/modules/credentials/credentials.service');
  const rows = await ownerQuery<{ user_id: string }>(t, 'SELECT user_id FROM user_bot_credentials WHERE bot_id = $1', [
    String(botId),
  ]);
  const creds = await t.app.get(CredentialsService).get(present(rows[0], `the credentials of bot ${botId}`).user_id);
  return creds?.webhookSecret ?? '';
}
