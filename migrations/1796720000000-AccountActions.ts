import { MigrationInterface, QueryRunner } from 'typeorm';

const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;

/**
 * Messages a tenant sends as its own Telegram account (POST /api/user-mtproto/messages), one row per
 * idempotency key: the MTProto `random_id` derived from it, a fingerprint of the request (a key reused
 * for another message is refused), the answer once Telegram gave it, and meanwhile the file to send,
 * if any (in Postgres like a post's media: every api and worker pod reaches it, and Redis runs
 * `noeviction`). The file goes as soon as the message is sent. Row-level security like every tenant table.
 */
export class AccountActions1796720000000 implements MigrationInterface {
  name = 'AccountActions1796720000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mtproto_account_sends" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "idempotency_key" character varying(128) NOT NULL, "random_id" bigint NOT NULL, "fingerprint" character varying(64) NOT NULL, "result" jsonb, "file_bytes" bytea, "file_name" character varying(255), "mime_type" character varying(255), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_mtproto_account_sends" PRIMARY KEY ("user_id", "idempotency_key"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "mtproto_account_sends" ADD CONSTRAINT "FK_mtproto_account_sends_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "mtproto_account_sends" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "mtproto_account_sends" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "mtproto_account_sends" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mtproto_account_sends"`);
  }
}
