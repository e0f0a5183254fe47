import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/data-source-options';
import { freePort } from './free-port';
import type { TestDatabase } from './test-database';

const run = promisify(execFile);

export interface ThrowawayPostgres {
  port: number;
  /** A migrated database on this cluster, for an app (`startTestApp({ db })`). */
  db: TestDatabase;
  /** Shuts the cluster down (fast: open connections are cut, as when a database fails over). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  close(): Promise<void>;
}

async function postgresBin(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const [newest] = versions;
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return path.join(root, newest, 'bin');
}

/**
 * A Postgres cluster of its own (initdb in a temp directory, pg_ctl on a free port) with one migrated
 * database, so a fault test can stop and start Postgres without disturbing the shared server.
 * The server refuses to run as root, so as root it runs as the `postgres` system user.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = await postgresBin();
  const dir = await mkdtemp(path.join(tmpdir(), 'tg-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      run('id', ['-u', 'postgres']),
      run('id', ['-g', 'postgres']),
    ]);
    await chown(dir, Number(uid), Number(gid));
  }
  const pg = (tool: string, args: string[]): Promise<unknown> =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);

  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // Durability settings are off: the cluster lives for one test and is always shut down cleanly.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
  const start = async (): Promise<void> => {
    await pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start']);
  };
  const stop = async (): Promise<void> => {
    await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch(() => undefined);
  };
  await start();

  const url = `postgres://postgres@127.0.0.1:${port}/tenantgram`;
  const admin = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE tenantgram');
  await admin.end();
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }

  return {
    port,
    // The whole cluster goes in close(); an app given this db leaves it alone.
    db: { name: 'tenantgram', url, drop: () => Promise.resolve() },
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
