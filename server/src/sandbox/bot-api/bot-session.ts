import type { SandboxBot } from '../world';
import { BotApiError } from './bot-api-error';
import { BotRateLimiter } from './rate-limiter';
import type { Json } from './serializers';
import { postUpdate, retryDelayMs } from './webhook-delivery';

export type UpdateType =
  | 'message'
  | 'edited_message'
  | 'channel_post'
  | 'edited_channel_post'
  | 'callback_query'
  | 'my_chat_member'
  | 'chat_member'
  | 'chat_join_request'
  | 'pre_checkout_query'
  | 'poll'
  | 'poll_answer'
  | 'message_reaction'
  | 'message_reaction_count'
  | 'inline_query'
  | 'chosen_inline_result';

export interface PendingUpdate {
  updateId: number;
  type: UpdateType;
  payload: Json;
  createdAt: number;
}

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  setAt: number;
}

/** What a bot sent, as listed by `GET /sandbox/bots/:id/sent`. */
export interface SentRecord {
  message_id: number;
  chat_id: number;
  text?: string;
  caption?: string;
  method: string;
  date: number;
  file_id?: string;
  /** The message of the chat it answers. */
  reply_to_message_id?: number;
}

export interface RefusalRecord {
  method: string;
  chat_id: number;
  retry_after: number;
  date: number;
}

/** A message the bot sent in a private chat (the world keeps only the text of private messages). */
export interface BotPrivateMessage {
  messageId: number;
  userId: number;
  date: number;
  text?: string;
  caption?: string;
  fileId?: string;
  /** Entities of the text, or of the caption. */
  entities?: Json[];
  /** The message of the chat it answers. */
  replyToId?: number;
  editDate?: number;
  replyMarkup?: Json;
}

/** A button press waiting for (or given) the bot's answerCallbackQuery. */
export interface CallbackQueryRecord {
  id: string;
  fromUserId: number;
  chatId: number;
  messageId: number;
  data: string;
  createdAt: number;
  answer?: CallbackAnswer;
  /** Set while an app's call (messages.getBotCallbackAnswer) waits for the answer; called once it is given. */
  onAnswer?: () => void;
}

/** A bot's answerCallbackQuery to one press. */
export interface CallbackAnswer {
  text?: string;
  showAlert: boolean;
  url?: string;
  cacheTime: number;
  date: number;
}

/** Presses kept per bot; older ones are forgotten, as Telegram forgets unanswered queries. */
const MAX_CALLBACK_QUERIES = 1000;

/** Telegram keeps unconfirmed updates about a day. */
const UPDATE_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Default allowed_updates: everything except these opt-in types. */
const OPT_IN_UPDATE_TYPES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

interface Poller {
  limit: number;
  finish: (outcome: PendingUpdate[] | BotApiError) => void;
}

/** The Bot API door's state for one bot: its update queue, webhook, long poller, send log and limits. */
export class BotSession {
  private nextUpdateId = 1;
  private updates: PendingUpdate[] = [];
  private allowedUpdates: string[] = [];
  private poller: Poller | undefined;
  private webhookConfig: WebhookConfig | undefined;
  private lastError: { date: number; message: string } | undefined;
  private deliveryAbort: AbortController | undefined;
  private delivering = false;
  private closed = false;

  readonly sent: SentRecord[] = [];
  readonly refusals: RefusalRecord[] = [];
  readonly limiter = new BotRateLimiter();
  /**
   * The world's time (ms) the door started serving this bot: its first call, which starts the bot's instance on the
   * Bot API server (0 until then; `close` ends the instance and the next call starts another). And the world's time the
   * door itself started. Runtime, not state: a restarted sandbox serves the bot anew.
   */
  servedSince = 0;
  serverStartedAt = 0;
  /** Users who wrote to the bot: only they can be messaged (bots can't start conversations). */
  readonly knownUsers = new Set<number>();
  readonly privateMessages = new Map<number, BotPrivateMessage>();
  readonly deletedPrivateIds = new Set<number>();
  readonly updateIdByPrivateMessage = new Map<number, number>();
  readonly callbackQueries = new Map<string, CallbackQueryRecord>();

  constructor(readonly bot: SandboxBot) {}

  get webhook(): WebhookConfig | undefined {
    return this.webhookConfig;
  }

  // ---- updates ----

  /**
   * Queues an update and hands it to the webhook or a waiting long poll. Returns its update_id, or
   * undefined when filtered out. allowed_updates is applied here, when the update is made: Telegram
   * says a new list does not affect updates created before it.
   */
  enqueue(type: UpdateType, payload: Json): number | undefined {
    if (this.closed || !this.isAllowed(type)) return undefined;
    const update: PendingUpdate = { updateId: this.nextUpdateId++, type, payload, createdAt: Date.now() };
    this.updates.push(update);
    if (this.webhookConfig) {
      this.kickDelivery();
    } else if (this.poller) {
      const poller = this.poller;
      this.poller = undefined;
      poller.finish(this.pick(poller.limit));
    }
    return update.updateId;
  }

  setAllowedUpdates(types: string[] | undefined): void {
    if (types !== undefined) this.allowedUpdates = types;
  }

  rememberCallbackQuery(query: CallbackQueryRecord): void {
    this.callbackQueries.set(query.id, query);
    if (this.callbackQueries.size > MAX_CALLBACK_QUERIES) {
      const oldest = this.callbackQueries.keys().next().value;
      if (oldest !== undefined) this.callbackQueries.delete(oldest);
    }
  }

  /** Whether a getUpdates call is waiting for updates (a long poll held open). */
  get polling(): boolean {
    return this.poller !== undefined;
  }

  pendingCount(): number {
    this.prune();
    return this.updates.length;
  }

  dropPending(): void {
    this.updates = [];
  }

  /**
   * getUpdates: confirms updates below `offset` (a negative offset keeps the last -offset), answers
   * at once when something is queued, else waits up to `timeoutSeconds`. A newer call ends a waiting
   * one with 409, as Telegram does when two instances poll the same token.
   */
  async getUpdates(
    offset: number | undefined,
    limit: number,
    timeoutSeconds: number,
    signal: AbortSignal,
  ): Promise<PendingUpdate[]> {
    if (offset !== undefined) {
      if (offset < 0) this.updates = this.updates.slice(Math.max(0, this.updates.length + offset));
      else this.updates = this.updates.filter((u) => u.updateId >= offset);
    }
    if (this.poller) {
      const previous = this.poller;
      this.poller = undefined;
      previous.finish(
        new BotApiError(
          409,
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
        ),
      );
    }
    const ready = this.pick(limit);
    if (ready.length > 0 || timeoutSeconds <= 0 || this.closed || signal.aborted) return ready;
    return new Promise<PendingUpdate[]>((resolve, reject) => {
      const timer = setTimeout(() => finish(this.pick(limit)), timeoutSeconds * 1000);
      const onAbort = (): void => finish([]);
      const poller: Poller = {
        limit,
        finish: (outcome) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          if (this.poller === poller) this.poller = undefined;
          if (outcome instanceof BotApiError) reject(outcome);
          else resolve(outcome);
        },
      };
      const finish = poller.finish;
      this.poller = poller;
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private pick(limit: number): PendingUpdate[] {
    this.prune();
    return this.updates.slice(0, limit);
  }

  private isAllowed(type: string): boolean {
    return this.allowedUpdates.length === 0 ? !OPT_IN_UPDATE_TYPES.has(type) : this.allowedUpdates.includes(type);
  }

  private prune(): void {
    const cutoff = Date.now() - UPDATE_RETENTION_MS;
    const [oldest] = this.updates;
    if (oldest && oldest.createdAt < cutoff) {
      this.updates = this.updates.filter((u) => u.createdAt >= cutoff);
    }
  }

  // ---- webhook ----

  setWebhook(config: WebhookConfig | undefined): void {
    this.deliveryAbort?.abort();
    this.deliveryAbort = undefined;
    this.webhookConfig = config;
    this.lastError = undefined;
    if (config && this.poller) {
      const poller = this.poller;
      this.poller = undefined;
      poller.finish(
        new BotApiError(
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        ),
      );
    }
    if (config) this.kickDelivery();
  }

  webhookInfo(): Json {
    const info: Json = {
      url: this.webhookConfig?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.pendingCount(),
    };
    if (this.lastError) {
      info.last_error_date = this.lastError.date;
      info.last_error_message = this.lastError.message;
    }
    if (this.webhookConfig) info.max_connections = this.webhookConfig.maxConnections;
    if (this.allowedUpdates.length > 0) info.allowed_updates = this.allowedUpdates;
    return info;
  }

  /** After the session was read back from a stored world: deliver what waits for the webhook. */
  resumeDelivery(): void {
    if (this.updates.length > 0) this.kickDelivery();
  }

  /** Starts the delivery loop unless one runs: updates go out in order, one at a time. */
  private kickDelivery(): void {
    if (this.delivering || this.closed || !this.webhookConfig) return;
    this.delivering = true;
    const abort = new AbortController();
    this.deliveryAbort = abort;
    void this.deliverLoop(abort.signal).finally(() => {
      this.delivering = false;
      // A webhook replaced while the loop was winding down still has updates to receive.
      if (this.updates.length > 0) this.kickDelivery();
    });
  }

  private async deliverLoop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted && this.webhookConfig) {
      this.prune();
      const update = this.updates[0];
      if (!update) return;
      const { url, secretToken } = this.webhookConfig;
      const result = await postUpdate(url, JSON.stringify(toUpdateJson(update)), secretToken, signal);
      if (signal.aborted) return;
      if (result.ok) {
        failures = 0;
        this.updates = this.updates.filter((u) => u !== update);
        continue;
      }
      failures += 1;
      this.lastError = { date: Math.floor(Date.now() / 1000), message: result.error ?? 'Connection error' };
      await sleep(retryDelayMs(failures), signal);
    }
  }

  /** Stops timers, pending polls and deliveries; the session answers nothing more. */
  close(): void {
    this.closed = true;
    this.deliveryAbort?.abort();
    if (this.poller) {
      const poller = this.poller;
      this.poller = undefined;
      poller.finish([]);
    }
  }
}

export function toUpdateJson(update: PendingUpdate): Json {
  return { update_id: update.updateId, [update.type]: update.payload };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
