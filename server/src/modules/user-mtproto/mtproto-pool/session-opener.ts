import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config';
import { CredentialsService, TenantCredentials } from '../../credentials/credentials.service';
import { MtprotoClientFactory } from '../mtproto-client.factory';
import { TelegramCallError } from '../telegram-errors';
import { TelegramUserSession } from '../telegram-user-session';
import { notConfigured, telegramUnavailable } from '../user-mtproto.errors';
import { OpenBackoff } from './open-backoff';
import { MtprotoRateMeter, SlotRelease, TenantLimits } from './rate-meter';

/** The stored parts a session is opened from. */
export interface StoredSession {
  apiId: number;
  apiHash: string;
  session: string;
  limits: TenantLimits;
}

/**
 * Opens a tenant's client from its stored session. The first call's rate slot is taken while
 * the client connects, so neither waits for the other. A connect that Telegram does not answer
 * starts a short back-off (see OpenBackoff) during which calls answer TELEGRAM_UNAVAILABLE at
 * once instead of dialling again.
 */
@Injectable()
export class MtprotoSessionOpener {
  private readonly backoff: OpenBackoff;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly factory: MtprotoClientFactory,
    private readonly credentials: CredentialsService,
    private readonly rate: MtprotoRateMeter,
  ) {
    this.backoff = new OpenBackoff(config.mtproto.poolMax * 2);
  }

  /** The tenant's credentials, the stored session among them (unchecked: see storedSession). */
  load(tenantId: string): Promise<TenantCredentials | null> {
    return this.credentials.get(tenantId);
  }

  /** The stored session, or MTPROTO_NOT_CONFIGURED when the tenant has no verified account to open. */
  storedSession(creds: TenantCredentials | null): StoredSession {
    if (!creds?.isMtprotoVerified || !creds.sessionString || !creds.telegramApiId || !creds.telegramApiHash) {
      throw notConfigured();
    }
    return {
      apiId: creds.telegramApiId,
      apiHash: creds.telegramApiHash,
      session: creds.sessionString,
      limits: { rps: creds.rateLimitRps, maxConcurrent: creds.maxConcurrentRequests },
    };
  }

  /** Throws TELEGRAM_UNAVAILABLE while the tenant's last connect failed a moment ago. */
  assertNotBackingOff(tenantId: string): void {
    if (this.backoff.isBackingOff(tenantId))
      throw telegramUnavailable('Telegram could not be reached; retrying shortly');
  }

  /** The tenant's client is in the pool: its next failure backs off from the start again. */
  opened(tenantId: string): void {
    this.backoff.succeeded(tenantId);
  }

  /**
   * A connected client with its external keep-alive, and the first call's rate slot. On failure
   * nothing is left open or held.
   */
  async connect(tenantId: string, stored: StoredSession): Promise<{ session: TelegramUserSession; slot: SlotRelease }> {
    const [connected, limited] = await Promise.allSettled([
      TelegramUserSession.open(this.factory, {
        apiId: stored.apiId,
        apiHash: stored.apiHash,
        session: stored.session,
        floodSleepSeconds: this.config.mtproto.floodSleepSeconds,
        keepAlive: 'external',
      }),
      this.rate.slot(tenantId, stored.limits),
    ]);
    if (connected.status === 'rejected') {
      let err = connected.reason as unknown;
      if (err instanceof TelegramCallError && err.errorName === 'NETWORK') {
        this.backoff.failed(tenantId);
        err = telegramUnavailable('connect failed');
      }
      if (limited.status === 'fulfilled') await limited.value().catch(() => undefined);
      throw err;
    }
    const session = connected.value;
    if (limited.status === 'rejected') {
      await session.destroy();
      throw limited.reason;
    }
    return { session, slot: limited.value };
  }
}
