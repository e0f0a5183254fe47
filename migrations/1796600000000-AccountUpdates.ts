import { MigrationInterface, QueryRunner } from 'typeorm';

const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;
const TABLES = ['mtproto_account_updates', 'mtproto_channel_states', 'mtproto_known_peers'];

/**
 * Account updates (README, "Events"): whether a tenant's account receives updates, and where its update
 * state stands, so whichever worker holds the session resumes exactly after what was recorded.
 * - `mtproto_account_updates`: one row per tenant: `receive_updates`, the common box's state (`pts`,
 *   `qts`, `date`, `seq`; null until the first `updates.getState`) and `fence`, the lease fencing token
 *   of the last worker that recorded state (a worker with an older token records nothing).
 * - `mtproto_channel_states`: each channel's own `pts`, with the access hash `getChannelDifference` needs.
 * - `mtproto_known_peers`: every user the account has talked to, so `account.new_contact` is given once per person.
 * Row-level security on all three, like every tenant table.
 */
export class AccountUpdates1796600000000 implements MigrationInterface {
  name = 'AccountUpdates1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mtproto_account_updates" ("user_id" uuid NOT NULL, "receive_updates" boolean NOT NULL DEFAULT false, "pts" integer, "qts" integer, "date" integer, "seq" integer, "fence" bigint NOT NULL DEFAULT 0, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_mtproto_account_updates" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_mtproto_account_updates_receiving" ON "mtproto_account_updates" ("user_id") WHERE "receive_updates"`,
    );
    await queryRunner.query(
      `CREATE TABLE "mtproto_channel_states" ("user_id" uuid NOT NULL, "channel_id" bigint NOT NULL, "access_hash" text NOT NULL, "pts" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_mtproto_channel_states" PRIMARY KEY ("user_id", "channel_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "mtproto_known_peers" ("user_id" uuid NOT NULL, "peer_id" bigint NOT NULL, "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_mtproto_known_peers" PRIMARY KEY ("user_id", "peer_id"))`,
    );
    for (const table of TABLES) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "FK_${table}_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      );
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY "tenant_isolation" ON "${table}" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await queryRunner.query(`DROP TABLE "${table}"`);
  }
}
