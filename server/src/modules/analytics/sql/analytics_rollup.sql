-- The hourly rollup of a channel's post samples (AnalyticsRepository.recordSample, after each sample, and the
-- migration's backfill): recomputes channel_hourly_stats for the UTC hours holding p_hours from
-- post_view_samples, so a series reads one row an hour. Per hour: what the samples gained, leaving out a
-- post's first sample when the post was published before the hour (views_gained …), the first samples
-- of posts published earlier the same UTC day (*_first_in_day) and earlier the same week, Monday on
-- (*_first_in_week), which a day's and a week's bucket count, and the counted views measured while the
-- post was younger than 7 days (views_young: the hours of the week). Idempotent; runs in the caller's
-- tenant scope (row-level security applies), executable by tenantgram_app.
CREATE OR REPLACE FUNCTION public.analytics_rollup(p_user_id uuid, p_channel_id uuid, p_hours timestamp with time zone[])
 RETURNS void
 LANGUAGE sql
 SET search_path TO 'public'
AS $function$
  INSERT INTO channel_hourly_stats AS r (user_id, channel_id, hour, views_gained, forwards_gained, reactions_gained,
         views_first_in_day, forwards_first_in_day, reactions_first_in_day,
         views_first_in_week, forwards_first_in_week, reactions_first_in_week, views_young)
  SELECT p_user_id, p_channel_id, h.hour,
         coalesce(sum(s.views_gained) FILTER (WHERE s.counted), 0),
         coalesce(sum(s.forwards_gained) FILTER (WHERE s.counted), 0),
         coalesce(sum(s.reactions_gained) FILTER (WHERE s.counted), 0),
         coalesce(sum(s.views_gained) FILTER (WHERE s.in_day), 0),
         coalesce(sum(s.forwards_gained) FILTER (WHERE s.in_day), 0),
         coalesce(sum(s.reactions_gained) FILTER (WHERE s.in_day), 0),
         coalesce(sum(s.views_gained) FILTER (WHERE s.in_week), 0),
         coalesce(sum(s.forwards_gained) FILTER (WHERE s.in_week), 0),
         coalesce(sum(s.reactions_gained) FILTER (WHERE s.in_week), 0),
         coalesce(sum(s.views_gained) FILTER (WHERE s.counted AND s.young), 0)
    FROM (SELECT DISTINCT date_bin('01:00:00'::interval, x.at, '2000-01-03 00:00:00+00'::timestamp with time zone) AS hour
            FROM unnest(p_hours) x(at)) h
    CROSS JOIN LATERAL (SELECT date_bin('1 day'::interval, h.hour, '2000-01-03 00:00:00+00'::timestamp with time zone) AS day,
                               date_bin('7 days'::interval, h.hour, '2000-01-03 00:00:00+00'::timestamp with time zone) AS week) b
    LEFT JOIN LATERAL (
      SELECT q.views_gained, q.forwards_gained, q.reactions_gained,
             NOT q.first_sample OR q.posted_at >= h.hour AS counted,
             q.first_sample AND q.posted_at < h.hour AND q.posted_at >= b.day AS in_day,
             q.first_sample AND q.posted_at < b.day AND q.posted_at >= b.week AS in_week,
             q.sampled_at < q.posted_at + '7 days'::interval AS young
        FROM post_view_samples q
       WHERE q.channel_id = p_channel_id AND q.sampled_at >= h.hour AND q.sampled_at < h.hour + '01:00:00'::interval
    ) s ON true
   GROUP BY h.hour
  ON CONFLICT (channel_id, hour) DO UPDATE
     SET views_gained = excluded.views_gained, forwards_gained = excluded.forwards_gained,
         reactions_gained = excluded.reactions_gained, views_first_in_day = excluded.views_first_in_day,
         forwards_first_in_day = excluded.forwards_first_in_day, reactions_first_in_day = excluded.reactions_first_in_day,
         views_first_in_week = excluded.views_first_in_week, forwards_first_in_week = excluded.forwards_first_in_week,
         reactions_first_in_week = excluded.reactions_first_in_week, views_young = excluded.views_young
$function$
