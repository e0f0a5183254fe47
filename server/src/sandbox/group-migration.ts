import { writeServiceMessage } from './service-messages';
import {
  type BasicGroupMessage,
  type ChannelMessage,
  type SandboxBasicGroup,
  type SandboxChannel,
  SandboxInvalidError,
  SandboxNotFoundError,
  type SandboxWorld,
} from './world';

/**
 * Upgrading a basic group to a supergroup, as its creator does from their app (MTProto `messages.migrateChat`):
 * Telegram makes a supergroup with the group's title, description, photo and settings, and everyone of the group in
 * it (the creator its creator, the group's administrator bots its administrators). The basic group is deactivated
 * (`chat.deactivated`, `migrated_to` naming the supergroup); its history ends with "upgraded to a supergroup"
 * (`messageActionChatMigrateTo`, the Bot API's `migrate_to_chat_id`) and the supergroup's begins with
 * `messageActionChannelMigrateFrom` (`migrate_from_chat_id`). A bot's send to the old group is then refused, naming
 * the supergroup (see `resolveSendTarget`).
 */

export interface GroupMigration {
  channel: SandboxChannel;
  /** The group's last message: "… upgraded the group to a supergroup". */
  migratedTo: BasicGroupMessage | undefined;
  /** The supergroup's first message: made from the basic group. */
  migratedFrom: ChannelMessage | undefined;
}

/** The supergroup a basic group was upgraded to, when it was and the supergroup is still there. */
export function migratedChannelOf(world: SandboxWorld, group: SandboxBasicGroup): SandboxChannel | undefined {
  return group.migratedTo ? world.findChannel(group.migratedTo.channelId) : undefined;
}

/**
 * The basic group a supergroup was made from, and the id of that group's last message (its "upgraded" message): what
 * `channelFull.migrated_from_chat_id` and `migrated_from_max_id` name. Read from the supergroup's first message.
 */
export function migratedFromOf(
  world: SandboxWorld,
  channel: SandboxChannel,
): { group: SandboxBasicGroup; maxId: number } | undefined {
  const first = channel.messages[0]?.service;
  if (first?.type !== 'channel_migrate_from') return undefined;
  const group = world.findBasicGroup(first.chatId);
  if (!group) return undefined;
  const last = [...group.messages].reverse().find((m) => m.service?.type === 'chat_migrate_to');
  return { group, maxId: last?.id ?? group.messages.at(-1)?.id ?? 0 };
}

/** The creator `byUserId` upgrades the group to a supergroup; see above. */
export function migrateGroupToSupergroup(
  world: SandboxWorld,
  group: SandboxBasicGroup,
  byUserId: number,
): GroupMigration {
  if (group.migratedTo) throw new SandboxInvalidError('the group was already upgraded to a supergroup');
  if (group.creatorUserId !== byUserId || !group.userIds.includes(byUserId)) {
    throw new SandboxInvalidError('only the creator of the group may upgrade it');
  }
  const creator = world.findUserById(byUserId);
  if (!creator) throw new SandboxNotFoundError('the creator is no user');
  const channel = world.createChannel({ title: group.title, ownerPhone: creator.phone, megagroup: true });
  if (group.about) channel.about = group.about;
  if (group.noForwards) channel.noForwards = true;
  if (group.availableReactions) channel.availableReactions = group.availableReactions;
  if (group.photo) channel.photo = { ...group.photo };
  for (const id of group.userIds) {
    if (id !== byUserId) world.setMember(channel.id, { kind: 'user', id, admin: false }, byUserId);
  }
  for (const bot of group.bots) world.setMember(channel.id, { kind: 'bot', id: bot.id, admin: bot.admin }, byUserId);
  const sender = { kind: 'user' as const, id: byUserId };
  // Deactivated first, so the members' apps read the group as such beside its last message.
  group.migratedTo = { channelId: channel.id, accessHash: channel.accessHash };
  const migratedTo = writeServiceMessage(world, { kind: 'group', group }, sender, {
    type: 'chat_migrate_to',
    channelId: channel.id,
  });
  const migratedFrom = writeServiceMessage(world, { kind: 'channel', channel }, sender, {
    type: 'channel_migrate_from',
    title: group.title,
    chatId: group.id,
  });
  return { channel, migratedTo, migratedFrom };
}
