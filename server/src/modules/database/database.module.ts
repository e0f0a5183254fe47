import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../../config/app-config';
import { ADMIN_DATA_SOURCE } from './admin-data-source';
import { dataSourceOptions } from './data-source-options';
import { resolveAdminRole, resolveRuntimeRole } from './runtime-role';

/** Few connections: support requests, boot-time lookups, sweeps and housekeeping. */
const ADMIN_POOL_MAX = 4;

@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
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
