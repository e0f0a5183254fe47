/**
 * The product's MTProto paths against plain gramjs doing the same against the same sandbox, in
 * the same run: (1) resuming a stored session to a ready client (the pool's cold path: lease,
 * decrypting the stored session, connect, first call) and (2) reading 10,000 messages of a
 * channel's history through the HTTP API (JWT, ownership guard, Redis call to the owning worker,
 * pooled client) against plain gramjs paging messages.getHistory.
 */
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { MtprotoClientPool } from '../src/modules/user-mtproto/mtproto-client.pool';
import { BenchRow, ratioRow } from './lib/report';
import { API_HASH, API_ID, median, seedTenants, signInAccounts, startBenchApp, startBenchWorld } from './mtproto-setup';
import { present } from '../test/helpers/present';

const MESSAGES = 10_000;
const API_PAGE = 1000;
const TELEGRAM_PAGE = 100;
const RESUMES = 50;
const HISTORY_ROUNDS = 5;

export default async function historyBench(): Promise<BenchRow[]> {
  const world = await startBenchWorld();
  const app = await startBenchApp(world, { ROLE: 'all' });
  const factory = app.app.get(MtprotoClientFactory);
  try {
    const accounts = await signInAccounts(world, factory, 2, 2);
    const owner = present(accounts[0], 'the owner account');
    const reader = present(accounts[1], 'the reader account');
    const tenant = present((await seedTenants(app, world, [owner], 0))[0], 'the seeded tenant');
    world.sandbox.world.setMember(tenant.sandboxChannelId, { kind: 'user', id: reader.userId });
    for (let i = 1; i <= MESSAGES; i++)
      world.sandbox.world.postToChannel(tenant.sandboxChannelId, { text: `message ${i}` });
    const channel = world.sandbox.world.findChannel(tenant.sandboxChannelId)!;
    const pool = app.app.get(MtprotoClientPool);
    const credentials = app.app.get(CredentialsService);
    // The comparison is about overhead, not the tenant's own throttle: give it the highest limits allowed.
    await credentials.setLimits(tenant.tenantId, { rateLimitRps: 1000, maxConcurrentRequests: 100 }, systemActor());

    // (1) Resume: alternate the two sides so both see the same machine state.
    const ours: number[] = [];
    const oursCached: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < RESUMES; i++) {
      await pool.drop(tenant.tenantId);
      credentials.forget(tenant.tenantId);
      let t0 = performance.now();
      await pool.use(tenant.tenantId, (s) => s.me());
      ours.push(performance.now() - t0);

      // The same with the stored session already read and decrypted in this process (its short cache).
      await pool.drop(tenant.tenantId);
      t0 = performance.now();
      await pool.use(tenant.tenantId, (s) => s.me());
      oursCached.push(performance.now() - t0);

      t0 = performance.now();
      const client = await factory.createClient({ apiId: API_ID, apiHash: API_HASH, session: reader.session });
      await client.connect();
      await client.getMe();
      plain.push(performance.now() - t0);
      await factory.destroyClient(client);
    }

    // (2) 10,000 messages: the API in pages of 1,000; plain gramjs in Telegram's pages of 100.
    const viaApi: number[] = [];
    const viaGram: number[] = [];
    const client = await factory.createClient({ apiId: API_ID, apiHash: API_HASH, session: reader.session });
    await client.connect();
    const peer = new Api.InputPeerChannel({
      channelId: returnBigInt(channel.id),
      accessHash: returnBigInt(channel.accessHash.toString()),
    });
    const readViaApi = async (): Promise<number> => {
      const t0 = performance.now();
      let got = 0;
      let offset = 0;
      while (got < MESSAGES) {
        const res = await fetch(
          `${app.url}/api/channels/${tenant.channelId}/history?limit=${API_PAGE}&offset_id=${offset}`,
          { headers: tenant.headers },
        );
        if (!res.ok) throw new Error(`history answered ${res.status}: ${await res.text()}`);
        const body = (await res.json()) as { messages: { id: number }[]; next_offset_id: number | null };
        got += body.messages.length;
        if (body.next_offset_id === null) break;
        offset = body.next_offset_id;
      }
      if (got !== MESSAGES) throw new Error(`the API returned ${got} messages`);
      return performance.now() - t0;
    };
    const readViaGram = async (): Promise<number> => {
      const t0 = performance.now();
      let got = 0;
      let offset = 0;
      while (got < MESSAGES) {
        const page = await client.invoke(
          new Api.messages.GetHistory({
            peer,
            offsetId: offset,
            offsetDate: 0,
            addOffset: 0,
            limit: TELEGRAM_PAGE,
            maxId: 0,
            minId: 0,
            hash: returnBigInt(0),
          }),
        );
        if (page instanceof Api.messages.MessagesNotModified || page.messages.length === 0) break;
        got += page.messages.length;
        offset = present(page.messages.at(-1), 'the last message of the page').id;
      }
      if (got !== MESSAGES) throw new Error(`plain gramjs read ${got} messages`);
      return performance.now() - t0;
    };
    try {
      // One unmeasured round each: first-use work (resolving the channel, JIT) is not what is compared.
      await readViaApi();
      await readViaGram();
      for (let round = 0; round < HISTORY_ROUNDS; round++) {
        viaApi.push(await readViaApi());
        viaGram.push(await readViaGram());
      }
    } finally {
      await factory.destroyClient(client);
    }

    return [
      ratioRow(
        'resume a stored session to a ready client (median)',
        median(ours),
        median(plain),
        'ms',
        { max: 1.5, text: '<= 1.5x plain gramjs' },
        `${RESUMES} resumes each; ours: lease + decrypt + connect + getMe through the pool`,
      ),
      {
        // No goal: shows the pool's own share, without the Postgres read of the stored session.
        name: 'resume, stored session already in the credentials cache (median)',
        value: median(oursCached),
        baseline: median(plain),
        ratio: median(oursCached) / median(plain),
        unit: 'ms',
        notes: 'lease + connect + getMe through the pool',
      },
      ratioRow(
        `read ${MESSAGES} history messages (median)`,
        median(viaApi),
        median(viaGram),
        'ms',
        { max: 1.5, text: '<= 1.5x plain gramjs' },
        `${HISTORY_ROUNDS} rounds after a warm-up; API pages of ${API_PAGE} over HTTP (each 10 metered Telegram requests) vs messages.getHistory pages of ${TELEGRAM_PAGE}; tenant limits 1000 rps / 100 concurrent`,
      ),
    ];
  } finally {
    await app.app.close();
    await world.close();
  }
}
