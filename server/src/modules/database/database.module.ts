import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { ADMIN_DATA_SOURCE } from './admin-data-source';
import { resolveAdminRole, resolveRuntimeRole } from './runtime-role';
import { PooledStatements } from './pooled-statements';
import { TenantDb } from './tenant-db';

/** Few connections: support requests, boot-time lookups, sweeps and housekeeping. */
const ADMIN_POOL_MAX = 4;

/**
 * The two pools (restricted, row-level-security; admin, BYPASSRLS) and TenantDb, the way into one
 * tenant's scope. Global, with config, because nearly every module's repository runs through it.
 * The audited way across tenants, AdminDb, belongs to audit/ (it writes the audit trail).
 */
@Global()
@Module({})
export class DatabaseModule {
  /**
   * `dataSourceOptions` comes from the composition root (src/data-source-options.ts), which knows every
   * module's entities; this module knows none of them.
   */
  static forRoot(config: AppConfig, dataSourceOptions: (url: string) => DataSourceOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [TenantDb, PooledStatements],
      exports: [TenantDb, PooledStatements],
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            const base = dataSourceOptions(config.database.url);
            // Every pooled connection runs as the restricted role (row-level security applies).
            const { options } = await resolveRuntimeRole(config);
            return {
              ...base,
              extra: { ...(base.extra as Record<string, unknown>), ...(options ? { options } : {}) },
              // Boot fails fast instead of retrying for minutes; readiness reports outages later.
              retryAttempts: 0,
              manualInitialization: false,
            };
          },
        }),
        TypeOrmModule.forRootAsync({
          name: ADMIN_DATA_SOURCE,
          useFactory: async () => {
            const base = dataSourceOptions(config.database.adminUrl);
            // Every connection of this pool runs as the BYPASSRLS role: it sees every tenant.
            const { options } = await resolveAdminRole(config);
            return {
              ...base,
              name: ADMIN_DATA_SOURCE,
              extra: {
                ...(base.extra as Record<string, unknown>),
                max: ADMIN_POOL_MAX,
                application_name: 'tenantgram-admin',
                ...(options ? { options } : {}),
              },
              retryAttempts: 0,
              manualInitialization: false,
            };
          },
        }),
      ],
    };
  }
}
