import request from 'supertest';
import type { SandboxHandle } from '../../src/sandbox';
import { addBotToChannel, control, newBot, newChannel, newUser } from '../sandbox/bot-helpers';
import type { TestApp } from './test-app';

export { addBotToChannel, control, newBot, newChannel, newUser };
/** Specs that build a bot world wait with the one polling helper. */
export { eventually } from './eventually';

/** A sandbox bot connected to a tenant through PUT /api/user-bot. */
export async function connectBot(
  t: TestApp,
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  headers: { Authorization: string },
): Promise<{ id: number; token: string; username: string }> {
  const bot = await newBot(sandbox);
  await request(t.url).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(200);
  return bot;
}

/** A sandbox channel the bot administers (or not), registered as the tenant's channel. */
export async function channelFor(
  t: TestApp,
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  headers: { Authorization: string },
  botId: number,
  rights: { admin?: boolean; can_post_messages?: boolean } | 'none' = { admin: true, can_post_messages: true },
): Promise<{ id: string; telegramId: number; ownerPhone: string }> {
  const owner = await newUser(sandbox, 'Owner');
  const ch = await newChannel(sandbox, owner.phone);
  if (rights !== 'none') await addBotToChannel(sandbox, ch.id, botId, rights);
  const res = await request(t.url)
    .post('/api/channels')
    .set(headers)
    .send({ telegram_id: String(ch.id), title: `Channel ${ch.id}` })
    .expect(201);
  return { id: res.body.id as string, telegramId: ch.id, ownerPhone: owner.phone };
}

/** Runs SQL as the database owner (outside row-level security), for assertions on stored rows. */
export async function ownerQuery<T = Record<string, unknown>>(
  t: Pick<TestApp, 'db'>,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: t.db.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
