import {
  approveJoinRequest,
  declineJoinRequest,
  JoinRequestError,
  type JoinRequestedEvent,
  pendingRequests,
  pendingSummary,
  requestDeciders,
  requestToJoin,
} from './join-requests';
import { type SandboxChannel, SandboxWorld, WorldEvent } from './world';

describe('requests to join (join-requests.ts)', () => {
  function chatWithLink(): { world: SandboxWorld; club: SandboxChannel; ownerId: number; hash: string } {
    const world = new SandboxWorld();
    const owner = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const club = world.createChannel({ title: 'Club', ownerPhone: owner.phone, megagroup: true });
    const link = world.createInvite(club.id, owner.id, { createsJoinRequest: true });
    return { world, club, ownerId: owner.id, hash: link.hash };
  }

  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (err) {
      if (err instanceof JoinRequestError) return err.code;
      throw err;
    }
    return undefined;
  };

  it('keeps one request per user however often they ask, and tells of it once', () => {
    const { world, club, hash } = chatWithLink();
    const link = world.findInvite(hash);
    const user = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    if (!link) throw new Error('no link');
    const heard: JoinRequestedEvent[] = [];
    world.on(WorldEvent.JoinRequested, (e: JoinRequestedEvent) => heard.push(e));

    requestToJoin(world, club, link, user.id);
    requestToJoin(world, club, link, user.id);

    expect(pendingRequests(world, club.id).map((r) => r.userId)).toEqual([user.id]);
    expect(heard.map((e) => e.request.userId)).toEqual([user.id]);
    expect(pendingSummary(world, club.id)).toEqual({ count: 1, recent: [user.id] });
  });

  it('names at most the three newest requesters, and only administrators who may invite users decide', () => {
    const { world, club, ownerId, hash } = chatWithLink();
    const link = world.findInvite(hash);
    if (!link) throw new Error('no link');
    const ids = ['2', '3', '4', '5'].map(
      (n) => world.createUser({ phone: `1555000${n}${n}${n}${n}`, firstName: `U${n}` }).id,
    );
    for (const id of ids) requestToJoin(world, club, link, id);
    expect(pendingSummary(world, club.id)).toEqual({ count: 4, recent: ids.slice(1) });

    const helper = world.createUser({ phone: '15550009999', firstName: 'Helper' });
    world.setMember(club.id, { kind: 'user', id: helper.id, admin: true, rights: { can_pin_messages: true } });
    expect(requestDeciders(club)).toEqual([{ kind: 'user', id: ownerId }]);
  });

  it("answers Telegram's errors: no request waiting, and a user who got in meanwhile (whose request goes)", () => {
    const { world, club, ownerId, hash } = chatWithLink();
    const link = world.findInvite(hash);
    const user = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    if (!link) throw new Error('no link');
    expect(codeOf(() => declineJoinRequest(world, club, user.id))).toBe('HIDE_REQUESTER_MISSING');

    requestToJoin(world, club, link, user.id);
    world.setMember(club.id, { kind: 'user', id: user.id });
    expect(codeOf(() => approveJoinRequest(world, club, user.id, { kind: 'user', id: ownerId }))).toBe(
      'USER_ALREADY_PARTICIPANT',
    );
    expect(pendingRequests(world, club.id)).toEqual([]);
  });

  it("forgets a chat's requests with the chat, and all of them on a reset", () => {
    const { world, club, hash } = chatWithLink();
    const link = world.findInvite(hash);
    const user = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    if (!link) throw new Error('no link');
    requestToJoin(world, club, link, user.id);
    world.deleteChannel(club.id);
    expect(world.inviteImporters).toEqual([]);

    const again = chatWithLink();
    const other = again.world.findInvite(again.hash);
    if (!other) throw new Error('no link');
    const asker = again.world.createUser({ phone: '15550003333', firstName: 'Cy' });
    requestToJoin(again.world, again.club, other, asker.id);
    again.world.reset();
    expect(again.world.inviteImporters).toEqual([]);
  });
});
