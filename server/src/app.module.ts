import { DynamicModule, Module, Type } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AppConfig, roleRunsWorkers, roleServesHttpApi } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { AppLoggerModule } from './common/logging/logger.module';
import { DatabaseModule } from './modules/database/database.module';
import { HealthModule } from './modules/health/health.module';
import { QueueModule } from './modules/queue/queue.module';
import { RedisModule } from './modules/redis/redis.module';
import { AdminModule } from './modules/admin/admin.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { ChannelsModule } from './modules/channels/channels.module';
import { CredentialsModule } from './modules/credentials/credentials.module';
import { CryptoModule } from './modules/crypto/crypto.module';
import { TenantDbModule } from './modules/database/tenant-db.module';
import { TenantsModule } from './modules/tenants/tenants.module';
import { BotHttpModule, BotModule, BotWorkerModule } from './modules/bot/bot.module';
import { SystemBotModule } from './modules/bot/system-bot.module';
import { FilesModule } from './modules/files/files.module';
import { PostsHttpModule, PostsWorkerModule } from './modules/posts/posts.module';
import { RateLimitModule } from './modules/rate-limit/rate-limit.module';
import { UserMtprotoModule } from './modules/user-mtproto/user-mtproto.module';

export interface AppModuleOptions {
  /** Where logs go (tests capture them). Defaults to stdout. */
  logStream?: DestinationStream;
  /** Extra modules (tests add probe routes). */
  extraModules?: Type<unknown>[];
}

/**
 * The app for one role. `api` mounts the HTTP modules, `worker` the queue
 * processors, `all` both; infrastructure (config, logs, database, queues,
 * health) is shared by every role so probes work everywhere.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        AppLoggerModule.forRoot(config, options.logStream),
        DatabaseModule.forRoot(config),
        // Before the queues and features: its connections close after their shutdown hooks ran.
        RedisModule,
        QueueModule.forRoot(config),
        HealthModule,
        AuditModule,
        TenantDbModule,
        CryptoModule,
        TenantsModule,
        CredentialsModule,
        ...(roleServesHttpApi(config.role) ? [AuthModule, ChannelsModule, AdminModule] : []),
        RateLimitModule,
        BotModule,
        ...(roleServesHttpApi(config.role) ? [BotHttpModule, SystemBotModule, PostsHttpModule, FilesModule] : []),
        ...(roleRunsWorkers(config.role) ? [BotWorkerModule, PostsWorkerModule.forRoot(config)] : []),
        UserMtprotoModule.forRoot(config),
        ...(options.extraModules ?? []),
      ],
    };
  }
}
