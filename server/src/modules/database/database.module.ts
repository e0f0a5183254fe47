import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { resolveRuntimeRole } from './runtime-role';

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
      ],
    };
  }
}
