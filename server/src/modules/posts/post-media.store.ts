import { present } from '../../common/present';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { TenantDb } from '../database/tenant-db';
import type { UploadedFile } from './multipart';
import { PostMediaFile } from './post-media-file.entity';
import { PostsError, PostsErrorCode } from './posts.errors';

const mb = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Where a post's uploaded photo or document waits until a worker sends it:
 * the tenant's `post_media` rows, under row-level security, bounded by the
 * tenant's quota (POST_MEDIA_QUOTA_MB). The bytes go once the post is sent
 * (Telegram then holds them and the post keeps the file_id), cancelled, or
 * failed for good.
 */
@Injectable()
export class PostMediaStore {
  private readonly quotaBytes: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly tenantDb: TenantDb,
  ) {
    this.quotaBytes = config.postMedia.quotaBytes;
  }

  /**
   * Refuses the upload when it would take the tenant past its quota. Runs in
   * the caller's tenant transaction, before the post is written, and holds a
   * per-tenant lock to its end so two uploads at once cannot both squeeze in.
   */
  async reserve(em: EntityManager, tenantId: string, size: number): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('post_media:' || $1, 0))`, [tenantId]);
    // Bytes left behind by a worker that died between sending a post and deleting them count for nothing and go now.
    await em.query(
      `DELETE FROM "post_media" m USING "posts" p
        WHERE m."user_id" = $1 AND p."id" = m."post_id" AND p."status" NOT IN ('scheduled', 'sending')`,
      [tenantId],
    );
    const [usage]: { used: string }[] = await em.query(
      `SELECT COALESCE(SUM("size"), 0)::bigint AS "used" FROM "post_media" WHERE "user_id" = $1`,
      [tenantId],
    );
    const inUse = Number(present(usage, 'the media usage row').used);
    if (inUse + size > this.quotaBytes) {
      throw new PostsError(
        PostsErrorCode.MediaQuotaExceeded,
        `Media waiting to be sent uses ${mb(inUse)} of your ${mb(this.quotaBytes)}; this file (${mb(size)}) does not fit. ` +
          'Wait for scheduled posts with files to go out, or cancel some.',
      );
    }
  }

  /** Stores the file of a post written in the same transaction. */
  async put(em: EntityManager, tenantId: string, postId: string, file: UploadedFile): Promise<void> {
    await em.getRepository(PostMediaFile).insert({
      postId,
      userId: tenantId,
      bytes: file.buffer,
      size: file.buffer.length,
      fileName: file.fileName,
      mimeType: file.mimeType,
    });
  }

  async get(tenantId: string, postId: string): Promise<Buffer | null> {
    const row = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(PostMediaFile).findOne({ select: { bytes: true }, where: { postId, userId: tenantId } }),
    );
    return row?.bytes ?? null;
  }

  /** Deletes a post's file, in the caller's transaction when given one. */
  async remove(tenantId: string, postId: string, em?: EntityManager): Promise<void> {
    await this.removeMany(tenantId, [postId], em);
  }

  async removeMany(tenantId: string, postIds: string[], em?: EntityManager): Promise<void> {
    if (postIds.length === 0) return;
    const sql = `DELETE FROM "post_media" WHERE "user_id" = $1 AND "post_id" = ANY($2::uuid[])`;
    if (em) await em.query(sql, [tenantId, postIds]);
    else await this.tenantDb.run(tenantId, (tx) => tx.query(sql, [tenantId, postIds]));
  }
}
