import request from 'supertest';
import { eventually } from './helpers/eventually';
import { startTestApp, TestApp } from './helpers/test-app';
import { ProbeModule } from './probes/probe.module';
import { LogCapture } from './helpers/log-capture';

describe('logging', () => {
  let t: TestApp;
  const capture = new LogCapture();
  beforeAll(async () => {
    t = await startTestApp({ extraModules: [ProbeModule], logStream: capture, env: { LOG_LEVEL: 'info' } });
  });
  afterAll(async () => t.close());

  it('logs a request with an Authorization header and a bot_token body without either value', async () => {
    const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const bearer = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig-very-secret';
    await request(t.url)
      .post('/probe/secret')
      .set('Authorization', `Bearer ${bearer}`)
      .set('Cookie', 'sid=cookie-secret-value')
      .send({ bot_token: token, telegram_api_hash: 'a'.repeat(32), password: 'pw-secret-123' })
      .expect(201);
    // The 500 path logs the whole error; it must not carry a token found in its message either.
    await request(t.url).get(`/probe/boom?token=${token}`).expect(500);
    await eventually(() => capture.lines.some((l) => l.includes('/probe/boom') && l.includes('"status_code":500')), {
      what: 'the 500 request logged',
    });
    const all = capture.lines.join('\n');
    expect(capture.lines.length).toBeGreaterThan(0);
    expect(all).toContain('/probe/secret');
    for (const secret of [
      token,
      'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      bearer,
      'cookie-secret-value',
      'pw-secret-123',
    ]) {
      expect(all).not.toContain(secret);
    }
    const reqLine = capture.lines
      .map((l) => JSON.parse(l) as { req?: { url?: string; id?: string; headers: Record<string, string> } })
      .find((l) => l.req?.url === '/probe/secret');
    expect(reqLine?.req?.headers.authorization).toBe('[redacted]');
    expect(reqLine?.req?.id).toEqual(expect.any(String));
  });

  it('redacts secrets in the query strings of every logged URL, request and error logs alike', async () => {
    const secrets: Record<string, string> = {
      access_token: 'qs-access-token-value',
      token: 'qs-token-value',
      code: 'qs-login-code-77',
      password: 'qs-password-value',
      secret: 'qs-secret-value',
      hash: 'qs-hash-value',
      api_hash: 'qs-api-hash-value',
      phone: '+15550001111',
      init_data: 'qs-init-data-value',
      refresh_token: 'qs-refresh-token-value',
    };
    const query = [...Object.entries(secrets).map(([k, v]) => `${k}=${encodeURIComponent(v)}`), 'page=2'].join('&');
    const before = capture.lines.length;
    await request(t.url).post(`/probe/secret?${query}`).send({ x: 1 }).expect(201);
    await request(t.url).get(`/probe/boom?${query}`).expect(500);
    await request(t.url).get(`/probe/nowhere?${query}`).expect(404);
    await eventually(
      () => capture.lines.slice(before).some((l) => l.includes('/probe/nowhere') && l.includes('"status_code":404')),
      { what: 'the 404 request logged' },
    );
    const lines = capture.lines.slice(before);
    const all = lines.join('\n');
    for (const value of Object.values(secrets)) {
      expect(all).not.toContain(value);
      expect(all).not.toContain(encodeURIComponent(value));
    }
    const urls = lines
      .map((l) => JSON.parse(l) as { req?: { url?: string } })
      .map((l) => l.req?.url)
      .filter((u): u is string => typeof u === 'string');
    expect(urls).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/probe\/secret\?/), expect.stringMatching(/^\/probe\/boom\?/)]),
    );
    for (const url of urls.filter((u) => u.includes('?'))) {
      for (const key of Object.keys(secrets)) expect(url).toContain(`${key}=[redacted]`);
      // What is not a secret stays readable.
      expect(url).toContain('page=2');
    }
  });
});
