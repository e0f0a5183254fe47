import { Injectable } from '@nestjs/common';
import { TenantDb } from '../database/tenant-db';
import type { PostMedia, PostStatus } from './post.entity';

/** The send path's self-scoping functions (sources: `posts/sql/<name>.sql`). */
export type ScopedSendFunction = 'tenant_due_posts' | 'tenant_claim_posts' | 'tenant_record_sent';

/** A row of tenant_due_posts: the oldest due, unsent post of one channel, for call number `ord`. */
export interface DuePostRow {
  ord: number;
  post_id: string;
  channel_id: string;
  status: PostStatus;
  text: string | null;
  parse_mode: string | null;
  media: PostMedia | null;
  attempts: number;
  chat_id: string | null;
  chat_username: string | null;
  owner_status: string | null;
  due_in_channel: number;
  /** Since when the post is due: its scheduled time, or its creation when it was not scheduled later. */
  due_at: Date;
}

/**
 * The send path's statements on `posts`, each one call of a SQL function defined in `posts/sql/`
 * that scopes itself to every tenant named in its first argument. They go straight to the pool
 * (see TenantDb.callFunction): one round trip, no transaction around it, for many tenants at once.
 * Beside PostsRepository, the only code that writes `posts`.
 */
@Injectable()
export class SendPathFunctions {
  constructor(private readonly tenantDb: TenantDb) {}

  /** The next due posts: for call i, up to `limits[i]` channels' heads of tenant `tenantIds[i]`. */
  duePosts(tenantIds: string[], limits: number[]): Promise<DuePostRow[]> {
    return this.call<DuePostRow>('tenant_due_posts', tenantIds, [limits]);
  }

  /** Claims post `postIds[i]` of tenant `tenantIds[i]`; answers the ids won. */
  async claimPosts(tenantIds: string[], postIds: string[]): Promise<string[]> {
    const rows = await this.call<{ tenant_claim_posts: string }>('tenant_claim_posts', tenantIds, [postIds]);
    return rows.map((r) => r.tenant_claim_posts);
  }

  /** Records Telegram's message id (and an uploaded file's file_id) of post `postIds[i]` of tenant `tenantIds[i]`. */
  async recordSent(
    tenantIds: string[],
    postIds: string[],
    messageIds: string[],
    fileIds: (string | null)[],
  ): Promise<void> {
    await this.call('tenant_record_sent', tenantIds, [postIds, messageIds, fileIds]);
  }

  /** One statement: the function over its tenants and arguments. */
  protected call<R>(fn: ScopedSendFunction, tenantIds: string[], args: unknown[]): Promise<R[]> {
    return this.tenantDb.callFunction<R>(fn, tenantIds, args);
  }
}
