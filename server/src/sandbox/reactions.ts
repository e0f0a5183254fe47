import { withReactions } from './channel-counters';
import { adminRightsOf } from './channel-administration';
import {
  type ChatReactionChoice,
  type MessageReactionsEvent,
  type ReactedMessage,
  type SandboxBasicGroup,
  type SandboxChannel,
  type SandboxReaction,
  type SandboxWorld,
  WorldEvent,
} from './world';

/**
 * Reactions of users and bots on messages, for both doors: which emoji are allowed, how many one may put on a
 * message, what a chat's members see of them. The reactions themselves live on the messages (`reactions`), so they
 * are stored with the world and go away with their message.
 */

/**
 * Telegram's standard reactions, free for everyone (the Bot API's `ReactionTypeEmoji` list). A new chat allows all of
 * them, as on Telegram, until its admins choose some or none ({@link setAvailableReactions}).
 */
export const STANDARD_REACTIONS: readonly string[] = [
  '👍', '👎', '❤', '🔥', '🥰', '👏', '😁', '🤔', '🤯', '😱', '🤬', '😢', '🎉', '🤩', '🤮', '💩', '🙏', '👌', '🕊',
  '🤡', '🥱', '🥴', '😍', '🐳', '❤‍🔥', '🌚', '🌭', '💯', '🤣', '⚡', '🍌', '🏆', '💔', '🤨', '😐', '🍓', '🍾', '💋',
  '🖕', '😈', '😴', '😭', '🤓', '👻', '👨‍💻', '👀', '🎃', '🙈', '😇', '😨', '🤝', '✍', '🤗', '🫡', '🎅', '🎄', '☃',
  '💅', '🤪', '🗿', '🆒', '💘', '🙉', '🦄', '😘', '💊', '🙊', '😎', '👾', '🤷‍♂', '🤷', '🤷‍♀', '😡',
]; // prettier-ignore

const STANDARD = new Set(STANDARD_REACTIONS);

/** Reactions one account without Telegram Premium (every sandbox account, and every bot) may put on one message. */
export const MAX_REACTIONS_PER_SENDER = 1;

/** Why a reaction is refused, in Telegram's error names (both doors answer with them). */
export type ReactionRefusal = 'REACTION_INVALID' | 'REACTIONS_TOO_MANY' | 'CHAT_ADMIN_REQUIRED';

export class ReactionRefusedError extends Error {
  constructor(readonly code: ReactionRefusal) {
    super(code);
    this.name = 'ReactionRefusedError';
  }
}

/** One emoji's count on a message. */
export interface ReactionCount {
  emoticon: string;
  count: number;
}

/** The sender's reactions on the message, in the order they added them. */
export function reactionsBy(message: { reactions?: SandboxReaction[] }, kind: 'user' | 'bot', id: number): string[] {
  return (message.reactions ?? []).filter((r) => r.kind === kind && r.id === id).map((r) => r.emoticon);
}

/**
 * A user or bot sets its reactions on a message (an empty list takes them all back), checked as Telegram checks
 * them: each one a standard emoji the chat allows (REACTION_INVALID), at most {@link MAX_REACTIONS_PER_SENDER} (REACTIONS_TOO_MANY).
 * A repeated emoji counts once. Returns the change told to the chat, or undefined when nothing changed.
 */
export function setReactions(
  world: SandboxWorld,
  target: ReactedMessage,
  reactor: { kind: 'user' | 'bot'; id: number },
  emoticons: readonly string[],
  big = false,
): MessageReactionsEvent | undefined {
  const wanted = [...new Set(emoticons)];
  const allowed = target.kind === 'private' ? undefined : allowedReactions(reactionChat(target));
  if (wanted.some((e) => !STANDARD.has(e) || (allowed !== undefined && !allowed.includes(e)))) {
    throw new ReactionRefusedError('REACTION_INVALID');
  }
  if (wanted.length > MAX_REACTIONS_PER_SENDER) throw new ReactionRefusedError('REACTIONS_TOO_MANY');
  const { message } = target;
  const old = reactionsBy(message, reactor.kind, reactor.id);
  if (old.length === wanted.length && old.every((e, i) => e === wanted[i])) return undefined;
  const date = world.unixNow();
  const others = (message.reactions ?? []).filter((r) => r.kind !== reactor.kind || r.id !== reactor.id);
  const mine = wanted.map((emoticon): SandboxReaction => ({
    kind: reactor.kind,
    id: reactor.id,
    emoticon,
    date,
    ...(big ? { big } : {}),
  }));
  const all = [...others, ...mine];
  message.reactions = all.length ? all : undefined;
  const event: MessageReactionsEvent = { target, reactor, old, now: wanted, date };
  world.emit(WorldEvent.MessageReactions, event);
  return event;
}

/**
 * A message's reaction counts, most first: a broadcast post's are its audience's (channel-counters.ts) with the
 * real ones added; any other message's are its members' and bots' own (ties in the order of the first reaction).
 */
export function reactionCounts(world: SandboxWorld, target: ReactedMessage): ReactionCount[] {
  if (target.kind === 'channel' && !target.channel.megagroup) {
    return world.countersOf(target.channel, target.message).reactions;
  }
  return countReactions(target.message.reactions ?? []);
}

/** Reactions counted by emoji, most first (ties in the order of the first reaction of each). */
export function countReactions(reactions: readonly { emoticon: string }[]): ReactionCount[] {
  return withReactions({ views: 0, forwards: 0, reactions: [] }, reactions).reactions;
}

/** The users of the chat who are told of a change of reactions on one of its messages. */
export function reactionAudience(target: ReactedMessage): number[] {
  switch (target.kind) {
    case 'channel':
      return [...target.channel.members.values()].filter((m) => m.kind === 'user').map((m) => m.id);
    case 'group':
      return [...target.group.userIds];
    case 'private': {
      const { message } = target;
      const sides = [message.fromKind === 'user' ? message.fromId : 0, message.toKind === 'user' ? message.toId : 0];
      return [...new Set(sides.filter((id) => id > 0 && !message.deletedFor?.includes(id)))];
    }
  }
}

/** A chat whose admins choose its reactions. */
export type ReactionChat = { kind: 'channel'; channel: SandboxChannel } | { kind: 'group'; group: SandboxBasicGroup };

const reactionChat = (target: Exclude<ReactedMessage, { kind: 'private' }>): ReactionChat =>
  target.kind === 'channel' ? { kind: 'channel', channel: target.channel } : { kind: 'group', group: target.group };

const choiceOf = (chat: ReactionChat): ChatReactionChoice | undefined =>
  chat.kind === 'channel' ? chat.channel.availableReactions : chat.group.availableReactions;

/** The emoji the chat allows, in its admins' order; undefined when it allows every standard one. */
export function allowedReactions(chat: ReactionChat): readonly string[] | undefined {
  const choice = choiceOf(chat);
  if (!choice) return undefined;
  return choice.kind === 'none' ? [] : choice.emoticons;
}

/**
 * The chat's admins choose its reactions: every standard one (`undefined`), none, or some. Refused as Telegram
 * refuses it: someone who may not change the chat's info (a channel's creator or an admin with that right, a basic
 * group's creator) CHAT_ADMIN_REQUIRED, an emoji outside the standard set REACTION_INVALID. Reactions already on
 * messages stay, as on Telegram; the members' apps are told the chat changed. A choice of every standard emoji is
 * every one.
 */
export function setAvailableReactions(
  world: SandboxWorld,
  chat: ReactionChat,
  byUserId: number,
  choice: ChatReactionChoice | undefined,
): void {
  const mayChange =
    chat.kind === 'channel'
      ? adminRightsOf(chat.channel.members.get(`user:${byUserId}`)).can_change_info
      : chat.group.creatorUserId === byUserId;
  if (!mayChange) throw new ReactionRefusedError('CHAT_ADMIN_REQUIRED');
  let value = choice;
  if (value?.kind === 'some') {
    const emoticons = [...new Set(value.emoticons)];
    if (emoticons.some((e) => !STANDARD.has(e))) throw new ReactionRefusedError('REACTION_INVALID');
    value =
      emoticons.length === 0
        ? { kind: 'none' }
        : emoticons.length === STANDARD.size
          ? undefined
          : { kind: 'some', emoticons };
  }
  if (chat.kind === 'channel') {
    chat.channel.availableReactions = value;
    world.emit(WorldEvent.ChannelEdited, chat.channel);
  } else chat.group.availableReactions = value;
}
