export const PRODUCT_TITLE = 'Tenantgram admin';

/** Browser tab titles read "<page> · Tenantgram admin" so staff can tell open consoles apart. */
export function pageTitle(page: string): string {
  return `${page} · ${PRODUCT_TITLE}`;
}
