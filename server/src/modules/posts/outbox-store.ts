import { present } from '../../common/present';
import { Injectable } from '@nestjs/common';
import { Coalescer } from '../../common/coalescer';
import type { PostMedia, PostStatus } from './post.entity';
import { SendPathFunctions } from './send-path-functions';

/** The oldest due, unsent post of one channel. */
export interface DuePost {
  id: string;
  channelId: string;
  status: PostStatus;
  text: string | null;
  parseMode: string | null;
  media: PostMedia | null;
  attempts: number;
  /** The chat to send to: the channel's numeric id, or @username. */
  chatId: string;
  ownerStatus: string | null;
  /** Due, unsent posts in this channel, this one included. */
  dueInChannel: number;
  /** Since when the post is due (epoch ms). */
  dueAt: number;
}

/** What Telegram answered for a post it accepted. */
export interface SentRecord {
  postId: string;
  messageId: number;
  /** The file_id an uploaded attachment got, to re-send it by id. */
  fileId: string | null;
}

/**
 * Two statements of a kind may run at once: a statement runs on one
 * connection, which uses one core, so one lane alone leaves the database's
 * other cores idle while every sender waits on it.
 */
const LANES = { maxInFlight: 2 };

/**
 * The outbox statements of the send path: the SQL functions defined in
 * `posts/sql/` (tenant_due_posts, tenant_claim_posts, tenant_record_sent),
 * called through SendPathFunctions.
 * The senders of many tenants run at once; calls made while the same
 * statement is in flight go together in the next one, so under load a round
 * trip and a commit serve many tenants, each still scoped by row-level security.
 */
@Injectable()
export class OutboxStore {
  private readonly dueCalls = new Coalescer<{ tenantId: string; limit: number }, DuePost[]>(async (calls) => {
    const rows = await this.functions.duePosts(
      calls.map((c) => c.tenantId),
      calls.map((c) => c.limit),
    );
    const out = calls.map((): DuePost[] => []);
    for (const r of rows) {
      present(out[r.ord - 1], `the call ${r.ord} of the batch`).push({
        id: r.post_id,
        channelId: r.channel_id,
        status: r.status,
        text: r.text,
        parseMode: r.parse_mode,
        media: r.media,
        attempts: r.attempts,
        chatId: r.chat_id ?? `@${r.chat_username ?? ''}`,
        ownerStatus: r.owner_status,
        dueInChannel: r.due_in_channel,
        dueAt: new Date(r.due_at).getTime(),
      });
    }
    return out;
  }, LANES);

  private readonly claimCalls = new Coalescer<{ tenantId: string; postIds: string[] }, string[]>(async (calls) => {
    const flat = calls.flatMap((c) => c.postIds.map((id) => ({ tenantId: c.tenantId, id })));
    const won = new Set(
      await this.functions.claimPosts(
        flat.map((f) => f.tenantId),
        flat.map((f) => f.id),
      ),
    );
    return calls.map((c) => c.postIds.filter((id) => won.has(id)));
  }, LANES);

  private readonly recordCalls = new Coalescer<{ tenantId: string; sent: SentRecord[] }, void>(async (calls) => {
    const flat = calls.flatMap((c) => c.sent.map((s) => ({ tenantId: c.tenantId, ...s })));
    await this.functions.recordSent(
      flat.map((f) => f.tenantId),
      flat.map((f) => f.postId),
      flat.map((f) => String(f.messageId)),
      flat.map((f) => f.fileId),
    );
    return calls.map(() => undefined);
  }, LANES);

  constructor(private readonly functions: SendPathFunctions) {}

  /** The next due, unsent post of each of the tenant's channels, oldest first. */
  due(tenantId: string, limit: number): Promise<DuePost[]> {
    return this.dueCalls.call({ tenantId, limit });
  }

  /** Marks posts as going out right now; answers the ids this sender won (one claim per post, ever). */
  claim(tenantId: string, postIds: string[]): Promise<string[]> {
    return postIds.length === 0 ? Promise.resolve([]) : this.claimCalls.call({ tenantId, postIds });
  }

  /** Records Telegram's message ids (and file_ids) for posts it accepted. */
  recordSent(tenantId: string, sent: SentRecord[]): Promise<void> {
    return sent.length === 0 ? Promise.resolve() : this.recordCalls.call({ tenantId, sent });
  }
}
