import { present } from '../../common/present';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { DomainError } from '../../common/errors/domain-error';
import { inspectInput, validationFailed } from '../../common/http/input-shape';
import { WebhookIngestService } from './webhook-ingest.service';
import { safeErrorMessage } from './telegram-bot-api.failure';

const WEBHOOK_PATH = /^\/telegram\/webhook\/(\d{1,19})\/?(?:\?.*)?$/;
/** Telegram's updates are small; anything near this is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const OK = JSON.stringify({ ok: true });

function reply(res: ServerResponse, status: number, body: unknown): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/**
 * Tenant webhooks answered straight from the HTTP server, ahead of the
 * framework's per-request pipeline (request logging, metrics, guards), which
 * costs more than the ingestion itself at Telegram's delivery rates. The
 * checks are the same as the WebhookController's (the documented route, and
 * the one used when this path is not mounted): per-bot secret, update shape,
 * once per update_id, queued before the 200.
 */
@Injectable()
export class WebhookFastPath implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookFastPath.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly ingest: WebhookIngestService,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    const rest = server.listeners('request') as Listener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const match = req.method === 'POST' ? WEBHOOK_PATH.exec(req.url ?? '') : null;
      if (match) {
        this.handle(present(match[1], 'the webhook path id'), req, res);
        return;
      }
      for (const listener of rest) listener.call(server, req, res);
    });
  }

  private handle(botId: string, req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        reply(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'An update is never this large.' } });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        reply(res, 400, { error: { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' } });
        return;
      }
      const problems = inspectInput(body);
      if (problems.length > 0) {
        const err = validationFailed(problems);
        reply(res, 400, { error: { code: err.code, message: err.message, ...err.details } });
        return;
      }
      const secret = req.headers['x-telegram-bot-api-secret-token'];
      this.ingest.ingest(botId, typeof secret === 'string' ? secret : undefined, body).then(
        () => reply(res, 200, OK),
        (err: unknown) => {
          if (err instanceof DomainError) {
            const code = (err as DomainError<string>).code;
            reply(res, err.httpStatus, { error: { code, message: err.message } });
            return;
          }
          this.logger.error(`webhook for bot ${botId}: ${safeErrorMessage(err)}`);
          reply(res, 500, {
            error: { code: 'INTERNAL', message: 'The update could not be queued; Telegram will retry.' },
          });
        },
      );
    });
    req.on('error', () => res.destroy());
  }
}
