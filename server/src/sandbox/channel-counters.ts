import { createHash } from 'node:crypto';

/**
 * How a channel post's counters move, as on Telegram: views grow fast in the first hours after posting and
 * slowly for days after, forwards and reactions follow as small fractions of the views. Everything is computed
 * from the post's age when read, with parameters derived from the channel and message ids, so two reads at the
 * same moment agree and a test can predict any value with {@link countersAt}. Pure functions, no I/O.
 */

/** The reactions the sandbox's audiences use, in the order a post's mix is drawn from. */
export const SANDBOX_REACTIONS = ['👍', '❤', '🔥', '🎉', '😁', '👏'] as const;

const HOUR = 3600;
const DAY = 24 * HOUR;

/** A post's counters at one moment. `reactions` is per emoticon, most first, zero counts left out. */
export interface MessageCounters {
  views: number;
  forwards: number;
  reactions: { emoticon: string; count: number }[];
}

/**
 * Values set through the control API at unix time `at`; from then on the curve adds what it would have added.
 * `reactions` by emoticon.
 */
export interface CounterAnchor {
  at: number;
  views: number;
  /** How many users had counted a view through `increment` then (later ones add to `views`). */
  viewers: number;
  forwards: number;
  reactions: Record<string, number>;
}

/** What the counters of one post are computed from (the fields of a channel message that matter here). */
export interface CountedPost {
  /** Unix seconds, in the world's time. */
  date: number;
  /** Views at posting. */
  views: number;
  /** Forwards at posting. */
  forwards: number;
  /** How many views the post gathers in all, beyond its first ones (0: the counters never move on their own). */
  reach?: number;
  counters?: CounterAnchor;
  /** Users who opened it with `messages.getMessagesViews` `increment`: one view each. */
  viewedBy?: number[];
}

/** The shape of one post's curve, drawn from its ids. */
export interface PostCurve {
  /** Share of the reach that the early (hours) wave brings; the rest comes over days. */
  fastShare: number;
  /** Time constants (seconds) of the early and late waves. */
  fastTau: number;
  slowTau: number;
  /** Fraction of the subscribers at posting that end up viewing it. */
  reachFraction: number;
  forwardRate: number;
  /** Reactions per view, per emoticon of the post's mix. */
  reactionRates: { emoticon: string; rate: number }[];
}

/** Deterministic numbers in [0, 1) from a seed string (sha256, 32 bits each: up to eight). */
function unitFractions(seed: string): number[] {
  const digest = createHash('sha256').update(seed).digest();
  const out: number[] = [];
  for (let i = 0; i + 4 <= digest.length; i += 4) out.push(digest.readUInt32BE(i) / 2 ** 32);
  return out;
}

const between = (u: number | undefined, low: number, high: number): number => low + (u ?? 0) * (high - low);

/** Curves already drawn (a history page reads a hundred posts at once); emptied when it grows past this. */
const CURVE_CACHE_SIZE = 50_000;
const curves = new Map<string, PostCurve>();

export function postCurve(channelId: number, messageId: number): PostCurve {
  const key = `${channelId}:${messageId}`;
  let curve = curves.get(key);
  if (!curve) {
    if (curves.size >= CURVE_CACHE_SIZE) curves.clear();
    curve = drawCurve(key);
    curves.set(key, curve);
  }
  return curve;
}

function drawCurve(key: string): PostCurve {
  const [a, b, c, d, e, f, g] = unitFractions(`sandbox-post:${key}`);
  // Three emoticons per post; the first is the most used.
  const start = Math.floor((g ?? 0) * SANDBOX_REACTIONS.length);
  const total = between(f, 0.01, 0.05);
  const split = [0.6, 0.3, 0.1];
  const reactionRates = split.map((share, i) => ({
    emoticon: SANDBOX_REACTIONS[(start + i) % SANDBOX_REACTIONS.length] ?? '👍',
    rate: total * share,
  }));
  return {
    fastShare: between(a, 0.75, 0.9),
    fastTau: between(b, 2 * HOUR, 5 * HOUR),
    slowTau: between(c, 2 * DAY, 4 * DAY),
    reachFraction: between(d, 0.25, 0.6),
    forwardRate: between(e, 0.005, 0.03),
    reactionRates,
  };
}

/** The share of its reach a post has gathered at `ageSeconds` (0 at posting, towards 1 after weeks). */
export function reachedShare(curve: PostCurve, ageSeconds: number): number {
  if (!(ageSeconds > 0)) return 0;
  return (
    curve.fastShare * (1 - Math.exp(-ageSeconds / curve.fastTau)) +
    (1 - curve.fastShare) * (1 - Math.exp(-ageSeconds / curve.slowTau))
  );
}

/** How many views a post gathers in all from a channel of `subscribers` at posting (a share drawn from its ids). */
export function reachOf(channelId: number, messageId: number, subscribers: number): number {
  return Math.round(Math.max(subscribers, 0) * postCurve(channelId, messageId).reachFraction);
}

interface Grown {
  views: number;
  forwards: number;
  reactions: Map<string, number>;
}

/** What the curve alone has added by `now` (never decreasing in `now`). */
function grownBy(curve: PostCurve, post: CountedPost, now: number): Grown {
  const views = Math.floor((post.reach ?? 0) * reachedShare(curve, now - post.date));
  return {
    views,
    forwards: Math.floor(views * curve.forwardRate),
    reactions: new Map(curve.reactionRates.map((r) => [r.emoticon, Math.floor(views * r.rate)])),
  };
}

/** The counters of a broadcast post at unix time `now` (world time). */
export function countersAt(channelId: number, messageId: number, post: CountedPost, now: number): MessageCounters {
  const curve = postCurve(channelId, messageId);
  const grown = grownBy(curve, post, now);
  const viewers = post.viewedBy?.length ?? 0;
  let views: number;
  let forwards: number;
  const reactions = new Map<string, number>();
  const anchor = post.counters;
  if (anchor) {
    const before = grownBy(curve, post, anchor.at);
    views = anchor.views + grown.views - before.views + viewers - anchor.viewers;
    forwards = anchor.forwards + grown.forwards - before.forwards;
    for (const [emoticon, count] of Object.entries(anchor.reactions)) reactions.set(emoticon, count);
    for (const [emoticon, count] of grown.reactions) {
      const added = count - (before.reactions.get(emoticon) ?? 0);
      if (added > 0) reactions.set(emoticon, (reactions.get(emoticon) ?? 0) + added);
    }
  } else {
    views = post.views + grown.views + viewers;
    forwards = post.forwards + grown.forwards;
    for (const [emoticon, count] of grown.reactions) reactions.set(emoticon, count);
  }
  return {
    views,
    forwards,
    reactions: [...reactions]
      .filter(([, count]) => count > 0)
      .map(([emoticon, count]) => ({ emoticon, count }))
      .sort((x, y) => y.count - x.count),
  };
}

/**
 * A total number of reactions split over the post's mix (largest remainder, so the parts add up exactly): what
 * the control API does with `reactions` given as one number.
 */
export function splitReactions(channelId: number, messageId: number, total: number): Record<string, number> {
  const { reactionRates } = postCurve(channelId, messageId);
  const sum = reactionRates.reduce((s, r) => s + r.rate, 0);
  const parts = reactionRates.map((r) => {
    const exact = (total * r.rate) / sum;
    return { emoticon: r.emoticon, count: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = total - parts.reduce((s, p) => s + p.count, 0);
  for (const p of [...parts].sort((x, y) => y.rest - x.rest)) {
    if (left <= 0) break;
    p.count += 1;
    left -= 1;
  }
  const out: Record<string, number> = {};
  for (const p of parts) if (p.count > 0) out[p.emoticon] = p.count;
  return out;
}

/**
 * A post's counters with the reactions of members and bots (each `{emoticon}` one reaction) added to the
 * audience's: one count per emoticon, most first (a tie keeps the audience's order, then the order of the first
 * reaction), zero counts left out.
 */
export function withReactions(counters: MessageCounters, added: readonly { emoticon: string }[]): MessageCounters {
  if (!added.length) return counters;
  const counts = new Map(counters.reactions.map((r) => [r.emoticon, r.count]));
  for (const { emoticon } of added) counts.set(emoticon, (counts.get(emoticon) ?? 0) + 1);
  return {
    ...counters,
    reactions: [...counts]
      .filter(([, count]) => count > 0)
      .map(([emoticon, count]) => ({ emoticon, count }))
      .sort((x, y) => y.count - x.count),
  };
}
