import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
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
 * Serves the admin console at /admin: static files, and index.html for the
 * console's own deep links (/admin/tenants/…) so a reload works.
 */
export function mountAdminConsole(app: NestExpressApplication, dir: string): void {
  const index = path.join(dir, 'index.html');
  app.use('/admin', express.static(dir, { index: false, maxAge: '1h', fallthrough: true }));
  app.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing asset is a 404, not the page.
    if (path.extname(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
