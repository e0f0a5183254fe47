import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * One statement straight on the driver's pool, prepared once per connection under its name. For the
 * statements on every request's path (an access token's user, a send's idempotency row), where the
 * ORM's query building and a query runner's checkout cost more than the statement itself. TypeORM has
 * no named (prepared) statements, hence the driver's pool.
 */
@Injectable()
export class PooledStatements {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async run<R>(name: string, text: string, values: unknown[]): Promise<R[]> {
    const pool = (this.ds.driver as PostgresDriver).master as Pool;
    const result = await pool.query({ name, text, values });
    return result.rows as R[];
  }
}
