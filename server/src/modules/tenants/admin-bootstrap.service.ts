import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { AuditAction, systemActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { UserRole } from './user.entity';
import { UsersService } from './users.service';

/** With ADMIN_EMAIL and ADMIN_PASSWORD set and no admin yet, start-up creates that admin. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.config.auth;
    if (!adminEmail || !adminPassword) return;
    if (await this.users.adminExists()) return;
    try {
      const user = await this.users.createWithPassword(adminEmail, adminPassword, UserRole.Admin);
      await this.audit.record({
        action: AuditAction.StaffCreated,
        actor: systemActor(),
        target: `user:${user.id}`,
        meta: { role: UserRole.Admin, source: 'ADMIN_EMAIL' },
      });
      this.logger.log(`Created the first admin account (${user.email ?? ''}) from ADMIN_EMAIL.`);
    } catch (err) {
      // Another pod may have created it at the same moment; anything else is a misconfiguration.
      if (err instanceof DomainError && err.code === 'EMAIL_TAKEN' && (await this.users.adminExists())) return;
      if (err instanceof DomainError) {
        throw new Error(`ADMIN_EMAIL/ADMIN_PASSWORD cannot create the admin: ${err.message}`);
      }
      throw err;
    }
  }
}
