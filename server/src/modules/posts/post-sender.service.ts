import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Input } from 'telegraf';
import type { Message } from 'telegraf/types';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { BotClients } from '../bot/bot-clients.service';
import { NotificationsService } from '../bot/notifications.service';
import { classifyTelegramFailure, describeFailure } from '../bot/telegram-failure';
import { Channel } from '../channels/channel.entity';
import { CredentialsService } from '../credentials/credentials.service';
import { TenantDb } from '../database/tenant-db';
import { User, UserStatus } from '../tenants/user.entity';
import { RateLimitError } from '../rate-limit/rate-limit.errors';
import { TelegramSendLimiter, type WaitScope } from '../rate-limit/telegram-send-limiter';
import { TenantRateLimiter } from '../rate-limit/tenant-rate-limiter';
import { Post, PostStatus } from './post.entity';
import { PostMediaStore } from './post-media.store';

/** What happened to the head post of a channel. */
export type SendOutcome =
  /** Done with it (sent, failed or skipped): go on with the next one. */
  | { kind: 'next' }
  /** Not now: try the channel again after this many ms (limits, 429, retry backoff). */
  | { kind: 'wait'; ms: number };

/**
 * How long a sender waits for a slot in place. A chat's own spacing (a second
 * and more) hands the channel back to the queue as a delayed job, so a worker
 * slot never sleeps through it while other channels could send; the bot-wide
 * window is shared by all the bot's channels, so waiting for it in place keeps
 * the bot at its full rate without a queue round trip.
 */
const INLINE_WAIT_MS = 250;
const inlineWait = (scope: WaitScope): number => (scope === 'bot' ? 1100 : INLINE_WAIT_MS);
const SUSPENDED_RECHECK_MS = 60_000;

export const UNCERTAIN_DELIVERY =
  'Delivery uncertain: the worker stopped while Telegram was being asked to send this post, so it is not sent again (check the channel and post again if it is missing).';

/**
 * Sends one post, following the outbox rules: a post with a
 * telegram_message_id is never sent again; a post left in `sending` by a
 * worker that died may already be in the channel, so it is never retried
 * blindly either. Telegram's 429 delays the post by retry_after without
 * counting as an attempt.
 */
@Injectable()
export class PostSender {
  private readonly logger = new Logger(PostSender.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tenantDb: TenantDb,
    private readonly clients: BotClients,
    private readonly credentials: CredentialsService,
    private readonly tenantLimiter: TenantRateLimiter,
    private readonly telegramLimiter: TelegramSendLimiter,
    private readonly media: PostMediaStore,
    private readonly notifications: NotificationsService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /** The channel's oldest post that is due and not yet sent. */
  nextDue(tenantId: string, channelId: string): Promise<Post | null> {
    return this.tenantDb.run(tenantId, (em) =>
      em
        .getRepository(Post)
        .createQueryBuilder('p')
        .leftJoinAndSelect('p.channel', 'c')
        .where('p.user_id = :tenantId AND p.channel_id = :channelId', { tenantId, channelId })
        .andWhere(`p.status IN ('scheduled', 'sending') AND p.telegram_message_id IS NULL`)
        .andWhere('(p.scheduled_at IS NULL OR p.scheduled_at <= now())')
        .orderBy('p.created_at', 'ASC')
        .addOrderBy('p.id', 'ASC')
        .getOne(),
    );
  }

  async send(post: Post): Promise<SendOutcome> {
    const tenantId = post.userId;
    if (post.status === PostStatus.Sending) {
      await this.fail(post, UNCERTAIN_DELIVERY);
      return { kind: 'next' };
    }
    const channel =
      post.channel ??
      (await this.tenantDb.run(tenantId, (em) =>
        em.getRepository(Channel).findOneBy({ id: post.channelId, userId: tenantId }),
      ));
    const client = await this.clients.forTenant(tenantId);
    const creds = await this.credentials.get(tenantId);
    if (!channel || !client || !creds) {
      await this.fail(post, channel ? 'No bot is connected; connect your bot and post again.' : 'The channel is gone.');
      return { kind: 'next' };
    }
    // A suspended tenant's posts wait (unsent) until support reactivates the account. users has no
    // row-level security; this reads one status, fresh, since a suspension must take effect now.
    const owner = await this.ds
      .getRepository(User)
      .findOne({ where: { id: tenantId }, select: { id: true, status: true } });
    if (owner?.status === UserStatus.Suspended) {
      return { kind: 'wait', ms: SUSPENDED_RECHECK_MS };
    }

    let release: () => Promise<void>;
    try {
      release = await this.tenantLimiter.acquire(
        tenantId,
        { rps: creds.rateLimitRps, maxConcurrent: creds.maxConcurrentRequests },
        { maxWaitMs: INLINE_WAIT_MS },
      );
    } catch (err) {
      if (err instanceof RateLimitError) return { kind: 'wait', ms: err.retryAfterMs };
      throw err;
    }
    try {
      const chatId = channel.telegramId ?? `@${channel.username ?? ''}`;
      // Every channel target is a group or channel to Telegram, so the per-minute cap applies too.
      const slot = await this.telegramLimiter.take({ botId: client.botId, chatId, isGroup: true }, inlineWait);
      if (!('done' in slot)) return { kind: 'wait', ms: slot.waitMs };
      try {
        let staged: Buffer | null = null;
        if (post.media && !post.media.file_id) {
          staged = await this.media.get(post.id);
          if (!staged) {
            await this.fail(post, 'The attached file is no longer available; post it again.');
            return { kind: 'next' };
          }
        }
        if (!(await this.claim(post))) return { kind: 'next' };

        let message: Message.TextMessage | Message.PhotoMessage | Message.DocumentMessage;
        try {
          message = await this.deliver(client.telegram, chatId, post, staged);
        } catch (err) {
          await slot.done();
          return await this.failedAttempt(post, client.botId, err);
        }
        await slot.done();
        await this.markSent(post, message);
        return { kind: 'next' };
      } finally {
        await slot.done();
      }
    } finally {
      await release();
    }
  }

  private deliver(
    telegram: NonNullable<Awaited<ReturnType<BotClients['forTenant']>>>['telegram'],
    chatId: string,
    post: Post,
    staged: Buffer | null,
  ): Promise<Message.TextMessage | Message.PhotoMessage | Message.DocumentMessage> {
    const parse_mode = (post.parseMode ?? undefined) as 'HTML' | 'MarkdownV2' | 'Markdown' | undefined;
    if (!post.media) return telegram.sendMessage(chatId, post.text ?? '', { parse_mode });
    const caption = post.text ?? undefined;
    const source = post.media.file_id ?? Input.fromBuffer(staged ?? Buffer.alloc(0), post.media.file_name ?? 'file');
    return post.media.kind === 'photo'
      ? telegram.sendPhoto(chatId, source, { caption, parse_mode })
      : telegram.sendDocument(chatId, source, { caption, parse_mode });
  }

  /** Marks the post as going out right now. Only one sender wins; a post already claimed is left alone. */
  private async claim(post: Post): Promise<boolean> {
    // Plain SQL: this commit sits between taking a Telegram slot and using it, so it is kept short.
    // For an UPDATE the driver answers [rows, affected].
    const [, affected] = await this.tenantDb.run<[unknown[], number]>(post.userId, (em) =>
      em.query(
        `UPDATE "posts" SET "status" = 'sending', "attempts" = "attempts" + 1, "updated_at" = now()
          WHERE "id" = $1 AND "status" = 'scheduled' AND "telegram_message_id" IS NULL`,
        [post.id],
      ),
    );
    post.attempts += 1;
    return affected > 0;
  }

  private async markSent(
    post: Post,
    message: Message.TextMessage | Message.PhotoMessage | Message.DocumentMessage,
  ): Promise<void> {
    let media = post.media;
    if (media && !media.file_id) {
      const fileId =
        'photo' in message
          ? message.photo[message.photo.length - 1]?.file_id
          : 'document' in message
            ? message.document.file_id
            : undefined;
      media = { ...media, file_id: fileId };
    }
    await this.tenantDb.run(post.userId, (em) =>
      em.getRepository(Post).update(
        { id: post.id },
        {
          status: PostStatus.Sent,
          telegramMessageId: String(message.message_id),
          sentAt: new Date(),
          error: null,
          media,
        },
      ),
    );
    if (post.media) await this.media.remove(post.id);
  }

  /** Telegram answered with an error, so the post is known not to be in the channel. */
  private async failedAttempt(post: Post, botId: string, err: unknown): Promise<SendOutcome> {
    const failure = classifyTelegramFailure(err);
    const error = describeFailure(failure);
    switch (failure.kind) {
      case 'flood': {
        await this.telegramLimiter.block(botId, failure.retryAfter);
        await this.requeue(post, error, true);
        return { kind: 'wait', ms: failure.retryAfter * 1000 };
      }
      case 'unavailable': {
        if (post.attempts >= this.config.sending.maxAttempts) {
          await this.fail(post, error);
          return { kind: 'next' };
        }
        await this.requeue(post, error, false);
        return { kind: 'wait', ms: Math.min(60_000, 1000 * 2 ** (post.attempts - 1)) };
      }
      case 'unauthorized':
      case 'refused':
        await this.fail(post, error);
        if (failure.kind === 'unauthorized')
          await this.notifications.notify(post.userId, { kind: 'bot_token_revoked' });
        return { kind: 'next' };
    }
  }

  private async requeue(post: Post, error: string, uncounted: boolean): Promise<void> {
    await this.tenantDb.run(post.userId, (em) =>
      em
        .createQueryBuilder()
        .update(Post)
        .set({
          status: PostStatus.Scheduled,
          error,
          ...(uncounted ? { attempts: () => 'GREATEST(attempts - 1, 0)' } : {}),
        })
        .where('id = :id AND status = :status', { id: post.id, status: PostStatus.Sending })
        .execute(),
    );
  }

  private async fail(post: Post, error: string): Promise<void> {
    const channelTitle = await this.tenantDb.run(post.userId, async (em) => {
      await em.getRepository(Post).update({ id: post.id }, { status: PostStatus.Failed, error });
      const channel = await em.getRepository(Channel).findOneBy({ id: post.channelId });
      return channel?.title || channel?.username || channel?.telegramId || post.channelId;
    });
    if (post.media) await this.media.remove(post.id);
    this.logger.warn(`post ${post.id} failed: ${error}`);
    await this.notifications.notify(post.userId, {
      kind: 'post_failed',
      post_id: post.id,
      channel_title: channelTitle,
      error,
    });
  }
}
