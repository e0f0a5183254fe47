import request from 'supertest';
import type { SandboxHandle } from '../src/sandbox';
import { newTenant } from './factories/user.factory';
import { newBot } from './helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp } from './helpers/test-app';

describe('tenant bots when Telegram is down', () => {
  let sandbox: SandboxHandle;
  let t: SandboxTestApp;

  beforeAll(async () => {
    t = await startTestAppWithSandbox();
    sandbox = t.sandbox;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 TELEGRAM_UNAVAILABLE for set and test when the sandbox is stopped', async () => {
    const { headers } = await newTenant(t);
    const bot = await newBot(sandbox);
    await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(200);
    await sandbox.close();
    const set = await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(503);
    expect(set.body.error.code).toBe('TELEGRAM_UNAVAILABLE');
    const test = await request(t.url).post('/api/user-bot/test').set(headers).expect(503);
    expect(test.body.error.code).toBe('TELEGRAM_UNAVAILABLE');
    const status = await request(t.url).get('/api/user-bot/status').set(headers).expect(200);
    expect(status.body).toMatchObject({ configured: true, webhook: { url: null, last_error: 'Telegram unreachable' } });
  });
});
