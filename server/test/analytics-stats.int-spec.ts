import { AnalyticsService, type ChannelSample } from '../src/modules/analytics/analytics.service';
import { TenantDb } from '../src/modules/database/tenant-db';
import { startTestApp, TestApp } from './helpers/test-app';
import { newTenant, NewUser } from './factories/user.factory';
import { newChannel } from './factories/channel.factory';

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
