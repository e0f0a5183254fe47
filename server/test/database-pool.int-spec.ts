import { Client, type Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { dataSourceOptions } from '../src/data-source-options';
import { createMigratedDatabase, type TestDatabase } from './helpers/test-database';

describe("the product's Postgres pool, when the server ends a session between queries", () => {
  let db: TestDatabase;
  let ds: DataSource;
  let pool: Pool;
  /** A session of its own, outside the pool, that ends the pool's sessions. */
  let admin: Client;

  beforeAll(async () => {
    db = await createMigratedDatabase('tg_pool');
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    pool = (ds.driver as PostgresDriver).master as Pool;
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await ds?.destroy();
    await db?.drop();
  });

  /** Ends a session from another one, as a restart or failover does (`57P01`, sent between queries). */
  async function terminate(client: PoolClient, pid: number): Promise<void> {
    // Not events.once: it would listen for 'error' too, and this test is about a client no one listens to.
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await ended;
  }

  async function backendPid(client: PoolClient): Promise<number> {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return rows[0]?.pid ?? Number.NaN;
  }

  it('keeps the process up when a checked-out client with no listener of its own is cut; its next query fails and the pool replaces it', async () => {
    const client = await pool.connect();
    // pg-pool stops listening while a client is out; what is left is the product's own listener.
    expect(client.listenerCount('error')).toBe(1);
    await terminate(client, await backendPid(client));

    await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/i);
    client.release();
    expect(pool.totalCount).toBe(0);
    expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('keeps the process up when an idle client is cut, and serves the next query on a fresh connection', async () => {
    const client = await pool.connect();
    const pid = await backendPid(client);
    client.release();
    await terminate(client, pid);

    const rows: { pid: number }[] = await ds.query('SELECT pg_backend_pid() AS pid');
    expect(rows[0]?.pid).not.toBe(pid);
  });
});
