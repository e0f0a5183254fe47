import { Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** The audit log's owner: every module that records or reads audit events imports this. */
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
