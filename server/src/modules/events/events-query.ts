import { validationFailed } from '../../common/http/input-shape';
import type { ListEventsQueryDto, StreamEventsQueryDto } from './dtos/event.dto';
import { isEventType, type EventType } from './event-types';
import type { EventsQuery } from './events.service';
import { MAX_EVENTS_PER_READ } from './events.service';

const MAX_CURSOR = 2n ** 63n - 1n;
const DEFAULT_LIMIT = 100;

/** A cursor as clients send it: an event id (a non-negative bigint in decimal). */
export function parseCursor(value: string | undefined, field: string): string {
  if (value === undefined || value === '') return '0';
  if (!/^[0-9]{1,19}$/.test(value) || BigInt(value) > MAX_CURSOR) {
    throw validationFailed([{ field, problems: [`${field} must be an event id (digits, as an earlier event's id)`] }]);
  }
  return BigInt(value).toString();
}

export function parseTypes(value: string | undefined): EventType[] {
  if (value === undefined || value.trim() === '') return [];
  const types = value.split(',').map((t) => t.trim());
  const unknown = types.filter((t) => !isEventType(t));
  if (unknown.length > 0) {
    throw validationFailed([
      { field: 'types', problems: [`unknown event types: ${unknown.join(', ').slice(0, 200)}`] },
    ]);
  }
  return [...new Set(types as EventType[])];
}

/** A stream's query: where it starts (`Last-Event-ID` wins over `?after=`, as browsers resume) and its types. */
export function parseStreamQuery(q: StreamEventsQueryDto, lastEventId: string | undefined): EventsQuery {
  const after =
    lastEventId !== undefined ? parseCursor(lastEventId.trim(), 'Last-Event-ID') : parseCursor(q.after, 'after');
  return { after, types: parseTypes(q.types), limit: MAX_EVENTS_PER_READ };
}

/** A pull's query and how long it may wait (ms), checked against the deployment's maximum. */
export function parseListQuery(q: ListEventsQueryDto, waitMaxSeconds: number): { query: EventsQuery; waitMs: number } {
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (limit > MAX_EVENTS_PER_READ) {
    throw validationFailed([{ field: 'limit', problems: [`limit must not be greater than ${MAX_EVENTS_PER_READ}`] }]);
  }
  const wait = q.wait ?? 0;
  if (wait > waitMaxSeconds) {
    throw validationFailed([{ field: 'wait', problems: [`wait must not be greater than ${waitMaxSeconds}`] }]);
  }
  return {
    query: { after: parseCursor(q.after, 'after'), types: parseTypes(q.types), limit },
    waitMs: wait * 1000,
  };
}
