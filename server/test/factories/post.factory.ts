import { randomUUID } from 'node:crypto';
import { Post, PostStatus, type PostMedia } from '../../src/modules/posts/post.entity';
import { saveAsTenant } from './tenant-scope';
import type { FactoryTarget } from './user.factory';

export interface PostOverrides {
  text?: string | null;
  status?: PostStatus;
  /** Default: a day from now (waiting, so no sender picks it up). Null: due at once. */
  scheduledAt?: Date | null;
  media?: PostMedia | null;
  idempotencyKey?: string | null;
  /** A sent post's message id in its channel. */
  telegramMessageId?: string | null;
}

/** A post of `tenantId` in `channelId`, written inside that tenant's row-level-security scope. */
export async function newPost(
  target: FactoryTarget,
  tenantId: string,
  channelId: string,
  overrides: PostOverrides = {},
): Promise<Post> {
  return saveAsTenant(target, tenantId, Post, {
    userId: tenantId,
    channelId,
    text: overrides.text === undefined ? 'A test post' : overrides.text,
    status: overrides.status ?? PostStatus.Scheduled,
    scheduledAt: overrides.scheduledAt === undefined ? new Date(Date.now() + 24 * 3600_000) : overrides.scheduledAt,
    media: overrides.media ?? null,
    idempotencyKey: overrides.idempotencyKey === undefined ? randomUUID() : overrides.idempotencyKey,
    telegramMessageId: overrides.telegramMessageId ?? null,
  });
}
