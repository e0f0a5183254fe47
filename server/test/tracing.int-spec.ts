import { ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import request from 'supertest';
import { type SandboxHandle, startSandbox } from '../src/sandbox';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/free-port';
import { createMigratedDatabase, TEST_REDIS_URL, type TestDatabase, uniqueRedisPrefix } from './helpers/test-database';
import { addBotToChannel, newBot, newChannel, newUser } from './sandbox/bot-helpers';

jest.setTimeout(120_000);

/** A span as OTLP/JSON carries it, with its attributes flattened. */
interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  service: string;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: {
      spans?: (Omit<CollectedSpan, 'attributes' | 'service'> & { attributes?: { key: string; value: OtlpValue }[] })[];
    }[];
  }[];
}

const flat = (attrs: { key: string; value: OtlpValue }[] = []): Record<string, unknown> =>
  Object.fromEntries(
    attrs.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? a.value.doubleValue]),
  );

/** A stand-in OpenTelemetry collector: OTLP over HTTP (JSON), as the product's exporter sends it. */
async function startCollector(): Promise<{ url: string; spans: CollectedSpan[]; bodies: string[]; server: Server }> {
  const spans: CollectedSpan[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      const parsed = JSON.parse(body) as OtlpExport;
      for (const rs of parsed.resourceSpans ?? []) {
        const service = String(flat(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) spans.push({ ...s, attributes: flat(s.attributes), service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, bodies, server };
}

/**
 * Traces on a real process (the product's entry point, both roles) exporting to a collector: one
 * post's trace runs from the API request through the queue to the worker and the Bot API call.
 */
describe('traces (OpenTelemetry over OTLP)', () => {
  let sandbox: SandboxHandle;
  let db: TestDatabase;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let child: ChildProcess | undefined;
  let base: string;

  beforeAll(async () => {
    [sandbox, db, collector] = await Promise.all([
      startSandbox({ httpPort: 0, mtprotoPort: 0 }),
      createMigratedDatabase('tg_traces'),
      startCollector(),
    ]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        ROLE: 'all',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: uniqueRedisPrefix(),
        TELEGRAM_MODE: 'sandbox',
        SANDBOX_HTTP_PORT: String(sandbox.httpPort),
        SANDBOX_MTPROTO_PORT: String(sandbox.mtprotoPort),
        // Only the post's own queued job sends it: no sweep picks it up in a trace of its own.
        SEND_SWEEP_MS: '600000',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      stdio: 'ignore',
    });
    await eventually(async () => ((await fetch(`${base}/health/live`).catch(() => undefined))?.ok ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the app process to start',
    });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((resolve) => collector?.server.close(() => resolve()));
    await sandbox?.close();
    await db?.drop();
  });

  it('follows one post from the API request through the queue and the worker to the Bot API call, without the bot token', async () => {
    const email = `traced-${Date.now()}@example.com`;
    await request(base).post('/api/auth/register').send({ email, password: 'correct horse battery' }).expect(201);
    const login = await request(base)
      .post('/api/auth/login')
      .send({ email, password: 'correct horse battery' })
      .expect(200);
    const headers = { Authorization: `Bearer ${login.body.access_token as string}` };
    const bot = await newBot(sandbox);
    await request(base).put('/api/user-bot').set(headers).send({ bot_token: bot.token }).expect(200);
    const owner = await newUser(sandbox, 'Owner');
    const ch = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, ch.id, bot.id);
    const channel = await request(base)
      .post('/api/channels')
      .set(headers)
      .send({ telegram_id: String(ch.id), title: 'Traced' })
      .expect(201);

    await request(base)
      .post(`/api/channels/${channel.body.id as string}/posts`)
      .set(headers)
      .send({ text: 'traced post', idempotency_key: 'traced' })
      .expect(201);

    /** The URL or path a span names, in whichever semantic convention it carries it. */
    const where = (s: CollectedSpan): string => {
      const value = ['http.target', 'url.path', 'http.url', 'url.full'].map((k) => s.attributes[k]).find(Boolean);
      return typeof value === 'string' ? value : '';
    };
    const isPostRequest = (s: CollectedSpan) => s.kind === 2 && where(s).endsWith('/posts');
    const isSend = (s: CollectedSpan) => s.kind === 3 && where(s).endsWith('/sendMessage');
    /** The chain of spans from one up through its parents (as far as they have arrived). */
    const ancestry = (span: CollectedSpan, spans: CollectedSpan[]): CollectedSpan[] => {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const chain = [span];
      let parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      while (parent) {
        chain.push(parent);
        parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
      }
      return chain;
    };
    // Spans leave in batches as they end: wait until the Bot API call's parents up to the request are in.
    const { root, send, chain } = await eventually(
      () => {
        const request = collector.spans.find(isPostRequest);
        const spans = request ? collector.spans.filter((s) => s.traceId === request.traceId) : [];
        const call = spans.find(isSend);
        const parents = call ? ancestry(call, spans) : [];
        return call && request && parents[parents.length - 1] === request
          ? { root: request, send: call, chain: parents }
          : undefined;
      },
      { timeoutMs: 30_000, what: "the post's trace from the API request to the Bot API call" },
    );
    // Bot API call ← the worker's job ← the job queued ← the API request, all one trace.
    expect(chain.every((s) => s.traceId === root.traceId)).toBe(true);
    const kinds = chain.map((s) => s.kind);
    expect(kinds).toContain(5); // CONSUMER: the worker running the job
    expect(kinds).toContain(4); // PRODUCER: the request queueing it
    expect(kinds.indexOf(5)).toBeLessThan(kinds.indexOf(4));
    expect(chain.find((s) => s.kind === 5)?.name).toMatch(/post-send/);
    // The database and Redis are in the same trace.
    const trace = collector.spans.filter((s) => s.traceId === root.traceId);
    expect(
      trace.some((s) => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql'),
    ).toBe(true);
    expect(trace.some((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis')).toBe(
      true,
    );
    // The bot token is in the Bot API path and never in what leaves for the collector.
    expect(where(send)).toContain('/bot<token>/sendMessage');
    expect(collector.bodies.join('\n')).not.toContain(bot.token.split(':')[1]);
  });
});
