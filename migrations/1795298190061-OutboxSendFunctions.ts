import { MigrationInterface, QueryRunner } from 'typeorm';

const APP_ROLE = 'tenantgram_app';

/**
 * The send path's three statements (find the next post of each channel, claim
 * a batch, record a batch as sent), each one round trip for any number of
 * tenants: the senders of many tenants running at once share a statement.
 * For each tenant in turn the function scopes its transaction to that tenant
 * (`app.user_id`, transaction-local) before touching a row, so row-level
 * security applies exactly as in a TenantDb.run transaction, and every
 * statement also names the tenant. SECURITY INVOKER: they run as the caller,
 * with the caller's rights and no more.
 */
const FUNCTIONS: { name: string; signature: string; sql: string }[] = [
  {
    // Per requested tenant (ord: its position in p_tenants): the oldest due, unsent post of each
    // of its channels, oldest first, up to its limit, with how many are due in that channel.
    name: 'tenant_due_posts',
    signature: 'p_tenants uuid[], p_limits integer[]',
    sql: `RETURNS TABLE (ord integer, post_id uuid, channel_id uuid, status varchar, text text, parse_mode varchar,
        media jsonb, attempts integer, chat_id bigint, chat_username varchar, owner_status varchar, due_in_channel integer)
      LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
      DECLARE t uuid;
      BEGIN
        FOR i IN 1 .. coalesce(array_length(p_tenants, 1), 0) LOOP
          t := p_tenants[i];
          PERFORM set_config('app.user_id', t::text, true);
          RETURN QUERY
            SELECT i, h.id, h.channel_id, h.status, h.text, h.parse_mode, h.media, h.attempts, c.telegram_id, c.username,
                   (SELECT u.status FROM users u WHERE u.id = t), h.due::integer
              FROM (SELECT DISTINCT ON (p.channel_id) p.*, count(*) OVER (PARTITION BY p.channel_id) AS due FROM posts p
                     WHERE p.user_id = t AND p.status IN ('scheduled', 'sending') AND p.telegram_message_id IS NULL
                       AND (p.scheduled_at IS NULL OR p.scheduled_at <= now())
                     ORDER BY p.channel_id, p.created_at, p.id) h
              JOIN channels c ON c.id = h.channel_id
             ORDER BY h.created_at, h.id
             LIMIT p_limits[i];
        END LOOP;
      END $$`,
  },
  {
    // Marks posts (p_ids[i] of tenant p_tenants[i]) as going out now; answers the ids the caller
    // won (a post claimed or cancelled meanwhile is not).
    name: 'tenant_claim_posts',
    signature: 'p_tenants uuid[], p_ids uuid[]',
    sql: `RETURNS SETOF uuid LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
      DECLARE t uuid;
      BEGIN
        FOR t IN SELECT DISTINCT x FROM unnest(p_tenants) AS x LOOP
          PERFORM set_config('app.user_id', t::text, true);
          RETURN QUERY
            UPDATE posts p SET status = 'sending', attempts = p.attempts + 1, updated_at = now()
              FROM unnest(p_tenants, p_ids) AS s(tenant, id)
             WHERE s.tenant = t AND p.id = s.id AND p.user_id = t AND p.status = 'scheduled'
               AND p.telegram_message_id IS NULL
            RETURNING p.id;
        END LOOP;
      END $$`,
  },
  {
    // Records Telegram's message ids (and the file_id of an uploaded attachment) for posts it accepted.
    name: 'tenant_record_sent',
    signature: 'p_tenants uuid[], p_ids uuid[], p_message_ids bigint[], p_file_ids text[]',
    sql: `RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
      DECLARE t uuid; n integer; total integer := 0;
      BEGIN
        FOR t IN SELECT DISTINCT x FROM unnest(p_tenants) AS x LOOP
          PERFORM set_config('app.user_id', t::text, true);
          UPDATE posts p
             SET status = 'sent', telegram_message_id = s.message_id, sent_at = now(), error = NULL, updated_at = now(),
                 media = CASE WHEN s.file_id IS NULL OR p.media IS NULL THEN p.media
                              ELSE jsonb_set(p.media, '{file_id}', to_jsonb(s.file_id)) END
            FROM unnest(p_tenants, p_ids, p_message_ids, p_file_ids) AS s(tenant, id, message_id, file_id)
           WHERE s.tenant = t AND p.id = s.id AND p.user_id = t;
          GET DIAGNOSTICS n = ROW_COUNT;
          total := total + n;
        END LOOP;
        RETURN total;
      END $$`,
  },
];

export class OutboxSendFunctions1795298190061 implements MigrationInterface {
  name = 'OutboxSendFunctions1795298190061';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Every index on posts is written twice per post sent (claim, record). These two served lookups
    // that the outbox index below (the sweep) and the (user_id, idempotency_key) key (a tenant's posts) serve.
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_status_scheduled_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_user_id"`);
    // Only posts still to send: stays small however many posts a tenant has sent.
    await queryRunner.query(
      `CREATE INDEX "IDX_posts_outbox" ON "posts" ("user_id", "channel_id", "created_at") WHERE "status" IN ('scheduled', 'sending') AND "telegram_message_id" IS NULL`,
    );
    for (const fn of FUNCTIONS) {
      await queryRunner.query(`CREATE FUNCTION "${fn.name}"(${fn.signature}) ${fn.sql}`);
      await queryRunner.query(`REVOKE ALL ON FUNCTION "${fn.name}"(${fn.signature}) FROM PUBLIC`);
      await queryRunner.query(`GRANT EXECUTE ON FUNCTION "${fn.name}"(${fn.signature}) TO "${APP_ROLE}"`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const fn of [...FUNCTIONS].reverse()) {
      await queryRunner.query(`DROP FUNCTION IF EXISTS "${fn.name}"(${fn.signature})`);
    }
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_outbox"`);
    await queryRunner.query(`CREATE INDEX "IDX_posts_user_id" ON "posts" ("user_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_posts_status_scheduled_at" ON "posts" ("status", "scheduled_at") `);
  }
}
