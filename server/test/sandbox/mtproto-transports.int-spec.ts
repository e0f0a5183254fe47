import './mtcute-quiet';
import { BaseTelegramClient, MemoryStorage } from '@mtcute/node';
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js';
import { SandboxHandle, startSandbox } from '../../src/sandbox';
import { eventually } from '../helpers/eventually';
import { control, nextPhone } from './bot-helpers';
import { MTCUTE_TRANSPORTS, mtcuteTransport } from './mtcute-kit';
import { present } from '../helpers/present';

/**
 * The MTProto door driven by mtcute, a second real client with its own transports, key exchange,
 * salts and PFS. The calls made (help.getNearestDc, updates.getState, sign-in, rpc errors) are there
 * to show the protocol works; the API itself is tested in mtproto-mtcute.int-spec.ts.
 */

const API_ID = 94575;
const API_HASH = 'a3406de8d171bb422bb6ddf3bbd800e2';
const SANDBOX_DC = 2;

type Stats = {
  handshakes: number;
  transports: Record<string, number>;
  temporaryKeys: number;
  boundTemporaryKeys: number;
  handshakesByEncryption: Record<string, number>;
};

interface LoggedClient {
  client: BaseTelegramClient;
  /** mtcute's own log lines (formatted loosely), to see which service messages it received. */
  logs: string[];
}

let sandbox: SandboxHandle;
const clients: BaseTelegramClient[] = [];

async function newClient(opts: { transport?: string; usePfs?: boolean } = {}): Promise<LoggedClient> {
  const crypto = new NodeCryptoProvider();
  await crypto.initialize();
  // The sandbox's RSA key, read from the control API as any client's setup would.
  addPublicKey(crypto, sandbox.publicKey.pem);
  const dc = { id: SANDBOX_DC, ipAddress: sandbox.mtprotoHost, port: sandbox.mtprotoPort, ipv6: false };
  const logs: string[] = [];
  const client = new BaseTelegramClient({
    apiId: API_ID,
    apiHash: API_HASH,
    storage: new MemoryStorage(),
    crypto,
    // No transport given: mtcute's default, the intermediate framing.
    ...(opts.transport ? { transport: mtcuteTransport(opts.transport) } : {}),
    defaultDcs: { main: dc, media: dc },
    updates: false,
    network: { usePfs: opts.usePfs ?? false },
    logLevel: 4,
  });
  client.log.mgr.handler = (_color, _level, _tag, fmt, args) => {
    logs.push(`${fmt} ${args.map((a) => String(a)).join(' ')}`);
  };
  clients.push(client);
  return { client, logs };
}

async function stats(): Promise<Stats> {
  return (await control<Stats>(sandbox, 'GET', '/sandbox/mtproto/stats')).body;
}

const logged = (logs: string[], pattern: RegExp) => (): boolean => logs.some((l) => pattern.test(l));

const realSetTimeout = global.setTimeout;

beforeAll(async () => {
  // mtcute 0.30.3 keeps the timer that switches to its next future salt (up to an hour away) after
  // destroy(); long timers are unref'd so this test process can exit when the tests are done.
  global.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = realSetTimeout(fn, ms, ...args);
    if ((ms ?? 0) > 60_000) timer.unref();
    return timer;
  }) as typeof setTimeout;
  sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

afterAll(async () => {
  global.setTimeout = realSetTimeout;
  await sandbox.close();
});

describe('sandbox MTProto door with mtcute (transports, key exchange, service messages, PFS)', () => {
  it.each(Object.keys(MTCUTE_TRANSPORTS))(
    'completes the key exchange over %s and answers calls, pings and get_future_salts',
    async (kind) => {
      const { client, logs } = await newClient({ transport: kind === 'intermediate' ? undefined : kind });
      await client.connect();
      const nearest = await client.call({ _: 'help.getNearestDc' });
      expect(nearest).toMatchObject({ _: 'nearestDc', thisDc: SANDBOX_DC, nearestDc: SANDBOX_DC });
      expect((await stats()).transports[kind]).toBeGreaterThanOrEqual(1);
      // mtcute asks for 64 future salts and reads them only from a bare future_salts.
      await eventually(logged(logs, /received future_salts: %d salts 64$/), { what: 'future_salts' });
      // Its keep-alive ping_delay_disconnect is answered with a pong.
      await eventually(logged(logs, /received pong: /), { what: 'pong' });
      // The first salt derived from the nonces is accepted: no message bounced with bad_server_salt.
      expect(logs.filter((l) => /bad_server_salt/.test(l))).toEqual([]);
    },
  );

  it('inflates requests mtcute packs with zlib (gzip_packed in zlib framing)', async () => {
    const { client, logs } = await newClient();
    await client.connect();
    // Over 128 bytes, so mtcute sends it gzip_packed; the door must inflate it to answer at all.
    const phoneNumber = `+1${'5'.repeat(300)}`;
    await expect(
      client.call({
        _: 'auth.sendCode',
        phoneNumber,
        apiId: API_ID,
        apiHash: API_HASH,
        settings: { _: 'codeSettings' },
      }),
    ).rejects.toThrow(/PHONE_NUMBER_INVALID/);
    expect(logs.some((l) => l.includes('gzipped %s') && l.includes('auth.sendCode'))).toBe(true);
  });

  it('binds a PFS temporary key with auth.bindTempAuthKey; calls on it act as the permanent key', async () => {
    const before = await stats();
    const { client, logs } = await newClient({ transport: 'obfuscated/padded', usePfs: true });
    await client.connect();
    await expect(client.call({ _: 'help.getNearestDc' })).resolves.toMatchObject({ thisDc: SANDBOX_DC });
    expect(logs.some((l) => /temp key has been bound/.test(l))).toBe(true);
    const after = await stats();
    expect(after.boundTemporaryKeys).toBeGreaterThan(before.boundTemporaryKeys);
    expect(after.handshakes - before.handshakes).toBe(2);

    // Not signed in yet: the permanent key has no user.
    await expect(client.call({ _: 'updates.getState' })).rejects.toThrow(/AUTH_KEY_UNREGISTERED/);
    const phone = nextPhone();
    await control(sandbox, 'POST', '/sandbox/users', { phone, first_name: 'Pfs' });
    const sent = await client.call({
      _: 'auth.sendCode',
      phoneNumber: phone,
      apiId: API_ID,
      apiHash: API_HASH,
      settings: { _: 'codeSettings' },
    });
    const codes = await control<{ code: string }[]>(sandbox, 'GET', `/sandbox/users/${phone}/codes`);
    const hash = 'phoneCodeHash' in sent ? sent.phoneCodeHash : '';
    // The sign-in travels on the temporary key and signs in the permanent one.
    await expect(
      client.call({
        _: 'auth.signIn',
        phoneNumber: phone,
        phoneCodeHash: hash,
        phoneCode: present(codes.body[0], 'a login code').code,
      }),
    ).resolves.toMatchObject({ _: 'auth.authorization' });
    await expect(client.call({ _: 'updates.getState' })).resolves.toMatchObject({ _: 'updates.state' });

    // The permanent key itself (a new client with the same key and PFS off) is the signed-in one.
    const session = await client.exportSession();
    const { client: plain } = await newClient();
    await plain.importSession(session);
    await plain.connect();
    await expect(plain.call({ _: 'updates.getState' })).resolves.toMatchObject({ _: 'updates.state' });
  });

  it('refuses an expired temporary key with -404; mtcute makes and binds a new one and carries on', async () => {
    const { client, logs } = await newClient({ usePfs: true });
    await client.connect();
    await client.call({ _: 'help.getNearestDc' });
    const before = await stats();
    // A day and a bit later (mtcute's temporary keys live a day); the door and client share this clock.
    const realNow = Date.now.bind(Date);
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 25 * 3600 * 1000);
    try {
      await expect(client.call({ _: 'help.getNearestDc' })).resolves.toMatchObject({ thisDc: SANDBOX_DC });
    } finally {
      spy.mockRestore();
    }
    expect(logs.some((l) => /transport error 404/.test(l))).toBe(true);
    const after = await stats();
    expect(after.handshakes).toBeGreaterThan(before.handshakes);
  });
});
