import type { BasicGroupMessage, ChannelMessage, PrivateMessage, SandboxChannel, SandboxForwardOrigin } from './world';

/**
 * Where a message was first written, as a forward of it names it: the origin it was itself forwarded with (a forward
 * of a forward keeps the first), or its own author. Shared by the Bot API's forwardMessage and MTProto's
 * messages.forwardMessages.
 */

/** A channel post names the channel and the post; a supergroup's message its author, or the group itself. */
export function channelMessageOrigin(channel: SandboxChannel, m: ChannelMessage): SandboxForwardOrigin {
  if (m.forwardOrigin) return m.forwardOrigin;
  if (!channel.megagroup) return { kind: 'channel', channelId: channel.id, messageId: m.id, date: m.date };
  if (m.viaBotId !== undefined) return { kind: 'bot', botId: m.viaBotId, date: m.date };
  if (m.fromUserId !== undefined) return { kind: 'user', userId: m.fromUserId, date: m.date };
  return { kind: 'chat', channelId: channel.id, date: m.date };
}

/** A basic group's message names the bot or the member who wrote it. */
export function groupMessageOrigin(m: BasicGroupMessage): SandboxForwardOrigin {
  if (m.forwardOrigin) return m.forwardOrigin;
  if (m.fromBotId !== undefined) return { kind: 'bot', botId: m.fromBotId, date: m.date };
  return { kind: 'user', userId: m.fromUserId ?? 0, date: m.date };
}

/** A private message names the person or bot who wrote it. */
export function privateMessageOrigin(m: PrivateMessage): SandboxForwardOrigin {
  if (m.forwardOrigin) return m.forwardOrigin;
  return m.fromKind === 'bot'
    ? { kind: 'bot', botId: m.fromId, date: m.date }
    : { kind: 'user', userId: m.fromId, date: m.date };
}
