-- Partition maintenance of the events table (EventsHousekeeping): creates the daily partitions of
-- the coming days (moving rows the default partition caught for such a day into it first), each
-- with the tenant policy every tenant table has, drops the partitions wholly older than the
-- retention, and purges the default partition and the dedupe keys past it. Runs on the admin pool;
-- SECURITY DEFINER because only the table's owner may create and drop partitions, and executable
-- by tenantgram_admin alone. p_now is a parameter so a test can stand at any moment.
CREATE OR REPLACE FUNCTION public.events_maintain(p_retention_days integer, p_days_ahead integer, p_now timestamp with time zone)
 RETURNS TABLE(created text[], dropped text[])
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public'
AS $function$
  DECLARE
    today date := (p_now AT TIME ZONE 'UTC')::date;
    cutoff timestamptz := p_now - make_interval(days => p_retention_days);
    d date;
    lo timestamptz;
    hi timestamptz;
    part text;
    visible text := '"user_id" = NULLIF(current_setting(''app.user_id'', true), '''')::uuid';
    r record;
  BEGIN
    created := ARRAY[]::text[];
    dropped := ARRAY[]::text[];
    FOR i IN 0 .. p_days_ahead LOOP
      d := today + i;
      part := 'events_p' || to_char(d, 'YYYYMMDD');
      CONTINUE WHEN to_regclass(part) IS NOT NULL OR d + 1 <= (cutoff AT TIME ZONE 'UTC')::date;
      lo := d::timestamp AT TIME ZONE 'UTC';
      hi := (d + 1)::timestamp AT TIME ZONE 'UTC';
      IF EXISTS (SELECT 1 FROM events_default e WHERE e.created_at >= lo AND e.created_at < hi) THEN
        EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('WITH moved AS (DELETE FROM events_default e WHERE e.created_at >= $1 AND e.created_at < $2 RETURNING e.*) INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
        EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      END IF;
      EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
      EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', part);
      EXECUTE format('CREATE POLICY "tenant_isolation" ON %I FOR ALL USING (%s) WITH CHECK (%s)', part, visible, visible);
      created := created || part;
    END LOOP;
    FOR r IN
      SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{8}$'
       ORDER BY 1
    LOOP
      IF to_date(substr(r.relname, 9), 'YYYYMMDD') + 1 <= (cutoff AT TIME ZONE 'UTC')::date THEN
        EXECUTE format('DROP TABLE %I', r.relname);
        dropped := dropped || r.relname::text;
      END IF;
    END LOOP;
    DELETE FROM events_default e WHERE e.created_at < cutoff;
    DELETE FROM event_keys k WHERE k.created_at < cutoff;
    RETURN NEXT;
  END $function$
