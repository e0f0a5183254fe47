import type { Page } from 'playwright-core';

/** The support user the browser specs create and sign in as. */
export const SUPPORT_EMAIL = 'dana@support.tenantgram.test';
export const SUPPORT_PASSWORD = 'support-console-pass-1';

/**
 * Signs a staff member in through the console's login form and waits for the page staff land on,
 * so a change of landing page is made here once.
 */
export async function signInAsStaff(
  page: Page,
  baseUrl: string,
  email = SUPPORT_EMAIL,
  password = SUPPORT_PASSWORD,
): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/admin/overview');
}

/** A JSON call to the server as a signed-in user: its status and parsed body (null when empty). */
export function apiCaller(baseUrl: () => string) {
  return async (
    method: string,
    path: string,
    who: { headers: Record<string, string> },
    body?: object,
  ): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { ...who.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
}
