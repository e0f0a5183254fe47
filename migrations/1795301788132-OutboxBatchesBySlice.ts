import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim and record functions of the send path, rewritten to work on each
 * tenant's slice of the arrays. The callers pass a tenant's posts next to each
 * other; the first versions filtered the whole batch once per tenant and, for
 * the claim, once more per post (the planner rescans the unnested arrays in a
 * nested loop), so a statement shared by k tenants cost O(k² · posts). Now
 * each run of equal tenants is one slice, one set_config and one update found
 * by primary key. Same signatures, same rights (CREATE OR REPLACE keeps the
 * grants), same row-level security: `app.user_id` is set for each tenant
 * before its rows are touched, and every statement names the tenant as well.
 * A tenant whose posts are not next to each other still gets them all, in
 * more than one slice.
 */
const CLAIM = `CREATE OR REPLACE FUNCTION "tenant_claim_posts"(p_tenants uuid[], p_ids uuid[])
  RETURNS SETOF uuid LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
  DECLARE
    n integer := coalesce(array_length(p_tenants, 1), 0);
    i integer := 1;
    j integer;
    t uuid;
  BEGIN
    WHILE i <= n LOOP
      t := p_tenants[i];
      j := i;
      WHILE j < n AND p_tenants[j + 1] = t LOOP
        j := j + 1;
      END LOOP;
      PERFORM set_config('app.user_id', t::text, true);
      RETURN QUERY
        UPDATE posts p SET status = 'sending', attempts = p.attempts + 1, updated_at = now()
         WHERE p.id = ANY (p_ids[i:j]) AND p.user_id = t AND p.status = 'scheduled'
           AND p.telegram_message_id IS NULL
        RETURNING p.id;
      i := j + 1;
    END LOOP;
  END $$`;

const RECORD = `CREATE OR REPLACE FUNCTION "tenant_record_sent"(p_tenants uuid[], p_ids uuid[], p_message_ids bigint[], p_file_ids text[])
  RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
  DECLARE
    n integer := coalesce(array_length(p_tenants, 1), 0);
    i integer := 1;
    j integer;
    t uuid;
    changed integer;
    total integer := 0;
  BEGIN
    WHILE i <= n LOOP
      t := p_tenants[i];
      j := i;
      WHILE j < n AND p_tenants[j + 1] = t LOOP
        j := j + 1;
      END LOOP;
      PERFORM set_config('app.user_id', t::text, true);
      UPDATE posts p
         SET status = 'sent', telegram_message_id = s.message_id, sent_at = now(), error = NULL, updated_at = now(),
             media = CASE WHEN s.file_id IS NULL OR p.media IS NULL THEN p.media
                          ELSE jsonb_set(p.media, '{file_id}', to_jsonb(s.file_id)) END
        FROM unnest(p_ids[i:j], p_message_ids[i:j], p_file_ids[i:j]) AS s(id, message_id, file_id)
       WHERE p.id = s.id AND p.user_id = t;
      GET DIAGNOSTICS changed = ROW_COUNT;
      total := total + changed;
      i := j + 1;
    END LOOP;
    RETURN total;
  END $$`;

/** The bodies OutboxSendFunctions created, for down(). */
const CLAIM_BEFORE = `CREATE OR REPLACE FUNCTION "tenant_claim_posts"(p_tenants uuid[], p_ids uuid[])
  RETURNS SETOF uuid LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
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
      END $$`;

const RECORD_BEFORE = `CREATE OR REPLACE FUNCTION "tenant_record_sent"(p_tenants uuid[], p_ids uuid[], p_message_ids bigint[], p_file_ids text[])
  RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
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
      END $$`;

export class OutboxBatchesBySlice1795301788132 implements MigrationInterface {
  name = 'OutboxBatchesBySlice1795301788132';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CLAIM);
    await queryRunner.query(RECORD);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CLAIM_BEFORE);
    await queryRunner.query(RECORD_BEFORE);
  }
}
