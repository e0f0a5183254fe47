import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

/** The frozen versions of SQL functions (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

/**
 * `tenant_slices`, the runs of equal tenants in a many-tenant statement's arguments, and the statements
 * that scope each run to its tenant walking them through it instead of each walking the array itself:
 * `tenant_append_events`, `tenant_claim_posts`, `tenant_record_sent`, `tenant_webhook_record`. Executed
 * by the app role, as its callers are.
 */
export class TenantSlices1796780000000 implements MigrationInterface {
  name = 'TenantSlices1796780000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(
      queryRunner,
      {
        tenant_append_events: '5098742672ee1197',
        tenant_claim_posts: 'c169e130147fb82f',
        tenant_record_sent: '6016fdf5e5aec26e',
        tenant_webhook_record: 'afbc71f2982b2894',
        tenant_slices: '7850b4268766a50c',
      },
      FROZEN,
    );
    await queryRunner.query(`REVOKE EXECUTE ON FUNCTION public.tenant_slices FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION public.tenant_slices TO "tenantgram_app"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION public.tenant_slices`);
    await applySqlFunctions(
      queryRunner,
      {
        tenant_append_events: '48233a70f88d63ed',
        tenant_claim_posts: '635283c5ce0775f3',
        tenant_record_sent: '56b96938cac1c1fa',
        tenant_webhook_record: '0b3eb0e878b3df25',
      },
      FROZEN,
    );
  }
}
