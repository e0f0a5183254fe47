import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { Router, provideRouter } from '@angular/router';

import { TokenPairDto } from '../../core/api/api.generated';
import { TENANT_REFUSED_MESSAGE } from '../../core/auth/session';
import { Login } from './login';

const tokens: TokenPairDto = {
  access_token: 'access-1',
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: 'refresh-1',
  refresh_expires_in: 86400,
};

describe('Login', () => {
  let fixture: ComponentFixture<Login>;
  let http: HttpTestingController;

  beforeEach(async () => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(Login);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function signIn(email: string): Promise<void> {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    await (await loader.getHarness(MatInputHarness.with({ selector: '[type=email]' }))).setValue(email);
    await (await loader.getHarness(MatInputHarness.with({ selector: '[type=password]' }))).setValue('a-password-1');
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Sign in' }))).click();
  }

  const flush = async (url: string, body: object, status = 200): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve));
    http.expectOne(url).flush(body, { status, statusText: String(status) });
  };

  it('refuses a tenant account with a clear message and signs it out again', async () => {
    await signIn('ops@acme.example');
    await flush('/api/auth/login', tokens);
    await flush('/api/me', { id: 't1', role: 'tenant', status: 'active', created_at: '2026-11-01T00:00:00Z' });
    await new Promise((resolve) => setTimeout(resolve));
    const logout = http.expectOne('/api/auth/logout');
    expect(logout.request.body).toEqual({ refresh_token: 'refresh-1' });
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();

    const problem = (fixture.nativeElement as HTMLElement).querySelector('[role="alert"]');
    expect(problem?.textContent?.trim()).toBe(TENANT_REFUSED_MESSAGE);
    expect(sessionStorage.length).toBe(0);
  });

  it('signs support staff in and opens the overview', async () => {
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    await signIn('dana@support.example');
    await flush('/api/auth/login', tokens);
    await flush('/api/me', {
      id: 's1',
      email: 'dana@support.example',
      role: 'support',
      status: 'active',
      created_at: '2026-11-01T00:00:00Z',
    });
    await fixture.whenStable();
    await new Promise((resolve) => setTimeout(resolve));
    expect(navigate).toHaveBeenCalledWith('/overview');
  });

  it("shows the API's message for a wrong password", async () => {
    await signIn('dana@support.example');
    await flush(
      '/api/auth/login',
      { error: { code: 'INVALID_CREDENTIALS', message: 'The email or password is wrong.' } },
      401,
    );
    await fixture.whenStable();
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[role="alert"]')?.textContent?.trim()).toBe(
      'The email or password is wrong.',
    );
  });
});
