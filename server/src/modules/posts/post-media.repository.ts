import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { present } from '../../common/present';
import { TenantDb } from '../database/tenant-db';
import type { UploadedFile } from './multipart';
import { PostMediaFile } from './post-media-file.entity';

/**
 * The only code that reads or writes `post_media` (the bytes of uploads waiting for their post).
 * Tenant first; `tx` is the caller's tenant transaction when the write belongs with the post's own.
 */
@Injectable()
export class PostMediaRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  /** Holds a per-tenant lock to the end of the transaction, so two uploads at once are counted one after the other. */
  async lockTenant(tenantId: string, tx: EntityManager): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('post_media:' || $1, 0))`, [tenantId]);
  }

  /** Deletes bytes whose post has gone out, failed or been cancelled (left by a worker that died in between). */
  async deleteLeftovers(tenantId: string, tx: EntityManager): Promise<void> {
    await tx.query(
      `DELETE FROM "post_media" m USING "posts" p
        WHERE m."user_id" = $1 AND p."id" = m."post_id" AND p."status" NOT IN ('scheduled', 'sending')`,
      [tenantId],
    );
  }

  /** The bytes the tenant's waiting uploads take. */
  async usedBytes(tenantId: string, tx: EntityManager): Promise<number> {
    const [usage]: { used: string }[] = await tx.query(
      `SELECT COALESCE(SUM("size"), 0)::bigint AS "used" FROM "post_media" WHERE "user_id" = $1`,
      [tenantId],
    );
    return Number(present(usage, 'the media usage row').used);
  }

  async insert(tenantId: string, postId: string, file: UploadedFile, tx: EntityManager): Promise<void> {
    await tx.getRepository(PostMediaFile).insert({
      postId,
      userId: tenantId,
      bytes: file.buffer,
      size: file.buffer.length,
      fileName: file.fileName,
      mimeType: file.mimeType,
    });
  }

  async bytes(tenantId: string, postId: string): Promise<Buffer | null> {
    const row = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(PostMediaFile).findOne({ select: { bytes: true }, where: { postId, userId: tenantId } }),
    );
    return row?.bytes ?? null;
  }

  /** Deletes the files of these posts, in the caller's transaction when given one. */
  async deleteMany(tenantId: string, postIds: string[], tx?: EntityManager): Promise<void> {
    const sql = `DELETE FROM "post_media" WHERE "user_id" = $1 AND "post_id" = ANY($2::uuid[])`;
    if (tx) await tx.query(sql, [tenantId, postIds]);
    else await this.tenantDb.run(tenantId, (em) => em.query(sql, [tenantId, postIds]));
  }
}
