import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { DomainError } from '../../common/errors/domain-error';
import { ChannelsError, ChannelsErrorCode } from '../channels/channels.errors';
import { RateLimitError } from '../rate-limit/rate-limit.errors';
import { MtprotoClientPool, NotOwnerError } from './mtproto-client.pool';
import { MtprotoLeaseService } from './mtproto-lease.service';
import { MtprotoRedis } from './mtproto-redis';
import type { RedisClient } from '../redis/redis-connection';
import { isUserMtprotoCode, telegramUnavailable, UserMtprotoError } from './user-mtproto.errors';

/** A call from an API pod to whichever worker owns the tenant's session. */
export interface MtprotoCallRequest {
  id: string;
  tenantId: string;
  op: string;
  args: unknown;
  /** Pub/sub channel of the asking pod. */
  replyTo: string;
  /** Epoch ms after which nobody waits for the answer any more. */
  deadline: number;
  /** Times the request was passed on to the current owner. */
  hops: number;
}

interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type MtprotoCallReply = { id: string; ok: true; result: unknown } | { id: string; ok: false; error: WireError };

/** One operation a worker runs with a tenant's session. */
export type MtprotoOpHandler = (tenantId: string, args: unknown) => Promise<unknown>;

const MAX_HOPS = 3;

/**
 * Puts a request on the list of the worker holding the tenant's lease (KEYS[1], value
 * `<instance id>|<fence>`), or on the shared list (KEYS[2]) when nobody holds it, and bounds the
 * list's life: the owner lookup and the push in one round trip. ARGV: the per-worker list prefix,
 * the request, the list's expiry in ms.
 */
const ENQUEUE = `local owner = redis.call('get', KEYS[1])
local queue = KEYS[2]
if owner then queue = ARGV[1] .. string.match(owner, '^(.*)|[^|]*$') end
redis.call('lpush', queue, ARGV[2])
redis.call('pexpire', queue, ARGV[3])
return queue`;

/** Runs calls in this process when it holds the tenant's session (a process with both roles). */
export interface LocalCalls {
  /** Whether this process holds the tenant's session now. */
  holds(tenantId: string): boolean;
  /** The answer, or null when the session is not (or no longer) held here: then the call goes through Redis. */
  run(tenantId: string, op: string, args: unknown): Promise<MtprotoCallReply | null>;
}

/** Where requests wait: one list per worker for sessions it owns, one shared list for unowned ones. */
export function callQueues(redis: MtprotoRedis): { any: string; of: (instanceId: string) => string } {
  return { any: redis.key('calls', 'any'), of: (id) => redis.key('calls', 'worker', id) };
}

/** Errors that travel from worker to API pod keep their code, status and retry_after. */
function toWire(err: unknown): WireError {
  if (err instanceof DomainError) return { code: String(err.code), message: err.message, details: err.details };
  return { code: CommonErrorCode.Internal, message: 'The session worker failed to run the request.' };
}

const unanswered = (id: string): MtprotoCallReply => ({
  id,
  ok: false,
  error: toWire(telegramUnavailable('no session worker answered in time')),
});

function fromWire(e: WireError): Error {
  if (isUserMtprotoCode(e.code)) return new UserMtprotoError(e.code, e.message, e.details);
  if (e.code === 'RATE_LIMITED') {
    const retry = typeof e.details?.retry_after === 'number' ? e.details.retry_after : 1;
    return new RateLimitError(retry, e.message);
  }
  if (e.code === String(ChannelsErrorCode.NotFound)) return new ChannelsError(ChannelsErrorCode.NotFound, e.message);
  return new CommonError(CommonErrorCode.Internal, e.message);
}

/**
 * The API side: pushes a request onto the owner's list (or the shared list when no worker holds
 * the session yet) and waits for the answer on this pod's reply channel, bounded by
 * MTPROTO_CALL_TIMEOUT_SECONDS (then TELEGRAM_UNAVAILABLE: a worker that died with the request is
 * found out by its lease expiring, and the next call goes to whoever takes the session over).
 */
@Injectable()
export class MtprotoCallClient implements OnModuleDestroy {
  private sub?: RedisClient;
  private subscribed?: Promise<void>;
  private readonly waiting = new Map<string, { settle: (reply: MtprotoCallReply) => void }>();
  private local?: LocalCalls;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: MtprotoRedis,
    private readonly leases: MtprotoLeaseService,
  ) {}

  private get replyChannel(): string {
    return this.redis.key('replies', this.redis.instanceId);
  }

  /** Lets calls for sessions this process holds run here, without the Redis round trips (MtprotoCallServer). */
  serveLocally(local: LocalCalls): void {
    this.local = local;
  }

  /**
   * `timeoutMs`: a longer wait for an operation known to take long (an upload), instead of the configured one.
   * When this process holds the tenant's session (it runs both roles), the operation runs here directly; the
   * lease decides who sends either way.
   */
  async call<T>(tenantId: string, op: string, args: unknown, opts: { timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = Math.max(opts.timeoutMs ?? 0, this.config.mtproto.callTimeoutSeconds * 1000);
    const here = this.local?.holds(tenantId) ? await this.runHere(this.local, tenantId, op, args, timeoutMs) : null;
    const answer = here ?? (await this.callThroughRedis(tenantId, op, args, timeoutMs));
    if (answer.ok) return answer.result as T;
    throw fromWire(answer.error);
  }

  private runHere(
    local: LocalCalls,
    tenantId: string,
    op: string,
    args: unknown,
    timeoutMs: number,
  ): Promise<MtprotoCallReply | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<MtprotoCallReply>((resolve) => {
      timer = setTimeout(() => resolve(unanswered('')), timeoutMs);
    });
    return Promise.race([local.run(tenantId, op, args), late]).finally(() => clearTimeout(timer));
  }

  private async callThroughRedis(
    tenantId: string,
    op: string,
    args: unknown,
    timeoutMs: number,
  ): Promise<MtprotoCallReply> {
    await this.ensureSubscribed();
    const req: MtprotoCallRequest = {
      id: randomUUID(),
      tenantId,
      op,
      args,
      replyTo: this.replyChannel,
      deadline: Date.now() + timeoutMs,
      hops: 0,
    };
    const queues = callQueues(this.redis);
    const reply = new Promise<MtprotoCallReply>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(req.id);
        resolve(unanswered(req.id));
      }, timeoutMs);
      this.waiting.set(req.id, {
        settle: (r) => {
          clearTimeout(timer);
          this.waiting.delete(req.id);
          resolve(r);
        },
      });
    });
    // A worker's list outlives it only briefly, so requests left for a dead worker are not kept.
    await this.redis.cmd.eval(
      ENQUEUE,
      2,
      this.leases.leaseKey(tenantId),
      queues.any,
      queues.of(''),
      JSON.stringify(req),
      String(timeoutMs * 2),
    );
    return reply;
  }

  private ensureSubscribed(): Promise<void> {
    this.subscribed ??= (async () => {
      this.sub = this.redis.dedicated('subscriber');
      this.sub.on('message', (_channel: string, payload: string) => {
        let reply: MtprotoCallReply;
        try {
          reply = JSON.parse(payload) as MtprotoCallReply;
        } catch {
          return;
        }
        this.waiting.get(reply.id)?.settle(reply);
      });
      await this.sub.subscribe(this.replyChannel);
    })();
    return this.subscribed;
  }

  onModuleDestroy(): void {
    for (const w of this.waiting.values()) {
      w.settle({ id: '', ok: false, error: toWire(telegramUnavailable('this API pod is shutting down')) });
    }
    if (this.sub) this.redis.close(this.sub);
  }
}

/** Most requests one worker runs at once; more wait in Redis. */
const MAX_IN_FLIGHT = 256;

/**
 * The worker side: takes requests from its own list first, then from the shared one, runs them
 * with the pooled session and publishes the answer. A request for a session another worker holds
 * is passed to that worker's list. On shutdown it stops taking requests, finishes the running
 * ones and hands what is left in its list back to the shared list.
 */
@Injectable()
export class MtprotoCallServer implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('MtprotoCallServer');
  private readonly handlers = new Map<string, MtprotoOpHandler>();
  private blocking?: RedisClient;
  private loop?: Promise<void>;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly redis: MtprotoRedis,
    client: MtprotoCallClient,
    private readonly pool: MtprotoClientPool,
  ) {
    client.serveLocally({
      holds: (tenantId) => !this.stopping && this.pool.session(tenantId) !== undefined,
      run: (tenantId, op, args) => this.runHere(tenantId, op, args),
    });
  }

  register(op: string, handler: MtprotoOpHandler): void {
    this.handlers.set(op, handler);
  }

  onModuleInit(): void {
    this.blocking = this.redis.dedicated('blocking');
    this.loop = this.run(this.blocking);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    // A waiting BRPOP returns within its 1 s timeout; with Redis away it never would, so the
    // connection is closed after a grace period either way.
    const grace = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
    await Promise.race([this.loop, grace(1500)]);
    if (this.blocking) this.redis.close(this.blocking);
    // A connection closed while it was still reconnecting leaves its queued BRPOP unanswered.
    await Promise.race([this.loop, grace(500)]);
    await Promise.allSettled([...this.inFlight]);
    const queues = callQueues(this.redis);
    const mine = queues.of(this.redis.instanceId);
    try {
      while (await this.redis.cmd.rpoplpush(mine, queues.any)) {
        // Hands each left-over request to the workers that stay.
      }
    } catch (err) {
      this.log.warn(`could not hand back the requests left for this worker: ${(err as Error).message}`);
    }
  }

  private async run(conn: RedisClient): Promise<void> {
    const queues = callQueues(this.redis);
    const mine = queues.of(this.redis.instanceId);
    while (!this.stopping) {
      if (this.inFlight.size >= MAX_IN_FLIGHT) {
        await Promise.race(this.inFlight);
        continue;
      }
      let popped: [string, string] | null;
      try {
        popped = await conn.brpop(mine, queues.any, 1);
      } catch (err) {
        if (this.stopping) break;
        this.log.error(`reading session requests failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!popped) continue;
      let req: MtprotoCallRequest;
      try {
        req = JSON.parse(popped[1]) as MtprotoCallRequest;
      } catch {
        continue;
      }
      const task = this.handle(req).finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  /** A call from this process for a session it holds: run here, counted with the requests in flight. */
  private async runHere(tenantId: string, op: string, args: unknown): Promise<MtprotoCallReply | null> {
    if (this.stopping) return null;
    const run = this.answer({ id: '', tenantId, op, args });
    const task = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
    const out = await run;
    // The session moved away meanwhile: the call goes to its new holder through Redis.
    return out instanceof NotOwnerError ? null : out;
  }

  /** Runs one request with its handler: the reply, or the NotOwnerError saying who holds the session. */
  private async answer(
    req: Pick<MtprotoCallRequest, 'id' | 'tenantId' | 'op' | 'args'>,
  ): Promise<MtprotoCallReply | NotOwnerError> {
    const handler = this.handlers.get(req.op);
    try {
      if (!handler) throw new CommonError(CommonErrorCode.Internal, `unknown session operation ${req.op}`);
      return { id: req.id, ok: true, result: await handler(req.tenantId, req.args) };
    } catch (err) {
      if (err instanceof NotOwnerError) return err;
      if (!(err instanceof DomainError)) {
        this.log.error(`session operation ${req.op} failed: ${(err as Error).message}`);
      }
      return { id: req.id, ok: false, error: toWire(err) };
    }
  }

  private async handle(req: MtprotoCallRequest): Promise<void> {
    if (Date.now() > req.deadline) return;
    let reply = await this.answer(req);
    if (reply instanceof NotOwnerError) {
      if (req.hops < MAX_HOPS) {
        await this.forward(req, reply.ownerId);
        return;
      }
      reply = { id: req.id, ok: false, error: toWire(telegramUnavailable('the session is moving')) };
    }
    await this.redis.cmd.publish(req.replyTo, JSON.stringify(reply));
  }

  private async forward(req: MtprotoCallRequest, ownerId: string | null): Promise<void> {
    const queues = callQueues(this.redis);
    // No owner named: the lease is between holders; a short pause lets the next one take it.
    if (!ownerId || ownerId === this.redis.instanceId) await new Promise((r) => setTimeout(r, 100));
    const target = ownerId && ownerId !== this.redis.instanceId ? queues.of(ownerId) : queues.any;
    await this.redis.cmd.lpush(target, JSON.stringify({ ...req, hops: req.hops + 1 }));
  }
}
