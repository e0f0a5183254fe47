import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { Router } from '@angular/router';

import { App } from './app';
import { appConfig } from './app.config';

describe('App', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [App],
      providers: appConfig.providers,
    });
  });

  it('shows the product title in a Material toolbar', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();

    const toolbar = (fixture.nativeElement as HTMLElement).querySelector('mat-toolbar');
    expect(toolbar?.classList).toContain('mat-toolbar');
    expect(toolbar?.textContent?.trim()).toBe('Tenantgram admin');
  });

  it('opens the sign-in page when the console is visited at its root address', async () => {
    const fixture = TestBed.createComponent(App);
    await TestBed.inject(Router).navigateByUrl('/');
    await fixture.whenStable();

    expect(TestBed.inject(Router).url).toBe('/login');
    expect((fixture.nativeElement as HTMLElement).querySelector('main app-login')).not.toBeNull();
  });

  it('names the current page in the browser tab', async () => {
    TestBed.createComponent(App);
    await TestBed.inject(Router).navigateByUrl('/login');

    expect(TestBed.inject(Title).getTitle()).toBe('Sign in · Tenantgram admin');
  });

  it('shows the not-found page for an address the console does not know', async () => {
    const fixture = TestBed.createComponent(App);
    await TestBed.inject(Router).navigateByUrl('/no-such-page');
    await fixture.whenStable();

    expect((fixture.nativeElement as HTMLElement).querySelector('main app-not-found h1')?.textContent).toBe(
      'Page not found',
    );
  });
});
