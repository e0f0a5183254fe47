#!/usr/bin/env node
// Data files the compiled server reads beside its modules (tsc copies only .ts output): the sandbox's TL layer schemas.
import { cpSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
for (const dir of ['src/sandbox/mtproto/tl-layers']) {
  cpSync(path.join(root, dir), path.join(root, 'dist/server', dir), { recursive: true });
}
