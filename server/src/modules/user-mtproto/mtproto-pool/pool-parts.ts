import type { Provider } from '@nestjs/common';
import { MtprotoDeadSessions } from './dead-sessions';
import { MtprotoLastUsedStamps } from './last-used-stamps';
import { MtprotoRateMeter } from './rate-meter';
import { MtprotoSessionOpener } from './session-opener';

/** The pool's injectable parts, provided wherever MtprotoClientPool is (session workers). */
export const MTPROTO_POOL_PARTS: Provider[] = [
  MtprotoSessionOpener,
  MtprotoRateMeter,
  MtprotoDeadSessions,
  MtprotoLastUsedStamps,
];
