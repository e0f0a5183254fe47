import { ANALYTICS_MONTHS_AHEAD, AnalyticsHousekeeping } from '../src/modules/analytics/analytics.housekeeping';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AnalyticsService, type ChannelSample } from '../src/modules/analytics/analytics.service';
import { PostStatus } from '../src/modules/posts/post.entity';
import { UserRole } from '../src/modules/tenants/user.entity';
import { TenantDb } from '../src/modules/database/tenant-db';
import { startTestApp, TestApp } from './helpers/test-app';
import { newStaff, newTenant, NewUser } from './factories/user.factory';
import { newPost } from './factories/post.factory';
import { newChannel } from './factories/channel.factory';
import { ownerQuery } from './helpers/bot-world';
import { rawHourViews, rawSeriesGains, rollupDisagreements, rollupHours } from './helpers/analytics-rollup';
import { bucketStart } from '../src/modules/analytics/analytics-query';

const at = (iso: string): Date => new Date(iso);

interface GainRow {
  message_id: number;
  views: number;
  views_gained: number;
  first_sample: boolean;
}

describe('channel analytics', () => {
  let t: TestApp;
  let owner: NewUser;
  let analytics: AnalyticsService;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await newTenant(t);
    analytics = t.app.get(AnalyticsService);
  });
  afterAll(async () => t?.close());

  const gains = (tenantId: string, channelId: string): Promise<GainRow[]> =>
    t.app.get(TenantDb).run(tenantId, (em) =>
      em.query<GainRow[]>(
        `SELECT message_id, views, views_gained, first_sample FROM post_view_samples
          WHERE channel_id = $1 ORDER BY message_id, sampled_at`,
        [channelId],
      ),
    );

  describe('reading them back', () => {
    // Message 1 was posted the day before sampling began; message 2 (a platform post) between samples.
    const OLD = '2026-11-01T08:00:00.000Z';
    const NEW = '2026-11-02T10:20:00.000Z';
    const SAMPLES: [string, number, [number, number, number], [number, number, number] | null][] = [
      // sampled at, subscribers, message 1's views/forwards/reactions, message 2's
      ['2026-11-02T10:05:00.000Z', 100, [50, 2, 1], null],
      ['2026-11-02T10:35:00.000Z', 101, [60, 3, 1], [5, 0, 0]],
      ['2026-11-02T11:10:00.000Z', 103, [70, 3, 2], [20, 1, 1]],
      ['2026-11-02T13:00:00.000Z', 102, [75, 3, 2], [40, 5, 1]],
    ];
    let channelId: string;
    let postId: string;
    const get = (path: string, query: Record<string, string> = {}, user: NewUser = owner): request.Test =>
      request(t.url).get(path).query(query).set(user.headers);

    beforeAll(async () => {
      channelId = (await newChannel(t, owner.user.id)).id;
      postId = (
        await newPost(t, owner.user.id, channelId, {
          status: PostStatus.Sent,
          scheduledAt: null,
          telegramMessageId: '2',
        })
      ).id;
      for (const [sampledAt, subscribers, one, two] of SAMPLES) {
        const counts = ([views, forwards, reactions]: [number, number, number]) => ({ views, forwards, reactions });
        await analytics.recordSample(owner.user.id, {
          channelId,
          sampledAt: at(sampledAt),
          subscribers,
          source: 'account',
          posts: [
            { messageId: 1, postedAt: at(OLD), ...counts(one) },
            ...(two ? [{ messageId: 2, postedAt: at(NEW), ...counts(two) }] : []),
          ],
        });
      }
    });

    it('answers an hourly series: views gained per hour, the last subscriber count known, posts published', async () => {
      const res = await get(`/api/channels/${channelId}/stats`, {
        from: '2026-11-02T10:30:00Z',
        to: '2026-11-02T14:00:00Z',
        interval: 'hour',
      }).expect(200);
      expect(res.body).toEqual({
        views_available: true,
        series: [
          // Message 1's views before its first sample were not gained this hour; message 2's were (posted 10:20).
          { at: '2026-11-02T10:00:00.000Z', subscribers: 101, views: 15, forwards: 1, reactions: 0, posts: 1 },
          { at: '2026-11-02T11:00:00.000Z', subscribers: 103, views: 25, forwards: 1, reactions: 2, posts: 0 },
          { at: '2026-11-02T12:00:00.000Z', subscribers: 103, views: 0, forwards: 0, reactions: 0, posts: 0 },
          { at: '2026-11-02T13:00:00.000Z', subscribers: 102, views: 25, forwards: 4, reactions: 0, posts: 0 },
        ],
      });
    });

    it('answers a daily series whose views are the difference of the latest counts between the day ends', async () => {
      const res = await get(`/api/channels/${channelId}/stats`, {
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-03T00:00:00Z',
        interval: 'day',
      }).expect(200);
      expect(res.body.series).toEqual([
        // Message 1 was published that day, but its first sample came the next: nothing was measured that day.
        { at: '2026-11-01T00:00:00.000Z', subscribers: null, views: 0, forwards: 0, reactions: 0, posts: 1 },
        // (75 - 50) for message 1, first seen the day after it was posted; 40 for message 2, posted that day.
        { at: '2026-11-02T00:00:00.000Z', subscribers: 102, views: 65, forwards: 6, reactions: 2, posts: 1 },
      ]);
    });

    it('answers the series as CSV', async () => {
      const res = await get(`/api/channels/${channelId}/stats`, {
        from: '2026-11-02T10:00:00Z',
        to: '2026-11-02T12:00:00Z',
        interval: 'hour',
        format: 'csv',
      }).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.text.split('\r\n')).toEqual([
        'at,subscribers,views,forwards,reactions,posts',
        '2026-11-02T10:00:00.000Z,101,15,1,0,1',
        '2026-11-02T11:00:00.000Z,103,25,1,2,0',
        '',
      ]);
    });

    it('ranks the posts of the range by their latest counts, naming the platform post that sent one', async () => {
      const range = { from: '2026-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z' };
      const byViews = await get(`/api/channels/${channelId}/stats/posts`, range).expect(200);
      expect(byViews.body).toEqual({
        posts: [
          {
            message_id: 1,
            post_id: null,
            posted_at: OLD,
            views: 75,
            forwards: 3,
            reactions: 2,
            sampled_at: '2026-11-02T13:00:00.000Z',
          },
          {
            message_id: 2,
            post_id: postId,
            posted_at: NEW,
            views: 40,
            forwards: 5,
            reactions: 1,
            sampled_at: '2026-11-02T13:00:00.000Z',
          },
        ],
      });
      const byForwards = await get(`/api/channels/${channelId}/stats/posts`, {
        ...range,
        sort: 'forwards',
        limit: '1',
      }).expect(200);
      expect(byForwards.body.posts.map((p: { message_id: number }) => p.message_id)).toEqual([2]);
      // Only posts published in the range.
      const later = await get(`/api/channels/${channelId}/stats/posts`, {
        from: '2026-11-02T00:00:00Z',
        to: '2026-11-03T00:00:00Z',
      }).expect(200);
      expect(later.body.posts.map((p: { message_id: number }) => p.message_id)).toEqual([2]);
      const csv = await get(`/api/channels/${channelId}/stats/posts`, { ...range, format: 'csv' }).expect(200);
      expect(csv.text.split('\r\n')[2]).toBe(`2,${postId},${NEW},40,5,1,2026-11-02T13:00:00.000Z`);
    });

    it("answers a post's curve by channel message and by platform post", async () => {
      const byMessage = await get(`/api/channels/${channelId}/messages/2/stats`).expect(200);
      const expected = [
        { at: '2026-11-02T10:35:00.000Z', views: 5, forwards: 0, reactions: 0 },
        { at: '2026-11-02T11:10:00.000Z', views: 20, forwards: 1, reactions: 1 },
        { at: '2026-11-02T13:00:00.000Z', views: 40, forwards: 5, reactions: 1 },
      ];
      expect(byMessage.body).toEqual({ points: expected });
      expect((await get(`/api/posts/${postId}/stats`).expect(200)).body).toEqual({ points: expected });
      expect((await get(`/api/channels/${channelId}/messages/1/stats`).expect(200)).body.points).toHaveLength(4);
      expect((await get(`/api/channels/${channelId}/messages/99/stats`).expect(200)).body).toEqual({ points: [] });
      const unsent = await newPost(t, owner.user.id, channelId);
      expect((await get(`/api/posts/${unsent.id}/stats`).expect(200)).body).toEqual({ points: [] });
      const csv = await get(`/api/posts/${postId}/stats`, { format: 'csv' }).expect(200);
      expect(csv.text.split('\r\n').slice(0, 2)).toEqual([
        'at,views,forwards,reactions',
        '2026-11-02T10:35:00.000Z,5,0,0',
      ]);
    });

    it('answers views gained by weekday and hour, every cell present', async () => {
      const res = await get(`/api/channels/${channelId}/stats/hours`, {
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-03T00:00:00Z',
      }).expect(200);
      const cells = res.body.cells as { weekday: number; hour: number; views: number }[];
      expect(cells).toHaveLength(168);
      const day = at('2026-11-02T00:00:00Z').getUTCDay();
      expect(cells.filter((c) => c.views !== 0)).toEqual([
        { weekday: day, hour: 10, views: 15 },
        { weekday: day, hour: 11, views: 25 },
        { weekday: day, hour: 13, views: 25 },
      ]);
      const csv = await get(`/api/channels/${channelId}/stats/hours`, { format: 'csv' }).expect(200);
      expect(csv.text.split('\r\n')[0]).toBe('weekday,hour,views');
    });

    it('says views are unavailable for a channel only the bot has sampled', async () => {
      const botOnly = await newChannel(t, owner.user.id);
      await analytics.recordSample(owner.user.id, {
        channelId: botOnly.id,
        sampledAt: at('2026-11-02T10:00:00Z'),
        subscribers: 42,
        source: 'bot',
        posts: [],
      });
      const res = await get(`/api/channels/${botOnly.id}/stats`, {
        from: '2026-11-02T10:00:00Z',
        to: '2026-11-02T11:00:00Z',
        interval: 'hour',
      }).expect(200);
      expect(res.body).toEqual({
        views_available: false,
        series: [
          { at: '2026-11-02T10:00:00.000Z', subscribers: 42, views: null, forwards: null, reactions: null, posts: 0 },
        ],
      });
    });

    it('refuses a bad query with what to fix', async () => {
      const path = `/api/channels/${channelId}/stats`;
      const bad: [string, Record<string, string>, string][] = [
        [path, { interval: 'minute' }, 'interval'],
        [path, { from: 'yesterday' }, 'from'],
        [path, { from: '2026-11-03T00:00:00Z', to: '2026-11-02T00:00:00Z' }, 'from'],
        [path, { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', interval: 'hour' }, 'interval'],
        [path, { format: 'xml' }, 'format'],
        [path, { to: '2026-13-45T00:00:00Z' }, 'to'],
        [`${path}/posts`, { sort: 'likes' }, 'sort'],
        [`${path}/posts`, { limit: '0' }, 'limit'],
        [`${path}/posts`, { limit: '101' }, 'limit'],
        [`${path}/hours`, { from: '2000-01-01T00:00:00Z' }, 'from'],
        [`/api/channels/${channelId}/messages/-3/stats`, {}, 'message_id'],
      ];
      for (const [url, query, field] of bad) {
        const res = await get(url, query);
        expect({ url, query, status: res.status, code: res.body.error?.code }).toEqual({
          url,
          query,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(res.body.error.message).toContain(field);
      }
    });

    it("answers 404 for another tenant's channel and post, and shows them no samples (row-level security)", async () => {
      const other = await newTenant(t);
      for (const path of [
        `/api/channels/${channelId}/stats`,
        `/api/channels/${channelId}/stats/posts`,
        `/api/channels/${channelId}/stats/hours`,
        `/api/channels/${channelId}/messages/1/stats`,
        `/api/posts/${postId}/stats`,
      ]) {
        const res = await get(path, {}, other);
        expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
          path,
          status: 404,
          code: 'NOT_FOUND',
        });
      }
      const count = (tenantId: string): Promise<{ n: number }[]> =>
        t.app
          .get(TenantDb)
          .run(tenantId, (em) =>
            em.query<{ n: number }[]>(
              `SELECT (SELECT count(*) FROM post_view_samples)::int + (SELECT count(*) FROM channel_subscriber_samples)::int AS n`,
            ),
          );
      expect(await count(other.user.id)).toEqual([{ n: 0 }]);
      expect((await count(owner.user.id))[0]?.n).toBeGreaterThan(0);
      // Nor can a write in another tenant's name get through.
      await expect(
        t.app.get(TenantDb).run(other.user.id, (em) =>
          em.query(
            `INSERT INTO channel_subscriber_samples (user_id, channel_id, sampled_at, subscribers, source)
             VALUES ($1, $2, now(), 1, 'bot')`,
            [owner.user.id, channelId],
          ),
        ),
      ).rejects.toThrow(/row-level security/);
    });

    it("shows support the tenant's channel stats, and only the tenant's channel under that tenant", async () => {
      const support = await newStaff(t, UserRole.Support);
      const query = { from: '2026-11-02T10:30:00Z', to: '2026-11-02T14:00:00Z', interval: 'hour' };
      const mine = await get(`/api/channels/${channelId}/stats`, query).expect(200);
      const theirs = await get(
        `/api/admin/tenants/${owner.user.id}/channels/${channelId}/stats`,
        query,
        support,
      ).expect(200);
      expect(theirs.body).toEqual(mine.body);
      const posts = await get(
        `/api/admin/tenants/${owner.user.id}/channels/${channelId}/stats/posts`,
        {
          from: '2026-11-01T00:00:00Z',
          to: '2026-11-03T00:00:00Z',
          format: 'csv',
        },
        support,
      ).expect(200);
      expect(posts.headers['content-type']).toMatch(/^text\/csv/);
      // Both reads are in the audit trail under the staff member's name, for that tenant's channel.
      const reads = await t.app.get(DataSource).query<{ tenant_id: string; target: string; reason: string }[]>(
        `SELECT tenant_id, target, meta->>'reason' AS reason FROM audit_events
            WHERE action = 'admin.data_access' AND actor_id = $1 ORDER BY id`,
        [support.user.id],
      );
      expect(reads).toEqual([
        { tenant_id: owner.user.id, target: channelId, reason: 'channel stats' },
        { tenant_id: owner.user.id, target: channelId, reason: 'channel top posts' },
      ]);
      const other = await newTenant(t);
      await get(`/api/admin/tenants/${other.user.id}/channels/${channelId}/stats`, {}, support).expect(404);
      await get(`/api/admin/tenants/not-a-uuid/channels/${channelId}/stats`, {}, support).expect(404);
      await get(`/api/admin/tenants/${owner.user.id}/channels/${channelId}/stats`, {}, owner).expect(403);
    });
  });

  describe('recording samples', () => {
    it('stores each post with what it gained since its previous sample, and knows the latest sample', async () => {
      const channel = await newChannel(t, owner.user.id);
      expect(await analytics.latestSampleAt(owner.user.id, channel.id)).toBeNull();
      const sample = (sampledAt: string, views: number[]): ChannelSample => ({
        channelId: channel.id,
        sampledAt: at(sampledAt),
        subscribers: 100,
        source: 'account',
        posts: views.map((v, i) => ({
          messageId: i + 1,
          postedAt: at('2026-11-01T10:00:00Z'),
          views: v,
          forwards: 0,
          reactions: 0,
        })),
      });
      await analytics.recordSample(owner.user.id, sample('2026-11-01T11:00:00Z', [10]));
      await analytics.recordSample(owner.user.id, sample('2026-11-01T13:00:00Z', [30, 5]));
      // A late write between the two: the next sample's gains are recomputed from it.
      await analytics.recordSample(owner.user.id, sample('2026-11-01T12:00:00Z', [25]));
      // The same instant again stores nothing twice.
      await analytics.recordSample(owner.user.id, sample('2026-11-01T13:00:00Z', [30, 5]));
      expect(await gains(owner.user.id, channel.id)).toEqual([
        { message_id: 1, views: 10, views_gained: 10, first_sample: true },
        { message_id: 1, views: 25, views_gained: 15, first_sample: false },
        { message_id: 1, views: 30, views_gained: 5, first_sample: false },
        { message_id: 2, views: 5, views_gained: 5, first_sample: true },
      ]);
      expect(await analytics.latestSampleAt(owner.user.id, channel.id)).toEqual(at('2026-11-01T13:00:00Z'));
    });

    it('keeps the hourly rollup equal to the samples: across hours, days and weeks, late and repeated writes', async () => {
      const channel = await newChannel(t, owner.user.id);
      // Published: in the hour of its first sample (1), earlier that day (2), the week before (3), earlier that
      // week (4), long before (5). Monday 2026-11-09 starts a week.
      const POSTED: Record<number, string> = {
        1: '2026-11-09T10:05:00Z',
        2: '2026-11-09T08:00:00Z',
        3: '2026-11-08T22:00:00Z',
        4: '2026-11-10T01:00:00Z',
        5: '2026-10-20T06:00:00Z',
      };
      const record = (sampledAt: string, messages: number[]): Promise<void> =>
        analytics.recordSample(owner.user.id, {
          channelId: channel.id,
          sampledAt: at(sampledAt),
          subscribers: 100,
          source: 'account',
          posts: messages.map((messageId) => {
            const minutes = Math.floor((at(sampledAt).getTime() - at(POSTED[messageId] ?? '').getTime()) / 60_000);
            const views = minutes * messageId;
            return {
              messageId,
              postedAt: at(POSTED[messageId] ?? ''),
              views,
              forwards: views >> 4,
              reactions: views >> 3,
            };
          }),
        });
      await record('2026-11-09T10:20:00Z', [1, 5]);
      await record('2026-11-09T11:10:00Z', [1, 2, 3, 5]);
      await record('2026-11-09T11:40:00Z', [1, 2, 3]);
      await record('2026-11-10T12:00:00Z', [1, 2, 3, 5]);
      await record('2026-11-11T02:00:00Z', [1, 2, 3, 4, 5]);
      await record('2026-11-16T09:00:00Z', [1, 4]);
      await record('2026-11-17T09:00:00Z', [1, 4, 5]);
      // Late writes: one between recorded samples, one before a post's first sample (which then is not first).
      await record('2026-11-09T13:30:00Z', [1, 2, 3]);
      await record('2026-11-09T09:30:00Z', [2]);
      // A retried write stores nothing twice.
      await record('2026-11-10T12:00:00Z', [1, 2, 3, 5]);
      expect(await rollupDisagreements(t, channel.id)).toEqual([]);
      expect(await rollupHours(t, channel.id)).toBe(8);

      // Series and hours of the week read the rollup for whole hours and the samples for the hours a range's
      // ends cut: they answer what the samples alone give, for ranges ending (and, for hours, starting) mid-hour.
      const RANGES: [string, string][] = [
        ['2026-11-09T10:30:00Z', '2026-11-16T09:30:00Z'],
        ['2026-11-09T11:15:00Z', '2026-11-09T11:50:00Z'],
        ['2026-11-09T09:40:00Z', '2026-11-09T11:20:00Z'],
        ['2026-11-09T09:00:00Z', '2026-11-09T13:45:00Z'],
        ['2026-11-01T00:00:00Z', '2026-11-20T00:00:00Z'],
      ];
      for (const [a, b] of RANGES) {
        for (const interval of ['hour', 'day', 'week'] as const) {
          const from = bucketStart(at(a), interval);
          const stats = await analytics.stats(owner.user.id, channel.id, { from, to: at(b), interval });
          const raw = await rawSeriesGains(
            t,
            channel.id,
            from,
            at(b),
            { hour: '1 hour', day: '1 day', week: '7 days' }[interval],
          );
          const answered = stats.series
            .filter((p) => p.views !== 0 || p.forwards !== 0 || p.reactions !== 0)
            .map((p) => [p.at.getTime(), p.views, p.forwards, p.reactions]);
          expect({ range: [a, b], interval, gains: answered }).toEqual({
            range: [a, b],
            interval,
            gains: raw.filter(([, v, f, r]) => v !== 0 || f !== 0 || r !== 0),
          });
        }
        const hours = await analytics.hours(owner.user.id, channel.id, { from: at(a), to: at(b) });
        const rawHours = await rawHourViews(t, channel.id, at(a), at(b));
        expect({ range: [a, b], cells: hours.cells.filter((c) => c.views !== 0) }).toEqual({
          range: [a, b],
          cells: hours.cells
            .filter((c) => (rawHours.get(c.weekday * 24 + c.hour) ?? 0) !== 0)
            .map((c) => ({ ...c, views: rawHours.get(c.weekday * 24 + c.hour) })),
        });
      }
    });

    it("refuses a sample of another tenant's channel", async () => {
      const other = await newTenant(t);
      const theirs = await newChannel(t, other.user.id);
      await expect(
        analytics.recordSample(owner.user.id, {
          channelId: theirs.id,
          sampledAt: new Date(),
          subscribers: 1,
          source: 'bot',
          posts: [],
        }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await analytics.latestSampleAt(other.user.id, theirs.id)).toBeNull();
    });
  });
});

/** `<table>_pYYYYMM` of the month `months` after the one holding `d` (UTC). */
const monthPartition = (table: string, d: Date, months = 0): string => {
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  return `${table}_p${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
};

describe('channel analytics housekeeping (a short retention)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ANALYTICS_RETENTION_DAYS: '31' } });
  });
  afterAll(async () => t?.close());

  const partitions = async (): Promise<string[]> =>
    (
      await ownerQuery<{ name: string }>(
        t,
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent IN ('channel_subscriber_samples'::regclass, 'post_view_samples'::regclass,
                                'channel_hourly_stats'::regclass) ORDER BY 1`,
      )
    ).map((r) => r.name);

  it('has this month and the coming months partitioned, each partition under row-level security', async () => {
    const now = new Date();
    await t.app.get(AnalyticsHousekeeping).runPass(now);
    const names = await partitions();
    for (const table of ['channel_subscriber_samples', 'post_view_samples', 'channel_hourly_stats']) {
      for (let i = 0; i <= ANALYTICS_MONTHS_AHEAD; i++) expect(names).toContain(monthPartition(table, now, i));
      expect(names).toContain(`${table}_default`);
    }
    const unguarded = await ownerQuery<{ name: string }>(
      t,
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent IN ('channel_subscriber_samples'::regclass, 'post_view_samples'::regclass,
                              'channel_hourly_stats'::regclass)
          AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                   AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname))`,
    );
    expect(unguarded).toEqual([]);
  });

  it('drops the partitions past the retention with their samples and rollup, and gives the month its partition back', async () => {
    const owner = await newTenant(t);
    const channel = await newChannel(t, owner.user.id);
    const analytics = t.app.get(AnalyticsService);
    const now = new Date();
    const HOUR = 3_600_000;
    // Samples of this month's partition, and older ones the default partition holds (no partition for their
    // month), some past the retention of 31 days and one in the hour it begins in.
    const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 12));
    const moments = [
      new Date(now.getTime() - 40 * 86_400_000),
      new Date(now.getTime() - 31 * 86_400_000 - 5 * 60_000),
      new Date(now.getTime() - 31 * 86_400_000 + 5 * 60_000),
      new Date(now.getTime() - 20 * 86_400_000),
      thisMonth,
      new Date(Math.max(thisMonth.getTime() + HOUR, now.getTime() - HOUR)),
      now,
    ].sort((a, b) => a.getTime() - b.getTime());
    const postedAt = new Date(now.getTime() - 45 * 86_400_000);
    for (const [i, sampledAt] of moments.entries()) {
      await analytics.recordSample(owner.user.id, {
        channelId: channel.id,
        sampledAt,
        subscribers: 7,
        source: 'account',
        posts: [
          { messageId: 1, postedAt, views: 3 + i * 10, forwards: i, reactions: 0 },
          { messageId: 2 + i, postedAt: new Date(sampledAt.getTime() - 60_000), views: 5, forwards: 0, reactions: 1 },
        ],
      });
    }
    const housekeeping = t.app.get(AnalyticsHousekeeping);
    const hoursBefore = await rollupHours(t, channel.id);
    // Today, with a retention of 31 days: the default partition loses what is past it, by whole hours.
    await housekeeping.runPass(now);
    expect(await rollupDisagreements(t, channel.id)).toEqual([]);
    expect(await rollupHours(t, channel.id)).toBeLessThan(hoursBefore);
    expect(await rollupHours(t, channel.id)).toBeGreaterThan(0);
    // Two months on, this month's partitions have expired.
    const later = new Date(now.getTime() + 62 * 86_400_000);
    const result = await housekeeping.runPass(later);
    expect(result.dropped).toEqual(
      expect.arrayContaining([
        monthPartition('channel_subscriber_samples', now),
        monthPartition('post_view_samples', now),
        monthPartition('channel_hourly_stats', now),
      ]),
    );
    expect(result.created).toContain(monthPartition('post_view_samples', later, ANALYTICS_MONTHS_AHEAD));
    expect(result.created).toContain(monthPartition('channel_hourly_stats', later, ANALYTICS_MONTHS_AHEAD));
    expect(await partitions()).not.toContain(monthPartition('post_view_samples', now));
    expect(await analytics.latestSampleAt(owner.user.id, channel.id)).toBeNull();
    expect(await rollupDisagreements(t, channel.id)).toEqual([]);
    expect(await rollupHours(t, channel.id)).toBe(0);

    // Back at today: the month is within the retention again and gets its partitions back.
    const again = await housekeeping.runPass(now);
    expect(again.created).toEqual(
      expect.arrayContaining([
        monthPartition('channel_subscriber_samples', now),
        monthPartition('post_view_samples', now),
        monthPartition('channel_hourly_stats', now),
      ]),
    );
    expect(again.dropped).toEqual([]);
  });

  it('moves samples the default partition caught into the month partition created for them', async () => {
    const owner = await newTenant(t);
    const channel = await newChannel(t, owner.user.id);
    const analytics = t.app.get(AnalyticsService);
    const housekeeping = t.app.get(AnalyticsHousekeeping);
    const now = new Date();
    const far = new Date(now.getTime() + 200 * 86_400_000);
    await analytics.recordSample(owner.user.id, {
      channelId: channel.id,
      sampledAt: far,
      subscribers: 9,
      source: 'bot',
      posts: [],
    });
    const where = async (): Promise<string | undefined> =>
      (
        await ownerQuery<{ part: string }>(
          t,
          `SELECT tableoid::regclass::text AS part FROM channel_subscriber_samples WHERE channel_id = $1`,
          [channel.id],
        )
      )[0]?.part;
    expect(await where()).toBe('channel_subscriber_samples_default');
    await housekeeping.runPass(far);
    expect(await where()).toBe(monthPartition('channel_subscriber_samples', far));
    expect(await analytics.latestSampleAt(owner.user.id, channel.id)).toEqual(far);
  });
});
