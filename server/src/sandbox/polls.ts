import { randomBytes } from 'node:crypto';
import {
  type BasicGroupMessage,
  type ChannelMessage,
  type MessageInChat,
  type PrivateMessage,
  type SandboxBasicGroup,
  type SandboxChannel,
  type SandboxMessageMedia,
  type SandboxPoll,
  type SandboxWorld,
  WorldEvent,
} from './world';

/**
 * Polls, as both doors share them: a bot sends one (Bot API sendPoll) or a member does (MTProto inputMediaPoll),
 * members vote (messages.sendVote) and the sender closes it (stopPoll). The poll lives in its message's media;
 * every change is told through {@link WorldEvent.PollUpdated}, which the MTProto door turns into
 * `updateMessagePoll` for the chat's members and the Bot API door into `poll` and `poll_answer` for the bot
 * that sent it.
 */

/** Telegram's limits on a new poll: question 1-300 characters (255 from apps), 2-12 options of 1-100. */
export const POLL_LIMITS = {
  question: 300,
  memberQuestion: 255,
  minOptions: 2,
  maxOptions: 12,
  option: 100,
} as const;

/** The chat a poll's message is in. */
export type PollChat = MessageInChat;

/** Payload of {@link WorldEvent.PollUpdated}. */
export interface PollUpdatedEvent {
  chat: PollChat;
  poll: SandboxPoll;
  /** A vote (or its retraction, `options` empty) that caused the change; absent when the poll was closed. */
  vote?: { userId: number; options: number[] };
}

/** A refusal worded as Telegram's servers word it (an MTProto error; the Bot API passes most on). */
export class PollError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'PollError';
  }
}

export const isPoll = (media: SandboxMessageMedia | undefined): media is SandboxPoll => media?.kind === 'poll';

/** A new poll id: a random positive 63-bit number, as Telegram's are. */
export function newPollId(): string {
  return (randomBytes(8).readBigUInt64LE() >> 1n || 1n).toString();
}

/** What a poll's message was sent with; the rest of the poll (id, no votes) is made here. */
export type NewPoll = Omit<SandboxPoll, 'kind' | 'pollId' | 'votes' | 'closeDate' | 'closed'> & {
  closeDate?: number;
  closed?: boolean;
};

export function newPoll(input: NewPoll, now: number): SandboxPoll {
  const closeDate = input.openPeriod ? now + input.openPeriod : input.closeDate;
  return {
    kind: 'poll',
    pollId: newPollId(),
    question: input.question,
    options: [...input.options],
    ...(input.optionIds ? { optionIds: [...input.optionIds] } : {}),
    anonymous: input.anonymous,
    quiz: input.quiz,
    // A quiz has one right answer: it takes one vote.
    multipleAnswers: input.quiz ? false : input.multipleAnswers,
    ...(input.quiz ? { correctOption: input.correctOption } : {}),
    ...(input.quiz && input.explanation ? { explanation: input.explanation } : {}),
    ...(input.quiz && input.explanation && input.explanationEntities?.length
      ? { explanationEntities: input.explanationEntities }
      : {}),
    ...(input.openPeriod ? { openPeriod: input.openPeriod } : {}),
    ...(closeDate ? { closeDate } : {}),
    closed: input.closed === true,
    ...(input.senderBotId !== undefined ? { senderBotId: input.senderBotId } : {}),
    votes: [],
  };
}

/**
 * The same poll sent again as a copy (copyMessage, or a forward that drops its author): a new poll of the same
 * question and options, open and with no votes, sent by whoever sends it again. A forward keeps the poll itself
 * (see {@link messagesWithPoll}).
 */
export function pollSentAgain(poll: SandboxPoll, senderBotId: number | undefined, now: number): SandboxPoll {
  const { votes: _votes, pollId: _id, closeDate: _close, closed: _closed, senderBotId: _bot, ...rest } = poll;
  return newPoll({ ...rest, ...(senderBotId !== undefined ? { senderBotId } : {}) }, now);
}

const showsPoll =
  (pollId: string) =>
  (m: { media?: SandboxMessageMedia }): boolean =>
    isPoll(m.media) && m.media.pollId === pollId;

/**
 * Every message that shows the poll: the one it was sent in and its forwards. Telegram shows a forwarded poll as the
 * poll itself wherever it goes (one id, one count of votes, one vote per person, closed everywhere at once), so a
 * forward's message holds the very same poll object.
 */
export function messagesWithPoll(world: SandboxWorld, pollId: string): PollChat[] {
  const has = showsPoll(pollId);
  const found: PollChat[] = [];
  for (const channel of world.listChannels()) {
    for (const message of channel.messages)
      if (!message.deleted && has(message)) found.push({ kind: 'channel', channel, message });
  }
  for (const group of Object.values(world.basicGroups)) {
    for (const message of group.messages) if (has(message)) found.push({ kind: 'group', group, message });
  }
  for (const message of world.privateMessagesWhere(has)) found.push({ kind: 'private', message });
  return found;
}

/**
 * After a world is restored, the forwards of a poll share its one object again: a snapshot holds a copy of the poll
 * in each message, which would otherwise count votes apart.
 */
export function rejoinForwardedPolls(world: SandboxWorld): void {
  const first = new Map<string, SandboxPoll>();
  const rejoin = (m: { media?: SandboxMessageMedia }): void => {
    if (!isPoll(m.media)) return;
    const poll = first.get(m.media.pollId);
    if (poll) m.media = poll;
    else first.set(m.media.pollId, m.media);
  };
  for (const channel of world.listChannels()) channel.messages.forEach(rejoin);
  for (const group of Object.values(world.basicGroups)) group.messages.forEach(rejoin);
  world.privateMessagesWhere((m) => isPoll(m.media)).forEach(rejoin);
}

/** Whether the poll takes no more votes: closed by its sender, or past its close date. */
export function pollClosed(poll: SandboxPoll, now: number): boolean {
  return poll.closed || (poll.closeDate !== undefined && poll.closeDate <= now);
}

/** Per option, how many chose it; and how many people voted at all. */
export function pollCounts(poll: SandboxPoll): { voters: number[]; total: number } {
  const voters = poll.options.map(() => 0);
  for (const vote of poll.votes) for (const i of vote.options) voters[i] = (voters[i] ?? 0) + 1;
  return { voters, total: poll.votes.length };
}

/** The options a user chose (empty when they have not voted). */
export const chosenBy = (poll: SandboxPoll, userId: number): number[] =>
  poll.votes.find((v) => v.userId === userId)?.options ?? [];

/**
 * An option's MTProto `option` bytes: those the member's app gave it, or the one character TDLib gives option `i`
 * of a poll it sends ("0", "1"…, ":" and ";" for the 11th and 12th).
 */
export const optionBytes = (poll: SandboxPoll, index: number): Buffer => {
  const given = poll.optionIds?.[index];
  return given !== undefined ? Buffer.from(given, 'hex') : Buffer.from([0x30 + index]);
};

/**
 * A member's vote: `options` are the options' bytes, none to take the vote back. Refused as Telegram refuses it:
 * a closed poll MESSAGE_POLL_CLOSED; more options than the poll has OPTIONS_TOO_MUCH; an unknown option, a repeated
 * one, or several where one is allowed, OPTION_INVALID (the sandbox's reading for the last two); a quiz answered already REVOTE_NOT_ALLOWED (a quiz's answer is final). Taking back a vote one
 * never gave changes nothing and tells no one.
 */
export function castVote(world: SandboxWorld, chat: PollChat, userId: number, options: Buffer[]): SandboxPoll {
  const poll = chat.message.media;
  if (!isPoll(poll)) throw new PollError('MEDIA_INVALID');
  if (pollClosed(poll, world.unixNow())) throw new PollError('MESSAGE_POLL_CLOSED');
  if (options.length > poll.options.length) throw new PollError('OPTIONS_TOO_MUCH');
  const indexes = options.map((bytes) => poll.options.findIndex((_, i) => optionBytes(poll, i).equals(bytes)));
  if (indexes.some((i) => i < 0) || new Set(indexes).size !== indexes.length) throw new PollError('OPTION_INVALID');
  if (indexes.length > 1 && !poll.multipleAnswers) throw new PollError('OPTION_INVALID');
  const previous = poll.votes.findIndex((v) => v.userId === userId);
  if (poll.quiz && previous >= 0) throw new PollError('REVOTE_NOT_ALLOWED');
  const chosen = [...indexes].sort((a, b) => a - b);
  if (previous < 0 && chosen.length === 0) return poll;
  if (previous >= 0 && sameOptions(poll.votes[previous]?.options ?? [], chosen)) return poll;
  if (chosen.length === 0) poll.votes.splice(previous, 1);
  else if (previous >= 0) poll.votes[previous] = { userId, options: chosen };
  else poll.votes.push({ userId, options: chosen });
  const event: PollUpdatedEvent = { chat, poll, vote: { userId, options: chosen } };
  world.emit(WorldEvent.PollUpdated, event);
  return poll;
}

const sameOptions = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The sender closes the poll: no more votes; everyone in the chat sees the final results. */
export function closePoll(world: SandboxWorld, chat: PollChat): SandboxPoll {
  const poll = chat.message.media;
  if (!isPoll(poll)) throw new PollError('MEDIA_INVALID');
  if (pollClosed(poll, world.unixNow())) throw new PollError('MESSAGE_POLL_CLOSED');
  poll.closed = true;
  const event: PollUpdatedEvent = { chat, poll };
  world.emit(WorldEvent.PollUpdated, event);
  return poll;
}

/** The users a poll's chat shows it to: the people of a private chat, a group's members, a channel's user members. */
function chatAudience(world: SandboxWorld, chat: PollChat): number[] {
  if (chat.kind === 'group') return [...chat.group.userIds];
  if (chat.kind === 'channel') {
    return [...chat.channel.members.values()].filter((m) => m.kind === 'user').map((m) => m.id);
  }
  const { message } = chat;
  return [
    ...(message.fromKind === 'user' ? [message.fromId] : []),
    ...(message.toKind === 'user' && message.toId !== message.fromId ? [message.toId] : []),
  ].filter((id) => world.findUserById(id) !== undefined);
}

/** The users shown the poll anywhere: the audiences of its message and of every forward of it, each user once. */
export function pollAudience(world: SandboxWorld, poll: SandboxPoll): number[] {
  return [...new Set(messagesWithPoll(world, poll.pollId).flatMap((chat) => chatAudience(world, chat)))];
}

/** The longest a Node timer waits (about 24.8 days); a later close waits in several steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes polls when their time is up (open_period or close_date), as Telegram does: from then on the poll takes no
 * votes, its chat's members are pushed the final results and the bot that sent it hears its closed state. Started
 * once the world is loaded: polls already there are timed too (a poll whose time passed while the sandbox was
 * stopped closes at once). Time is the world's: moving its clock past a poll's close date (the control API's
 * `POST /sandbox/clock`) closes the poll right then, and a timer waits only for the machine's clock to get there.
 */
export class PollClosings {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; chat: PollChat }>();
  private readonly listeners: [WorldEvent, (...args: unknown[]) => void][] = [];

  constructor(private readonly world: SandboxWorld) {}

  start(): void {
    const onChannel = ({ channel, message }: { channel: SandboxChannel; message: ChannelMessage }): void =>
      this.schedule({ kind: 'channel', channel, message });
    const onGroup = ({ group, message }: { group: SandboxBasicGroup; message: BasicGroupMessage }): void =>
      this.schedule({ kind: 'group', group, message });
    const onPrivate = (message: PrivateMessage): void => this.schedule({ kind: 'private', message });
    const onReset = (): void => this.clearTimers();
    this.listen(WorldEvent.ChannelMessage, onChannel);
    this.listen(WorldEvent.ClockMoved, () => this.reschedule());
    this.listen(WorldEvent.BasicGroupMessage, onGroup);
    this.listen(WorldEvent.PrivateMessage, onPrivate);
    this.listen(WorldEvent.Reset, onReset);
    for (const channel of this.world.listChannels()) {
      for (const message of channel.messages) if (!message.deleted) onChannel({ channel, message });
    }
    for (const group of Object.values(this.world.basicGroups)) {
      for (const message of group.messages) onGroup({ group, message });
    }
    for (const user of this.world.listUsers()) {
      for (const message of this.world.privateMessagesOf('user', user.id)) onPrivate(message);
    }
  }

  close(): void {
    for (const [event, fn] of this.listeners) this.world.off(event, fn);
    this.listeners.length = 0;
    this.clearTimers();
  }

  private listen<T>(event: WorldEvent, fn: (payload: T) => void): void {
    const listener = (...args: unknown[]): void => fn(args[0] as T);
    this.world.on(event, listener);
    this.listeners.push([event, listener]);
  }

  private clearTimers(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * The world's clock moved: the timed polls now past their close date close at once (before the clock's mover is
   * answered), the others wait anew for the time left.
   */
  private reschedule(): void {
    const waiting = [...this.timers.values()].map((t) => t.chat);
    this.clearTimers();
    for (const chat of waiting) {
      const poll = chat.message.media;
      if (isPoll(poll) && !poll.closed && pollClosed(poll, this.world.unixNow())) this.closeNow(chat, poll);
      else this.schedule(chat);
    }
  }

  /** Waits for the poll's close date (a poll just sent, or found at start, is closed by a timer, never in passing). */
  private schedule(chat: PollChat): void {
    const poll = chat.message.media;
    if (!isPoll(poll) || poll.closed || poll.closeDate === undefined || this.timers.has(poll.pollId)) return;
    // The machine's clock runs at the world's pace, so the world reaches the close date after this long.
    const wait = Math.min((poll.closeDate - this.world.now() / 1000) * 1000, MAX_TIMER_MS);
    const timer = setTimeout(
      () => {
        this.timers.delete(poll.pollId);
        if (poll.closed) return;
        if (pollClosed(poll, this.world.unixNow())) this.closeNow(chat, poll);
        else this.schedule(chat);
      },
      Math.max(0, Math.ceil(wait)),
    );
    timer.unref();
    this.timers.set(poll.pollId, { timer, chat });
  }

  private closeNow(chat: PollChat, poll: SandboxPoll): void {
    poll.closed = true;
    const event: PollUpdatedEvent = { chat, poll };
    this.world.emit(WorldEvent.PollUpdated, event);
  }
}
