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
