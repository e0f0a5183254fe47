import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's Chromium, headless. Playwright gives every launch a fresh temporary profile
 * (its own --user-data-dir), removed on close. Nothing reaches the network: the flags turn off
 * the browser's own background traffic.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Where the specs' screenshots go: README's pictures in docs/screenshots when UPDATE_SCREENSHOTS=1, else a
 * temporary directory, so `npm test` takes every screenshot (a page that cannot render still fails) and leaves the
 * work tree as it found it (a pixel of a date or a font's rendering would otherwise change the committed files).
 */
export function screenshotsDir(): string {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1'
      ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
      : path.join(tmpdir(), 'tenantgram-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
