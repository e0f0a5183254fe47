import { Client, type ClientConfig } from 'pg';

/**
 * The connection class of every pool the product opens (given to pg-pool as `extra.Client`).
 *
 * A pg client emits `'error'` when the server ends its session between queries (a restart, a
 * failover: `57P01 terminating connection due to administrator command`). pg-pool listens while the
 * client is idle and TypeORM while a query runner holds it, but neither listens in the moment between:
 * pg-pool hands a client over synchronously, inside the socket read that finished its previous query
 * or its login, and TypeORM attaches its listener a microtask later. A shutdown notice in the same TCP
 * read is emitted in that gap, with no listener, and an unheard `'error'` ends the process.
 *
 * This listener is always there, so that error is only recorded on the client: pg marks it
 * unqueryable, its next query fails with a database error the caller maps (503), and the pool drops
 * it when it is released. pg-pool and TypeORM still receive every error through their own listeners.
 */
export class PooledPgClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', ignoreHandledElsewhere);
  }
}

function ignoreHandledElsewhere(): void {
  // Handled by pg-pool or TypeORM when either listens; otherwise by the next query's failure.
}
