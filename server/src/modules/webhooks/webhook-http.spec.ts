import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../../config/app-config';
import { WebhookHttpClient } from './webhook-http';

const clientWith = (allowPrivateTargets: boolean, timeoutMs = 5000): WebhookHttpClient =>
  new WebhookHttpClient({ webhooks: { allowPrivateTargets, timeoutMs } } as AppConfig);

describe('webhook delivery over HTTP', () => {
  let server: http.Server;
  let base = '';
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      req.resume();
      if (req.url === '/silent') return; // never answers
      const status = req.url === '/fail' ? 500 : 204;
      res.writeHead(status).end(req.url === '/fail' ? 'e'.repeat(5000) : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('counts a 2xx as delivered, and keeps 1 KB of a failure answer', async () => {
    const client = clientWith(true);
    try {
      expect(await client.post(`${base}/ok`, '{}', {})).toMatchObject({ ok: true, statusCode: 204, error: null });
      const failed = await client.post(`${base}/fail`, '{}', {});
      expect(failed).toMatchObject({ ok: false, statusCode: 500, error: 'the endpoint answered 500' });
      expect(failed.responseBody).toHaveLength(1024);
    } finally {
      await client.onModuleDestroy();
    }
  });

  it('gives up on an endpoint that does not answer in time', async () => {
    const client = clientWith(true, 300);
    try {
      expect(await client.post(`${base}/silent`, '{}', {})).toMatchObject({
        ok: false,
        statusCode: null,
        error: 'no answer within 0.3 s',
      });
    } finally {
      await client.onModuleDestroy();
    }
  });

  it('refuses at delivery, under the production policy, a name resolving to an internal address and an internal literal, without connecting', async () => {
    const client = clientWith(false);
    const port = new URL(base).port;
    const before = hits;
    try {
      const byName = await client.post(`https://localhost:${port}/ok`, '{}', {});
      expect(byName).toMatchObject({ ok: false, statusCode: null });
      expect(byName.error).toMatch(/refused: localhost resolves to an internal address/);
      const literal = await client.post(`https://127.0.0.1:${port}/ok`, '{}', {});
      expect(literal.error).toMatch(/refused: 127\.0\.0\.1 is a loopback address/);
      expect((await client.post(`${base}/ok`, '{}', {})).error).toMatch(/not https/);
      expect(hits).toBe(before);
    } finally {
      await client.onModuleDestroy();
    }
  });
});
