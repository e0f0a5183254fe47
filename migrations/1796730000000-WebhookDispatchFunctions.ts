import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

/** The frozen versions of SQL functions (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

const FUNCTIONS = [
  'tenant_append_events',
  'tenant_webhook_dispatch',
  'tenant_webhook_record',
  'tenant_webhook_targets',
];

/**
 * Event delivery in single statements that scope themselves to each tenant: `tenant_append_events`
 * (events of many tenants through events_append), `tenant_webhook_dispatch` (an endpoint's next
 * events after its cursor, their first attempts and the cursor's move) and `tenant_webhook_record`
 * (attempts' outcomes, the next attempts and the endpoints' failure clocks), `tenant_webhook_targets`
 * (endpoints as deliveries and wake-ups read them, many lookups at once). Executed by the app role only.
 */
export class WebhookDispatchFunctions1796730000000 implements MigrationInterface {
  name = 'WebhookDispatchFunctions1796730000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await applySqlFunctions(
      queryRunner,
      {
        tenant_append_events: '48233a70f88d63ed',
        tenant_webhook_dispatch: 'd4817143db0ab49a',
        tenant_webhook_targets: '7098d778867c1dda',
        tenant_webhook_record: '0b3eb0e878b3df25',
      },
      FROZEN,
    );
    for (const fn of FUNCTIONS) {
      await queryRunner.query(`REVOKE EXECUTE ON FUNCTION public.${fn} FROM PUBLIC`);
      await queryRunner.query(`GRANT EXECUTE ON FUNCTION public.${fn} TO "tenantgram_app"`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const fn of [...FUNCTIONS].reverse()) await queryRunner.query(`DROP FUNCTION public.${fn}`);
  }
}
