/**
 * Property-based fuzzing of every operation in the committed server/openapi.json, as an
 * unauthenticated client, as a tenant with real data (bot, channels, a post, a file, a Telegram
 * session) and as staff. Each operation gets the hostile corpus once in every place it takes
 * input, then FUZZ_RUNS random cases (schema-valid and hostile) from a fixed seed; every upload
 * route, and the sandbox's Bot API upload methods, get complete, truncated, aborted and odd
 * multipart bodies, each followed by a health check of the same process.
 *
 * Asserted: no 5xx, every error exactly `{error: {code, message, ...}}` JSON, an answer within
 * FUZZ_TIMEOUT_MS, and the process alive afterwards. Reproduce with FUZZ_SEED (default below);
 * a failure prints the operation, the request and the response.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { QueueName } from '../../src/modules/queue/queue-names';
import { UserRole } from '../../src/modules/tenants/user.entity';
import { bearer, newStaff, newTenant, type NewUser } from '../factories/user.factory';
import { channelFor, connectBot } from '../helpers/bot-world';
import { fieldPart, type RawPart } from '../helpers/raw-http';
import { startTestAppWithSandbox, type SandboxTestApp } from '../helpers/test-app';
import { channelWithPosts, connectAccount, newSandboxUser } from '../user-mtproto-kit';
import { contractViolation, NoAnswerError, rawSend, send, type FuzzResponse } from './fuzz-http';
import { operationUploads, UPLOAD_MODES, uploadArbitraries, type UploadCase, type UploadMode } from './multipart-fuzz';
import {
  caseArbitrary,
  corpusCases,
  operations,
  probeCase,
  type FuzzCase,
  type IdPools,
  type OpenApiDocument,
  type Operation,
} from './openapi-fuzz';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const UPLOAD_RUNS = Number(process.env.FUZZ_UPLOAD_RUNS ?? 4);
/** Upload cases per mode; the hostile values and odd filenames get more (they are cheap). */
const uploadRuns = (mode: UploadMode): number =>
  mode === 'hostile-field' || mode === 'odd-filename' ? UPLOAD_RUNS * 2 : UPLOAD_RUNS;

const doc = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8')) as OpenApiDocument;
const OPS = operations(doc);

/**
 * Reads first, then writes, then what takes the caller's data away (deletes, disconnects,
 * logout), so the data the other operations work on is still there when they run.
 */
const destructive = (op: Operation): boolean => op.method === 'DELETE' || /\/(disconnect|remove|logout)$/.test(op.path);
const rank = (op: Operation): number => (destructive(op) ? 2 : op.method === 'GET' ? 0 : 1);
/** FUZZ_OPS (a regular expression on "METHOD /path") narrows a run to some operations, to reproduce one. */
const ONLY = process.env.FUZZ_OPS ? new RegExp(process.env.FUZZ_OPS) : undefined;
const ORDERED = [...OPS].filter((op) => !ONLY || ONLY.test(op.key)).sort((a, b) => rank(a) - rank(b));

/** A stable 32-bit seed per persona and operation, so adding a route changes no other's cases. */
function seedFor(...parts: string[]): number {
  let h = SEED | 0;
  for (const ch of parts.join('|')) h = (Math.imul(h ^ ch.charCodeAt(0), 0x01000193) + 0x9e3779b9) | 0;
  return h;
}

const clip = (s: string | undefined, max = 600): string | undefined =>
  s === undefined || s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars in all)`;

function report(persona: string, op: string, c: unknown, res: FuzzResponse | null, why: string): string {
  return JSON.stringify(
    {
      failure: why,
      persona,
      operation: op,
      request: c,
      response: res && { ...res, body: clip(JSON.stringify(res.body)) },
    },
    null,
    2,
  );
}

/**
 * Runs the checks of one test, going on past a failure so one run lists every broken case
 * (each corpus case, and the first failing random case with its fast-check seed and path).
 */
async function collecting(run: (attempt: (f: () => Promise<void>) => Promise<void>) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  const attempt = async (f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (err) {
      failures.push((err as Error).message);
    }
  };
  await run(attempt);
  if (failures.length) throw new Error(`${failures.length} failing case(s):\n\n${failures.join('\n\n')}`);
}

/** Corpus cases in flight at once: each is independent of the others, and most are refused at validation. */
const SWEEP_PARALLEL = 4;

async function inParallel<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  // One iterator shared by every lane: each takes the next item not yet taken.
  const queue = items.values();
  const lane = async (): Promise<void> => {
    for (const item of queue) await run(item);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

/** Operations whose corpus sweep ran. */
const swept = new Set<string>();

const stats = {
  operations: new Set<string>(),
  cases: 0,
  byPersona: {} as Record<string, number>,
  uploads: 0,
  botApiUploads: 0,
  statuses: {} as Record<string, number>,
};

/** Per operation: statuses seen and the slowest answer (FUZZ_VERBOSE=1 prints them). */
const perOp: Record<string, { statuses: Record<string, number>; slowestMs: number }> = {};

const count = (persona: string, status: number | 'aborted', op?: string, ms?: number): void => {
  if (op) {
    const o = (perOp[`${persona} ${op}`] ??= { statuses: {}, slowestMs: 0 });
    o.statuses[String(status)] = (o.statuses[String(status)] ?? 0) + 1;
    o.slowestMs = Math.max(o.slowestMs, ms ?? 0);
  }
  stats.cases += 1;
  stats.byPersona[persona] = (stats.byPersona[persona] ?? 0) + 1;
  const k = String(status);
  stats.statuses[k] = (stats.statuses[k] ?? 0) + 1;
};

/** Every Bot API method that takes a file, as Telegram lists them; the sandbox implements some. */
const BOT_API_UPLOAD_METHODS: { method: string; field: string }[] = [
  { method: 'sendDocument', field: 'document' },
  { method: 'sendPhoto', field: 'photo' },
  { method: 'sendVideo', field: 'video' },
  { method: 'sendAudio', field: 'audio' },
  { method: 'sendAnimation', field: 'animation' },
  { method: 'sendVoice', field: 'voice' },
  { method: 'sendVideoNote', field: 'video_note' },
  { method: 'sendSticker', field: 'sticker' },
  { method: 'sendMediaGroup', field: 'file0' },
  { method: 'setChatPhoto', field: 'photo' },
];

describe(`API fuzz driven by openapi.json (seed ${SEED})`, () => {
  let t: SandboxTestApp;
  let tenant: { headers: Record<string, string>; id: string };
  let staff: NewUser;
  /** A tenant the fuzzing never touches, for the health checks. */
  let witness: NewUser;
  let botToken: string;
  let botChatId: number;
  /** Channels the tenant's bot posts to, for the upload cases. */
  let uploadChannels: string[];
  const pools: Record<'anonymous' | 'tenant' | 'staff', IdPools> = {
    anonymous: { bySegment: {}, own: [], foreign: [] },
    tenant: { bySegment: {}, own: [], foreign: [] },
    staff: { bySegment: {}, own: [], foreign: [] },
  };
  const headersOf = (persona: keyof typeof pools): Record<string, string> =>
    persona === 'anonymous' ? {} : persona === 'tenant' ? tenant.headers : staff.headers;

  beforeAll(async () => {
    // Long polls of GET /api/events answer within the request timeout.
    t = await startTestAppWithSandbox({ env: { EVENTS_WAIT_MAX_SECONDS: '2' } });
    // The tenant registers through the API, connects a bot, a channel, a post, a file and a Telegram account.
    const reg = await request(t.url)
      .post('/api/auth/register')
      .send({ email: `fuzz-${Date.now()}@example.test`, password: 'fuzz-password-1234' })
      .expect(201);
    const headers = bearer(reg.body.access_token);
    const me = await request(t.url).get('/api/me').set(headers).expect(200);
    tenant = { headers, id: me.body.id };
    const bot = await connectBot(t, t.sandbox, headers);
    botToken = bot.token;
    const channel = await channelFor(t, t.sandbox, headers, bot.id);
    botChatId = channel.telegramId;
    const post = await request(t.url)
      .post(`/api/channels/${channel.id}/posts`)
      .set(headers)
      .send({ idempotency_key: 'fuzz-seed-post', text: 'hello' })
      .expect(201);
    const file = await request(t.url)
      .post(`/api/channels/${channel.id}/files`)
      .set(headers)
      .attach('file', Buffer.from('fuzz file'), { filename: 'fuzz.txt', contentType: 'text/plain' })
      .expect(201);
    const account = await newSandboxUser(t.sandbox);
    await connectAccount(t, t.sandbox, { headers } as NewUser, account);
    const readable = await channelWithPosts(t, t.sandbox, { headers } as NewUser, account, ['one', 'two', 'three']);

    // Another tenant's real ids are the bad ids a tenant is most tempted to try.
    const other = await newTenant(t);
    const otherBot = await connectBot(t, t.sandbox, other.headers);
    const otherChannel = await channelFor(t, t.sandbox, other.headers, otherBot.id);
    const otherPost = await request(t.url)
      .post(`/api/channels/${otherChannel.id}/posts`)
      .set(other.headers)
      .send({ idempotency_key: 'other-post', text: 'theirs' })
      .expect(201);
    const otherFile = await request(t.url)
      .post(`/api/channels/${otherChannel.id}/files`)
      .set(other.headers)
      .attach('file', Buffer.from('theirs'), { filename: 'theirs.txt', contentType: 'text/plain' })
      .expect(201);
    staff = await newStaff(t, UserRole.Admin);
    witness = await newTenant(t);
    uploadChannels = [channel.id];
    for (let i = 0; i < 3; i++) uploadChannels.push((await channelFor(t, t.sandbox, headers, bot.id)).id);

    const queues = Object.values(QueueName) as string[];
    pools.tenant = {
      bySegment: {
        channels: [channel.id, readable.id],
        posts: [post.body.id],
        files: [file.body.id],
        tenants: [tenant.id],
        queues,
      },
      own: [channel.id, readable.id, post.body.id, file.body.id],
      foreign: [otherChannel.id, otherPost.body.id, otherFile.body.id, other.user.id, staff.user.id],
    };
    pools.staff = {
      bySegment: { tenants: [tenant.id, other.user.id], queues, jobs: ['1', 'repeat:x:1'] },
      own: [tenant.id, other.user.id],
      foreign: [staff.user.id, channel.id, post.body.id],
    };
    pools.anonymous = { bySegment: pools.tenant.bySegment, own: pools.tenant.own, foreign: pools.tenant.foreign };
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    const lines = [
      `API fuzz: seed ${SEED}, FUZZ_RUNS ${RUNS}`,
      `  operations covered: ${stats.operations.size} of ${OPS.length} in openapi.json`,
      `  cases run: ${stats.cases} (${Object.entries(stats.byPersona)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), of which ${stats.uploads} multipart uploads and ${stats.botApiUploads} sandbox Bot API uploads`,
      `  statuses: ${Object.entries(stats.statuses)
        .sort()
        .map(([k, v]) => `${k}×${v}`)
        .join(' ')}`,
    ];
    if (process.env.FUZZ_VERBOSE) {
      for (const [key, o] of Object.entries(perOp).sort()) {
        lines.push(`  ${key}: ${JSON.stringify(o.statuses)}, slowest ${o.slowestMs} ms`);
      }
    }
    process.stdout.write(`\n${lines.join('\n')}\n`);
  });

  /** The same process still serves: liveness, and a normal authenticated call of a tenant the fuzz never touched. */
  async function stillServing(after: string): Promise<void> {
    const live = await fetch(`${t.url}/health/live`, { signal: AbortSignal.timeout(10_000) }).catch((e: Error) => e);
    const me = await fetch(`${t.url}/api/me`, { headers: witness.headers, signal: AbortSignal.timeout(10_000) }).catch(
      (e: Error) => e,
    );
    const bad = [live, me].find((r) => r instanceof Error || r.status !== 200);
    if (bad)
      throw new Error(`the process stopped serving after ${after}: ${bad instanceof Error ? bad.message : bad.status}`);
  }

  async function check(persona: string, op: Operation, c: FuzzCase): Promise<void> {
    let res: FuzzResponse;
    const started = Date.now();
    try {
      res = await send(t.url, c, headersOf(persona as keyof typeof pools));
    } catch (err) {
      const why = err instanceof NoAnswerError ? err.message : `request failed: ${(err as Error).message}`;
      throw new Error(report(persona, op.key, { ...c, body: clip(c.body) }, null, why));
    }
    count(persona, res.status, op.key, Date.now() - started);
    const why = contractViolation(res);
    if (why) throw new Error(report(persona, op.key, { ...c, body: clip(c.body) }, res, why));
  }

  const UPLOAD_OPS = OPS.filter((op) => op.multipart);

  it('finds the upload routes in the document', () => {
    expect(UPLOAD_OPS.map((op) => op.key)).toEqual(
      expect.arrayContaining(['POST /api/channels/{id}/files', 'POST /api/channels/{id}/posts']),
    );
  });

  async function upload(
    persona: string,
    label: string,
    baseUrl: string,
    path: string,
    headers: Record<string, string>,
    u: UploadCase,
    errorShape: (res: FuzzResponse) => string | null,
  ): Promise<void> {
    const described = { path, mode: u.mode, note: u.note, contentLength: u.contentLength, sendBytes: u.sendBytes };
    let res: FuzzResponse | null;
    try {
      res = await rawSend(baseUrl, {
        method: 'POST',
        path,
        headers,
        body: u.body.subarray(0, u.sendBytes),
        contentLength: u.contentLength,
        abort: u.mode === 'aborted',
      });
    } catch (err) {
      throw new Error(report(persona, label, described, null, (err as Error).message));
    }
    count(persona, res ? res.status : 'aborted');
    if (res) {
      const why =
        errorShape(res) ?? (u.mode === 'truncated' && res.status < 400 ? 'a truncated form was accepted' : null);
      if (why) throw new Error(report(persona, label, described, res, why));
    }
    await stillServing(`${label} (${u.mode}: ${u.note})`);
  }

  describe('uploads', () => {
    const uploadCases = (['tenant', 'anonymous'] as const).flatMap((persona) =>
      UPLOAD_OPS.map((op) => [persona, op.key, op] as const),
    );
    it.each(uploadCases)(
      'as %s, %s: complete, truncated, aborted and odd multipart bodies',
      async (persona, _key, op) => {
        // Uploads that succeed are sent to Telegram, about one a second per chat: they take turns
        // over channels of their own so the chat limit does not set the pace.
        let turn = 0;
        const nextPath = (): string => {
          turn += 1;
          return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
            const segment = op.path.split('/')[op.path.split('/').indexOf(`{${name}}`) - 1] ?? '';
            const ids = segment === 'channels' ? uploadChannels : (pools.tenant.bySegment[segment] ?? pools.tenant.own);
            return String(ids[turn % ids.length]);
          });
        };
        const arbs = operationUploads(doc, op);
        await collecting(async (attempt) => {
          for (const mode of UPLOAD_MODES) {
            await attempt(() =>
              fc.assert(
                fc.asyncProperty(arbs[mode], async (u) => {
                  stats.uploads += 1;
                  await upload(persona, op.key, t.url, nextPath(), headersOf(persona), u, contractViolation);
                }),
                { seed: seedFor('upload', persona, op.key, mode), numRuns: uploadRuns(mode), endOnFailure: true },
              ),
            );
          }
        });
      },
      180_000,
    );

    it.each(BOT_API_UPLOAD_METHODS.map((m) => [m.method, m] as const))(
      'sandbox Bot API %s: complete, truncated, aborted and odd multipart bodies',
      async (_name, { method, field }) => {
        const botApiShape = (res: FuzzResponse): string | null => {
          if (res.status >= 500) return `server error ${res.status}`;
          if (res.status < 400) return null;
          const b = res.body as { ok?: unknown; error_code?: unknown; description?: unknown };
          return b && b.ok === false && b.error_code === res.status && typeof b.description === 'string'
            ? null
            : 'error is not a Bot API error object';
        };
        const fields = fc.constant<RawPart[]>([fieldPart('chat_id', String(botChatId))]);
        const sandboxUrl = t.sandbox.httpUrl;
        const arbs = uploadArbitraries(fields, [field]);
        await collecting(async (attempt) => {
          for (const mode of UPLOAD_MODES) {
            await attempt(() =>
              fc.assert(
                fc.asyncProperty(arbs[mode], async (u) => {
                  stats.botApiUploads += 1;
                  await upload('bot', `Bot API ${method}`, sandboxUrl, `/bot${botToken}/${method}`, {}, u, botApiShape);
                  const me = await fetch(`${sandboxUrl}/bot${botToken}/getMe`, { signal: AbortSignal.timeout(10_000) });
                  if (me.status !== 200) {
                    throw new Error(`the sandbox stopped answering getMe after ${method} (${u.mode}: ${u.note})`);
                  }
                }),
                {
                  seed: seedFor('bot-api', method, mode),
                  numRuns: Math.max(1, Math.ceil(uploadRuns(mode) / 2)),
                  endOnFailure: true,
                },
              ),
            );
          }
        });
      },
      180_000,
    );
  });

  describe.each(['anonymous', 'tenant', 'staff'] as const)('as %s', (persona) => {
    it.each(ORDERED.map((op) => [op.key, op] as const))(
      '%s',
      async (_key, op) => {
        stats.operations.add(op.key);
        await collecting(async (attempt) => {
          // The corpus is swept once per operation, by the first caller (anonymous, tenant, staff)
          // that gets past its guards (401/403 come before any input is looked at); random
          // cases, hostile ones included, run for every caller.
          if (!swept.has(op.key)) {
            const probe = await send(t.url, probeCase(op, pools[persona]), headersOf(persona)).catch(() => undefined);
            if (probe?.status !== 401 && probe?.status !== 403) {
              swept.add(op.key);
              await inParallel(corpusCases(doc, op, pools[persona]), SWEEP_PARALLEL, (c) =>
                attempt(() => check(persona, op, c)),
              );
            }
          }
          await attempt(() =>
            fc.assert(
              fc.asyncProperty(caseArbitrary(doc, op, pools[persona]), (c) => check(persona, op, c)),
              { seed: seedFor(persona, op.key), numRuns: RUNS, endOnFailure: true },
            ),
          );
          await attempt(() => stillServing(`${persona} ${op.key}`));
        });
      },
      180_000,
    );
  });

  it('covered every operation of the document and still serves', async () => {
    expect([...stats.operations].sort()).toEqual(ORDERED.map((op) => op.key).sort());
    await stillServing('the whole run');
  });
});
