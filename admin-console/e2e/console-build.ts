import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const CONSOLE = path.resolve(__dirname, '..');
const REPO = path.resolve(CONSOLE, '..');
const INDEX = path.join(CONSOLE, 'dist', 'browser', 'index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The server serves whatever is in admin-console/dist, so a browser test of an old build would test old
 * code. Builds when the sources are newer than the build (`npm test` builds first, so this is usually a no-op).
 */
export function ensureConsoleBuilt(): void {
  const sources = Math.max(newestMtime(path.join(CONSOLE, 'src')), statSync(path.join(REPO, 'angular.json')).mtimeMs);
  if (existsSync(INDEX) && statSync(INDEX).mtimeMs >= sources) return;
  const result = spawnSync('npm', ['run', 'build', '-w', 'admin-console'], {
    cwd: REPO,
    env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`The admin console build failed:\n${result.stdout}\n${result.stderr}`);
  }
}
