import type {
  BasicGroupMessage,
  ChannelMessage,
  PrivateMessage,
  SandboxChannel,
  SandboxForwardOrigin,
  SandboxWorld,
} from './world';

/**
 * Where a message was first written, as a forward of it names it: the origin it was itself forwarded with (a forward
 * of a forward keeps the first), or its own author. Shared by the Bot API's forwardMessage and MTProto's
 * messages.forwardMessages.
 *
 * A person's message names them only when their forwards privacy lets the one forwarding it link to them
 * ({@link SandboxWorld.linksForwardTo}); otherwise the forward carries their name alone (`hidden_user` on the Bot API,
 * `from_name` without `from_id` on MTProto), fixed when forwarded.
 */

/** Who forwards: a user's or a bot's id, for the author's forwards privacy. */
export interface Forwarder {
  world: SandboxWorld;
  id: number;
}

function personOrigin(by: Forwarder, userId: number, date: number): SandboxForwardOrigin {
  if (by.world.linksForwardTo(userId, by.id)) return { kind: 'user', userId, date };
  const user = by.world.findUserById(userId);
  const senderName = user ? [user.firstName, user.lastName].filter(Boolean).join(' ') : 'Deleted Account';
  return { kind: 'hidden', senderName, date };
}

/** A channel post names the channel and the post; a supergroup's message its author, or the group itself. */
export function channelMessageOrigin(by: Forwarder, channel: SandboxChannel, m: ChannelMessage): SandboxForwardOrigin {
  if (m.forwardOrigin) return m.forwardOrigin;
  if (!channel.megagroup) return { kind: 'channel', channelId: channel.id, messageId: m.id, date: m.date };
  if (m.viaBotId !== undefined) return { kind: 'bot', botId: m.viaBotId, date: m.date };
  if (m.fromUserId !== undefined) return personOrigin(by, m.fromUserId, m.date);
  return { kind: 'chat', channelId: channel.id, date: m.date };
}

/** A basic group's message names the bot or the member who wrote it. */
export function groupMessageOrigin(by: Forwarder, m: BasicGroupMessage): SandboxForwardOrigin {
  if (m.forwardOrigin) return m.forwardOrigin;
  if (m.fromBotId !== undefined) return { kind: 'bot', botId: m.fromBotId, date: m.date };
  return personOrigin(by, m.fromUserId ?? 0, m.date);
}

/** A private message names the person or bot who wrote it. */
export function privateMessageOrigin(by: Forwarder, m: PrivateMessage): SandboxForwardOrigin {
  if (m.forwardOrigin) return m.forwardOrigin;
  return m.fromKind === 'bot' ? { kind: 'bot', botId: m.fromId, date: m.date } : personOrigin(by, m.fromId, m.date);
}
