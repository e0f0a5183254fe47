import { MigrationInterface, QueryRunner } from 'typeorm';

const APP_ROLE = 'tenantgram_app';
const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;

/** Uploaded post media waits for its post here instead of in Redis (see PostMediaFile). */
export class PostMedia1795400000000 implements MigrationInterface {
  name = 'PostMedia1795400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "post_media" ("post_id" uuid NOT NULL, "user_id" uuid NOT NULL, "bytes" bytea NOT NULL, "size" integer NOT NULL, "file_name" character varying(255) NOT NULL, "mime_type" character varying(255) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_post_media" PRIMARY KEY ("post_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_post_media_user" ON "post_media" ("user_id") `);
    await queryRunner.query(
      `ALTER TABLE "post_media" ADD CONSTRAINT "FK_post_media_post" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "post_media" ADD CONSTRAINT "FK_post_media_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Already large when it arrives: compressing it again would only cost CPU.
    await queryRunner.query(`ALTER TABLE "post_media" ALTER COLUMN "bytes" SET STORAGE EXTERNAL`);
    await queryRunner.query(`ALTER TABLE "post_media" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "post_media" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "post_media" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "post_media" TO "${APP_ROLE}"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "post_media"`);
    await queryRunner.query(`ALTER TABLE "post_media" DROP CONSTRAINT "FK_post_media_user"`);
    await queryRunner.query(`ALTER TABLE "post_media" DROP CONSTRAINT "FK_post_media_post"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_post_media_user"`);
    await queryRunner.query(`DROP TABLE "post_media"`);
  }
}
