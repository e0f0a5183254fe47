#!/usr/bin/env node
// Data files the compiled server reads beside its modules (tsc emits only JavaScript): the sandbox's TL
// layer schemas go into dist/ at the same place relative to the compiled code.
import { cpSync } from 'node:fs';
import path from 'node:path';

const SERVER = path.resolve(import.meta.dirname, '..');
// Another output directory may be named, as for copy-sql.mjs.
const DIST = path.resolve(process.argv[2] ?? path.join(SERVER, 'dist'));
for (const dir of ['src/sandbox/mtproto/tl-layers']) {
  cpSync(path.join(SERVER, dir), path.join(DIST, 'server', dir), { recursive: true });
}
