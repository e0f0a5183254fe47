import type { AddressInfo } from 'node:net';
import { BotApiDoor } from './bot-api/bot-api-door';
import { ControlApi } from './control/control-api';
import { createSandboxHttpServer } from './http-server';
import { MtprotoServer } from './mtproto/mtproto-server';
import type { UpdateLimits } from './updates/sandbox-updates';
import { SandboxWorld } from './world';

export interface SandboxOptions {
  /** Both doors bind here; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (the default) picks a free port. */
  httpPort?: number;
  /** 0 (the default) picks a free port. */
  mtprotoPort?: number;
  codeTtlSeconds?: number;
  limitsEnabled?: boolean;
  /** Update log sizes and difference/push limits (Telegram-like defaults). */
  updateLimits?: Partial<UpdateLimits>;
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
  close(): Promise<void>;
}

/** Starts the whole sandbox: one world behind the MTProto door and the HTTP (Bot API + control) server. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const host = opts.host ?? '127.0.0.1';
  const world = new SandboxWorld({ codeTtlSeconds: opts.codeTtlSeconds, limitsEnabled: opts.limitsEnabled });
  const mtproto = new MtprotoServer(world, { host, port: opts.mtprotoPort ?? 0, updateLimits: opts.updateLimits });
  const mtprotoPort = await mtproto.listen();
  const door = new BotApiDoor(world);
  const control = new ControlApi(world, door, mtproto);
  const server = createSandboxHttpServer(door, control);
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
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Ending the door first answers waiting long polls, so no request holds the server open.
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
    close,
  };
}

export { SandboxWorld } from './world';
