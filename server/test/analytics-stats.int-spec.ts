import { ANALYTICS_MONTHS_AHEAD, AnalyticsHousekeeping } from '../src/modules/analytics/analytics.housekeeping';
import { AnalyticsService, type ChannelSample } from '../src/modules/analytics/analytics.service';
import { TenantDb } from '../src/modules/database/tenant-db';
import { startTestApp, TestApp } from './helpers/test-app';
import { newTenant, NewUser } from './factories/user.factory';
import { newChannel } from './factories/channel.factory';
import { ownerQuery } from './helpers/bot-world';

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
          WHERE i.inhparent IN ('channel_subscriber_samples'::regclass, 'post_view_samples'::regclass) ORDER BY 1`,
      )
    ).map((r) => r.name);

  it('has this month and the coming months partitioned, each partition under row-level security', async () => {
    const now = new Date();
    await t.app.get(AnalyticsHousekeeping).maintain(now);
    const names = await partitions();
    for (const table of ['channel_subscriber_samples', 'post_view_samples']) {
      for (let i = 0; i <= ANALYTICS_MONTHS_AHEAD; i++) expect(names).toContain(monthPartition(table, now, i));
      expect(names).toContain(`${table}_default`);
    }
    const unguarded = await ownerQuery<{ name: string }>(
      t,
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent IN ('channel_subscriber_samples'::regclass, 'post_view_samples'::regclass)
          AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                   AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname))`,
    );
    expect(unguarded).toEqual([]);
  });

  it('drops the partitions past the retention with their samples, and gives the month its partition back', async () => {
    const owner = await newTenant(t);
    const channel = await newChannel(t, owner.user.id);
    const analytics = t.app.get(AnalyticsService);
    const now = new Date();
    await analytics.recordSample(owner.user.id, {
      channelId: channel.id,
      sampledAt: now,
      subscribers: 7,
      source: 'account',
      posts: [{ messageId: 1, postedAt: now, views: 3, forwards: 0, reactions: 0 }],
    });
    const housekeeping = t.app.get(AnalyticsHousekeeping);
    // Two months on, with a retention of 31 days, this month's partitions have expired.
    const later = new Date(now.getTime() + 62 * 86_400_000);
    const result = await housekeeping.maintain(later);
    expect(result.dropped).toEqual(
      expect.arrayContaining([
        monthPartition('channel_subscriber_samples', now),
        monthPartition('post_view_samples', now),
      ]),
    );
    expect(result.created).toContain(monthPartition('post_view_samples', later, ANALYTICS_MONTHS_AHEAD));
    expect(await partitions()).not.toContain(monthPartition('post_view_samples', now));
    expect(await analytics.latestSampleAt(owner.user.id, channel.id)).toBeNull();

    // Back at today: the month is within the retention again and gets its partitions back.
    const again = await housekeeping.maintain(now);
    expect(again.created).toEqual(
      expect.arrayContaining([
        monthPartition('channel_subscriber_samples', now),
        monthPartition('post_view_samples', now),
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
    await housekeeping.maintain(far);
    expect(await where()).toBe(monthPartition('channel_subscriber_samples', far));
    expect(await analytics.latestSampleAt(owner.user.id, channel.id)).toEqual(far);
  });
});
