import request from 'supertest';
import { EventType, type TenantEvent } from '../src/modules/events/event-types';
import { newTenant } from './factories/user.factory';
import { connectBot, control, newUser } from './helpers/bot-world';
import { eventually } from './helpers/eventually';
import { startTestAppWithSandbox, type SandboxTestApp } from './helpers/test-app';

/**
 * Bots in long-polling mode (BOT_UPDATES_MODE=polling, the development fallback): their updates
 * become events like webhook updates do, each once, before the bot handles them.
 */
describe('events of polling bots', () => {
  let t: SandboxTestApp;

  beforeAll(async () => {
    // BOT_IDLE_SECONDS paces the registry's sweep, which starts polling for bots connected since boot.
    t = await startTestAppWithSandbox({ env: { BOT_UPDATES_MODE: 'polling', BOT_IDLE_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("records a polled bot's messages as events, in order, and the bot still answers /start", async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, t.sandbox, headers);
    const alice = await newUser(t.sandbox, 'Alice');
    const events = (): Promise<TenantEvent[]> =>
      request(t.url)
        .get('/api/events')
        .set(headers)
        .expect(200)
        .then((r) => (r.body as { events: TenantEvent[] }).events);

    await control(t.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: alice.phone, text: '/start' });
    const [first] = await eventually(async () => {
      const es = await events();
      return es.length > 0 ? es : undefined;
    }, 30_000);
    expect(first).toMatchObject({
      type: EventType.BotMessage,
      data: { bot_id: String(bot.id), update: { message: { text: '/start' } } },
    });
    // The handlers run after the record: the greeting reaches Alice.
    await eventually(async () => {
      const sent = await control(t.sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
      return JSON.stringify(sent.body).includes('is up and running') ? true : undefined;
    }, 30_000);

    await control(t.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: alice.phone, text: 'second' });
    const all = await eventually(async () => {
      const es = await events();
      return es.length >= 2 ? es : undefined;
    }, 30_000);
    expect(all.map((e) => e.type)).toEqual([EventType.BotMessage, EventType.BotMessage]);
    expect(all[1]?.data).toMatchObject({ update: { message: { text: 'second' } } });
  });
});
