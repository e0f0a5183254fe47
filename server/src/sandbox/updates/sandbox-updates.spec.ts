import { restoreSnapshot, takeSnapshot } from '../persistence/world-snapshot';
import type { TlObject } from '../mtproto/tl-codec';
import { SandboxWorld } from '../world';
import { DEFAULT_UPDATE_LIMITS, SandboxUpdates } from './sandbox-updates';

const noKeys = { mtproto: { exportAuthKeys: () => [], importAuthKeys: () => undefined } };

function attach(world: SandboxWorld, pushed: [number, TlObject | undefined][] = []): SandboxUpdates {
  return new SandboxUpdates(world, DEFAULT_UPDATE_LIMITS, (userId, build) => pushed.push([userId, build()]));
}

/** What a client that last saw `state` is missing. */
const differenceSince = (updates: SandboxUpdates, userId: number, state: TlObject): TlObject =>
  updates.getDifference(userId, { _: 'updates.getDifference', pts: state.pts, date: state.date, qts: 0 });

describe('SandboxUpdates', () => {
  it('records each side of a private message in its own box and hands every side a push', () => {
    const world = new SandboxWorld();
    const pushed: [number, TlObject | undefined][] = [];
    const updates = attach(world, pushed);
    const ann = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    world.sendPrivateMessage({ fromKind: 'user', fromId: ann.id, toKind: 'user', toId: bob.id, text: 'hi' });
    world.sendPrivateMessage({ fromKind: 'user', fromId: bob.id, toKind: 'user', toId: ann.id, text: 'hey' });
    expect([updates.userPts(ann.id), updates.userPts(bob.id)]).toEqual([2, 2]);
    expect(pushed.map(([id, u]) => [id, u?._])).toEqual([
      [ann.id, 'updates'],
      [bob.id, 'updates'],
      // They know each other now: the short form.
      [bob.id, 'updateShortMessage'],
      [ann.id, 'updateShortMessage'],
    ]);
    updates.close();
  });

  it("tells the owner's devices of a contact added with updatePeerSettings in a sequenced container, and the difference again", () => {
    const world = new SandboxWorld();
    const pushed: [number, TlObject | undefined][] = [];
    const updates = attach(world, pushed);
    const ann = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const before = updates.getState(ann.id);
    world.importContacts(ann.id, [{ phone: bob.phone, firstName: 'Bobby' }]);
    expect(pushed).toHaveLength(1);
    const [to, push] = pushed[0]!;
    expect(to).toBe(ann.id);
    expect(push).toMatchObject({
      _: 'updates',
      updates: [{ _: 'updatePeerSettings', peer: { _: 'peerUser' }, settings: { _: 'peerSettings' } }],
      users: [{ _: 'user', contact: true, first_name: 'Bobby', phone: bob.phone }],
      seq: (before.seq as number) + 1,
    });
    // No pts moved: the contact is sequenced only.
    expect(updates.userPts(ann.id)).toBe(before.pts);
    const diff = differenceSince(updates, ann.id, before);
    expect(diff).toMatchObject({
      _: 'updates.difference',
      other_updates: [{ _: 'updatePeerSettings' }],
      users: expect.arrayContaining([expect.objectContaining({ contact: true, first_name: 'Bobby' })]),
      state: { seq: (before.seq as number) + 1 },
    });
    updates.close();
  });

  it('gives a client that missed pins and a group caption edit the updates in its difference', () => {
    const world = new SandboxWorld();
    const updates = attach(world);
    const ann = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bot = world.createBot({ username: 'club_bot' });
    const group = world.createBasicGroup({ title: 'Club', ownerPhone: ann.phone, bots: [{ id: bot.id, admin: true }] });
    const channel = world.createChannel({ title: 'News', ownerPhone: ann.phone });
    const photo = world.sendBasicGroupBotMessage(group.id, bot.id, 'cover', {
      media: { kind: 'photo', fileId: 'f', size: 1 },
    });
    world.postToChannel(channel.id, { text: 'rules' });
    const before = updates.getState(ann.id);
    const channelPts = channel.pts;

    world.editBasicGroupMessage(group.id, photo.id, 'new cover', []);
    world.pinMessages({ kind: 'group', group }, [photo.id], true);
    world.pinMessages({ kind: 'channel', channel }, [1], true);

    const diff = differenceSince(updates, ann.id, before);
    expect(diff).toMatchObject({
      _: 'updates.difference',
      other_updates: expect.arrayContaining([
        expect.objectContaining({ _: 'updateEditMessage', message: expect.objectContaining({ message: 'new cover' }) }),
        expect.objectContaining({
          _: 'updatePinnedMessages',
          pinned: true,
          peer: { _: 'peerChat', chat_id: BigInt(group.id) },
          messages: [photo.id],
        }),
      ]),
      chats: expect.arrayContaining([expect.objectContaining({ _: 'chat', id: BigInt(group.id) })]),
    });
    const channelDiff = updates.getChannelDifference(ann.id, channel, {
      _: 'updates.getChannelDifference',
      pts: channelPts,
      limit: 100,
    });
    expect(channelDiff).toMatchObject({
      _: 'updates.channelDifference',
      pts: channelPts + 1,
      other_updates: [{ _: 'updatePinnedChannelMessages', pinned: true, messages: [1], pts: channelPts + 1 }],
    });
    updates.close();
  });

  it('puts the channel a forward names as its origin in the chats of the push and of the difference', () => {
    const world = new SandboxWorld();
    const pushed: [number, TlObject | undefined][] = [];
    const updates = attach(world, pushed);
    const ann = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const channel = world.createChannel({ title: 'Bulletin', ownerPhone: ann.phone });
    const post = world.postToChannel(channel.id, { text: 'post' });
    const before = updates.getState(bob.id);
    world.sendPrivateMessage({
      fromKind: 'user',
      fromId: ann.id,
      toKind: 'user',
      toId: bob.id,
      text: 'post',
      forwardOrigin: { kind: 'channel', channelId: channel.id, messageId: post.id, date: post.date },
    });

    const chatIds = (tl: TlObject | undefined) => ((tl?.chats ?? []) as TlObject[]).map((c) => c.id);
    const push = pushed.find(([id]) => id === bob.id)?.[1];
    expect(chatIds(push)).toEqual([BigInt(channel.id)]);
    // Bob is not in the channel: he sees it as one he has left, with its title.
    expect((push?.chats as TlObject[])[0]).toMatchObject({ _: 'channel', title: 'Bulletin', left: true });
    expect(chatIds(differenceSince(updates, bob.id, before))).toEqual([BigInt(channel.id)]);
    updates.close();
  });

  it('keeps its state in the world, so a stored and restored world answers the same difference and counts on', () => {
    const world = new SandboxWorld();
    attach(world);
    const ann = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const channel = world.createChannel({ title: 'News', ownerPhone: ann.phone });
    world.sendPrivateMessage({ fromKind: 'user', fromId: bob.id, toKind: 'user', toId: ann.id, text: 'one' });
    world.postToChannel(channel.id, { text: 'post' });

    const restored = new SandboxWorld();
    restoreSnapshot(JSON.parse(JSON.stringify(takeSnapshot(world, noKeys))), restored, noKeys);
    const again = attach(restored);
    const diff = again.getDifference(ann.id, { _: 'updates.getDifference', pts: 0, date: 0, qts: 0 });
    expect(diff._).toBe('updates.difference');
    expect((diff.new_messages as TlObject[]).map((m) => m.message)).toEqual(['one']);
    const restoredChannel = restored.findChannel(channel.id)!;
    const channelDiff = again.getChannelDifference(ann.id, restoredChannel, {
      _: 'updates.getChannelDifference',
      pts: 1,
      limit: 10,
    });
    expect((channelDiff.new_messages as TlObject[]).map((m) => m.message)).toEqual(['post']);
    restored.sendPrivateMessage({ fromKind: 'user', fromId: bob.id, toKind: 'user', toId: ann.id, text: 'two' });
    expect(again.userPts(ann.id)).toBe(2);
  });
});
