import { present } from '../../common/present';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { toDomainError } from '../../common/http/body-parsers';
import { GlobalExceptionFilter } from '../../common/http/global-exception.filter';
import { inspectInput, validationFailed } from '../../common/http/input-shape';
import { REQUEST_LOG, type RequestLog } from '../../common/logging/request-log';
import { MetricsService } from '../health/metrics.service';
import { WebhookIngestService } from './webhook-ingest.service';

const WEBHOOK_PATH = /^\/telegram\/webhook\/(\d{1,19})\/?(?:\?.*)?$/;
/** The route's label in the HTTP metrics, the same as WebhookController's. */
const WEBHOOK_ROUTE = '/telegram/webhook/:bot_id';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const OK = JSON.stringify({ ok: true });

/**
 * Tenant webhooks answered straight from the HTTP server, ahead of the
 * framework's router and per-request pipeline, which cost more than the
 * ingestion itself at Telegram's delivery rates. What every route has, this
 * one has too: the request log and request id, the HTTP metrics under the
 * route's pattern, and errors answered by the global exception filter. The
 * checks are the WebhookController's (the route used when this path is not
 * mounted): per-bot secret, update shape, once per update_id, queued before
 * the 200.
 */
@Injectable()
export class WebhookFastPath implements OnApplicationBootstrap {
  private readonly errors = new GlobalExceptionFilter();
  private readonly bodyLimitBytes: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly ingest: WebhookIngestService,
    private readonly metrics: MetricsService,
    @Inject(REQUEST_LOG) private readonly requestLog: RequestLog,
  ) {
    this.bodyLimitBytes = config.http.bodyLimitBytes;
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    const rest = server.listeners('request') as Listener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const match = req.method === 'POST' ? WEBHOOK_PATH.exec(req.url ?? '') : null;
      if (match) {
        const botId = present(match[1], 'the webhook path id');
        this.metrics.trackRequest(req, res, () => WEBHOOK_ROUTE);
        this.requestLog(req, res);
        this.handle(botId, req, res);
        return;
      }
      for (const listener of rest) listener.call(server, req, res);
    });
  }

  private handle(botId: string, req: IncomingMessage & { id?: unknown }, res: ServerResponse): void {
    const fail = (err: unknown) =>
      this.errors.answer(err, { method: req.method, path: (req.url ?? '').split('?')[0] ?? '', id: req.id }, res);
    const parserFailure = (type: string, message: string) =>
      fail(toDomainError(Object.assign(new Error(message), { type }), this.bodyLimitBytes));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= this.bodyLimitBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > this.bodyLimitBytes) {
        parserFailure('entity.too.large', 'request entity too large');
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        parserFailure('entity.parse.failed', (err as Error).message);
        return;
      }
      const problems = inspectInput(body);
      if (problems.length > 0) {
        fail(validationFailed(problems));
        return;
      }
      const secret = req.headers['x-telegram-bot-api-secret-token'];
      this.ingest.ingest(botId, typeof secret === 'string' ? secret : undefined, body).then(() => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': OK.length });
        res.end(OK);
      }, fail);
    });
    req.on('error', () => res.destroy());
  }
}
