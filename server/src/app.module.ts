import { DynamicModule, Module, Type } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AppConfig, roleRunsWorkers, roleServesHttpApi } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { AppLoggerModule } from './common/logging/logger.module';
import { DatabaseModule } from './modules/database/database.module';
import { HealthModule } from './modules/health/health.module';
import { QueueConnectionModule } from './modules/queue/queue.module';
import { AdminModule } from './modules/admin/admin.module';
import { AuthModule } from './modules/auth/auth.module';
import { ChannelAdminModule } from './modules/channels/channel-admin.module';
import { ChannelsHttpModule } from './modules/channels/channels-http.module';
import { BotHttpModule, BotModule, BotWorkerModule } from './modules/bot/bot.module';
import { SystemBotModule, SystemBotWorkerModule } from './modules/system-bot/system-bot.module';
import { FilesModule } from './modules/files/files.module';
import { PostsHttpModule, PostsWorkerModule } from './modules/posts/posts.module';
import { EventsHttpModule, EventsWorkerModule } from './modules/events/events.module';
import { AnalyticsHttpModule, AnalyticsModule, AnalyticsWorkerModule } from './modules/analytics/analytics.module';
import { WebhooksHttpModule, WebhooksModule, WebhooksWorkerModule } from './modules/webhooks/webhooks.module';
import { UserMtprotoModule } from './modules/user-mtproto/user-mtproto.module';
import { TenantsModule } from './modules/tenants/tenants.module';
import { WorkerRecycleModule } from './modules/lifecycle/worker-recycle.module';
import { dataSourceOptions } from './data-source-options';

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
        DatabaseModule.forRoot(config, dataSourceOptions),
        QueueConnectionModule.forRoot(config),
        HealthModule,
        // Every role: the first admin is created at boot, whichever role starts first.
        TenantsModule,
        ...(roleServesHttpApi(config.role) ? [AuthModule, ChannelsHttpModule, AdminModule.forRoot(config)] : []),
        BotModule,
        ChannelAdminModule,
        ...(roleServesHttpApi(config.role)
          ? [
              BotHttpModule,
              SystemBotModule,
              PostsHttpModule,
              FilesModule,
              EventsHttpModule,
              WebhooksHttpModule,
              AnalyticsHttpModule,
            ]
          : []),
        ...(roleRunsWorkers(config.role)
          ? [
              BotWorkerModule,
              SystemBotWorkerModule,
              PostsWorkerModule.forRoot(config),
              EventsWorkerModule,
              AnalyticsWorkerModule,
              WebhooksWorkerModule.forRoot(config),
              WorkerRecycleModule,
            ]
          : []),
        // Every role: wherever events are recorded, their webhook dispatch is woken.
        WebhooksModule,
        UserMtprotoModule.forRoot(config),
        // Every role: the collector (worker) records samples, the routes (api) read them.
        AnalyticsModule,
        ...(options.extraModules ?? []),
      ],
    };
  }
}
