import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';

/** One interval of a channel's series: the subscriber count last sampled in it and what its posts gained in it. */
export interface ChannelStatsPoint {
  at: string;
  /** Null when no sample fell in the interval. */
  subscribers: number | null;
  /** Views gained in the interval; null when views are not available. */
  views: number | null;
  forwards: number | null;
  reactions: number | null;
  posts: number | null;
}

export interface ChannelStatsDto {
  /** False when the channel is read through the bot only (no tenant account): subscribers, but no views. */
  views_available: boolean;
  series: ChannelStatsPoint[];
}

export interface ChannelTopPostDto {
  message_id: number;
  /** The platform's post, when the message was posted through it. */
  post_id: string | null;
  posted_at: string;
  views: number;
  forwards: number;
  reactions: number;
  sampled_at: string;
}

export interface ChannelTopPostsDto {
  posts: ChannelTopPostDto[];
}

export type StatsInterval = 'hour' | 'day' | 'week';
export type TopPostsSort = 'views' | 'forwards' | 'reactions';

/** The admin API's channel statistics of a tenant. */
@Injectable({ providedIn: 'root' })
export class ChannelStatsApi {
  private readonly http = inject(HttpClient);

  stats(
    tenantId: string,
    channelId: string,
    query: { from: string; to: string; interval: StatsInterval },
  ): Observable<ChannelStatsDto> {
    return this.http.get<ChannelStatsDto>(`${base(tenantId, channelId)}/stats`, {
      params: new HttpParams({ fromObject: query }),
    });
  }

  topPosts(
    tenantId: string,
    channelId: string,
    query: { from: string; to: string; sort: TopPostsSort; limit: number },
  ): Observable<ChannelTopPostsDto> {
    return this.http.get<ChannelTopPostsDto>(`${base(tenantId, channelId)}/stats/posts`, {
      params: new HttpParams({ fromObject: query }),
    });
  }
}

function base(tenantId: string, channelId: string): string {
  return `/api/admin/tenants/${encodeURIComponent(tenantId)}/channels/${encodeURIComponent(channelId)}`;
}
