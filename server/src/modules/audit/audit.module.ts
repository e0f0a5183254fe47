import { Module } from '@nestjs/common';
import { AdminDb } from './admin-db';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** The audit log's owner, and the audited cross-tenant path (AdminDb): every module that records, reads or needs them imports this. */
@Module({ providers: [AuditRepository, AuditService, AdminDb], exports: [AuditService, AdminDb] })
export class AuditModule {}
