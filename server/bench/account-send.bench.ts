/**
 * Sending a message as the tenant's account through the HTTP API (JWT, idempotency row in Postgres,
 * Redis call to the worker owning the session, pooled gramjs client, the answer recorded) against
 * plain gramjs invoking the same messages.sendMessage against the same sandbox, in the same run.
 */
import { Api } from 'telegram';
import { randomBytes } from 'node:crypto';
import { returnBigInt } from 'telegram/Helpers';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { BenchRow, ratioRow } from './lib/report';
import { API_HASH, API_ID, median, seedTenants, signInAccounts, startBenchApp, startBenchWorld } from './mtproto-setup';
import { present } from '../test/helpers/present';

const SENDS = 100;
const WARM_UP = 5;

export default async function accountSendBench(): Promise<BenchRow[]> {
  const world = await startBenchWorld();
  const app = await startBenchApp(world, { ROLE: 'all' });
  const factory = app.app.get(MtprotoClientFactory);
  try {
    const accounts = await signInAccounts(world, factory, 2, 2);
    const sender = present(accounts[0], 'the sending account');
    const plainAccount = present(accounts[1], 'the plain gramjs account');
    const tenant = present((await seedTenants(app, world, [sender], 0))[0], 'the seeded tenant');
    // The comparison is about overhead, not the tenant's own throttle: give it the highest limits allowed.
    await app.app
      .get(CredentialsService)
      .setLimits(tenant.tenantId, { rateLimitRps: 1000, maxConcurrentRequests: 100 }, systemActor());
    // Telegram's per-minute send budget is not what is compared either.
    for (const a of [sender, plainAccount]) world.sandbox.world.setSendsPerMinute(a.userId, 100_000);
    const username = `benchto${Date.now() % 1e8}`;
    world.sandbox.world.createUser({
      phone: `18${String(Date.now() % 1e9).padStart(9, '0')}`,
      firstName: 'To',
      username,
    });

    let n = 0;
    const viaApi = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${app.url}/api/user-mtproto/messages`, {
        method: 'POST',
        headers: { ...tenant.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ peer: `@${username}`, text: `api ${n}`, idempotency_key: `bench-${n++}` }),
      });
      if (res.status !== 200) throw new Error(`send answered ${res.status}: ${await res.text()}`);
      await res.json();
      return performance.now() - t0;
    };

    const client = await factory.createClient({ apiId: API_ID, apiHash: API_HASH, session: plainAccount.session });
    await client.connect();
    const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username }));
    const user = present(
      resolved.users.find((u): u is Api.User => u instanceof Api.User),
      'the resolved recipient',
    );
    const peer = new Api.InputPeerUser({ userId: user.id, accessHash: present(user.accessHash, 'an access hash') });
    const viaGram = async (): Promise<number> => {
      const t0 = performance.now();
      await client.invoke(
        new Api.messages.SendMessage({
          peer,
          message: `plain ${n++}`,
          randomId: returnBigInt(randomBytes(8).readBigInt64LE().toString()),
        }),
      );
      return performance.now() - t0;
    };

    const ours: number[] = [];
    const plain: number[] = [];
    try {
      // Unmeasured: opening the pooled client, resolving the peer once, JIT.
      for (let i = 0; i < WARM_UP; i++) {
        await viaApi();
        await viaGram();
      }
      for (let i = 0; i < SENDS; i++) {
        ours.push(await viaApi());
        plain.push(await viaGram());
      }
    } finally {
      await factory.destroyClient(client);
    }
    return [
      ratioRow(
        'send a message as the account (median)',
        median(ours),
        median(plain),
        'ms',
        { max: 1.5, text: '<= 1.5x plain gramjs' },
        `${SENDS} sends each, alternating, after ${WARM_UP} warm-ups; ours: HTTP + idempotency row + worker call + messages.sendMessage + answer recorded; tenant limits 1000 rps / 100 concurrent`,
      ),
    ];
  } finally {
    await app.app.close();
    await world.close();
  }
}
