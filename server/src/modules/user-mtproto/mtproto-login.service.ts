import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { CredentialsService, TenantCredentials } from '../credentials/credentials.service';
import { CryptoService } from '../crypto/crypto.service';
import { DomainMetrics, type MtprotoLoginResult } from '../health/domain-metrics';
import { AccountUpdatesRepository } from './account-updates/account-updates.repository';
import { MtprotoClientFactory } from './mtproto-client.factory';
import { MtprotoLogin, MtprotoLoginFlow, MtprotoLoginState } from './mtproto-login.entity';
import { MtprotoLoginKey, MtprotoLoginsInTransaction, MtprotoLoginsRepository } from './mtproto-logins.repository';
import { MtprotoSessionEvents } from './mtproto-session-events';
import { phoneCodeExpired, TelegramCallError, toDomainError } from './telegram-errors';
import { CodeType, TelegramUserSession } from './telegram-user-session';
import {
  loginNotFound,
  notConfigured,
  telegramUnavailable,
  UserMtprotoError,
  UserMtprotoErrorCode,
} from './user-mtproto.errors';

const TABLE = 'mtproto_logins';
/** Wrong codes or passwords one pending login tolerates before it must be started again. */
const MAX_ATTEMPTS = 5;
const API_HASH = /^[0-9a-f]{32}$/i;
const E164 = /^\+[1-9]\d{6,14}$/;

export interface SetupInput {
  apiId: number;
  apiHash: string;
  phone: string;
}

export interface SetupResult {
  login_id: string;
  phone_code_hash: string;
  next: 'code';
  code_type: CodeType;
}

export interface VerifyInput {
  code: string;
  loginId?: string;
  phoneCodeHash?: string;
  password?: string;
}

export interface VerifyResult {
  next: 'password' | 'done';
  verified: boolean;
}

export type QrState = 'pending' | 'password_needed' | 'done' | 'expired';

export interface QrResult {
  login_id: string;
  state: QrState;
  qr_url: string | null;
  expires_at: string | null;
}

/** How a refused login step ended, for the login counter. */
function loginResultOf(code: UserMtprotoErrorCode): MtprotoLoginResult {
  switch (code) {
    case UserMtprotoErrorCode.PhoneCodeInvalid:
    case UserMtprotoErrorCode.PasswordInvalid:
      return 'invalid_code';
    case UserMtprotoErrorCode.PhoneCodeExpired:
      return 'expired';
    case UserMtprotoErrorCode.FloodWait:
      return 'flood_wait';
    default:
      return 'error';
  }
}

const qrUrl = (token: Buffer): string => `tg://login?token=${token.toString('base64url')}`;

/**
 * Login flows. A pending login lives in Postgres with the very auth key that asked Telegram for
 * the code (encrypted, bound to the tenant and column), because Telegram accepts a code only from
 * that key: whichever pod serves `verify` resumes exactly that session. Each step opens a
 * short-lived client and destroys it before answering; the row lock keeps two pods from driving
 * one login at once.
 */
@Injectable()
export class MtprotoLoginService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logins: MtprotoLoginsRepository,
    private readonly crypto: CryptoService,
    private readonly credentials: CredentialsService,
    private readonly factory: MtprotoClientFactory,
    private readonly audit: AuditService,
    private readonly events: MtprotoSessionEvents,
    private readonly metrics: DomainMetrics,
    private readonly accountUpdates: AccountUpdatesRepository,
  ) {}

  async setup(tenantId: string, input: SetupInput, actor: AuditActor): Promise<SetupResult> {
    if (!Number.isSafeInteger(input.apiId) || input.apiId <= 0 || !API_HASH.test(input.apiHash)) {
      throw new UserMtprotoError(
        UserMtprotoErrorCode.ApiCredentialsInvalid,
        'telegram_api_id must be a positive integer and telegram_api_hash 32 hexadecimal characters (from my.telegram.org).',
      );
    }
    const phone = input.phone.replace(/[\s()-]/g, '');
    if (!E164.test(phone)) {
      throw new UserMtprotoError(
        UserMtprotoErrorCode.PhoneNumberInvalid,
        'telegram_phone must be in international E.164 form, e.g. +15551234567.',
      );
    }
    const session = await this.openSession(input.apiId, input.apiHash, MtprotoLoginFlow.Code);
    try {
      const sent = await session.sendCode(phone).catch((err: unknown) => {
        throw this.mapError(err, MtprotoLoginFlow.Code);
      });
      const { id: loginId } = await this.storePendingLogin(tenantId, actor, {
        flow: MtprotoLoginFlow.Code,
        state: MtprotoLoginState.CodeSent,
        phone,
        phoneCodeHash: sent.phoneCodeHash,
        pendingSession: session.save(),
      });
      await this.credentials.update(
        tenantId,
        { telegramApiId: input.apiId, telegramApiHash: input.apiHash, telegramPhone: phone },
        actor,
      );
      return { login_id: loginId, phone_code_hash: sent.phoneCodeHash, next: 'code', code_type: sent.codeType };
    } finally {
      await session.destroy();
    }
  }

  async verify(tenantId: string, input: VerifyInput, actor: AuditActor): Promise<VerifyResult> {
    return this.inLogin(tenantId, async (tx) => {
      const login = await this.lockLogin(tx, MtprotoLoginFlow.Code, input);
      if (login.state === MtprotoLoginState.Done) throw loginNotFound();
      if (login.state === MtprotoLoginState.Expired || login.expiresAt.getTime() <= Date.now()) {
        if (login.state !== MtprotoLoginState.Expired) this.metrics.mtprotoLogin('code', 'expired');
        await this.setState(tx, login, MtprotoLoginState.Expired);
        throw phoneCodeExpired();
      }
      if (login.state === MtprotoLoginState.PasswordNeeded && !input.password)
        return { next: 'password', verified: false };
      const creds = await this.apiCredentials(tenantId);
      const session = await this.openSession(creds.apiId, creds.apiHash, login.flow, this.pendingSessionOf(login));
      try {
        if (login.state === MtprotoLoginState.CodeSent) {
          const phone = this.crypto.decrypt(login.phone ?? '', this.place(tenantId, 'phone'));
          try {
            await session.signIn(phone, login.phoneCodeHash ?? '', input.code);
          } catch (err) {
            const name = err instanceof TelegramCallError ? err.errorName : '';
            if (name === 'SESSION_PASSWORD_NEEDED') {
              login.state = MtprotoLoginState.PasswordNeeded;
              login.pendingSession = this.crypto.encrypt(session.save(), this.place(tenantId, 'pending_session'));
              await tx.save(login);
              this.metrics.mtprotoLogin('code', 'password_needed');
              if (!input.password) return { next: 'password', verified: false };
            } else {
              throw await this.loginFailure(tx, login, err);
            }
          }
        }
        if (login.state === MtprotoLoginState.PasswordNeeded) {
          await session.checkPassword(input.password ?? '').catch(async (err: unknown) => {
            throw await this.loginFailure(tx, login, err);
          });
        }
        await this.complete(tx, tenantId, login, session, actor);
        return { next: 'done', verified: true };
      } finally {
        await session.destroy();
      }
    });
  }

  async startQr(tenantId: string, actor: AuditActor, api?: { apiId: number; apiHash: string }): Promise<QrResult> {
    if (api) {
      if (!Number.isSafeInteger(api.apiId) || api.apiId <= 0 || !API_HASH.test(api.apiHash)) {
        throw new UserMtprotoError(
          UserMtprotoErrorCode.ApiCredentialsInvalid,
          'telegram_api_id must be a positive integer and telegram_api_hash 32 hexadecimal characters.',
        );
      }
    }
    const creds = api ?? (await this.apiCredentials(tenantId));
    const session = await this.openSession(creds.apiId, creds.apiHash, MtprotoLoginFlow.Qr);
    try {
      const token = await session.exportLoginToken().catch((err: unknown) => {
        throw this.mapError(err, MtprotoLoginFlow.Qr);
      });
      if (token.kind !== 'token') throw telegramUnavailable('unexpected login token answer');
      const row = await this.storePendingLogin(tenantId, actor, {
        flow: MtprotoLoginFlow.Qr,
        state: MtprotoLoginState.QrPending,
        phone: null,
        phoneCodeHash: null,
        pendingSession: session.save(),
      });
      if (api)
        await this.credentials.update(tenantId, { telegramApiId: api.apiId, telegramApiHash: api.apiHash }, actor);
      return {
        login_id: row.id,
        state: 'pending',
        qr_url: qrUrl(token.token),
        expires_at: token.expiresAt.toISOString(),
      };
    } finally {
      await session.destroy();
    }
  }

  /** Asks Telegram again: a fresh token while nobody scanned it, the account once someone did. */
  async pollQr(tenantId: string, loginId: string, actor: AuditActor): Promise<QrResult> {
    return this.inLogin(tenantId, async (tx) => {
      const login = await this.lockLogin(tx, MtprotoLoginFlow.Qr, { loginId });
      const answer = (state: QrState, token?: { token: Buffer; expiresAt: Date }): QrResult => ({
        login_id: login.id,
        state,
        qr_url: token ? qrUrl(token.token) : null,
        expires_at: token ? token.expiresAt.toISOString() : login.expiresAt.toISOString(),
      });
      if (login.state === MtprotoLoginState.Done) return answer('done');
      if (login.state === MtprotoLoginState.Expired || login.expiresAt.getTime() <= Date.now()) {
        if (login.state !== MtprotoLoginState.Expired) this.metrics.mtprotoLogin('qr', 'expired');
        await this.setState(tx, login, MtprotoLoginState.Expired);
        return answer('expired');
      }
      if (login.state === MtprotoLoginState.PasswordNeeded) return answer('password_needed');
      const creds = await this.apiCredentials(tenantId);
      const session = await this.openSession(creds.apiId, creds.apiHash, login.flow, this.pendingSessionOf(login));
      try {
        let result;
        try {
          result = await session.exportLoginToken();
        } catch (err) {
          if (err instanceof TelegramCallError && err.errorName === 'SESSION_PASSWORD_NEEDED') {
            login.state = MtprotoLoginState.PasswordNeeded;
            login.pendingSession = this.crypto.encrypt(session.save(), this.place(tenantId, 'pending_session'));
            await tx.save(login);
            this.metrics.mtprotoLogin('qr', 'password_needed');
            return answer('password_needed');
          }
          throw this.mapError(err, MtprotoLoginFlow.Qr);
        }
        if (result.kind === 'token') return answer('pending', result);
        if (result.kind === 'migrate') {
          throw telegramUnavailable(
            `the account lives in data centre ${result.dcId}, which this deployment does not reach`,
          );
        }
        await this.complete(tx, tenantId, login, session, actor);
        return answer('done');
      } finally {
        await session.destroy();
      }
    });
  }

  async qrPassword(tenantId: string, loginId: string, password: string, actor: AuditActor): Promise<QrResult> {
    return this.inLogin(tenantId, async (tx) => {
      const login = await this.lockLogin(tx, MtprotoLoginFlow.Qr, { loginId });
      if (login.state === MtprotoLoginState.Done) {
        return { login_id: login.id, state: 'done', qr_url: null, expires_at: login.expiresAt.toISOString() };
      }
      if (login.state !== MtprotoLoginState.PasswordNeeded || login.expiresAt.getTime() <= Date.now()) {
        throw new UserMtprotoError(
          UserMtprotoErrorCode.LoginNotFound,
          'This QR login is not waiting for a password (poll it first, or start again).',
        );
      }
      const creds = await this.apiCredentials(tenantId);
      const session = await this.openSession(creds.apiId, creds.apiHash, login.flow, this.pendingSessionOf(login));
      try {
        await session.checkPassword(password).catch(async (err: unknown) => {
          throw await this.loginFailure(tx, login, err);
        });
        await this.complete(tx, tenantId, login, session, actor);
        return { login_id: login.id, state: 'done', qr_url: null, expires_at: login.expiresAt.toISOString() };
      } finally {
        await session.destroy();
      }
    });
  }

  /**
   * A login step in one transaction holding the login row's lock. A refused step still commits
   * what it learnt (attempts, expiry), so its domain error is returned through the transaction
   * and thrown after the commit.
   */
  private async inLogin<T>(tenantId: string, fn: (tx: MtprotoLoginsInTransaction) => Promise<T>): Promise<T> {
    const out = await this.logins.transaction(
      tenantId,
      async (tx): Promise<{ value: T } | { error: UserMtprotoError }> => {
        try {
          return { value: await fn(tx) };
        } catch (err) {
          if (err instanceof UserMtprotoError) return { error: err };
          throw err;
        }
      },
    );
    if ('error' in out) throw out.error;
    return out.value;
  }

  private async complete(
    tx: MtprotoLoginsInTransaction,
    tenantId: string,
    login: MtprotoLogin,
    session: TelegramUserSession,
    actor: AuditActor,
  ): Promise<void> {
    const me = await session.me().catch((err: unknown) => {
      throw this.mapError(err, login.flow);
    });
    await this.credentials.update(
      tenantId,
      { sessionString: session.save(), isMtprotoVerified: true, mtprotoLastUsedAt: new Date() },
      actor,
    );
    // The login row outlives the session only as a receipt: its secret part is emptied.
    login.state = MtprotoLoginState.Done;
    login.pendingSession = this.crypto.encrypt('', this.place(tenantId, 'pending_session'));
    login.phone = null;
    await tx.save(login);
    await this.audit.record(
      {
        action: AuditAction.MtprotoConnected,
        actor,
        tenantId,
        target: `login:${login.id}`,
        meta: { flow: login.flow, telegram_user_id: me.id },
      },
      tx.em,
    );
    // A new session (perhaps of another account) starts from its own update state.
    await this.accountUpdates.forgetState(tenantId);
    await this.events.sessionChanged(tenantId);
    this.metrics.mtprotoLogin(login.flow, 'signed_in');
  }

  private async loginFailure(
    tx: MtprotoLoginsInTransaction,
    login: MtprotoLogin,
    err: unknown,
  ): Promise<UserMtprotoError> {
    const name = err instanceof TelegramCallError ? err.errorName : '';
    if (name === 'PHONE_CODE_INVALID' || name === 'PASSWORD_HASH_INVALID') {
      login.attempts += 1;
      if (login.attempts >= MAX_ATTEMPTS) login.state = MtprotoLoginState.Failed;
      await tx.save(login);
    } else if (name === 'PHONE_CODE_EXPIRED') {
      await this.setState(tx, login, MtprotoLoginState.Expired);
    }
    return this.mapError(err, login.flow);
  }

  /**
   * A login step's failure as the API's error code, counted by how it ended; anything that is not
   * Telegram's answer goes on as it is.
   */
  private mapError(err: unknown, flow: MtprotoLoginFlow): UserMtprotoError {
    if (err instanceof UserMtprotoError) return err;
    if (!(err instanceof TelegramCallError)) throw err;
    const domain = toDomainError(err, 'login');
    this.metrics.mtprotoLogin(flow, loginResultOf(domain.code));
    return domain;
  }

  private async openSession(
    apiId: number,
    apiHash: string,
    flow: MtprotoLoginFlow,
    session?: string,
  ): Promise<TelegramUserSession> {
    try {
      return await TelegramUserSession.open(this.factory, {
        apiId,
        apiHash,
        session,
        floodSleepSeconds: this.config.mtproto.floodSleepSeconds,
      });
    } catch (err) {
      throw this.mapError(err, flow);
    }
  }

  private async apiCredentials(tenantId: string): Promise<{ apiId: number; apiHash: string }> {
    const creds: TenantCredentials | null = await this.credentials.get(tenantId);
    if (!creds?.telegramApiId || !creds.telegramApiHash) {
      throw notConfigured('Set telegram_api_id and telegram_api_hash first (POST /api/user-mtproto/setup).');
    }
    return { apiId: creds.telegramApiId, apiHash: creds.telegramApiHash };
  }

  private async lockLogin(
    tx: MtprotoLoginsInTransaction,
    flow: MtprotoLoginFlow,
    by: MtprotoLoginKey,
  ): Promise<MtprotoLogin> {
    const login = await tx.lock(flow, by);
    if (!login || login.state === MtprotoLoginState.Failed) throw loginNotFound();
    return login;
  }

  /**
   * Saves a new pending login (the only one of the tenant: older ones are dropped), with the
   * phone and the auth key that asked for the code sealed to this tenant and column, and audits it.
   */
  private async storePendingLogin(
    tenantId: string,
    actor: AuditActor,
    login: {
      flow: MtprotoLoginFlow;
      state: MtprotoLoginState;
      phone: string | null;
      phoneCodeHash: string | null;
      pendingSession: string;
    },
  ): Promise<MtprotoLogin> {
    const stored = await this.logins.transaction(tenantId, async (tx) => {
      const row = await tx.replaceAll({
        flow: login.flow,
        phone: login.phone === null ? null : this.crypto.encrypt(login.phone, this.place(tenantId, 'phone')),
        phoneCodeHash: login.phoneCodeHash,
        pendingSession: this.crypto.encrypt(login.pendingSession, this.place(tenantId, 'pending_session')),
        state: login.state,
        expiresAt: this.expiry(),
      });
      await this.audit.record(
        {
          action: AuditAction.MtprotoLoginStarted,
          actor,
          tenantId,
          target: `login:${row.id}`,
          meta: { flow: login.flow },
        },
        tx.em,
      );
      return row;
    });
    this.metrics.mtprotoLogin(login.flow, 'sent_code');
    return stored;
  }

  private async setState(tx: MtprotoLoginsInTransaction, login: MtprotoLogin, state: MtprotoLoginState): Promise<void> {
    if (login.state === state) return;
    login.state = state;
    await tx.save(login);
  }

  private pendingSessionOf(login: MtprotoLogin): string {
    return this.crypto.decrypt(login.pendingSession, this.place(login.userId, 'pending_session'));
  }

  private place(tenantId: string, column: 'phone' | 'pending_session') {
    return { tenantId, table: TABLE, column };
  }

  private expiry(): Date {
    return new Date(Date.now() + this.config.mtproto.loginTtlSeconds * 1000);
  }
}
