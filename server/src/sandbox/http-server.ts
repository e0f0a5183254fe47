import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BotApiError } from './bot-api/bot-api-error';
import { type BotApiDoor, sendError, sendJson } from './bot-api/bot-api-door';
import type { ControlApi } from './control/control-api';

/** One HTTP server for the Bot API door (`/bot…`, `/file/bot…`) and the control API (`/sandbox/…`). */
export function createSandboxHttpServer(door: BotApiDoor, control: ControlApi): Server {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    if (url.pathname === '/sandbox' || url.pathname.startsWith('/sandbox/')) {
      await control.handle(req, res, url);
    } else if (door.matches(url.pathname)) {
      await door.handle(req, res, url);
    } else {
      req.resume();
      sendError(res, BotApiError.notFound());
    }
  };
  return createServer((req, res) => {
    route(req, res).catch(() => {
      // Never echo internals (they may hold a token from the path); the caller sees a bare 500.
      if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      else res.destroy();
    });
  });
}
