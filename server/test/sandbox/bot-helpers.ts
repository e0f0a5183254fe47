import { Telegram, TelegramError } from 'telegraf';
import type { SandboxHandle } from '../../src/sandbox';
import { eventually } from '../helpers/eventually';

export interface ControlResponse<T = any> {
  status: number;
  body: T;
}

/** Calls the sandbox's control API with JSON. */
export async function control<T = any>(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<ControlResponse<T>> {
  const res = await fetch(`${sandbox.httpUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Calls a Bot API method without telegraf, to see the exact status and body. */
export async function rawBotCall(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sandbox.httpUrl}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: await res.json() };
}

export function telegramFor(sandbox: Pick<SandboxHandle, 'httpUrl'>, token: string): Telegram {
  return new Telegram(token, { apiRoot: sandbox.httpUrl, webhookReply: false });
}

let seq = 0;
/** A fresh phone number per call, so tests never collide inside one world. */
export const nextPhone = (): string =>
  `1555${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;

export async function newUser(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  firstName = 'Alice',
): Promise<{ id: number; phone: string }> {
  const res = await control(sandbox, 'POST', '/sandbox/users', { phone: nextPhone(), first_name: firstName });
  if (res.status !== 201) throw new Error(`user not created: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function newBot(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  ownerPhone?: string,
): Promise<{ id: number; token: string; username: string }> {
  const res = await control(sandbox, 'POST', '/sandbox/bots', {
    username: `test${++seq}_${Date.now() % 100000}_bot`,
    ...(ownerPhone ? { owner_phone: ownerPhone } : {}),
  });
  if (res.status !== 201) throw new Error(`bot not created: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function newChannel(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  ownerPhone: string,
  extra: { username?: string; megagroup?: boolean } = {},
): Promise<{ id: number; channel_id: number; access_hash: string }> {
  const res = await control(sandbox, 'POST', '/sandbox/channels', { title: 'News', owner_phone: ownerPhone, ...extra });
  if (res.status !== 201) throw new Error(`channel not created: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function addBotToChannel(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  channelId: number,
  botId: number,
  rights: { admin?: boolean; can_post_messages?: boolean } = { admin: true, can_post_messages: true },
): Promise<void> {
  const res = await control(sandbox, 'POST', `/sandbox/channels/${channelId}/members`, { bot_id: botId, ...rights });
  if (res.status !== 200) throw new Error(`member not set: ${JSON.stringify(res.body)}`);
}

/** The channel posts a bot has been given by getUpdates, once there are at least `count` of them. */
export async function channelPostsHeard(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  token: string,
  count: number,
): Promise<Record<string, any>[]> {
  return eventually(
    async () => {
      const updates = (await rawBotCall(sandbox, token, 'getUpdates', { timeout: 0 })).body.result as Record<
        string,
        any
      >[];
      const found = updates.map((u) => u.channel_post as Record<string, any>).filter(Boolean);
      return found.length >= count ? found : undefined;
    },
    { what: `${count} channel posts reaching the bot` },
  );
}

/** The Telegram error telegraf throws for `p` (it fails the test when `p` succeeds or fails otherwise). */
export async function telegramError(p: Promise<unknown>): Promise<TelegramError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TelegramError) return e;
    throw e;
  }
  throw new Error('expected a Telegram error');
}
