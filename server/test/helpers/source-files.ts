import * as fs from 'node:fs';
import * as path from 'node:path';

/** The product's source files below `dir` (TypeScript unless other extensions are given): no specs, and never the sandbox (a fake Telegram, not the product). */
export function productSourceFiles(dir: string, extensions: readonly string[] = ['.ts']): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'sandbox' ? [] : productSourceFiles(full, extensions);
    return extensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}
