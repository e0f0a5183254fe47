import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A one-round-trip read of a tenant's credentials: the function scopes itself
 * to the tenant (transaction-local app.user_id, as TenantDb.run does) and then
 * selects. It runs as its caller (SECURITY INVOKER), so row-level security
 * still decides what it sees; it saves the BEGIN / set_config / COMMIT round
 * trips on the hot path that resumes tenants' sessions and bots.
 */
export class TenantScopedCredentialsRead1795296077738 implements MigrationInterface {
  name = 'TenantScopedCredentialsRead1795296077738';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE FUNCTION "tenant_credentials"(p_tenant uuid) RETURNS SETOF "user_bot_credentials" LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$ BEGIN PERFORM set_config('app.user_id', p_tenant::text, true); RETURN QUERY SELECT * FROM "user_bot_credentials" WHERE "user_id" = p_tenant; END $$`,
    );
    await queryRunner.query(`REVOKE ALL ON FUNCTION "tenant_credentials"(uuid) FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION "tenant_credentials"(uuid) TO "tenantgram_app"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "tenant_credentials"(uuid)`);
  }
}
