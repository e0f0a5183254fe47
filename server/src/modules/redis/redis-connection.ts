import { Logger } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';

/** A Redis connection. Other modules name the type from here, never from the driver. */
export type RedisClient = Redis;
export type { RedisOptions };

/** ioredis options from a redis:// URL, without a client (BullMQ builds its own). */
export function redisConnectionOptions(url: string, extra: RedisOptions = {}): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    ...extra,
  };
}

const logger = new Logger('Redis');

/** How long a closing client waits for the server to close the socket after QUIT. */
const CLOSE_WAIT_MS = 2000;

/**
 * A client whose connection errors are logged once per outage (an unreachable server repeats
 * the same error on every reconnect attempt) by name and message only: never the options,
 * which hold the password. Commands that fail during the outage surface to their callers.
 */
export function createRedisClient(name: string, options: RedisOptions): RedisClient {
  const client = new Redis(options);
  let reported = false;
  client.on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    const secret = options.password;
    const message = secret ? err.message.split(secret).join('[redacted]') : err.message;
    logger.warn(`connection '${name}': ${message}`);
  });
  client.on('ready', () => {
    reported = false;
  });
  return client;
}

/**
 * Closes a client: QUIT when connected (replies already asked for still arrive) and wait for its
 * socket to close, otherwise a plain disconnect (a QUIT would wait in the offline queue for a
 * server that is not there).
 */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status !== 'ready') return dropRedisClient(client);
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  // A server that acknowledges the QUIT but keeps the socket open is not waited for.
  const giveUp = setTimeout(() => client.disconnect(), CLOSE_WAIT_MS);
  await client.quit().then(
    () => undefined,
    () => client.disconnect(),
  );
  await ended;
  clearTimeout(giveUp);
}

/**
 * Cuts a connection at once (a blocking read in flight is abandoned) and resolves when it has ended:
 * ioredis reports 'end' only after the socket closed, so a caller that returned before would leave
 * a live socket behind its shutdown.
 */
export async function dropRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => {
    client.once('end', () => resolve());
    setTimeout(resolve, CLOSE_WAIT_MS).unref();
  });
  client.disconnect();
  await ended;
}
