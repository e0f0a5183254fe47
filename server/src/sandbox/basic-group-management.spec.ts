import { SandboxWorld } from './world';
import {
  addGroupMember,
  createGroupAsUser,
  deleteGroupMessagesAsUser,
  groupMessagesFor,
  inviterOf,
  mayDeleteForEveryone,
  removeGroupMember,
} from './basic-group-management';
import { DEFAULT_UPDATE_LIMITS, SandboxUpdates } from './updates/sandbox-updates';

describe('basic groups managed by their members', () => {
  const setup = () => {
    const world = new SandboxWorld();
    const ann = world.createUser({ phone: '15550008001', firstName: 'Ann' });
    const bea = world.createUser({ phone: '15550008002', firstName: 'Bea' });
    const cid = world.createUser({ phone: '15550008003', firstName: 'Cid' });
    const bot = world.createBot({ username: 'managed_group_bot' });
    const updates = new SandboxUpdates(world, DEFAULT_UPDATE_LIMITS, () => undefined);
    const group = createGroupAsUser(world, ann.id, 'Club', [
      { kind: 'user', id: bea.id },
      { kind: 'user', id: cid.id },
    ]);
    return { world, ann, bea, cid, bot, updates, group };
  };

  it('writes who made the group with whom, and remembers who added each later member', () => {
    const { world, ann, bea, bot, group } = setup();
    expect(group.messages[0]?.service).toEqual({ type: 'chat_create', title: 'Club', userIds: group.userIds });
    addGroupMember(world, group, bea.id, { kind: 'bot', id: bot.id });
    expect(inviterOf(group, bot.id).inviterId).toBe(bea.id);
    expect(inviterOf(group, bea.id).inviterId).toBe(ann.id);
    expect(() => addGroupMember(world, group, ann.id, { kind: 'bot', id: bot.id })).toThrow();
    const left = removeGroupMember(world, group, ann.id, { kind: 'bot', id: bot.id });
    expect(left?.service).toEqual({ type: 'chat_delete_user', userId: bot.id });
    expect(group.bots).toEqual([]);
  });

  it('deletes for everyone what a member may, the rest for them alone, and leaves private ids to the caller', () => {
    const { world, ann, bea, cid, updates, group } = setup();
    const mine = world.sendBasicGroupMessage(group.id, bea.id, 'mine');
    const theirs = world.sendBasicGroupMessage(group.id, cid.id, 'theirs');
    const ptsBefore = [ann, bea, cid].map((u) => updates.userPts(u.id));
    expect(mayDeleteForEveryone(group, theirs, { kind: 'user', id: bea.id })).toBe(false);
    expect(mayDeleteForEveryone(group, theirs, { kind: 'user', id: ann.id })).toBe(true);

    const result = deleteGroupMessagesAsUser(world, bea.id, [mine.id, theirs.id, 424242], true);
    expect(result).toEqual({ deleted: [mine.id, theirs.id], rest: [424242] });
    expect(group.messages.map((m) => m.id)).not.toContain(mine.id);
    expect(groupMessagesFor(group, bea.id).map((m) => m.id)).not.toContain(theirs.id);
    expect(groupMessagesFor(group, cid.id).map((m) => m.id)).toContain(theirs.id);
    // Every member's box took the deletion for everyone; Bea's took her own deletion too.
    expect([ann, bea, cid].map((u, i) => updates.userPts(u.id) - ptsBefore[i]!)).toEqual([1, 2, 1]);
    // Already gone for her: nothing more to delete.
    expect(deleteGroupMessagesAsUser(world, bea.id, [theirs.id], false).deleted).toEqual([]);
    updates.close();
  });
});
