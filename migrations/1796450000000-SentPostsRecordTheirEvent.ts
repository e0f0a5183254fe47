import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

/** The frozen versions of SQL functions (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

/**
 * `events_append`, the one statement that appends a tenant's events, and `tenant_record_sent` calling
 * it, so a sent post and its `post.sent` event commit together.
 */
export class SentPostsRecordTheirEvent1796450000000 implements MigrationInterface {
  name = 'SentPostsRecordTheirEvent1796450000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(
      queryRunner,
      {
        tenant_record_sent: '56b96938cac1c1fa',
        events_append: 'b8112a88fec050f3',
      },
      FROZEN,
    );
    await queryRunner.query(`REVOKE EXECUTE ON FUNCTION public.events_append FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION public.events_append TO "tenantgram_app"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION public.events_append`);
    await applySqlFunctions(
      queryRunner,
      {
        tenant_record_sent: 'c6a3c5059e019604',
      },
      FROZEN,
    );
  }
}
