import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions, dropSqlFunctions, grantExecuteTo } from '../server/src/modules/database/sql-functions';

/** The frozen versions of SQL functions (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

const FUNCTIONS = ['audit_append', 'tenant_account_send_claim', 'tenant_account_send_record'];

/**
 * Sending as the tenant's account in single statements that scope themselves to the tenant:
 * `tenant_account_send_claim` (the idempotency key's row, written or found) and
 * `tenant_account_send_record` (Telegram's answer kept, the file let go, the send audited through
 * `audit_append`, the audit log's one-event append). Executed by the app role only.
 */
export class AccountSendFunctions1796750000000 implements MigrationInterface {
  name = 'AccountSendFunctions1796750000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(
      queryRunner,
      {
        audit_append: 'ea6d81663caa697d',
        tenant_account_send_claim: 'fbb06d6f8b13accb',
        tenant_account_send_record: '2117d77f914a48e9',
      },
      FROZEN,
    );
    await grantExecuteTo(queryRunner, FUNCTIONS, 'tenantgram_app');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await dropSqlFunctions(queryRunner, FUNCTIONS);
  }
}
