import { Api, TelegramClient } from 'telegram';
import { NewMessage, type NewMessageEvent } from 'telegram/events';
import { computeCheck } from 'telegram/Password';
import { returnBigInt } from 'telegram/Helpers';
import { loadConfig, TelegramMode } from '../../src/config/app-config';
import { MtprotoClientFactory } from '../../src/modules/user-mtproto/mtproto-client.factory';
import { SandboxHandle, SandboxOptions, startSandbox } from '../../src/sandbox';
import { eventually } from '../helpers/eventually';
import { control, nextPhone } from './bot-helpers';

export const API_ID = 94575;
export const API_HASH = 'a3406de8d171bb422bb6ddf3bbd800e2';

export type ClientOptions = {
  session?: string;
  floodSleepThreshold?: number;
  receiveUpdates?: boolean;
  langCode?: string;
};

export interface MtprotoKit {
  sandbox: SandboxHandle;
  factory: MtprotoClientFactory;
  /** A client built by the product's factory; destroyed by `close()`. */
  client(opts?: ClientOptions): Promise<TelegramClient>;
  /** Destroys one client now (and forgets it). */
  destroy(client: TelegramClient): Promise<void>;
  close(): Promise<void>;
}

/**
 * A sandbox on ephemeral ports plus the product's MtprotoClientFactory configured for it the way
 * the app would be (sandbox mode, ports from config), so every client goes through the adapter.
 */
export async function startMtprotoKit(
  opts: Pick<
    SandboxOptions,
    'codeTtlSeconds' | 'updateLimits' | 'limitsEnabled' | 'callbackAnswerTimeoutMs' | 'preCheckoutTimeoutMs'
  > = {},
): Promise<MtprotoKit> {
  const sandbox = await startSandbox({
    httpPort: 0,
    mtprotoPort: 0,
    codeTtlSeconds: opts.codeTtlSeconds,
    updateLimits: opts.updateLimits,
    limitsEnabled: opts.limitsEnabled,
    callbackAnswerTimeoutMs: opts.callbackAnswerTimeoutMs,
    preCheckoutTimeoutMs: opts.preCheckoutTimeoutMs,
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TELEGRAM_MODE: TelegramMode.Sandbox,
    SANDBOX_HTTP_PORT: String(sandbox.httpPort),
    SANDBOX_MTPROTO_PORT: String(sandbox.mtprotoPort),
  });
  // No key override: the factory fetches the key from the control API, as the app does.
  const factory = new MtprotoClientFactory(config);
  const clients = new Set<TelegramClient>();
  return {
    sandbox,
    factory,
    async client(o = {}) {
      const c = await factory.createClient({ apiId: API_ID, apiHash: API_HASH, ...o });
      clients.add(c);
      return c;
    },
    async destroy(c) {
      clients.delete(c);
      await factory.destroyClient(c);
    },
    async close() {
      await Promise.all([...clients].map((c) => factory.destroyClient(c)));
      clients.clear();
      await sandbox.close();
    },
  };
}

export async function newUser(
  kit: MtprotoKit,
  extra: { password?: string; username?: string; firstName?: string } = {},
): Promise<{ id: number; phone: string }> {
  const res = await control(kit.sandbox, 'POST', '/sandbox/users', {
    phone: nextPhone(),
    first_name: extra.firstName ?? 'Alice',
    ...(extra.password ? { password: extra.password } : {}),
    ...(extra.username ? { username: extra.username } : {}),
  });
  if (res.status !== 201) throw new Error(`user not created: ${JSON.stringify(res.body)}`);
  return res.body;
}

let namedSeq = 0;

/** A user others can find by a username of their own (as contacts.resolveUsername finds it), named `firstName`. */
export async function namedUser(
  kit: MtprotoKit,
  firstName: string,
): Promise<{ id: number; phone: string; username: string }> {
  const username = `${firstName.toLowerCase()}_${++namedSeq}_${Date.now() % 100000}`;
  return { ...(await newUser(kit, { firstName, username })), username };
}

/** A channel or supergroup of the control API (`channel_id`, `access_hash`) as gramjs's input peer. */
export const channelPeer = (c: { channel_id: number; access_hash: string }): Api.InputPeerChannel =>
  new Api.InputPeerChannel({ channelId: returnBigInt(c.channel_id), accessHash: returnBigInt(c.access_hash) });

/** The newest login code "delivered to the Telegram app", read through the control API. */
export async function latestCode(kit: MtprotoKit, phone: string): Promise<string> {
  const res = await control<{ code: string }[]>(kit.sandbox, 'GET', `/sandbox/users/${phone}/codes`);
  const [latest] = res.body;
  if (res.status !== 200 || latest === undefined) throw new Error('no login code');
  return latest.code;
}

export async function sendCode(client: TelegramClient, phone: string): Promise<string> {
  const { phoneCodeHash } = await client.sendCode({ apiId: API_ID, apiHash: API_HASH }, phone);
  return phoneCodeHash;
}

export function signInCall(client: TelegramClient, phone: string, phoneCodeHash: string, phoneCode: string) {
  return client.invoke(new Api.auth.SignIn({ phoneNumber: phone, phoneCodeHash, phoneCode }));
}

export async function checkPassword(client: TelegramClient, password: string) {
  const srp = await client.invoke(new Api.account.GetPassword());
  return client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(srp, password) }));
}

/** Connects a new client and signs it in with a code (and the password, for 2FA accounts). */
export async function signedInClient(
  kit: MtprotoKit,
  user: { phone: string },
  password?: string,
  opts: ClientOptions = {},
): Promise<TelegramClient> {
  const client = await kit.client(opts);
  await client.connect();
  const hash = await sendCode(client, user.phone);
  try {
    await signInCall(client, user.phone, hash, await latestCode(kit, user.phone));
  } catch (e) {
    if (!password || (e as { errorMessage?: string }).errorMessage !== 'SESSION_PASSWORD_NEEDED') throw e;
    await checkPassword(client, password);
  }
  return client;
}

/** The rejection's Telegram error name (gramjs `errorMessage`, mtcute `text`), or its message. */
export async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    const err = e as { errorMessage?: string; text?: string; message?: string };
    return err.errorMessage ?? err.text ?? err.message ?? String(e);
  }
  throw new Error('expected the call to fail');
}

/** A member's signed-in gramjs app, with the messages pushed to it. */
export interface WatchingApp {
  client: TelegramClient;
  pushed: Api.Message[];
}

/** The user's app, having read the chat (`peer`) once, as an app does before it follows a chat's updates. */
export async function watchingApp(
  kit: MtprotoKit,
  user: { phone: string },
  peer?: Api.TypeInputPeer,
): Promise<WatchingApp> {
  const client = await signedInClient(kit, user);
  const pushed: Api.Message[] = [];
  client.addEventHandler((e: NewMessageEvent) => pushed.push(e.message), new NewMessage({}));
  if (peer) await client.invoke(new Api.messages.GetHistory({ peer, limit: 20 }));
  return { client, pushed };
}

/** The first message pushed to the app that passes `test`, once it is there. */
export const pushedMessage = (
  app: WatchingApp,
  test: (m: Api.Message) => boolean,
  what: string,
): Promise<Api.Message> => eventually(() => app.pushed.find(test), { what });
