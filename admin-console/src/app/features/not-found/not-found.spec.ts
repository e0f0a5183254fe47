import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';

import { NotFound } from './not-found';

describe('NotFound', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideRouter([{ path: '**', component: NotFound }])],
    });
  });

  it('names the unknown address and links back to sign-in', async () => {
    const harness = await RouterTestingHarness.create('/tenants/42/audit');
    const page = harness.routeNativeElement as HTMLElement;

    expect(page.querySelector('h1')?.textContent).toBe('Page not found');
    expect(page.querySelector('.path')?.textContent).toBe('/tenants/42/audit');
    const link = page.querySelector<HTMLAnchorElement>('a[href]');
    expect(link?.textContent?.trim()).toBe('Go to sign-in');
    expect(link?.getAttribute('href')).toBe('/login');
  });

  it('follows the address when staff move from one unknown page to another', async () => {
    const harness = await RouterTestingHarness.create('/first');
    await harness.navigateByUrl('/second/page');

    expect((harness.routeNativeElement as HTMLElement).querySelector('.path')?.textContent).toBe('/second/page');
  });
});
