import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

/**
 * Where each version lives when it is no longer the source: history does not change, so a version a
 * migration applies (up or down) is kept here once, frozen, named by its fingerprint.
 */
const FROZEN = path.join(__dirname, 'sql-functions');

/**
 * Every SQL function from its one source file (`server/src/modules/<module>/sql/<name>.sql`, see
 * README, "Changing a SQL function"). The bodies are those the earlier migrations wrote, laid out
 * alike; behaviour, signatures, attributes and grants do not change (CREATE OR REPLACE keeps grants).
 */
export class SqlFunctionsFromSource1796347733308 implements MigrationInterface {
  name = 'SqlFunctionsFromSource1796347733308';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(
      queryRunner,
      {
        audit_events_append_only: '224e34102b319175',
        tenant_credentials: 'dcc53ca097f284e7',
        tenant_due_posts: 'bf81f6369e110670',
        tenant_claim_posts: '52a4ac0d108fd05f',
        tenant_record_sent: '07cbfdde61e08cc9',
        tg_due_post_channels: 'cf0ffe94568c75c6',
        tg_bot_owner: '0ab62185ebe764ae',
        tg_active_bots: '0edf296b410d346e',
      },
      FROZEN,
    );
  }

  /** The definitions as the earlier migrations left them (frozen once from a migrated database). */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(
      queryRunner,
      {
        audit_events_append_only: 'f540e3439c9cd985',
        tenant_credentials: '0950da3daa227c2e',
        tenant_due_posts: 'b8d6b2d3861c7864',
        tenant_claim_posts: '635283c5ce0775f3',
        tenant_record_sent: 'c6a3c5059e019604',
        tg_due_post_channels: '7e2e036cb5992362',
        tg_bot_owner: '4ea7227e594b350d',
        tg_active_bots: '07eafb049bc952b6',
      },
      FROZEN,
    );
  }
}
