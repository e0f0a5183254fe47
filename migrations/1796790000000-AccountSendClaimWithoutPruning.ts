import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions, grantExecuteTo } from '../server/src/modules/database/sql-functions';

/** The frozen versions of SQL functions (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

const CLAIM = 'tenant_account_send_claim';
const WITH_KEEP_DAYS = `public.${CLAIM}(uuid[], text, bigint, text, bytea, text, text, integer)`;
const WITHOUT_KEEP_DAYS = `public.${CLAIM}(uuid[], text, bigint, text, bytea, text, text)`;

/**
 * A send's idempotency claim no longer forgets old keys on the way (the worker's sweep does, so the
 * claim's cost does not vary), and commits without waiting for the WAL flush: a lost claim is harmless,
 * since the key's random_id makes Telegram send its message once. One argument fewer, so the old
 * function is dropped before the new one is created. The sweep finds old keys by `created_at`.
 */
export class AccountSendClaimWithoutPruning1796790000000 implements MigrationInterface {
  name = 'AccountSendClaimWithoutPruning1796790000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION ${WITH_KEEP_DAYS}`);
    await applySqlFunctions(queryRunner, { [CLAIM]: '1672ab5e4f684770' }, FROZEN);
    await grantExecuteTo(queryRunner, [CLAIM], 'tenantgram_app');
    await queryRunner.query(
      `CREATE INDEX "IDX_mtproto_account_sends_created_at" ON "mtproto_account_sends" ("created_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_mtproto_account_sends_created_at"`);
    await queryRunner.query(`DROP FUNCTION ${WITHOUT_KEEP_DAYS}`);
    await applySqlFunctions(queryRunner, { [CLAIM]: 'fbb06d6f8b13accb' }, FROZEN);
    await grantExecuteTo(queryRunner, [CLAIM], 'tenantgram_app');
  }
}
