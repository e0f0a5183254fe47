import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The console's production build, found from the source tree or from the compiled one. */
export function findAdminConsoleDir(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'admin-console', 'dist', 'browser');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/**
 * Serves the admin console at /admin/: its files (one route each, found at start: the build does
 * not change under a running app), and index.html for the console's own deep links
 * (/admin/tenants/…) so a reload works. /admin itself moves to /admin/, where the page's relative
 * asset URLs resolve.
 */
export async function mountAdminConsole(app: NestFastifyApplication, dir: string): Promise<void> {
  // Assets are cached for an hour (their names change with each build); the page is not, so a new build shows at once.
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/admin/',
    wildcard: false,
    index: false,
    globIgnore: ['index.html'],
    maxAge: '1h',
  });
  const page = (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    const rest = request.params['*'] ?? '';
    if (!request.url.startsWith('/admin/')) {
      const query = request.url.indexOf('?');
      return reply.redirect(`/admin/${query >= 0 ? request.url.slice(query) : ''}`, 301);
    }
    // A missing asset is a 404, not the page.
    if (rest !== 'index.html' && path.extname(rest)) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/admin', page);
  fastify.get('/admin/*', page);
}
