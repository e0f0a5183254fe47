import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * gramjs stays behind three files: the session adapter, its error mapping and the client factory.
 * A gramjs upgrade or fork then touches only them; everything else sees plain values and
 * TelegramCallError. The sandbox (a Telegram of its own, speaking the same TL) is not product code.
 */
const ALLOWED = new Set([
  'modules/user-mtproto/telegram-user-session.ts',
  'modules/user-mtproto/telegram-errors.ts',
  'modules/user-mtproto/telegram-errors.spec.ts',
  'modules/user-mtproto/mtproto-client.factory.ts',
  'modules/user-mtproto/mtproto-client.factory.spec.ts',
]);
const SRC = join(__dirname, '..', '..');
const GRAMJS = /(?:from\s+|import\(|require\()\s*['"]telegram(?:\/[^'"]*)?['"]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'sandbox' && dir === SRC ? [] : sources(path);
    return d.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the gramjs boundary', () => {
  it('imports gramjs only in the session adapter, its error mapping and the client factory', () => {
    const importing = sources(SRC)
      .filter((file) => GRAMJS.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file).split('\\').join('/'));
    expect(importing.filter((file) => !ALLOWED.has(file))).toEqual([]);
    expect(importing.length).toBeGreaterThan(0);
  });
});
