import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { UploadedFile } from './multipart';
import { PostMediaRepository } from './post-media.repository';
import { PostsError, PostsErrorCode } from './posts.errors';

const mb = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Where a post's uploaded photo or document waits until a worker sends it:
 * the tenant's `post_media` rows (PostMediaRepository), under row-level
 * security, bounded by the tenant's quota (POST_MEDIA_QUOTA_MB). The bytes go once the post is sent
 * (Telegram then holds them and the post keeps the file_id), cancelled, or
 * failed for good.
 */
@Injectable()
export class PostMediaStore {
  private readonly quotaBytes: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repo: PostMediaRepository,
  ) {
    this.quotaBytes = config.postMedia.quotaBytes;
  }

  /**
   * Refuses the upload when it would take the tenant past its quota. Runs in
   * the caller's tenant transaction, before the post is written, and holds a
   * per-tenant lock to its end so two uploads at once cannot both squeeze in.
   */
  async reserve(tenantId: string, size: number, tx: EntityManager): Promise<void> {
    await this.repo.lockTenant(tenantId, tx);
    // Bytes left behind by a worker that died between sending a post and deleting them count for nothing and go now.
    await this.repo.deleteLeftovers(tenantId, tx);
    const inUse = await this.repo.usedBytes(tenantId, tx);
    if (inUse + size > this.quotaBytes) {
      throw new PostsError(
        PostsErrorCode.MediaQuotaExceeded,
        `Media waiting to be sent uses ${mb(inUse)} of your ${mb(this.quotaBytes)}; this file (${mb(size)}) does not fit. ` +
          'Wait for scheduled posts with files to go out, or cancel some.',
      );
    }
  }

  /** Stores the file of a post written in the same transaction. */
  put(tenantId: string, postId: string, file: UploadedFile, tx: EntityManager): Promise<void> {
    return this.repo.insert(tenantId, postId, file, tx);
  }

  get(tenantId: string, postId: string): Promise<Buffer | null> {
    return this.repo.bytes(tenantId, postId);
  }

  /** Deletes a post's file, in the caller's transaction when given one. */
  async remove(tenantId: string, postId: string, tx?: EntityManager): Promise<void> {
    await this.removeMany(tenantId, [postId], tx);
  }

  async removeMany(tenantId: string, postIds: string[], tx?: EntityManager): Promise<void> {
    if (postIds.length === 0) return;
    await this.repo.deleteMany(tenantId, postIds, tx);
  }
}
