// `npm test`: install if needed, then lint, type checks and every test (server and console).
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ROOT,
  SERVER,
  ensureChromium,
  ensureInstalled,
  ensureServices,
  ensureTelethon,
  log,
  run,
} from './bootstrap.mjs';

ensureInstalled();
ensureChromium();
ensureTelethon();
await ensureServices(process.env.TEST_DATABASE_URL, process.env.TEST_REDIS_URL);

const results = [];
const step = (name, cmd, args, opts) => {
  log(`${name}…`);
  const started = Date.now();
  const status = run(cmd, args, opts);
  results.push({ name, ok: status === 0, seconds: Math.round((Date.now() - started) / 1000) });
  return status === 0;
};

const env = { NG_CLI_ANALYTICS: 'false', CI: process.env.CI ?? 'true' };
step('Lint (server)', 'npx', ['eslint', '--max-warnings', '0', 'src', 'test'], { cwd: SERVER });
// The migrations sit in the repository's root, outside the server's ESLint base path: run from the root
// with the server's config (its tsconfig includes them), so they are linted like the server's sources.
step('Lint (migrations)', 'npx', [
  'eslint',
  '--config',
  'server/eslint.config.mjs',
  '--max-warnings',
  '0',
  'migrations',
]);
step('Lint (admin console)', 'npm', ['run', 'lint', '-w', 'admin-console'], { env });
step('Format (prettier --check)', 'npx', [
  'prettier',
  '--check',
  '--log-level',
  'warn',
  'server/src',
  'server/test',
  'server/bench',
  'server/scripts',
  'migrations',
  'admin-console/src',
  'admin-console/e2e',
]);
step('Type check (server)', 'npx', ['tsc', '-p', 'tsconfig.json'], { cwd: SERVER });
// Built before Jest: its e2e project (admin-console/e2e) drives this build in Chromium through the real server.
step('Admin console build', 'npm', ['run', 'build', '-w', 'admin-console'], { env });
const jestJson = path.join(tmpdir(), `tenantgram-jest-${process.pid}.json`);
step('Server tests (unit + integration)', 'npx', ['jest', '--json', `--outputFile=${jestJson}`], { cwd: SERVER });
step('Admin console tests', 'npm', ['test', '-w', 'admin-console'], { env });

let passed = 0;
let failed = 0;
// Each failing test by file and name, with the first lines of its message: the summary is the part of a
// long log that is always read, so a failure must be identifiable from it alone.
const failures = [];
try {
  const report = JSON.parse(readFileSync(jestJson, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  for (const file of report.testResults) {
    const where = path.relative(ROOT, file.name);
    const failedTests = file.assertionResults.filter((t) => t.status === 'failed');
    for (const t of failedTests) failures.push({ where, name: t.fullName, message: t.failureMessages.join('\n') });
    // A spec file that fails outside any test (a hook, a syntax error, an open handle) has no failed test.
    if (file.status === 'failed' && failedTests.length === 0) {
      failures.push({ where, name: '(the file itself)', message: file.message });
    }
  }
  rmSync(jestJson, { force: true });
} catch {
  failed += 1;
}
// Failing tests first, then the step table and the totals: the end of a long log is the part always read.
// The first failures say what broke; a wall of the same error would push the table off the screen.
const SHOWN = 20;
for (const f of failures.slice(0, SHOWN)) {
  // Jest's messages carry colour codes and long stacks: keep the words and the first frames.
  const plain = f.message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const excerpt = plain.slice(0, 8).map((l) => `  ${l}`);
  process.stdout.write(`\nFAIL ${f.where} › ${f.name}\n${excerpt.join('\n')}\n`);
}
if (failures.length > SHOWN) process.stdout.write(`\n… and ${failures.length - SHOWN} more failing tests.\n`);
process.stdout.write('\n');
for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds}s)\n`);
const stepFailures = results.filter((r) => !r.ok).length;
process.stdout.write(`\nServer tests: ${passed} passed, ${failed} failed\n`);
if (stepFailures > 0) process.stdout.write(`${stepFailures} step(s) failed.\n`);
process.exit(stepFailures > 0 ? 1 : 0);
