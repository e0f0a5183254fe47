import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { authInterceptor } from './auth.interceptor';

const STORAGE_KEY = 'tenantgram-admin.session';
const me = { id: 's1', email: 'dana@support.example', role: 'support', status: 'active', created_at: '2026-11-01' };

describe('authInterceptor', () => {
  let http: HttpTestingController;
  let client: HttpClient;

  beforeEach(() => {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ accessToken: 'old', refreshToken: 'r1', me }));
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([{ path: 'login', children: [] }]),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    client = TestBed.inject(HttpClient);
  });

  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  it('sends the access token to the API but not to the auth routes', async () => {
    const api = firstValueFrom(client.get('/api/admin/queues'));
    const req = http.expectOne('/api/admin/queues');
    expect(req.request.headers.get('Authorization')).toBe('Bearer old');
    req.flush({});
    await api;

    const login = firstValueFrom(client.post('/api/auth/login', {}));
    const loginReq = http.expectOne('/api/auth/login');
    expect(loginReq.request.headers.has('Authorization')).toBe(false);
    loginReq.flush({});
    await login;
  });

  it('refreshes once on 401 and repeats the call with the new token, for every waiting call', async () => {
    const a = firstValueFrom(client.get('/api/admin/tenants'));
    const b = firstValueFrom(client.get('/api/admin/queues'));
    http.expectOne('/api/admin/tenants').flush({}, { status: 401, statusText: 'Unauthorized' });
    http.expectOne('/api/admin/queues').flush({}, { status: 401, statusText: 'Unauthorized' });

    const refresh = http.expectOne('/api/auth/refresh');
    expect(refresh.request.body).toEqual({ refresh_token: 'r1' });
    refresh.flush({
      access_token: 'new',
      refresh_token: 'r2',
      token_type: 'Bearer',
      expires_in: 900,
      refresh_expires_in: 1,
    });

    for (const url of ['/api/admin/tenants', '/api/admin/queues']) {
      const retried = http.expectOne(url);
      expect(retried.request.headers.get('Authorization')).toBe('Bearer new');
      retried.flush({ ok: url });
    }
    expect(await a).toEqual({ ok: '/api/admin/tenants' });
    expect(await b).toEqual({ ok: '/api/admin/queues' });
    expect(JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '{}')).toMatchObject({
      accessToken: 'new',
      refreshToken: 'r2',
    });
  });

  it('ends the session when the refresh token is refused', async () => {
    const call = firstValueFrom(client.get('/api/admin/tenants'));
    http.expectOne('/api/admin/tenants').flush({}, { status: 401, statusText: 'Unauthorized' });
    http.expectOne('/api/auth/refresh').flush({}, { status: 401, statusText: 'Unauthorized' });
    await expect(call).rejects.toMatchObject({ status: 401 });
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
  });
});
