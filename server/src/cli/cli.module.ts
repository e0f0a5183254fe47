import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { AuditModule } from '../modules/audit/audit.module';
import { CredentialsModule } from '../modules/credentials/credentials.module';
import { CryptoModule } from '../modules/crypto/crypto.module';
import { DatabaseModule } from '../modules/database/database.module';
import { TenantsModule } from '../modules/tenants/tenants.module';
import { MtprotoLoginsModule } from '../modules/user-mtproto/mtproto-logins.module';
import { WebhookEndpointsModule } from '../modules/webhooks/webhook-endpoints.module';
import { dataSourceOptions } from '../data-source-options';

/** What the operator commands need: the database (the restricted pool, and the admin pool for cross-tenant work), audit, crypto, credentials, users. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config, dataSourceOptions),
        AuditModule,
        CryptoModule,
        // Owns user_bot_credentials: keys:rewrap writes that table through it.
        CredentialsModule,
        TenantsModule,
        MtprotoLoginsModule,
        WebhookEndpointsModule,
      ],
    };
  }
}
