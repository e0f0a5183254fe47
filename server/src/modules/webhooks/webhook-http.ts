import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { AttemptResult } from './webhook-deliveries.repository';
import { checkTargetAddress, guardedLookup, type TargetPolicy } from './webhook-target';

/** What is kept of a response body. */
export const RESPONSE_BODY_KEPT_BYTES = 1024;
/** Past this much of a response body the connection is closed: nobody reads the rest. */
const RESPONSE_BODY_READ_MAX_BYTES = 64 * 1024;

/** An attempt's outcome, with whether the endpoint answered 2xx. */
export interface PostOutcome extends AttemptResult {
  ok: boolean;
}

/**
 * POSTs deliveries to tenants' endpoints with node:http(s): keep-alive connections per process, a
 * deadline on the whole exchange (WEBHOOK_TIMEOUT_SECONDS), redirects not followed, at most 1 KB of
 * the answer kept. Under the production policy the connection's own DNS lookup refuses internal
 * addresses (webhook-target.ts), so the address checked is the address connected to.
 */
@Injectable()
export class WebhookHttpClient implements OnModuleDestroy {
  private readonly policy: TargetPolicy;
  private readonly timeoutMs: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  /** POSTs under way: shutting down waits for them (each ends by its deadline). */
  private readonly inFlight = new Set<Promise<PostOutcome>>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.policy = { allowPrivateTargets: config.webhooks.allowPrivateTargets };
    this.timeoutMs = config.webhooks.timeoutMs;
    const lookup = guardedLookup(this.policy);
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256, lookup });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, lookup });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  post(rawUrl: string, body: string, headers: Record<string, string>): Promise<PostOutcome> {
    const started = process.hrtime.bigint();
    const elapsed = (): number => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return Promise.resolve(failure(elapsed(), 'the endpoint URL is not a URL'));
    }
    const refused = checkTargetAddress(url, this.policy);
    if (refused) return Promise.resolve(failure(elapsed(), refused));
    const secure = url.protocol === 'https:';
    const posted = new Promise<PostOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: PostOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'Tenantgram-Webhooks/1',
          },
        },
        (res) => {
          const kept: Buffer[] = [];
          let keptBytes = 0;
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (keptBytes < RESPONSE_BODY_KEPT_BYTES) {
              const part = chunk.subarray(0, RESPONSE_BODY_KEPT_BYTES - keptBytes);
              kept.push(part);
              keptBytes += part.length;
            }
            if (read > RESPONSE_BODY_READ_MAX_BYTES) res.destroy();
          });
          const done = (): void => {
            const statusCode = res.statusCode ?? 0;
            const ok = statusCode >= 200 && statusCode < 300;
            settle({
              ok,
              statusCode,
              durationMs: elapsed(),
              error: ok ? null : `the endpoint answered ${statusCode}`,
              // Postgres text holds no NUL.
              responseBody: Buffer.concat(kept).toString('utf8').split('\u0000').join(''),
            });
          };
          res.on('end', done);
          res.on('close', done);
          res.on('error', done);
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        settle(failure(elapsed(), `no answer within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => settle(failure(elapsed(), describeError(err))));
      req.end(body);
    });
    this.inFlight.add(posted);
    void posted.finally(() => this.inFlight.delete(posted));
    return posted;
  }
}

const failure = (durationMs: number, error: string): PostOutcome => ({
  ok: false,
  statusCode: null,
  durationMs,
  error,
  responseBody: null,
});

/** A connection failure in words, without anything but the endpoint's own address in it. */
function describeError(err: NodeJS.ErrnoException): string {
  if (err.code === 'EWEBHOOKFORBIDDEN') return err.message;
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return "the endpoint's host does not resolve";
  if (err.code === 'ECONNRESET') return 'connection reset';
  if (err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT')) return `TLS failed: ${err.code}`;
  return `could not deliver: ${(err.code ?? err.message).slice(0, 200)}`;
}
