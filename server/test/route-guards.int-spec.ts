import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { IS_PUBLIC, Public } from '../src/common/http/public.decorator';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CryptoService } from '../src/modules/crypto/crypto.service';
import { WebhooksService } from '../src/modules/webhooks/webhooks.service';
import { UserRole } from '../src/modules/tenants/user.entity';
import { startTestApp, TestApp } from './helpers/test-app';
import { newStaff, newTenant, NewUser } from './factories/user.factory';
import { newChannel } from './factories/channel.factory';
import { newFile } from './factories/file.factory';
import { newPost } from './factories/post.factory';
import { present } from './helpers/present';

/**
 * Every route the app serves, read from the router itself. Each one is either
 * on this list of deliberately public routes or answers 401 without a token.
 * Adding a public route means adding it here, in review.
 */
const PUBLIC_ROUTES = new Set([
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/telegram-webapp',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  // Telegram's deliveries: authenticated by the per-bot secret header instead of a JWT.
  'POST /telegram/webhook/:bot_id',
  'POST /telegram/system-webhook',
]);
/** The generated API documentation (served by Swagger) and the admin console's files, outside Nest's controllers. */
const PUBLIC_PREFIXES = ['/api/docs', '/admin'];

/** Guarded routes that staff reach besides /api/admin. */
const STAFF_ALSO = new Set(['GET /api/me']);

/**
 * For each route that takes an id: how to make tenant A's object and which id
 * to put in the path. A new route with an id fails the test until it is here.
 */
type Fixture = (owner: NewUser) => Promise<string>;
const ownChannel: Fixture = async (owner) => (await newChannel(t, owner.user.id)).id;
const ownWebhookEndpoint: Fixture = async (owner) =>
  (await t.app.get(WebhooksService).create(owner.user.id, { url: 'http://127.0.0.1:9/hook' }, systemActor())).id;
/** A finished QR login of the owner (its pending session already emptied, as the product leaves it). */
const ownQrLogin: Fixture = (owner) =>
  t.app.get(DataSource).transaction(async (em) => {
    await em.query(`SELECT set_config('app.user_id', $1, true)`, [owner.user.id]);
    const sealed = t.app
      .get(CryptoService)
      .encrypt('', { tenantId: owner.user.id, table: 'mtproto_logins', column: 'pending_session' });
    const rows: { id: string }[] = await em.query(
      `INSERT INTO mtproto_logins (user_id, flow, pending_session, state, expires_at)
       VALUES ($1, 'qr', $2, 'done', now() + interval '1 hour') RETURNING id`,
      [owner.user.id, sealed],
    );
    return present(rows[0], 'the inserted login').id;
  });
const OWNED_OBJECTS: Record<string, Fixture> = {
  '/api/channels/:id': ownChannel,
  '/api/channels/:id/history': ownChannel,
  '/api/user-mtproto/qr/:login_id': ownQrLogin,
  '/api/user-mtproto/qr/:login_id/password': ownQrLogin,
  '/api/channels/:id/admin-status': ownChannel,
  '/api/channels/:id/posts': ownChannel,
  '/api/channels/:id/files': ownChannel,
  '/api/channels/:id/stats': ownChannel,
  '/api/channels/:id/stats/posts': ownChannel,
  '/api/channels/:id/stats/hours': ownChannel,
  '/api/channels/:id/messages/:message_id/stats': ownChannel,
  '/api/channels/:id/stats/refresh': ownChannel,
  '/api/channels/:id/stats/collection': ownChannel,
  '/api/channels/:id/join': ownChannel,
  '/api/channels/:id/leave': ownChannel,
  '/api/posts/:id/stats': async (owner) => {
    const channel = await newChannel(t, owner.user.id);
    return (await newPost(t, owner.user.id, channel.id, { text: 'fixture' })).id;
  },
  '/api/posts/:id': async (owner) => {
    const channel = await newChannel(t, owner.user.id);
    return (await newPost(t, owner.user.id, channel.id, { text: 'fixture' })).id;
  },
  '/api/webhook-endpoints/:id': ownWebhookEndpoint,
  '/api/webhook-endpoints/:id/rotate-secret': ownWebhookEndpoint,
  '/api/webhook-endpoints/:id/test': ownWebhookEndpoint,
  '/api/webhook-endpoints/:id/deliveries': ownWebhookEndpoint,
  '/api/webhook-endpoints/:id/replay': ownWebhookEndpoint,
  '/api/files/:id/download': async (owner) => {
    const channel = await newChannel(t, owner.user.id);
    return (await newFile(t, owner.user.id, { channelId: channel.id })).id;
  },
};

/**
 * Routes whose owner call needs more than an empty body and no Telegram (a
 * connected bot, a file part): the owner must get past ownership (not 404),
 * though the route itself may then refuse the empty call.
 */
const OWNER_NEEDS_MORE = new Set([
  // Needs a connected Telegram account (MTPROTO_NOT_CONFIGURED otherwise).
  'GET /api/channels/:id/history',
  // Needs a password in the body.
  'POST /api/user-mtproto/qr/:login_id/password',
  'POST /api/channels/:id/admin-status',
  'POST /api/channels/:id/posts',
  'POST /api/channels/:id/files',
  'GET /api/files/:id/download',
  // The fixture puts the channel's uuid in message_id too, which is no message id.
  'GET /api/channels/:id/messages/:message_id/stats',
  // Need a connected Telegram account (or, for a refresh, a bot that sees the channel).
  'POST /api/channels/:id/join',
  'POST /api/channels/:id/leave',
  'POST /api/channels/:id/stats/refresh',
  // Needs from_event_id in the body.
  'POST /api/webhook-endpoints/:id/replay',
]);

interface Route {
  method: string;
  path: string;
}

let t: TestApp;

/**
 * Every route as the router registers it (Fastify's onRoute hook, set before the app listens), HEAD
 * routes the router adds for each GET aside. Read back once the app listens.
 */
function recordRoutes(app: NestFastifyApplication): Route[] {
  const out: Route[] = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') out.push({ method, path: route.url });
    });
  return out;
}

const key = (r: Route): string => `${r.method} ${r.path}`;
const isPublicRoute = (r: Route): boolean =>
  PUBLIC_ROUTES.has(key(r)) || PUBLIC_PREFIXES.some((p) => r.path.startsWith(p));
const withIds = (path: string, id: string): string => path.replace(/:[A-Za-z_]+/g, id);

function send(method: string, url: string): request.Test {
  const agent = request(t.url);
  switch (method) {
    case 'GET':
      return agent.get(url);
    case 'POST':
      return agent.post(url).send({});
    case 'PUT':
      return agent.put(url).send({});
    case 'PATCH':
      return agent.patch(url).send({});
    case 'DELETE':
      return agent.delete(url);
    default:
      throw new Error(`No request helper for ${method}`);
  }
}

/** `@Public()` handlers as Nest sees them, as "METHOD /path". */
function publicHandlers(app: INestApplication): string[] {
  const found: string[] = [];
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const ctrl = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
      if (!ctrl) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, ctrl) ?? '');
      const proto = ctrl.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (sub === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const isPublic = Boolean(Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, ctrl));
        if (!isPublic) continue;
        const path = `/${[base, sub]
          .map((p) => p.replace(/^\/|\/$/g, ''))
          .filter(Boolean)
          .join('/')}`;
        found.push(`${method} ${path}`);
      }
    }
  }
  return found;
}

/** Problems with public markers: a handler marked public but not listed, or listed but not marked. */
function publicMarkerProblems(app: INestApplication): string[] {
  const marked = publicHandlers(app);
  return [
    ...marked.filter((r) => !PUBLIC_ROUTES.has(r)).map((r) => `${r} is @Public() but not in PUBLIC_ROUTES`),
    ...[...PUBLIC_ROUTES].filter((r) => !marked.includes(r)).map((r) => `${r} is listed but not @Public()`),
  ];
}

/** Routes that are not public yet answer something other than 401 UNAUTHORIZED without a token. */
async function openRoutes(routes: Route[]): Promise<string[]> {
  const open: string[] = [];
  for (const route of routes.filter((r) => !isPublicRoute(r))) {
    const res = await send(route.method, withIds(route.path, randomUUID()));
    if (res.status !== 401 || res.body?.error?.code !== 'UNAUTHORIZED') open.push(`${key(route)} -> ${res.status}`);
  }
  return open;
}

describe('every route is guarded or explicitly public', () => {
  let routes: Route[];
  beforeAll(async () => {
    t = await startTestApp({ beforeListen: (app) => void (routes = recordRoutes(app)) });
  });
  afterAll(async () => t?.close());

  it('finds the routes of the app in its router', () => {
    expect(routes.map(key)).toEqual(
      expect.arrayContaining(['GET /api/channels/:id', 'GET /api/admin/tenants', 'POST /api/auth/login']),
    );
  });

  it('marks exactly the listed routes @Public()', () => {
    expect(publicMarkerProblems(t.app)).toEqual([]);
  });

  it('answers 401 without a token on every route that is not public', async () => {
    expect(await openRoutes(routes)).toEqual([]);
  });

  it('answers 403 to a tenant on every /api/admin route and to support staff on every tenant route', async () => {
    const tenant = await newTenant(t);
    const support = await newStaff(t, UserRole.Support);
    const wrong: string[] = [];
    for (const route of routes.filter((r) => !isPublicRoute(r))) {
      const url = withIds(route.path, randomUUID());
      if (route.path.startsWith('/api/admin')) {
        const res = await send(route.method, url).set(tenant.headers);
        if (res.status !== 403) wrong.push(`tenant ${key(route)} -> ${res.status}`);
      } else if (!STAFF_ALSO.has(key(route))) {
        const res = await send(route.method, url).set(support.headers);
        if (res.status !== 403) wrong.push(`support ${key(route)} -> ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("answers 404 to tenant B on tenant A's object, exactly as for a missing id, on every tenant route with an id", async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    const withParams = routes.filter(
      (r) => !isPublicRoute(r) && !r.path.startsWith('/api/admin') && /:[A-Za-z_]+/.test(r.path),
    );
    expect(withParams.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const route of withParams) {
      const fixture = OWNED_OBJECTS[route.path];
      if (!fixture) {
        problems.push(`${key(route)} has no fixture in OWNED_OBJECTS`);
        continue;
      }
      const owned = await fixture(a);
      const missing = randomUUID();
      const foreign = await send(route.method, withIds(route.path, owned)).set(b.headers);
      const absent = await send(route.method, withIds(route.path, missing)).set(b.headers);
      if (foreign.status !== 404) problems.push(`${key(route)}: foreign id -> ${foreign.status}`);
      const same =
        JSON.stringify(foreign.body).replaceAll(owned, '<id>') ===
        JSON.stringify(absent.body).replaceAll(missing, '<id>');
      if (!same) problems.push(`${key(route)}: a foreign id answers differently from a missing one`);
      // And the owner does reach it, so the 404 above is about ownership, not a broken fixture.
      const own = await send(route.method, withIds(route.path, owned)).set(a.headers);
      const ownerRefused = OWNER_NEEDS_MORE.has(key(route)) ? own.status === 404 : own.status >= 400;
      if (ownerRefused) problems.push(`${key(route)}: the owner gets ${own.status}`);
    }
    expect(problems).toEqual([]);
  });
});

@Public()
@Controller('api/probe-public')
class UnlistedPublicController {
  @Get()
  hello(): string {
    return 'open';
  }
}

@Module({ controllers: [UnlistedPublicController] })
class UnlistedPublicModule {}

describe('the route checks themselves', () => {
  let routes: Route[];
  beforeAll(async () => {
    t = await startTestApp({
      extraModules: [UnlistedPublicModule],
      beforeListen: (app) => {
        routes = recordRoutes(app);
        // A route on the HTTP server itself, beside Nest's: no guard runs for it.
        app
          .getHttpAdapter()
          .getInstance()
          .get('/api/probe-raw', () => ({ open: true }));
      },
    });
  });
  afterAll(async () => t?.close());

  it('fail for a new @Public() route that is not listed and for a raw route that skips the guards', async () => {
    expect(publicMarkerProblems(t.app)).toEqual(['GET /api/probe-public is @Public() but not in PUBLIC_ROUTES']);
    const open = await openRoutes(routes);
    expect(open).toContain('GET /api/probe-public -> 200');
    expect(open).toContain('GET /api/probe-raw -> 200');
  });
});
