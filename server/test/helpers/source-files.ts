import * as fs from 'node:fs';
import * as path from 'node:path';

/** The product's TypeScript files below `dir`: no specs, and never the sandbox (a fake Telegram, not the product). */
export function productSourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'sandbox' ? [] : productSourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}
