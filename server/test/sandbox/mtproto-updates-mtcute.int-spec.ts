import './mtcute-quiet';
import { BaseTelegramClient, DeleteMessageUpdate, MemoryStorage, Message, TelegramClient } from '@mtcute/node';
import { eventually } from '../helpers/eventually';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { MtprotoKit, newUser, startMtprotoKit } from './mtproto-kit';

jest.setTimeout(30000);

describe('sandbox MTProto updates with mtcute (its own update loop: pts gaps, getDifference)', () => {
  let kit: MtprotoKit;
  const clients: TelegramClient[] = [];

  beforeAll(async () => {
    kit = await startMtprotoKit({ updateLimits: { pushBatchLimit: 3 } });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.destroy()));
    await kit.close();
  });

  async function signedIn(phone: string, storage = new MemoryStorage()): Promise<TelegramClient> {
    const c = mtcuteClient(kit.sandbox, storage);
    clients.push(c);
    await signInMtcute(kit, c, phone);
    return c;
  }

  it('recovers a backlog announced by updatesTooLong with getDifference, then follows edits and deletions live', async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit, { firstName: 'Bob' })];
    const world = kit.sandbox.world;
    const say = (text: string) =>
      world.sendPrivateMessage({ fromKind: 'user', fromId: friend.id, toKind: 'user', toId: me.id, text });
    // An account that already has some history: mtcute takes a pts of 0 for "no state yet".
    say('hello');
    const c = await signedIn(me.phone);
    const updates = (c._client as BaseTelegramClient).updates!;
    // mtcute starts its update loop after signing in, once updates.getState has answered.
    await eventually(() => updates.updatesLoopActive);
    expect(updates.pts).toBe(1);
    const news: string[] = [];
    const edits: string[] = [];
    const deletions: number[][] = [];
    c.onNewMessage.add((m: Message) => news.push(m.text));
    c.onEditMessage.add((m: Message) => edits.push(m.text));
    c.onDeleteMessage.add((d: DeleteMessageUpdate) => deletions.push(d.messageIds));

    // Four updates for the connection in one turn: more than the sandbox pushes at once, so mtcute gets
    // updatesTooLong and fetches the difference, which shows the first message as it is now.
    const [b1, b2, b3] = [say('b1'), say('b2'), say('b3')];
    world.editPrivateMessage(b1.id, 'b1 (edited)');
    await eventually(() => news.length >= 3);
    expect(news).toEqual(['b1 (edited)', 'b2', 'b3']);
    expect(updates.pts).toBe(5);

    // From here on pushes arrive one by one, each right after the pts mtcute holds.
    world.editPrivateMessage(b2.id, 'b2 (edited)');
    await eventually(() => edits.length >= 1);
    world.deletePrivateMessages(friend.id, [b3.id], true);
    await eventually(() => deletions.length >= 1);
    expect(edits).toEqual(['b2 (edited)']);
    expect(deletions).toEqual([[b3.id]]);
    expect(updates.pts).toBe(world.updateState.users[String(me.id)]?.pts);
    expect(updates.pts).toBe(7);
  });

  it('catches up on start after being offline: getDifference from the stored pts, edits folded in, deletions applied', async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit, { firstName: 'Bob' })];
    const world = kit.sandbox.world;
    const say = (text: string) =>
      world.sendPrivateMessage({ fromKind: 'user', fromId: friend.id, toKind: 'user', toId: me.id, text });
    const hello = say('hello');
    const storage = new MemoryStorage();
    const first = await signedIn(me.phone, storage);
    await eventually(() => (first._client as BaseTelegramClient).updates!.updatesLoopActive);
    // mtcute stores its update state once it has handled an update.
    const seen: string[] = [];
    first.onNewMessage.add((m: Message) => seen.push(m.text));
    say('ping');
    await eventually(() => seen.length === 1);
    await first.destroy();

    const o1 = say('o1');
    say('o2');
    world.editPrivateMessage(o1.id, 'o1 (edited)');
    world.deletePrivateMessages(friend.id, [hello.id], true);

    const again = mtcuteClient(kit.sandbox, storage);
    clients.push(again);
    const updates = (again._client as BaseTelegramClient).updates!;
    // As an app started with `catchUp: true` does.
    updates.catchUpOnStart = true;
    const news: string[] = [];
    const deletions: number[][] = [];
    again.onNewMessage.add((m: Message) => news.push(m.text));
    again.onDeleteMessage.add((d: DeleteMessageUpdate) => deletions.push(d.messageIds));
    const self = await again.start({});
    expect(self.id).toBe(me.id);
    await eventually(() => news.length >= 2 && deletions.length >= 1);
    expect(news).toEqual(['o1 (edited)', 'o2']);
    expect(deletions).toEqual([[hello.id]]);
    await eventually(() => updates.pts === 6);
  });

  it('catches up on channel posts missed while offline: updateChannelTooLong in the difference, then getChannelDifference', async () => {
    const me = await newUser(kit);
    const friend = await newUser(kit);
    const world = kit.sandbox.world;
    world.sendPrivateMessage({ fromKind: 'user', fromId: friend.id, toKind: 'user', toId: me.id, text: 'hello' });
    const channel = world.createChannel({ title: 'Offline news', ownerPhone: me.phone });
    const storage = new MemoryStorage();
    const first = await signedIn(me.phone, storage);
    await eventually(() => (first._client as BaseTelegramClient).updates!.updatesLoopActive);
    const seen: string[] = [];
    first.onNewMessage.add((m: Message) => seen.push(m.text));
    world.postToChannel(channel.id, { text: 'c0' });
    await eventually(() => seen.length === 1);
    await first.destroy();

    world.postToChannel(channel.id, { text: 'c1' });
    world.postToChannel(channel.id, { text: 'c2' });

    const again = mtcuteClient(kit.sandbox, storage);
    clients.push(again);
    (again._client as BaseTelegramClient).updates!.catchUpOnStart = true;
    const news: string[] = [];
    again.onNewMessage.add((m: Message) => news.push(m.text));
    await again.start({});
    await eventually(() => news.length >= 2);
    expect(news).toEqual(['c1', 'c2']);
  });
});
