import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';

describe('health', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('answers ready when Postgres and Redis are reachable', async () => {
    t = await startTestApp();
    const res = await request(t.url).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.postgres.status).toBe('up');
    expect(res.body.checks.redis.status).toBe('up');
    await request(t.url).get('/health/live').expect(200, { status: 'ok' });
  });

  it('answers 503 naming Redis when REDIS_URL points at a closed port', async () => {
    t = await startTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    const res = await request(t.url).get('/health/ready').expect(503);
    expect(res.body.error.code).toBe('DEPENDENCY_DOWN');
    expect(res.body.error.message).toContain('Redis');
    expect(res.body.error.message).not.toContain('Postgres');
    expect(res.body.checks.redis.status).toBe('down');
    expect(res.body.checks.postgres.status).toBe('up');
  });

  it('serves Prometheus metrics with default and HTTP series', async () => {
    t = await startTestApp();
    await request(t.url).get('/health/live').expect(200);
    const res = await request(t.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain('http_request_duration_seconds_bucket');
  });
});
