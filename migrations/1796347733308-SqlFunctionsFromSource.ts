import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

/** Versions no longer in a source file: frozen copies, kept once (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

/**
 * The versions of the functions this migration applies, by fingerprint. Their sources were written
 * as the earlier migrations left the functions (what pg_get_functiondef prints, byte for byte), so
 * these are also the definitions before this migration.
 */
const VERSIONS = {
  audit_events_append_only: 'f540e3439c9cd985',
  tenant_credentials: '0950da3daa227c2e',
  tenant_due_posts: 'b8d6b2d3861c7864',
  tenant_claim_posts: '635283c5ce0775f3',
  tenant_record_sent: 'c6a3c5059e019604',
  tg_due_post_channels: '7e2e036cb5992362',
  tg_bot_owner: '4ea7227e594b350d',
  tg_active_bots: '07eafb049bc952b6',
};

/**
 * Every SQL function from its one source file (`server/src/modules/<module>/sql/<name>.sql`), from
 * now on the only place a function's body is written: later migrations apply those files. Nothing
 * changes in the database: same bodies, signatures, attributes and grants (CREATE OR REPLACE keeps
 * grants).
 */
export class SqlFunctionsFromSource1796347733308 implements MigrationInterface {
  name = 'SqlFunctionsFromSource1796347733308';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(queryRunner, VERSIONS, FROZEN);
  }

  /**
   * The definitions before up() are the same versions; applying them again restores them exactly,
   * whatever the sources have become since (from the frozen copies then).
   */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(queryRunner, VERSIONS, FROZEN);
  }
}
