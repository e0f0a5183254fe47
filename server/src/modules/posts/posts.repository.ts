import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { TenantDb } from '../database/tenant-db';
import { Post, PostStatus, type PostMedia } from './post.entity';

/** A post as its tenant asks for it, before any attempt. */
export interface NewPost {
  id: string;
  channelId: string;
  text: string | null;
  parseMode: string | null;
  media: PostMedia | null;
  scheduledAt: Date | null;
  idempotencyKey: string;
}

/** How many of the tenant's posts went out, failed for good, and still wait. */
export interface PostCounts {
  sent: number;
  failed: number;
  pending: number;
}

/**
 * The only code that reads or writes `posts`, with SendPathFunctions (the send path's batched
 * statements). Tenant first; every method runs in the tenant's row-level-security scope, in the
 * caller's transaction (`tx`) where the write belongs with others. The one cross-tenant read is
 * the send sweep's, on the admin pool.
 */
@Injectable()
export class PostsRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    // The sweep's lookup crosses tenants: it runs as the admin pool's BYPASSRLS role.
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /** Writes the post as scheduled; answers false when the tenant already has one with its idempotency key. */
  async insertScheduled(tenantId: string, post: NewPost, tx: EntityManager): Promise<boolean> {
    const result: { id: string }[] = await tx.query(
      `INSERT INTO "posts" ("id", "user_id", "channel_id", "text", "parse_mode", "media", "scheduled_at", "status", "idempotency_key")
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, 'scheduled', $8)
       ON CONFLICT ("user_id", "idempotency_key") DO NOTHING RETURNING "id"`,
      [
        post.id,
        tenantId,
        post.channelId,
        post.text,
        post.parseMode,
        post.media ? JSON.stringify(post.media) : null,
        post.scheduledAt,
        post.idempotencyKey,
      ],
    );
    return result.length > 0;
  }

  findByIdempotencyKey(tenantId: string, key: string): Promise<Post | null> {
    return this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Post).findOneBy({ userId: tenantId, idempotencyKey: key }),
    );
  }

  findById(tenantId: string, id: string): Promise<Post | null> {
    return this.tenantDb.run(tenantId, (em) => em.getRepository(Post).findOneBy({ id, userId: tenantId }));
  }

  /** The channel's sent posts among these Telegram message ids: post id by message id. */
  async idsByMessage(tenantId: string, channelId: string, messageIds: number[]): Promise<Map<number, string>> {
    if (messageIds.length === 0) return new Map();
    const rows = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Post).find({
        select: { id: true, telegramMessageId: true },
        where: { userId: tenantId, channelId, telegramMessageId: In(messageIds.map(String)) },
      }),
    );
    return new Map(rows.map((p) => [Number(p.telegramMessageId), p.id]));
  }

  /** A page of a channel's posts, newest first, and the channel's total. */
  pageInChannel(tenantId: string, channelId: string, skip: number, take: number): Promise<[Post[], number]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Post).findAndCount({
        where: { userId: tenantId, channelId },
        order: { createdAt: 'DESC', id: 'DESC' },
        skip,
        take,
      }),
    );
  }

  /** Reads the post and locks it to the end of the caller's transaction. */
  lockById(tenantId: string, id: string, tx: EntityManager): Promise<Post | null> {
    return tx.getRepository(Post).findOne({ where: { id, userId: tenantId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Saves a post read in the same transaction. */
  save(tenantId: string, post: Post, tx: EntityManager): Promise<Post> {
    if (post.userId !== tenantId) {
      throw new CommonError(CommonErrorCode.Internal, "A post is saved in its own tenant's scope.");
    }
    return tx.getRepository(Post).save(post);
  }

  counts(tenantId: string): Promise<PostCounts> {
    // One transaction is one connection: its queries run one after another, never side by side.
    return this.tenantDb.run(tenantId, async (em) => {
      const posts = em.getRepository(Post);
      const count = (status: PostStatus): Promise<number> => posts.countBy({ userId: tenantId, status });
      return {
        sent: await count(PostStatus.Sent),
        failed: await count(PostStatus.Failed),
        pending: await count(PostStatus.Scheduled),
      };
    });
  }

  /**
   * Hands a post that is being sent back to the outbox with the error seen; `uncounted` takes
   * back the attempt its claim counted (Telegram's 429 is no attempt).
   */
  async requeue(tenantId: string, postId: string, error: string, uncounted: boolean): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em
        .createQueryBuilder()
        .update(Post)
        .set({
          status: PostStatus.Scheduled,
          error,
          ...(uncounted ? { attempts: () => 'GREATEST(attempts - 1, 0)' } : {}),
        })
        .where('id = :id AND status = :status', { id: postId, status: PostStatus.Sending })
        .execute(),
    );
  }

  async markFailed(tenantId: string, postId: string, error: string, tx: EntityManager): Promise<void> {
    await tx.getRepository(Post).update({ id: postId, userId: tenantId }, { status: PostStatus.Failed, error });
  }

  /** Tenants with due, unsent posts, across every tenant (the send sweep's lookup, `posts/sql/tg_due_post_channels.sql`). */
  async tenantsWithDuePosts(limit: number): Promise<string[]> {
    const rows: { user_id: string }[] = await this.adminDs.query(
      'SELECT DISTINCT user_id FROM tg_due_post_channels($1)',
      [limit],
    );
    return rows.map((r) => r.user_id);
  }
}
