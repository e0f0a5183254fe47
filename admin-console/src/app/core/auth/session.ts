import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Observable, catchError, finalize, firstValueFrom, map, of, shareReplay, tap, throwError } from 'rxjs';

import { MeDto, TenantgramApi, TokenPairDto } from '../api/api.generated';

const STORAGE_KEY = 'tenantgram-admin.session';

/** Shown when a tenant account signs in here; the console is for staff only. */
export const TENANT_REFUSED_MESSAGE =
  'This console is for Tenantgram support staff. Tenant accounts cannot sign in here; use the Tenantgram API or app.';

export class TenantAccountRefused extends Error {
  constructor() {
    super(TENANT_REFUSED_MESSAGE);
  }
}

interface StoredSession {
  accessToken: string;
  refreshToken: string;
  me: MeDto | null;
}

/**
 * The signed-in staff member and their tokens. Kept in sessionStorage: a reload keeps the tab signed in,
 * while closing it (or opening another tab) asks again, which suits a tool with access to every tenant.
 */
@Injectable({ providedIn: 'root' })
export class Session {
  private readonly api = inject(TenantgramApi);
  private readonly state = signal<StoredSession | null>(readStored());
  private refreshing: Observable<string> | null = null;

  readonly me = computed(() => this.state()?.me ?? null);
  readonly signedIn = computed(() => this.me() !== null);

  accessToken(): string | null {
    return this.state()?.accessToken ?? null;
  }

  /** Signs in and keeps the session only for support or admin accounts. */
  async login(email: string, password: string): Promise<MeDto> {
    const pair = await firstValueFrom(this.api.authLogin({ email, password }));
    this.store({ accessToken: pair.access_token, refreshToken: pair.refresh_token, me: null });
    const me = await firstValueFrom(this.api.meMe());
    if (me.role === 'tenant') {
      await this.logout();
      throw new TenantAccountRefused();
    }
    this.store({ ...this.current(), me });
    return me;
  }

  /** Confirms the stored session still works (after a reload) and learns who it belongs to. */
  async restore(): Promise<boolean> {
    const current = this.state();
    if (!current) return false;
    if (current.me) return true;
    try {
      const me = await firstValueFrom(this.api.meMe());
      if (me.role === 'tenant') {
        await this.logout();
        return false;
      }
      this.store({ ...this.current(), me });
      return true;
    } catch {
      this.clear();
      return false;
    }
  }

  /**
   * A fresh access token from the refresh token. Concurrent callers share one request: each refresh
   * token works once, and a second use would sign the whole session out.
   */
  refresh(): Observable<string> {
    const current = this.state();
    if (!current) return throwError(() => new Error('Not signed in.'));
    this.refreshing ??= this.api.authRefresh({ refresh_token: current.refreshToken }).pipe(
      tap((pair: TokenPairDto) =>
        this.store({ ...this.current(), accessToken: pair.access_token, refreshToken: pair.refresh_token }),
      ),
      map((pair) => pair.access_token),
      catchError((error: unknown) => {
        this.clear();
        return throwError(() => error);
      }),
      finalize(() => (this.refreshing = null)),
      shareReplay(1),
    );
    return this.refreshing;
  }

  /** Revokes the refresh token on the server; signs out locally even when the server cannot be reached. */
  async logout(): Promise<void> {
    const current = this.state();
    this.clear();
    if (!current) return;
    await firstValueFrom(
      this.api
        .authLogout({ refresh_token: current.refreshToken })
        .pipe(
          catchError((error: unknown) =>
            error instanceof HttpErrorResponse ? of(undefined) : throwError(() => error),
          ),
        ),
    );
  }

  clear(): void {
    this.state.set(null);
    sessionStorage.removeItem(STORAGE_KEY);
  }

  private current(): StoredSession {
    const current = this.state();
    if (!current) throw new Error('Not signed in.');
    return current;
  }

  private store(next: StoredSession): void {
    this.state.set(next);
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  }
}

function readStored(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof parsed.accessToken !== 'string' || typeof parsed.refreshToken !== 'string') return null;
    return { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken, me: parsed.me ?? null };
  } catch {
    return null;
  }
}
