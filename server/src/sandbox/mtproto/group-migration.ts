import { migrateGroupToSupergroup } from '../group-migration';
import type { SandboxUser, SandboxWorld } from '../world';
import type { SandboxUpdates } from '../updates/sandbox-updates';
import { RpcError } from './rpc-error';
import {
  basicGroupMessageToTl,
  basicGroupToTl,
  channelMessageToTl,
  channelToTl,
  groupMessageAuthorIds,
  unixNow,
} from './tl-builders';
import type { TlObject } from './tl-codec';

/** What messages.migrateChat needs of the door. */
export interface GroupMigrationRpcDeps {
  world: SandboxWorld;
  updates: SandboxUpdates;
  usersToTl: (ids: Iterable<number>, viewerId: number) => TlObject[];
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/**
 * messages.migrateChat: the creator upgrades a basic group to a supergroup (group-migration.ts). A chat the caller is
 * not in is CHAT_ID_INVALID, as is one already upgraded (deactivated); a member who is not its creator gets
 * CHAT_ADMIN_REQUIRED. The answer carries the new supergroup with its first message and the group's last one, and
 * the group as now deactivated, naming the supergroup.
 */
export function migrateChat(deps: GroupMigrationRpcDeps, me: SandboxUser, req: TlObject): TlObject {
  const { world, updates } = deps;
  const group = world.findBasicGroup(num(req.chat_id));
  if (!group || num(req.chat_id) <= 0 || !group.userIds.includes(me.id)) throw new RpcError(400, 'CHAT_ID_INVALID');
  // wording guessed: what Telegram answers for a group already upgraded (deactivated).
  if (group.migratedTo) throw new RpcError(400, 'CHAT_ID_INVALID');
  if (group.creatorUserId !== me.id) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
  const { channel, migratedTo, migratedFrom } = migrateGroupToSupergroup(world, group, me.id);
  const list: TlObject[] = [{ _: 'updateChannel', channel_id: BigInt(channel.id) }];
  if (migratedFrom) {
    list.push({
      _: 'updateNewChannelMessage',
      message: channelMessageToTl(channel, migratedFrom),
      pts: channel.pts,
      pts_count: 1,
    });
  }
  if (migratedTo) {
    list.push({
      _: 'updateNewMessage',
      message: basicGroupMessageToTl(group, migratedTo, me.id),
      pts: updates.userPts(me.id),
      pts_count: 1,
    });
  }
  return {
    _: 'updates',
    updates: list,
    users: deps.usersToTl([me.id, ...(migratedTo ? groupMessageAuthorIds(migratedTo) : [])], me.id),
    chats: [basicGroupToTl(group, me.id), channelToTl(channel, me.id)],
    date: migratedTo?.date ?? unixNow(),
    seq: 0,
  };
}
