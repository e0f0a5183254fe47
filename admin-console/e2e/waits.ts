import type { Locator } from 'playwright-core';

const STEP_MS = 100;

/**
 * Polls `fn` every 100 ms until it holds, `tries` times at most. Playwright's own waits cover the
 * DOM; this covers what the API, the server's workers and a page do after a click.
 */
export async function until(fn: () => Promise<boolean> | boolean, what: string, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, STEP_MS));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function expectTextThat(
  locator: Locator,
  holds: (seen: string) => boolean,
  expected: string,
  timeout: number,
): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (
      await locator
        .first()
        .innerText({ timeout })
        .catch(() => '')
    ).trim();
    if (holds(last)) return;
    await new Promise((r) => setTimeout(r, STEP_MS));
  }
  throw new Error(`expected "${expected}", last saw "${last}"`);
}

/** Waits until the first element's text contains `text`. */
export function expectText(locator: Locator, text: string, timeout = 10_000): Promise<void> {
  return expectTextThat(locator, (seen) => seen.includes(text), text, timeout);
}

/** Waits until the first element's text (trimmed) is exactly `text`. */
export function expectExactText(locator: Locator, text: string, timeout = 10_000): Promise<void> {
  return expectTextThat(locator, (seen) => seen === text, text, timeout);
}
