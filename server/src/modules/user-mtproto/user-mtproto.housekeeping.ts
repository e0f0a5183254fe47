import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { HousekeepingHost } from '../queue/housekeeping-host';
import { QueueName } from '../queue/queue-names';
import { ACCOUNT_SEND_KEY_DAYS, AccountSendsRepository } from './account-actions/account-sends.repository';
import { MtprotoLoginState } from './mtproto-login.entity';
import { MtprotoLoginsRepository } from './mtproto-logins.repository';

/** The repeatable job (and its scheduler's id) on the maintenance queue. */
export const MTPROTO_LOGINS_SWEEP_JOB = 'mtproto-logins:sweep';

/** States after which a login can no longer be completed: kept only as a short receipt. */
const ENDED = [MtprotoLoginState.Done, MtprotoLoginState.Failed, MtprotoLoginState.Expired];

export interface UserMtprotoSweepResult {
  /** Pending logins deleted. */
  deleted: number;
  /** Idempotency keys of sends as the account forgotten (older than ACCOUNT_SEND_KEY_DAYS). */
  forgottenSendKeys: number;
}

/**
 * What the module leaves behind, swept on one schedule. Deletes pending MTProto logins once they are of no use: past their expiry, or finished,
 * failed or expired longer ago than the receipt period. They hold an encrypted auth key that
 * Telegram still honours, so they should not wait for the tenant's next login. The same pass forgets
 * the idempotency keys of sends as the account older than ACCOUNT_SEND_KEY_DAYS.
 *
 * A BullMQ job scheduler runs it every MTPROTO_LOGIN_SWEEP_SECONDS, one job per period for the
 * whole deployment (see HousekeepingHost). It
 * crosses tenants, so the repository runs it on the admin pool; it logs only how many rows went.
 */
@Processor(QueueName.Maintenance)
export class UserMtprotoHousekeeping extends HousekeepingHost<UserMtprotoSweepResult> {
  protected readonly logger = new Logger(UserMtprotoHousekeeping.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.Maintenance) queue: Queue,
    private readonly logins: MtprotoLoginsRepository,
    private readonly sends: AccountSendsRepository,
  ) {
    super(queue, {
      job: MTPROTO_LOGINS_SWEEP_JOB,
      everyMs: config.mtproto.loginSweepSeconds * 1000,
      what: 'MTProto login sweep',
    });
  }

  async runPass(now: Date = new Date()): Promise<UserMtprotoSweepResult> {
    const receiptEnd = new Date(now.getTime() - this.config.mtproto.loginReceiptSeconds * 1000);
    const deleted = await this.logins.deleteEnded(now, ENDED, receiptEnd);
    if (deleted > 0) this.logger.log(`deleted ${deleted} ended MTProto login(s)`);
    const forgottenSendKeys = await this.sends.forgetOlderThan(
      new Date(now.getTime() - ACCOUNT_SEND_KEY_DAYS * 86_400_000),
    );
    if (forgottenSendKeys > 0)
      this.logger.log(`forgot ${forgottenSendKeys} idempotency key(s) of sends as the account`);
    return { deleted, forgottenSendKeys };
  }
}
