import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config';
import { CredentialsService } from '../../credentials/credentials.service';

/** mtproto_last_used_at is written at most this often per tenant. */
const LAST_USED_WRITE_MS = 60_000;

/**
 * Keeps the tenant's `last_used` (mtproto_last_used_at) current without a write per call: at
 * most one a minute per tenant. Remembers the last write of at most twice the pool's size
 * (a forgotten tenant is merely written once more). A failed write is logged, never thrown:
 * the call it follows has answered already.
 */
@Injectable()
export class MtprotoLastUsedStamps {
  private readonly log = new Logger('MtprotoClientPool');
  private readonly written = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
  ) {}

  async stamp(tenantId: string): Promise<void> {
    const now = Date.now();
    if ((this.written.get(tenantId) ?? 0) > now - LAST_USED_WRITE_MS) return;
    this.written.set(tenantId, now);
    if (this.written.size > this.config.mtproto.poolMax * 2) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
    try {
      await this.credentials.touchMtprotoLastUsed(tenantId);
    } catch (err) {
      this.log.warn(`could not record mtproto_last_used_at: ${(err as Error).message}`);
    }
  }
}
