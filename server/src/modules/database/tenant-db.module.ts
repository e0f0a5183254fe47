import { Global, Module } from '@nestjs/common';
import { AdminDb, TenantDb } from './tenant-db';

/** TenantDb and AdminDb for every module (needs AuditModule, which is global). */
@Global()
@Module({ providers: [TenantDb, AdminDb], exports: [TenantDb, AdminDb] })
export class TenantDbModule {}
