import { TestBed } from '@angular/core/testing';

import { LoginPlaceholder } from './login-placeholder';

describe('LoginPlaceholder', () => {
  it('tells support staff that sign-in arrives with the admin console release', async () => {
    const fixture = TestBed.createComponent(LoginPlaceholder);
    await fixture.whenStable();
    const page = fixture.nativeElement as HTMLElement;

    expect(page.querySelector('h1')?.textContent).toBe('Support sign-in');
    expect(page.querySelector('.message')?.textContent?.trim()).toBe(
      'The support console is on its way: sign-in for support staff arrives with the admin console release.',
    );
  });
});
