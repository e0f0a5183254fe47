/**
 * Channel analytics collection: Telegram calls per channel per sample round for a channel with 200 young posts
 * (goal: at most 1 + ⌈200 / 100⌉ = 3), counted at the sandbox (its per-method call counts), not by the client;
 * and rows written per sample, counted in Postgres.
 */
import { DataSource } from 'typeorm';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { CollectionService } from '../src/modules/analytics/collector/collection.service';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { MtprotoClientPool } from '../src/modules/user-mtproto/mtproto-client.pool';
import { BenchRow } from './lib/report';
import { median, seedTenants, signInAccounts, startBenchApp, startBenchWorld } from './mtproto-setup';
import { present } from '../test/helpers/present';

const POSTS = 200;
const ROUNDS = 5;
const GOAL = 1 + Math.ceil(POSTS / 100);

export default async function analyticsCollectBench(): Promise<BenchRow[]> {
  const world = await startBenchWorld();
  // No scheduled sampling (the bench world's ANALYTICS_TICK_SECONDS is 0): every round is started here.
  const app = await startBenchApp(world, { ROLE: 'all' });
  try {
    const factory = app.app.get(MtprotoClientFactory);
    const [account] = await signInAccounts(world, factory, 1, 1);
    const tenant = present((await seedTenants(app, world, [present(account, 'an account')], POSTS))[0], 'a tenant');
    await app.app
      .get(CredentialsService)
      .setLimits(tenant.tenantId, { rateLimitRps: 1000, maxConcurrentRequests: 100 }, systemActor());
    const collection = app.app.get(CollectionService);
    const ds = app.app.get(DataSource);
    const telegramCalls = async (): Promise<Record<string, number>> => {
      const res = await fetch(`${world.sandbox.httpUrl}/sandbox/mtproto/stats`);
      const calls = ((await res.json()) as { callsByMethod: Record<string, number> }).callsByMethod;
      // Keep-alive pings are the pool's, not the sample's.
      for (const name of Object.keys(calls)) if (name.startsWith('ping')) delete calls[name];
      return calls;
    };
    const callsSince = async (before: Record<string, number>): Promise<{ total: number; by: string }> => {
      const after = await telegramCalls();
      const by = Object.entries(after)
        .map(([m, n]) => [m, n - (before[m] ?? 0)] as const)
        .filter(([, n]) => n > 0);
      return { total: by.reduce((s, [, n]) => s + n, 0), by: by.map(([m, n]) => `${m} ${n}`).join(', ') };
    };
    const rowsAt = async (sampledAt: string): Promise<number> => {
      const [row] = await ds.transaction(async (em) => {
        await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenant.tenantId]);
        return em.query<{ n: number }[]>(
          `SELECT (SELECT count(*) FROM post_view_samples WHERE channel_id = $1 AND sampled_at = $2)::int
                + (SELECT count(*) FROM channel_subscriber_samples WHERE channel_id = $1 AND sampled_at = $2)::int AS n`,
          [tenant.channelId, sampledAt],
        );
      });
      return row?.n ?? 0;
    };

    // The first sample also opens the client (help.getConfig) and finds the channel (contacts.resolveUsername)
    // once; neither is a round's cost. A client opened only for a sample is closed after it.
    const opening = await telegramCalls();
    await collection.sampleNow(tenant.tenantId, tenant.channelId, true);
    const firstSample = await callsSince(opening);
    // The rounds measured run on an open client (a tenant whose client is open for other work).
    await app.app.get(MtprotoClientPool).hold(tenant.tenantId);

    const allDue: number[] = [];
    const allDueRows: number[] = [];
    let allDueBy = '';
    const noneDue: number[] = [];
    const noneDueRows: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Every young post due (what a refresh, or a round where all 200 come due together, reads).
      let before = await telegramCalls();
      const full = await collection.sampleNow(tenant.tenantId, tenant.channelId, true);
      const counted = await callsSince(before);
      allDue.push(counted.total);
      allDueBy = counted.by;
      allDueRows.push(await rowsAt(full.sampledAt));
      // Right after: no post due, the subscribers and any new post only.
      before = await telegramCalls();
      const quiet = await collection.sampleNow(tenant.tenantId, tenant.channelId, false);
      noneDue.push((await callsSince(before)).total);
      noneDueRows.push(await rowsAt(quiet.sampledAt));
    }
    const worst = Math.max(...allDue);
    return [
      {
        name: `Telegram calls per sample round, ${POSTS} young posts all due (worst of ${ROUNDS})`,
        value: worst,
        unit: 'calls',
        goal: `<= ${GOAL} (1 + ceil(${POSTS}/100))`,
        met: worst <= GOAL,
        notes: `counted by the sandbox: ${allDueBy}`,
      },
      {
        name: 'Telegram calls per sample round, no post due (median)',
        value: median(noneDue),
        unit: 'calls',
        goal: `<= ${GOAL}`,
        met: median(noneDue) <= GOAL,
        notes: 'getFullChannel + the newest history page (new posts)',
      },
      {
        name: 'Telegram calls of the first sample, client closed and channel not yet found',
        value: firstSample.total,
        unit: 'calls',
        notes: `counted by the sandbox: ${firstSample.by}`,
      },
      {
        name: `rows written per sample, ${POSTS} posts due (median)`,
        value: median(allDueRows),
        unit: 'rows',
        notes: 'post_view_samples + channel_subscriber_samples at the sample instant',
      },
      {
        name: 'rows written per sample, no post due (median)',
        value: median(noneDueRows),
        unit: 'rows',
        notes: 'the subscriber count only',
      },
    ];
  } finally {
    await app.app.close();
    await world.close();
  }
}
