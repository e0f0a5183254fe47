import {
  type BasicGroupBotLeftEvent,
  type BasicGroupMemberAddedEvent,
  type BasicGroupMessage,
  type BasicGroupMessagesDeletedEvent,
  type SandboxBasicGroup,
  SandboxWorld,
  WorldEvent,
} from './world';
import { writeAdded, writeLeft, writeServiceMessage, writeTitleChanged } from './service-messages';

/**
 * Basic groups managed by their own members, as Telegram lets them: a user creates one with the people and bots
 * they name, any member adds others, a member leaves (or the creator, or whoever added someone, removes them), any
 * member renames it. Each change is written into the group's history as a service message (service-messages.ts),
 * which members' apps read and bots hear.
 *
 * Deleting: a basic group's messages live in each member's own message box, so a member can delete any of them for
 * themselves only (`deletedFor`), and their own for everyone; the creator any message for everyone, and so may an
 * administrator bot. A message deleted for everyone leaves the group's history.
 */

/** Telegram's limit on a basic group's members. */
export const BASIC_GROUP_MEMBER_LIMIT = 200;

/** A user or a bot, as a member of a group. */
export interface GroupMemberRef {
  kind: 'user' | 'bot';
  id: number;
}

export function isInGroup(group: SandboxBasicGroup, member: GroupMemberRef): boolean {
  return member.kind === 'user' ? group.userIds.includes(member.id) : group.bots.some((b) => b.id === member.id);
}

/** Whether the member `viewerId` still sees the message (they did not delete it for themselves). */
export function visibleTo(message: BasicGroupMessage, viewerId: number): boolean {
  return !message.deletedFor?.includes(viewerId);
}

/** The group's messages a member sees, oldest first. */
export function groupMessagesFor(group: SandboxBasicGroup, viewerId: number): BasicGroupMessage[] {
  return group.messages.filter((m) => visibleTo(m, viewerId));
}

/** Who added a member, and when (unix seconds); the creator at the group's creation for those it was made with. */
export function inviterOf(group: SandboxBasicGroup, memberId: number): { inviterId: number; date: number } {
  return (
    group.invitedBy?.[String(memberId)] ?? {
      inviterId: group.creatorUserId,
      date: Math.floor(group.createdAt.getTime() / 1000),
    }
  );
}

/**
 * A user creates a basic group with these users and bots in it: "… created the group «title»", naming everyone it
 * was made with. Each bot hears it was added (my_chat_member).
 */
export function createGroupAsUser(
  world: SandboxWorld,
  creatorId: number,
  title: string,
  members: GroupMemberRef[],
): SandboxBasicGroup {
  const creator = world.findUserById(creatorId);
  if (!creator) throw new Error('the creator is no user');
  const phones = members.flatMap((m) => (m.kind === 'user' ? [world.findUserById(m.id)?.phone ?? ''] : []));
  const group = world.createBasicGroup({
    title,
    ownerPhone: creator.phone,
    userPhones: phones.filter(Boolean),
    bots: members.filter((m) => m.kind === 'bot').map((m) => ({ id: m.id, admin: false })),
  });
  writeServiceMessage(
    world,
    { kind: 'group', group },
    { kind: 'user', id: creatorId },
    { type: 'chat_create', title: group.title, userIds: [...group.userIds, ...group.bots.map((b) => b.id)] },
  );
  return group;
}

/** `byUserId` adds a user or a bot to the group: "… added …"; a bot hears it was added (my_chat_member). */
export function addGroupMember(
  world: SandboxWorld,
  group: SandboxBasicGroup,
  byUserId: number,
  member: GroupMemberRef,
): BasicGroupMessage | undefined {
  if (isInGroup(group, member)) throw new Error('already in the group');
  if (member.kind === 'user') group.userIds.push(member.id);
  else group.bots.push({ id: member.id, admin: false });
  (group.invitedBy ??= {})[String(member.id)] = { inviterId: byUserId, date: world.unixNow() };
  const event: BasicGroupMemberAddedEvent = { group, member, byUserId };
  world.emit(WorldEvent.BasicGroupMemberAdded, event);
  return writeAdded(world, { kind: 'group', group }, { kind: 'user', id: byUserId }, [member.id]);
}

/**
 * A member leaves (`byUserId` is then themselves) or is removed by `byUserId`: "… left the group" / "… removed …",
 * written while they are still in it, so they read it too. A bot removed hears it (my_chat_member).
 */
export function removeGroupMember(
  world: SandboxWorld,
  group: SandboxBasicGroup,
  byUserId: number,
  member: GroupMemberRef,
): BasicGroupMessage | undefined {
  const written = writeLeft(world, { kind: 'group', group }, { kind: 'user', id: byUserId }, member.id);
  if (member.kind === 'user') {
    group.userIds = group.userIds.filter((id) => id !== member.id);
  } else {
    const bot = group.bots.find((b) => b.id === member.id);
    group.bots = group.bots.filter((b) => b.id !== member.id);
    if (bot) {
      const event: BasicGroupBotLeftEvent = { group, bot, byUserId };
      world.emit(WorldEvent.BasicGroupBotLeft, event);
    }
  }
  if (group.invitedBy) delete group.invitedBy[String(member.id)];
  return written;
}

/** A member gives the group a new title: "… changed the group name to «title»". */
export function renameGroup(
  world: SandboxWorld,
  group: SandboxBasicGroup,
  byUserId: number,
  title: string,
): BasicGroupMessage | undefined {
  group.title = title;
  return writeTitleChanged(world, { kind: 'group', group }, { kind: 'user', id: byUserId }, title);
}

/** Whether `by` may delete the message for everyone: their own, or any as the creator or an administrator bot. */
export function mayDeleteForEveryone(
  group: SandboxBasicGroup,
  message: BasicGroupMessage,
  by: GroupMemberRef,
): boolean {
  if (by.kind === 'bot') return message.fromBotId === by.id || group.bots.some((b) => b.id === by.id && b.admin);
  return message.fromUserId === by.id || group.creatorUserId === by.id;
}

/**
 * Deletes messages of the group: for everyone (they leave its history, each member's box says so), or for one
 * member only (`forUserId`: the rest still read them). Ids not in the group, or already gone for that member, are
 * skipped; returns the ids deleted.
 */
export function deleteGroupMessages(
  world: SandboxWorld,
  group: SandboxBasicGroup,
  messageIds: number[],
  forUserId?: number,
): number[] {
  const ids = new Set(messageIds);
  const hit = group.messages.filter((m) => ids.has(m.id) && (forUserId === undefined || visibleTo(m, forUserId)));
  if (!hit.length) return [];
  if (forUserId === undefined) {
    group.messages = group.messages.filter((m) => !ids.has(m.id));
  } else {
    for (const m of hit) m.deletedFor = [...(m.deletedFor ?? []), forUserId];
  }
  const event: BasicGroupMessagesDeletedEvent = {
    group,
    messageIds: hit.map((m) => m.id),
    userIds: forUserId === undefined ? [...group.userIds] : [forUserId],
  };
  world.emit(WorldEvent.BasicGroupMessagesDeleted, event);
  return event.messageIds;
}

/**
 * A member's deletion of messages of their common box that belong to basic groups they are in: with `revoke`, each
 * one they may delete for everyone goes for everyone, any other for them only, as Telegram's apps offer it. Returns
 * the ids deleted for the member, and the ids that are no group message of theirs (left for the private chats).
 */
export function deleteGroupMessagesAsUser(
  world: SandboxWorld,
  userId: number,
  messageIds: number[],
  revoke: boolean,
): { deleted: number[]; rest: number[] } {
  const deleted: number[] = [];
  const rest = new Set(messageIds);
  for (const group of world.basicGroupsOfUser(userId)) {
    const mine = group.messages.filter((m) => rest.has(m.id));
    if (!mine.length) continue;
    mine.forEach((m) => rest.delete(m.id));
    const everyone = mine.filter(
      (m) => revoke && visibleTo(m, userId) && mayDeleteForEveryone(group, m, { kind: 'user', id: userId }),
    );
    const onlyMine = mine.filter((m) => !everyone.includes(m));
    deleted.push(
      ...deleteGroupMessages(
        world,
        group,
        everyone.map((m) => m.id),
      ),
    );
    deleted.push(
      ...deleteGroupMessages(
        world,
        group,
        onlyMine.map((m) => m.id),
        userId,
      ),
    );
  }
  return { deleted, rest: [...rest] };
}
