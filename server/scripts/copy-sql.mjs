// The build's second step: tsc emits only JavaScript, and the SQL functions' sources (beside the code
// that calls them) and their frozen versions (beside the migrations) are read at run time, so they go
// into dist/ at the same places relative to the compiled code. Node's own cpSync does the copying.
import { cpSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.dirname(SERVER);
// Another output directory may be named (a test builds into a temporary one).
const DIST = path.resolve(process.argv[2] ?? path.join(SERVER, 'dist'));
const onlySql = (p) => statSync(p).isDirectory() || p.endsWith('.sql');

for (const [from, to] of [
  [path.join(SERVER, 'src'), path.join(DIST, 'server', 'src')],
  [path.join(ROOT, 'migrations'), path.join(DIST, 'migrations')],
]) {
  cpSync(from, to, { recursive: true, filter: onlySql });
}
