-- Partition maintenance of the analytics tables, channel_subscriber_samples and post_view_samples
-- (AnalyticsHousekeeping): creates the monthly partitions of this month and the coming months (moving
-- rows the default partition caught for such a month into it first), each with the tenant policy
-- every tenant table has, drops the partitions wholly older than the retention, and purges the
-- default partition past it. Runs on the admin pool; SECURITY DEFINER because only the tables' owner
-- may create and drop partitions, and executable by tenantgram_admin alone. p_now is a parameter so a
-- test can stand at any moment.
CREATE OR REPLACE FUNCTION public.analytics_maintain(p_retention_days integer, p_months_ahead integer, p_now timestamp with time zone)
 RETURNS TABLE(created text[], dropped text[])
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public'
AS $function$
  DECLARE
    this_month date := date_trunc('month', p_now AT TIME ZONE 'UTC')::date;
    cutoff timestamptz := p_now - make_interval(days => p_retention_days);
    tbl text;
    m date;
    lo timestamptz;
    hi timestamptz;
    part text;
    caught boolean;
    visible text := '"user_id" = NULLIF(current_setting(''app.user_id'', true), '''')::uuid';
    r record;
  BEGIN
    created := ARRAY[]::text[];
    dropped := ARRAY[]::text[];
    FOREACH tbl IN ARRAY ARRAY['channel_subscriber_samples', 'post_view_samples'] LOOP
      FOR i IN 0 .. p_months_ahead LOOP
        m := (this_month + make_interval(months => i))::date;
        part := tbl || '_p' || to_char(m, 'YYYYMM');
        lo := m::timestamp AT TIME ZONE 'UTC';
        hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CONTINUE WHEN to_regclass(part) IS NOT NULL OR hi <= cutoff;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I d WHERE d.sampled_at >= $1 AND d.sampled_at < $2)', tbl || '_default') INTO caught USING lo, hi;
        IF caught THEN
          EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, tbl);
          EXECUTE format('WITH moved AS (DELETE FROM %I d WHERE d.sampled_at >= $1 AND d.sampled_at < $2 RETURNING d.*) INSERT INTO %I SELECT * FROM moved', tbl || '_default', part) USING lo, hi;
          EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', tbl, part, lo, hi);
        ELSE
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, tbl, lo, hi);
        END IF;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', part);
        EXECUTE format('CREATE POLICY "tenant_isolation" ON %I FOR ALL USING (%s) WITH CHECK (%s)', part, visible, visible);
        created := created || part;
      END LOOP;
      FOR r IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = tbl::regclass AND c.relname ~ ('^' || tbl || '_p[0-9]{6}$')
         ORDER BY 1
      LOOP
        m := to_date(right(r.relname, 6), 'YYYYMM');
        IF (m + interval '1 month')::timestamp AT TIME ZONE 'UTC' <= cutoff THEN
          EXECUTE format('DROP TABLE %I', r.relname);
          dropped := dropped || r.relname::text;
        END IF;
      END LOOP;
      EXECUTE format('DELETE FROM %I d WHERE d.sampled_at < $1', tbl || '_default') USING cutoff;
    END LOOP;
    RETURN NEXT;
  END $function$
