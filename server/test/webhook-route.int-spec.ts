import { type CallHandler, type ExecutionContext, Injectable, Module, type NestInterceptor } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { systemActor } from '../src/modules/audit/audit-actions';
import { WebhookIngestService } from '../src/modules/bot/webhook-ingest.service';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { User, UserRole } from '../src/modules/tenants/user.entity';
import { eventually } from './helpers/eventually';
import { parseMetrics } from './helpers/prometheus-text';
import { startTestApp, TestApp } from './helpers/test-app';
import { LogCapture } from './helpers/log-capture';

interface LogLine {
  msg?: string;
  req?: { id?: string; method?: string; url?: string; headers?: Record<string, string> };
  res?: { status_code?: number };
  correlation_id?: string;
}

const SECRET = 'route-spec-webhook-secret-0123456789';
const BOT_ID = '7001';
const ROUTE = '/telegram/webhook/:bot_id';
const PATH = `/telegram/webhook/${BOT_ID}`;
const update = (id: number) => ({ update_id: id, message: { message_id: id, date: 1_700_000_000, text: 'hi' } });

/** Handlers reached through the app's router, as a global interceptor of the app sees them. */
const routed: string[] = [];

@Injectable()
class SeenByTheRouter implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    routed.push(`${context.getClass().name}.${context.getHandler().name}`);
    return next.handle();
  }
}

@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: SeenByTheRouter }] })
class SeenByTheRouterModule {}

describe('the webhook route, like every route', () => {
  let t: TestApp;
  const capture = new LogCapture();
  const logged = () => capture.lines.map((l) => JSON.parse(l) as LogLine);
  const requestLine = (id: string) =>
    eventually(() => logged().find((l) => l.req?.id === id && l.res?.status_code !== undefined), {
      what: `the request log line of ${id}`,
    });

  beforeAll(async () => {
    t = await startTestApp({
      logStream: capture,
      extraModules: [SeenByTheRouterModule],
      env: { ROLE: 'api', TELEGRAM_MODE: 'real', SYSTEM_BOT_TOKEN: '', LOG_LEVEL: 'info' },
    });
    const user = await t.app
      .get(DataSource)
      .getRepository(User)
      .save({ email: 'webhook-route@example.test', role: UserRole.Tenant });
    await t.app.get(CredentialsService).update(
      user.id,
      {
        botToken: `${BOT_ID}:${'C'.repeat(35)}`,
        botId: BOT_ID,
        botUsername: 'route_spec_bot',
        isBotVerified: true,
        webhookSecret: SECRET,
      },
      systemActor(),
    );
  });
  afterAll(async () => t.close());

  it('logs each delivery with its request id, without the secret, and counts it under the route pattern', async () => {
    const ok = await request(t.url).post(PATH).set('X-Telegram-Bot-Api-Secret-Token', SECRET).send(update(1));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true });
    const denied = await request(t.url).post(PATH).set('X-Telegram-Bot-Api-Secret-Token', 'wrong').send(update(2));
    expect(denied.status).toBe(401);

    const line = await requestLine(String(ok.headers['x-request-id']));
    expect(line.req).toEqual(expect.objectContaining({ method: 'POST', url: PATH }));
    expect(line.req?.headers?.['x-telegram-bot-api-secret-token']).toBe('[redacted]');
    expect((await requestLine(String(denied.headers['x-request-id']))).res?.status_code).toBe(401);
    expect(capture.lines.join('\n')).not.toContain(SECRET);

    const metrics = parseMetrics((await request(t.url).get('/metrics').expect(200)).text);
    expect(metrics.value('http_requests_total', { method: 'POST', route: ROUTE, status: '200' })).toBe(1);
    expect(metrics.value('http_requests_total', { method: 'POST', route: ROUTE, status: '401' })).toBe(1);
    expect(metrics.has('http_request_duration_seconds_bucket', { route: ROUTE, status: '200' })).toBe(true);
  });

  it("reaches WebhookController through the app's router, past its global interceptors, not beside it", async () => {
    routed.length = 0;
    await request(t.url).post(PATH).set('X-Telegram-Bot-Api-Secret-Token', SECRET).send(update(10)).expect(200);
    expect(routed).toEqual(['WebhookController.receive']);
  });

  it('answers refusals and failures in the global error shape', async () => {
    const denied = await request(t.url).post(PATH).set('X-Telegram-Bot-Api-Secret-Token', 'wrong').send(update(3));
    expect(denied.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });

    const malformed = await request(t.url)
      .post(PATH)
      .set('Content-Type', 'application/json')
      .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
      .send('{"update_id": 4,');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');

    const oversized = await request(t.url)
      .post(PATH)
      .set('Content-Type', 'application/json')
      .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
      .send(JSON.stringify({ update_id: 6, message: { text: 'x'.repeat(1024 * 1024 + 10) } }));
    expect(oversized.status).toBe(413);
    expect(oversized.body).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });

    const noUpdate = await request(t.url).post(PATH).set('X-Telegram-Bot-Api-Secret-Token', SECRET).send({ x: 1 });
    expect(noUpdate.status).toBe(400);
    expect(noUpdate.body.error.code).toBe('VALIDATION_FAILED');

    // An unexpected failure: a 500 with a correlation id (the request id), logged in full.
    const ingest = jest
      .spyOn(t.app.get(WebhookIngestService), 'ingest')
      .mockRejectedValueOnce(new Error('ingestion broke'));
    try {
      const broken = await request(t.url).post(PATH).set('X-Telegram-Bot-Api-Secret-Token', SECRET).send(update(5));
      expect(broken.status).toBe(500);
      const id = String(broken.headers['x-request-id']);
      expect(broken.body).toEqual({
        error: { code: 'INTERNAL', message: expect.stringContaining(id), correlation_id: id },
      });
      expect(JSON.stringify(broken.body)).not.toContain('ingestion broke');
      await eventually(() => logged().find((l) => l.msg === 'Unhandled error' && l.correlation_id === id), {
        what: 'the failure logged with its correlation id',
      });
      expect((await requestLine(id)).res?.status_code).toBe(500);
    } finally {
      ingest.mockRestore();
    }
  });
});
