import {
  addGroupMember,
  BASIC_GROUP_MEMBER_LIMIT,
  createGroupAsUser,
  deleteGroupMessages,
  type GroupMemberRef,
  inviterOf,
  isInGroup,
  removeGroupMember,
  renameGroup,
} from '../basic-group-management';
import type { BasicGroupMessage, SandboxBasicGroup, SandboxUser, SandboxWorld } from '../world';
import type { SandboxUpdates } from '../updates/sandbox-updates';
import { RpcError } from './rpc-error';
import {
  basicGroupMessageToTl,
  basicGroupToTl,
  emptyNotifySettings,
  groupMessageAuthorIds,
  unixNow,
} from './tl-builders';
import type { TlObject } from './tl-codec';

/** What the basic group methods need of the door: who an InputUser names, and users as TL. */
export interface BasicGroupRpcDeps {
  world: SandboxWorld;
  updates: SandboxUpdates;
  /** The user or bot an InputUser names (access hash checked); refused with `error` otherwise. */
  resolveMember: (me: SandboxUser, input: unknown, error: string) => GroupMemberRef;
  usersToTl: (ids: Iterable<number>, viewerId: number) => TlObject[];
}

/** Telegram's longest basic group title. */
const MAX_TITLE = 128;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/**
 * The MTProto methods of basic groups ("chats"): messages.createChat, messages.addChatUser,
 * messages.deleteChatUser, messages.editChatTitle and messages.getFullChat, answered from the world as Telegram
 * answers them (see basic-group-management.ts for the rules).
 */
export class BasicGroupRpc {
  constructor(private readonly deps: BasicGroupRpcDeps) {}

  /**
   * messages.createChat: the group, with the users a member's privacy lets them be invited by (the others are its
   * `missing_invitees`), and its "created the group" service message.
   */
  createChat(me: SandboxUser, req: TlObject): TlObject {
    const { world } = this.deps;
    const title = this.title(req.title);
    const inputs = Array.isArray(req.users) ? req.users : [];
    if (inputs.length + 1 > BASIC_GROUP_MEMBER_LIMIT) throw new RpcError(400, 'USERS_TOO_MUCH');
    const named = inputs.map((input) => this.deps.resolveMember(me, input, 'USER_ID_INVALID'));
    const members = named.filter((m, i) => m.id !== me.id && named.findIndex((x) => x.id === m.id) === i);
    const allowed = members.filter((m) => this.mayInvite(me, m));
    const missing = members.filter((m) => !allowed.includes(m));
    if (!members.length) throw new RpcError(400, 'USERS_TOO_FEW');
    const group = createGroupAsUser(world, me.id, title, allowed);
    const created = group.messages.at(-1);
    return {
      _: 'messages.invitedUsers',
      updates: this.answer(me, group, created),
      missing_invitees: missing.map((m) => ({ _: 'missingInvitee', user_id: BigInt(m.id) })),
    };
  }

  /**
   * messages.addChatUser: any member adds a user or a bot (Telegram's default rights of a basic group); one already
   * in it is USER_ALREADY_PARTICIPANT, one whose privacy keeps the caller out USER_PRIVACY_RESTRICTED. `fwd_limit`
   * (how much history the new member sees) is accepted and not applied: the sandbox shows a member the whole history.
   */
  addChatUser(me: SandboxUser, req: TlObject): TlObject {
    const group = this.memberGroup(me, req.chat_id);
    const member = this.deps.resolveMember(me, req.user_id, 'USER_ID_INVALID');
    if (isInGroup(group, member)) throw new RpcError(400, 'USER_ALREADY_PARTICIPANT');
    if (group.userIds.length + group.bots.length >= BASIC_GROUP_MEMBER_LIMIT) {
      throw new RpcError(400, 'USERS_TOO_MUCH');
    }
    if (!this.mayInvite(me, member)) throw new RpcError(403, 'USER_PRIVACY_RESTRICTED');
    const written = addGroupMember(this.deps.world, group, me.id, member);
    return { _: 'messages.invitedUsers', updates: this.answer(me, group, written), missing_invitees: [] };
  }

  /**
   * messages.deleteChatUser: a member leaves (user_id is themselves), or the creator, or whoever added them, removes
   * a member (anyone else: CHAT_ADMIN_REQUIRED). `revoke_history`: the leaving member's copy of the history goes
   * (for themselves); for a member removed, their messages go for everyone.
   */
  deleteChatUser(me: SandboxUser, req: TlObject): TlObject {
    const { world } = this.deps;
    const group = this.memberGroup(me, req.chat_id);
    const member = this.deps.resolveMember(me, req.user_id, 'USER_ID_INVALID');
    if (!isInGroup(group, member)) throw new RpcError(400, 'USER_NOT_PARTICIPANT');
    const self = member.kind === 'user' && member.id === me.id;
    if (!self && group.creatorUserId !== me.id && inviterOf(group, member.id).inviterId !== me.id) {
      throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    }
    const written = removeGroupMember(world, group, me.id, member);
    const answer = this.answer(me, group, written);
    if (req.revoke_history === true) {
      if (self) {
        // Already out of the group: their box says so, as the deletion is not pushed to a former member.
        for (const m of group.messages)
          if (!m.deletedFor?.includes(me.id)) m.deletedFor = [...(m.deletedFor ?? []), me.id];
      } else {
        const theirs = group.messages.filter(
          (m) => (member.kind === 'user' ? m.fromUserId : m.fromBotId) === member.id,
        );
        deleteGroupMessages(
          world,
          group,
          theirs.map((m) => m.id),
        );
      }
    }
    return answer;
  }

  /** messages.editChatTitle: any member renames the group; the same title is CHAT_NOT_MODIFIED. */
  editChatTitle(me: SandboxUser, req: TlObject): TlObject {
    const group = this.memberGroup(me, req.chat_id);
    const title = this.title(req.title);
    if (title === group.title) throw new RpcError(400, 'CHAT_NOT_MODIFIED');
    return this.answer(me, group, renameGroup(this.deps.world, group, me.id, title));
  }

  /**
   * messages.getFullChat: the group's members (the creator as `chatParticipantCreator`, each other one with who
   * added them and when); a former member gets `chatParticipantsForbidden`.
   */
  getFullChat(me: SandboxUser, req: TlObject): TlObject {
    const group = this.deps.world.findBasicGroup(num(req.chat_id));
    if (!group || num(req.chat_id) <= 0) throw new RpcError(400, 'CHAT_ID_INVALID');
    const memberIds = [...group.userIds, ...group.bots.map((b) => b.id)];
    return {
      _: 'messages.chatFull',
      full_chat: {
        _: 'chatFull',
        id: BigInt(group.id),
        about: group.about ?? '',
        participants: group.userIds.includes(me.id)
          ? chatParticipantsToTl(group)
          : { _: 'chatParticipantsForbidden', chat_id: BigInt(group.id) },
        notify_settings: emptyNotifySettings(),
        pinned_msg_id: this.deps.world.pinnedMessageIds({ kind: 'group', group })[0],
      },
      chats: [basicGroupToTl(group, me.id)],
      users: this.deps.usersToTl(group.userIds.includes(me.id) ? memberIds : [], me.id),
    };
  }

  // ---- helpers ----

  private title(raw: unknown): string {
    const title = (typeof raw === 'string' ? raw : '').trim();
    if (!title) throw new RpcError(400, 'CHAT_TITLE_EMPTY');
    // Telegram cuts a longer title to its limit.
    return [...title].slice(0, MAX_TITLE).join('');
  }

  /** The group a chat_id names, when the user is in it; any other is CHAT_ID_INVALID. */
  private memberGroup(me: SandboxUser, chatId: unknown): SandboxBasicGroup {
    const group = this.deps.world.findBasicGroup(num(chatId));
    if (!group || num(chatId) <= 0 || !group.userIds.includes(me.id)) throw new RpcError(400, 'CHAT_ID_INVALID');
    return group;
  }

  /** A user's "Invites" privacy (`inputPrivacyKeyChatInvite`) decides who may add them; bots can always be added. */
  private mayInvite(me: SandboxUser, member: GroupMemberRef): boolean {
    return member.kind === 'bot' || this.deps.world.privacyAllows(member.id, 'chat_invite', me.id);
  }

  /**
   * The `updates` a change answers with: the service message it wrote (at the pts it took in the caller's box) and
   * the group as the caller now sees it.
   */
  private answer(me: SandboxUser, group: SandboxBasicGroup, written: BasicGroupMessage | undefined): TlObject {
    const updates: TlObject[] = [];
    if (written) {
      updates.push({
        _: 'updateNewMessage',
        message: basicGroupMessageToTl(group, written, me.id),
        pts: this.deps.updates.userPts(me.id),
        pts_count: 1,
      });
    }
    const userIds = written ? groupMessageAuthorIds(written) : [];
    return {
      _: 'updates',
      updates,
      users: this.deps.usersToTl([me.id, ...userIds], me.id),
      chats: [basicGroupToTl(group, me.id)],
      date: written?.date ?? unixNow(),
      seq: 0,
    };
  }
}

/** A basic group's members as `chatParticipants`: its creator, then everyone else with their inviter. */
export function chatParticipantsToTl(group: SandboxBasicGroup): TlObject {
  const others = [...group.userIds.filter((id) => id !== group.creatorUserId), ...group.bots.map((b) => b.id)];
  const creator = group.userIds.includes(group.creatorUserId)
    ? [{ _: 'chatParticipantCreator', user_id: BigInt(group.creatorUserId) }]
    : [];
  return {
    _: 'chatParticipants',
    chat_id: BigInt(group.id),
    participants: [
      ...creator,
      ...others.map((id) => {
        const { inviterId, date } = inviterOf(group, id);
        const admin = group.bots.some((b) => b.id === id && b.admin);
        return {
          _: admin ? 'chatParticipantAdmin' : 'chatParticipant',
          user_id: BigInt(id),
          inviter_id: BigInt(inviterId),
          date,
        };
      }),
    ],
    version: 1,
  };
}
