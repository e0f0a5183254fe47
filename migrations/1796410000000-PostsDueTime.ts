import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

/** The frozen versions of SQL functions (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

const APP_ROLE = 'tenantgram_app';
const DROP = 'DROP FUNCTION public.tenant_due_posts(uuid[], integer[])';
const GRANT = `GRANT EXECUTE ON FUNCTION public.tenant_due_posts(uuid[], integer[]) TO "${APP_ROLE}"`;
const REVOKE_PUBLIC = 'REVOKE EXECUTE ON FUNCTION public.tenant_due_posts(uuid[], integer[]) FROM PUBLIC';

/**
 * `tenant_due_posts` also answers since when each post is due (`due_at`), for the sender's
 * due-to-sent delay. Its result type changes, so it is dropped and created again, with its grants.
 */
export class PostsDueTime1796410000000 implements MigrationInterface {
  name = 'PostsDueTime1796410000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(DROP);
    await applySqlFunctions(queryRunner, { tenant_due_posts: 'c4f31b95a4a13704' }, FROZEN);
    await queryRunner.query(REVOKE_PUBLIC);
    await queryRunner.query(GRANT);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(DROP);
    await applySqlFunctions(queryRunner, { tenant_due_posts: 'b8d6b2d3861c7864' }, FROZEN);
    await queryRunner.query(REVOKE_PUBLIC);
    await queryRunner.query(GRANT);
  }
}
