import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../common/clock';
import { PageQueryDto, pageOffset } from '../../common/http/pagination';
import { validateInput } from '../../common/http/validation';
import { isUuid, TenantDb } from '../database/tenant-db';
import { QueueName } from '../queue/queue-names';
import { CreatePostDto, PostDto, PostPageDto } from './dtos/post.dto';
import type { UploadedFile } from './multipart';
import { Post, PostStatus, type PostMedia } from './post.entity';
import { PostMediaStore } from './post-media.store';
import { postNotFound, PostsError, PostsErrorCode } from './posts.errors';
import { type PostCounts, PostsRepository } from './posts.repository';

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

/**
 * A tenant's posts: the outbox rows the send workers drain. The rows live behind PostsRepository;
 * other modules read them through this service.
 */
@Injectable()
export class PostsService {
  constructor(
    private readonly tenantDb: TenantDb,
    private readonly posts: PostsRepository,
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
    const inserted = await this.tenantDb.run(tenantId, async (tx) => {
      if (file) await this.media.reserve(tenantId, file.buffer.length, tx);
      const written = await this.posts.insertScheduled(
        tenantId,
        {
          id,
          channelId,
          text: dto.text ?? null,
          parseMode: dto.parse_mode ?? null,
          media,
          scheduledAt,
          idempotencyKey: dto.idempotency_key,
        },
        tx,
      );
      // In the post's own transaction, so a sender never sees a post whose bytes are missing.
      if (written && file) await this.media.put(tenantId, id, file, tx);
      return written;
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
    const [rows, total] = await this.posts.pageInChannel(tenantId, channelId, pageOffset(q), q.page_size);
    return { items: rows.map((p) => PostDto.from(p)), page: q.page, page_size: q.page_size, total };
  }

  async get(tenantId: string, id: string): Promise<PostDto> {
    if (!isUuid(id)) throw postNotFound(id);
    const post = await this.posts.findById(tenantId, id);
    if (!post) throw postNotFound(id);
    return PostDto.from(post);
  }

  /**
   * Where a post went out: its channel and Telegram message id (null while not sent). NOT_FOUND for
   * another tenant's post, like `get`.
   */
  async sentMessage(tenantId: string, id: string): Promise<{ channelId: string; messageId: number | null }> {
    const post = await this.get(tenantId, id);
    return {
      channelId: post.channel_id,
      messageId: post.telegram_message_id === null ? null : Number(post.telegram_message_id),
    };
  }

  /** The channel's posts made through the platform among these Telegram message ids: post id by message id. */
  idsByMessage(tenantId: string, channelId: string, messageIds: number[]): Promise<Map<number, string>> {
    return this.posts.idsByMessage(tenantId, channelId, messageIds);
  }

  /** Cancels a post that has not started sending; it is then never sent. */
  async cancel(tenantId: string, id: string): Promise<PostDto> {
    if (!isUuid(id)) throw postNotFound(id);
    const post = await this.tenantDb.run(tenantId, async (tx) => {
      const found = await this.posts.lockById(tenantId, id, tx);
      if (!found) throw postNotFound(id);
      if (found.status !== PostStatus.Scheduled) {
        throw new PostsError(
          PostsErrorCode.NotCancellable,
          `Post ${id} is ${found.status}; only a post that has not started sending can be cancelled.`,
        );
      }
      found.status = PostStatus.Cancelled;
      const saved = await this.posts.save(tenantId, found, tx);
      if (saved.media) await this.media.remove(tenantId, saved.id, tx);
      return saved;
    });
    return PostDto.from(post);
  }

  /** How many of the tenant's posts went out, failed for good, and still wait. */
  counts(tenantId: string): Promise<PostCounts> {
    return this.posts.counts(tenantId);
  }

  private findByKey(tenantId: string, key: string): Promise<Post | null> {
    return this.posts.findByIdempotencyKey(tenantId, key);
  }

  /** Queues a send run for the tenant now, or at the post's time. */
  private async wake(tenantId: string, at: Date | null): Promise<void> {
    const delay = at ? Math.max(0, at.getTime() - this.clock.now()) : 0;
    await this.sendQueue.add('drain', { tenantId }, { delay, removeOnComplete: true, removeOnFail: 1000 });
  }
}
