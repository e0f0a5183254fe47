// The few browser globals used inside page.evaluate(): that code runs in the page, but is type-checked here
// with the server's Node settings, which have no DOM library (adding it breaks server typings).
declare const sessionStorage: {
  readonly length: number;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};
declare const document: {
  readonly activeElement: { readonly textContent: string | null } | null;
  readonly documentElement: { readonly scrollWidth: number };
};
declare const window: { readonly innerWidth: number };
