import { Api } from 'telegram';
import { control } from './bot-helpers';
import { MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';

jest.setTimeout(120000);

describe('sandbox MTProto door under load (real gramjs through MtprotoClientFactory)', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });

  afterAll(async () => {
    await kit.close();
  });

  it('completes 200 sequential handshakes, each followed by help.getConfig', async () => {
    const before = (await control(kit.sandbox, 'GET', '/sandbox/mtproto/stats')).body.handshakes as number;
    for (let i = 0; i < 200; i++) {
      const client = await kit.client();
      await client.connect();
      const config = await client.invoke(new Api.help.GetConfig());
      expect(config.thisDc).toBe(2);
      await kit.destroy(client);
    }
    const stats = (await control(kit.sandbox, 'GET', '/sandbox/mtproto/stats')).body;
    expect(stats.handshakes - before).toBe(200);
  });

  it('serves 50 concurrent signed-in clients in one process', async () => {
    const user = await newUser(kit);
    // One signed-in session, resumed by 50 clients at once: 50 connections, one auth key.
    const first = await signedInClient(kit, user);
    const session = kit.factory.saveSession(first);
    await kit.destroy(first);
    const clients = await Promise.all(Array.from({ length: 50 }, () => kit.client({ session })));
    await Promise.all(clients.map((c) => c.connect()));
    const ids = await Promise.all(clients.map(async (c) => Number((await c.getMe()).id)));
    expect(ids).toEqual(Array.from({ length: 50 }, () => user.id));
    await Promise.all(clients.map((c) => kit.destroy(c)));
  });

  it('serves 50 concurrent clients that each run their own handshake', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => kit.client()));
    await Promise.all(clients.map((c) => c.connect()));
    const configs = await Promise.all(clients.map((c) => c.invoke(new Api.help.GetConfig())));
    expect(configs.every((c) => c.thisDc === 2)).toBe(true);
    await Promise.all(clients.map((c) => kit.destroy(c)));
  });
});
