import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface DeliveryResult {
  ok: boolean;
  /** Telegram's wording for getWebhookInfo.last_error_message. */
  error?: string;
}

const DELIVERY_TIMEOUT_MS = 30_000;

/**
 * POSTs one update to a webhook. A fresh connection per delivery keeps nothing open between
 * deliveries (a closed sandbox leaves no sockets behind).
 */
export function postUpdate(
  url: string,
  body: string,
  secretToken: string | undefined,
  signal: AbortSignal,
): Promise<DeliveryResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      // A webhook URL set without a scheme is an HTTPS one, as Telegram reads it.
      target = new URL(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url) ? url : `https://${url}`);
    } catch {
      resolve({ ok: false, error: 'Invalid webhook URL' });
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    };
    if (secretToken) headers['x-telegram-bot-api-secret-token'] = secretToken;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (result: DeliveryResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = send(target, { method: 'POST', headers, agent: false, signal }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const done = (): void =>
        finish(
          status >= 200 && status < 300
            ? { ok: true }
            : { ok: false, error: `Wrong response from the webhook: ${status} ${res.statusMessage ?? ''}`.trim() },
        );
      res.on('end', done);
      res.on('error', done);
    });
    req.setTimeout(DELIVERY_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const error =
        err.message === 'timeout'
          ? 'Read timeout expired'
          : err.code === 'ECONNREFUSED'
            ? 'Connection refused'
            : err.code === 'ENOTFOUND'
              ? 'Failed to resolve host: Name or service not known'
              : err.name === 'AbortError'
                ? 'Delivery aborted'
                : 'Connection error';
      finish({ ok: false, error });
    });
    req.end(body);
  });
}

/** Backoff after the n-th consecutive failure: 1 s, 2 s, 4 s… capped at 32 s. */
export const retryDelayMs = (failures: number): number => Math.min(32_000, 1000 * 2 ** Math.max(0, failures - 1));
