import { randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { BotApiDoor } from './bot-api/bot-api-door';
import { ControlApi } from './control/control-api';
import { createSandboxHttpServer } from './http-server';
import { MtprotoServer } from './mtproto/mtproto-server';
import { PollClosings } from './polls';
import type { UpdateLimits } from './updates/sandbox-updates';
import { loadOrCreateServerRsaKey } from './persistence/rsa-key-store';
import { type LoadResult, WorldStore } from './persistence/world-store';
import { ID_BLOCKS, SandboxWorld, WorldEvent } from './world';
import { followAdminLog } from './admin-log';

export interface SandboxOptions {
  /** Both doors bind here; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (the default) picks a free port. */
  httpPort?: number;
  /** 0 (the default) picks a free port. */
  mtprotoPort?: number;
  codeTtlSeconds?: number;
  limitsEnabled?: boolean;
  /**
   * Keep the world in `<dataDir>/world.json` across restarts (`npm start` sets it); without it the world lives in
   * memory only, as tests want it.
   */
  dataDir?: string;
  /** With `dataDir`: start with an empty world (the stored one is wiped, its id counters kept). */
  resetOnStart?: boolean;
  /** With `dataDir`: a change is written at most this long after it happened (default 500 ms). */
  saveDelayMs?: number;
  /** Messages about the stored world (a file moved aside, a failed write). */
  log?: (message: string) => void;
  /** Update log sizes and difference/push limits (Telegram-like defaults). */
  updateLimits?: Partial<UpdateLimits>;
  /**
   * How long an app's press of an inline button (messages.getBotCallbackAnswer) waits for the bot's
   * answerCallbackQuery before BOT_RESPONSE_TIMEOUT; a few seconds, as on Telegram, unless told.
   */
  callbackAnswerTimeoutMs?: number;
  /**
   * How long an app's payment in Stars (payments.sendStarsForm) waits for the bot's answerPreCheckoutQuery before
   * BOT_PRECHECKOUT_TIMEOUT; Telegram's 10 seconds unless told.
   */
  preCheckoutTimeoutMs?: number;
}

export interface SandboxHandle {
  world: SandboxWorld;
  /** Bot API root (`apiRoot` for telegraf); the control API lives under `${httpUrl}/sandbox`. */
  httpUrl: string;
  httpPort: number;
  mtprotoHost: string;
  mtprotoPort: number;
  /** The MTProto door's RSA key; `fingerprint` is a decimal string (gramjs `_serverKeys` key). */
  publicKey: { pem: string; fingerprint: string };
  /** Present with `dataDir`: where the world is kept and what the start found there. */
  storage?: { file: string; loaded: LoadResult; store: WorldStore };
  close(): Promise<void>;
}

/** Starts the whole sandbox: one world behind the MTProto door and the HTTP (Bot API + control) server. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const host = opts.host ?? '127.0.0.1';
  const world = new SandboxWorld({ codeTtlSeconds: opts.codeTtlSeconds, limitsEnabled: opts.limitsEnabled });
  followAdminLog(world);
  let store: WorldStore | undefined;
  // Changes count once both doors listen (a start that fails writes nothing).
  let started = false;
  const changed = (): void => {
    if (started) store?.changed();
  };
  const mtproto = new MtprotoServer(world, {
    host,
    port: opts.mtprotoPort ?? 0,
    onChange: changed,
    updateLimits: opts.updateLimits,
    callbackAnswerTimeoutMs: opts.callbackAnswerTimeoutMs,
    preCheckoutTimeoutMs: opts.preCheckoutTimeoutMs,
    rsaKey:
      opts.dataDir !== undefined ? await loadOrCreateServerRsaKey(opts.dataDir, opts.log ?? (() => {})) : undefined,
  });
  const door = new BotApiDoor(world);
  mtproto.linkBotDoor(door);
  let loaded: LoadResult | undefined;
  if (opts.dataDir !== undefined) {
    store = new WorldStore(
      world,
      { mtproto, botApi: door },
      { dataDir: opts.dataDir, saveDelayMs: opts.saveDelayMs, log: opts.log },
    );
    // Read only: nothing is written before both doors listen, so a start that finds its ports taken (another
    // sandbox serving this directory) leaves the file alone.
    loaded = await store.load();
  }
  // A world with nothing stored (in memory, or a new or lost directory) issues its ids from a block picked at random,
  // never the first one, where every world began before blocks: a product's database may still hold the bots, users
  // and channels of an earlier world, which must not meet new ones under the same ids.
  if (loaded?.state !== 'loaded' && store?.countersFound !== true) world.startIdsAt(randomInt(1, ID_BLOCKS));
  const mtprotoPort = await mtproto.listen().catch(async (err: unknown) => {
    door.close();
    await mtproto.close();
    throw err;
  });
  const control = new ControlApi(world, door, mtproto);
  const server = createSandboxHttpServer(door, control);
  // Every change to the world comes through a request to a door (or an MTProto call, see onChange above).
  // Reading the control API (GET /sandbox/...) changes nothing; every Bot API call may (getUpdates confirms updates).
  if (store) {
    server.on('request', (req, res) => {
      if (req.method !== 'GET' || !req.url?.startsWith('/sandbox')) res.once('close', changed);
    });
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.httpPort ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    door.close();
    await mtproto.close();
    throw err;
  }
  const httpPort = (server.address() as AddressInfo).port;
  started = true;
  // Polls close when their time is up, those of a loaded world too.
  const pollClosings = new PollClosings(world);
  pollClosings.start();
  if (store) {
    world.on(WorldEvent.Reset, changed);
    if (opts.resetOnStart) world.reset();
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // The last write comes first, while the doors still hold everything (closing the Bot API door drops its
      // per-bot sessions).
      await store?.close();
      // Ending the door first answers waiting long polls, so no request holds the server open.
      pollClosings.close();
      door.close();
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
        mtproto.close(),
      ]);
    })();
    return closing;
  };

  return {
    world,
    httpUrl: `http://${urlHost}:${httpPort}`,
    httpPort,
    mtprotoHost: host,
    mtprotoPort,
    publicKey: mtproto.publicKey,
    storage: store && loaded ? { file: store.file, loaded, store } : undefined,
    close,
  };
}

export { SandboxWorld } from './world';
