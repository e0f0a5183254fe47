import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../common/clock';
import { PageQueryDto, pageOffset } from '../../common/http/pagination';
import { validateInput } from '../../common/http/validation';
import { channelNotFound } from '../channels/channels.errors';
import { Channel } from '../channels/channel.entity';
import { isUuid, TenantDb } from '../database/tenant-db';
import { QueueName } from '../queue/queue-names';
import { CreatePostDto, PostDto, PostPageDto } from './dtos/post.dto';
import type { UploadedFile } from './multipart';
import { Post, PostStatus, type PostMedia } from './post.entity';
import { PostMediaStore } from './post-media.store';
import { postNotFound, PostsError, PostsErrorCode } from './posts.errors';

/** Wakes a tenant's sender (see PostSendWorker). */
export interface DrainJob {
  tenantId: string;
  /**
   * Queued by the periodic sweep, which knows of no new post: a sender already
   * running for the tenant finds what is due in its own rounds, so this wake-up
   * leaves it no note to look again.
   */
  sweep?: boolean;
}

/** Validates a post body from JSON or from multipart fields with the same rules. */
export function parseCreatePost(raw: Record<string, unknown>): Promise<CreatePostDto> {
  return validateInput(CreatePostDto, raw);
}

/** A tenant's posts: the outbox rows the send workers drain. */
@Injectable()
export class PostsService {
  constructor(
    private readonly tenantDb: TenantDb,
    private readonly media: PostMediaStore,
    @InjectQueue(QueueName.PostSend) private readonly sendQueue: Queue<DrainJob>,
    private readonly clock: Clock,
  ) {}

  /** Creates the post (or returns the one with the same idempotency key) and wakes the channel's sender. */
  async create(
    tenantId: string,
    channelId: string,
    dto: CreatePostDto,
    file?: UploadedFile,
  ): Promise<{ post: PostDto; created: boolean }> {
    if (!dto.text?.trim() && !file) {
      throw new PostsError(PostsErrorCode.Invalid, 'A post needs text, a photo or a document.');
    }
    if (file && dto.text && dto.text.length > 1024) {
      throw new PostsError(PostsErrorCode.Invalid, 'A caption is at most 1024 characters.');
    }
    const existing = await this.findByKey(tenantId, dto.idempotency_key);
    if (existing) return { post: PostDto.from(existing), created: false };

    const scheduledAt = dto.scheduled_at ? new Date(dto.scheduled_at) : null;
    const id = randomUUID();
    let media: PostMedia | null = null;
    if (file) {
      const kind = file.field === 'photo' ? 'photo' : 'document';
      media = { kind, file_name: file.fileName, mime_type: file.mimeType, size: file.buffer.length };
    }
    const inserted = await this.tenantDb.run(tenantId, async (em) => {
      if (file) await this.media.reserve(em, tenantId, file.buffer.length);
      const result: { id: string }[] = await em.query(
        `INSERT INTO "posts" ("id", "user_id", "channel_id", "text", "parse_mode", "media", "scheduled_at", "status", "idempotency_key")
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, 'scheduled', $8)
         ON CONFLICT ("user_id", "idempotency_key") DO NOTHING RETURNING "id"`,
        [
          id,
          tenantId,
          channelId,
          dto.text ?? null,
          dto.parse_mode ?? null,
          media ? JSON.stringify(media) : null,
          scheduledAt,
          dto.idempotency_key,
        ],
      );
      // In the post's own transaction, so a sender never sees a post whose bytes are missing.
      if (result.length > 0 && file) await this.media.put(em, tenantId, id, file);
      return result.length > 0;
    });
    if (!inserted) {
      // Another request with the same key won the race: answer with its post.
      const winner = await this.findByKey(tenantId, dto.idempotency_key);
      if (!winner) throw new Error('idempotent post vanished');
      return { post: PostDto.from(winner), created: false };
    }
    await this.wake(tenantId, scheduledAt);
    return { post: await this.get(tenantId, id), created: true };
  }

  async list(tenantId: string, channelId: string, q: PageQueryDto): Promise<PostPageDto> {
    const [rows, total] = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Post).findAndCount({
        where: { userId: tenantId, channelId },
        order: { createdAt: 'DESC', id: 'DESC' },
        skip: pageOffset(q),
        take: q.page_size,
      }),
    );
    return { items: rows.map((p) => PostDto.from(p)), page: q.page, page_size: q.page_size, total };
  }

  async get(tenantId: string, id: string): Promise<PostDto> {
    if (!isUuid(id)) throw postNotFound(id);
    const post = await this.tenantDb.run(tenantId, (em) => em.getRepository(Post).findOneBy({ id, userId: tenantId }));
    if (!post) throw postNotFound(id);
    return PostDto.from(post);
  }

  /** Cancels a post that has not started sending; it is then never sent. */
  async cancel(tenantId: string, id: string): Promise<PostDto> {
    if (!isUuid(id)) throw postNotFound(id);
    const post = await this.tenantDb.run(tenantId, async (em) => {
      const repo = em.getRepository(Post);
      const found = await repo.findOne({ where: { id, userId: tenantId }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw postNotFound(id);
      if (found.status !== PostStatus.Scheduled) {
        throw new PostsError(
          PostsErrorCode.NotCancellable,
          `Post ${id} is ${found.status}; only a post that has not started sending can be cancelled.`,
        );
      }
      found.status = PostStatus.Cancelled;
      const saved = await repo.save(found);
      if (saved.media) await this.media.remove(tenantId, saved.id, em);
      return saved;
    });
    return PostDto.from(post);
  }

  async channelExists(tenantId: string, channelId: string): Promise<void> {
    const ok = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).existsBy({ id: channelId, userId: tenantId }),
    );
    if (!ok) throw channelNotFound(channelId);
  }

  private findByKey(tenantId: string, key: string): Promise<Post | null> {
    return this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Post).findOneBy({ userId: tenantId, idempotencyKey: key }),
    );
  }

  /** Queues a send run for the tenant now, or at the post's time. */
  private async wake(tenantId: string, at: Date | null): Promise<void> {
    const delay = at ? Math.max(0, at.getTime() - this.clock.now()) : 0;
    await this.sendQueue.add('drain', { tenantId }, { delay, removeOnComplete: true, removeOnFail: 1000 });
  }
}
