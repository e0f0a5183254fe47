import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';
import { ProbeModule } from './probes/probe.module';

describe('error shapes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ extraModules: [ProbeModule] });
  });
  afterAll(async () => t.close());

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await request(t.url)
      .post('/probe/echo')
      .set('Content-Type', 'application/json')
      .send('{"name": "abc", count: }')
      .expect(400);
    expect(res.body).toEqual({ error: { code: 'MALFORMED_JSON', message: expect.any(String) } });
  });

  it('answers a failed validation with 400 VALIDATION_FAILED naming every failing field', async () => {
    const res = await request(t.url).post('/probe/echo').send({ name: 'ab', count: 'many' }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const fields = (res.body.error.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['count', 'name']);
    expect(res.body.error.message).toContain('name');
  });

  it('rejects unknown fields so a client cannot smuggle user_id', async () => {
    const res = await request(t.url).post('/probe/echo').send({ name: 'abc', count: 2, user_id: 'x' }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.fields).toEqual([
      { field: 'user_id', problems: [expect.stringContaining('should not exist')] },
    ]);
  });

  it('accepts a valid body', async () => {
    await request(t.url).post('/probe/echo').send({ name: 'abc', count: 2 }).expect(201, { name: 'abc', count: 2 });
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const res = await request(t.url).get('/api/nothing-here').expect(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /api/nothing-here.' } });
  });

  it('answers a body over 1 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), count: 1 });
    const res = await request(t.url).post('/probe/echo').set('Content-Type', 'application/json').send(big).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unexpected error with 500 INTERNAL, a correlation id and no stack or detail', async () => {
    const res = await request(t.url).get('/probe/boom').expect(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(res.body.error.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.error.message).toContain(res.body.error.correlation_id);
    expect(res.headers['x-request-id']).toBe(res.body.error.correlation_id);
    const raw = JSON.stringify(res.body);
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toMatch(/at .*\.ts:\d+/);
    expect(raw).not.toContain('stack');
  });
});
