import { Controller, Get, Headers, Inject, Logger, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { HttpReply } from '../../common/http/http-types';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AuthUser, CurrentUser } from '../auth/auth-user';
import { EventPageDto, ListEventsQueryDto, StreamEventsQueryDto } from './dtos/event.dto';
import { parseListQuery, parseStreamQuery } from './events-query';
import { EventsService } from './events.service';
import type { TenantEvent } from './event-types';

/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** How long one read of a stream waits before it reads again (a bound, not a poll: wake-ups end it early). */
const STREAM_WAIT_MS = 25_000;

const sseFrame = (e: TenantEvent): string => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

@ApiTags('events')
@ApiBearerAuth('bearer')
@Controller('api/events')
export class EventsController {
  private readonly logger = new Logger(EventsController.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventsService,
  ) {}

  @Get()
  @ApiOkResponse({ type: EventPageDto, description: "The tenant's events after `after`, oldest first." })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED (a malformed cursor, an unknown type, limit or wait out of range)',
  })
  async list(
    @CurrentUser() user: AuthUser,
    @Query() q: ListEventsQueryDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<EventPageDto> {
    const res = reply.raw;
    const { query, waitMs } = parseListQuery(q, this.config.events.waitMaxSeconds);
    const closed = new AbortController();
    // The response's close, not the request's: a request closes once it is read, a response when it is
    // answered or its client goes away.
    const onClose = (): void => closed.abort();
    res.on('close', onClose);
    try {
      const events =
        waitMs > 0
          ? await this.events.wait(user.id, query, waitMs, closed.signal)
          : await this.events.list(user.id, query);
      return { events, next_after: events.at(-1)?.id ?? query.after };
    } finally {
      res.off('close', onClose);
    }
  }

  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id (wins over `after`).' })
  @ApiOkResponse({
    content: { 'text/event-stream': { schema: { type: 'string' } } },
    description:
      'Server-Sent Events: one `event: <type>` with `id: <id>` and the event as `data` per event, from the cursor on, then live; `:` comment lines as heartbeats.',
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (a malformed cursor or an unknown type)' })
  @ApiTooManyRequestsResponse({ description: 'TOO_MANY_EVENT_STREAMS (EVENTS_STREAMS_PER_TENANT open already)' })
  async stream(
    @CurrentUser() user: AuthUser,
    @Query() q: StreamEventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: HttpReply,
  ): Promise<void> {
    const query = parseStreamQuery(q, lastEventId);
    const release = this.events.openStream(user.id);
    // From here the response is this handler's own stream, written without the framework.
    reply.hijack();
    const res = reply.raw;
    const shutdown = this.events.shutdownSignal();
    const closed = new AbortController();
    const end = (): void => closed.abort();
    shutdown.signal.addEventListener('abort', end);
    res.on('close', end);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    try {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      res.write('retry: 3000\n\n');
      let after = query.after;
      while (!closed.signal.aborted) {
        const events = await this.events.wait(user.id, { ...query, after }, STREAM_WAIT_MS, closed.signal);
        for (const e of events) {
          if (closed.signal.aborted) break;
          if (!res.write(sseFrame(e))) {
            await new Promise<void>((resolve) => {
              res.once('drain', resolve);
              closed.signal.addEventListener('abort', () => resolve(), { once: true });
            });
          }
          after = e.id;
        }
      }
    } catch (err) {
      // Headers are out: the stream ends, and the client resumes with Last-Event-ID.
      this.logger.warn(`event stream of tenant ${user.id} ended: ${(err as Error).message}`);
    } finally {
      clearInterval(heartbeat);
      res.off('close', end);
      shutdown.signal.removeEventListener('abort', end);
      shutdown.release();
      release();
      res.end();
    }
  }
}
