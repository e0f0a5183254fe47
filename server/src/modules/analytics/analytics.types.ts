/** A post's counters at one sample. */
export interface PostCounts {
  messageId: number;
  postedAt: Date;
  views: number;
  forwards: number;
  reactions: number;
}

/** Where a sample's numbers came from: the tenant's own session (views too), or the bot's member count. */
export type SampleSource = 'account' | 'bot';

/** One sample of a channel, as the collector records it (AnalyticsService.recordSample). */
export interface ChannelSample {
  /** channels.id (uuid). */
  channelId: string;
  sampledAt: Date;
  subscribers: number | null;
  /** 'bot' = getChatMemberCount fallback, no views. */
  source: SampleSource;
  /** Empty for source 'bot'. */
  posts: PostCounts[];
}

/** What one maintenance pass did: the partitions it created and dropped, by name. */
export interface AnalyticsMaintenanceResult {
  created: string[];
  dropped: string[];
}

/** The width of a series' buckets (UTC; weeks begin on Monday). */
export type StatsInterval = 'hour' | 'day' | 'week';
export const STATS_INTERVALS: readonly StatsInterval[] = ['hour', 'day', 'week'];

/** What the top posts are ranked by. */
export type TopPostsSort = 'views' | 'forwards' | 'reactions';
export const TOP_POSTS_SORTS: readonly TopPostsSort[] = ['views', 'forwards', 'reactions'];

/**
 * What a channel's posts gained in one bucket (only buckets with samples). A bucket's `at` is its start in
 * epoch milliseconds: a series has thousands, and a number costs the driver nothing to read.
 */
export interface GainsBucket {
  at: number;
  views: number;
  forwards: number;
  reactions: number;
}

/** How many posts were published in one bucket (only buckets with posts). */
export interface PostsBucket {
  at: number;
  posts: number;
}

/** The last subscriber count sampled in one bucket (only buckets with a count). */
export interface SubscribersBucket {
  at: number;
  subscribers: number;
}

/** A post with its latest counts. */
export interface TopPost {
  message_id: number;
  posted_at: Date;
  views: number;
  forwards: number;
  reactions: number;
  sampled_at: Date;
}

/** One sample of a post. */
export interface CurvePoint {
  at: Date;
  views: number;
  forwards: number;
  reactions: number;
}

/** Views gained in one hour of the week. */
export interface HourCell {
  weekday: number;
  hour: number;
  views: number;
}
