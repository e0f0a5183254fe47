/**
 * UserMtprotoModule: tenants' own Telegram user sessions.
 *
 * Login flows (setup / verify / QR) run on whichever API pod gets the request: the pending
 * login, with the auth key that asked for the code, is a row in Postgres (encrypted, with an
 * expiry), and each step resumes exactly that key in a short-lived client that is destroyed
 * before the answer goes out.
 *
 * Workers delete pending logins soon after they expire, fail or finish (UserMtprotoHousekeeping, a
 * BullMQ job scheduler on the maintenance queue): they hold an auth key Telegram still honours. The
 * same sweep forgets sends' idempotency keys after a week.
 *
 * A verified session is used by one worker at a time. A worker that needs a tenant's client
 * takes the tenant's lease in Redis (set only if free, with an expiry, renewed every third of it,
 * a fencing token from a per-tenant counter, compare-and-delete on release and on shutdown) and keeps the
 * client in its pool (LRU, idle eviction, `destroy()` on every close). A worker that dies keeps
 * its leases until they expire; then the next request for those tenants is taken by another.
 *
 * API pods never open a tenant's session; they ask its owner. The call path is Redis, not
 * BullMQ: the request is LPUSHed onto the owning worker's own list (`<prefix>:mtproto:calls:
 * worker:<id>`, found from the lease value) or, when nobody holds the session, onto a shared list
 * that every worker BRPOPs after its own; the answer comes back on the asking pod's pub/sub
 * channel. Why: a request must reach one particular worker (the lease holder), and BullMQ hands
 * a queue's jobs to any worker; per-worker BullMQ queues would need a QueueEvents stream per
 * queue on every API pod to learn results. These calls are short reads that a caller waits
 * for; when no answer comes in MTPROTO_CALL_TIMEOUT_SECONDS the caller gets 503
 * TELEGRAM_UNAVAILABLE and asks again, so BullMQ's persistence and retries would buy nothing.
 * A worker that is stopping hands the requests left in its list back to the shared list.
 *
 * Accounts that receive updates (`receive_updates`, account-updates/) are kept connected by the worker
 * holding their lease: AccountUpdatesReceiver connects those no worker holds, and each open client of
 * such an account gets an AccountFeed that catches up from the stored update state and records
 * account.* events with the state they lead to.
 */
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { AppConfig, roleRunsWorkers, roleServesHttpApi } from '../../config/app-config';
import { AccountUpdatesReceiver } from './account-updates/account-updates.receiver';
import { AccountUpdatesRepository } from './account-updates/account-updates.repository';
import { BotModule } from '../bot/bot.module';
import { ChannelsModule } from '../channels/channels.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AccountActionsController } from './account-actions/account-actions.controller';
import { AccountActionsService } from './account-actions/account-actions.service';
import { AccountActionsWorker } from './account-actions/account-actions.worker';
import { AccountSendsRepository } from './account-actions/account-sends.repository';
import { ChannelHistoryController } from './channel-history.controller';
import { ChannelHistoryService } from './channel-history.service';
import { ChannelHistoryWorker } from './channel-history.worker';
import { MtprotoCallClient, MtprotoCallServer } from './mtproto-calls';
import { MtprotoClientFactory } from './mtproto-client.factory';
import { MtprotoClientPool } from './mtproto-client.pool';
import { MTPROTO_POOL_PARTS } from './mtproto-pool/pool-parts';
import { MtprotoLeaseService } from './mtproto-lease.service';
import { UserMtprotoHousekeeping } from './user-mtproto.housekeeping';
import { MtprotoLoginOwnershipGuard } from './mtproto-login-ownership.guard';
import { MtprotoLoginService } from './mtproto-login.service';
import { MtprotoLoginsModule } from './mtproto-logins.module';
import { MtprotoRedis } from './mtproto-redis';
import { MtprotoSessionEvents } from './mtproto-session-events';
import { UserMtprotoController } from './user-mtproto.controller';
import { UserMtprotoService } from './user-mtproto.service';
import { AuditModule } from '../audit/audit.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { CryptoModule } from '../crypto/crypto.module';
import { QueueModule } from '../queue/queue.module';
import { RedisModule } from '../redis/redis.module';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../health/metrics.module';

/**
 * One module per app config: Nest tells dynamic modules apart by reference, so every importer of
 * forRoot(config) (the app, the admin console) must get the same object to share one instance.
 */
const built = new WeakMap<AppConfig, DynamicModule>();

@Module({})
export class UserMtprotoModule {
  static forRoot(config: AppConfig): DynamicModule {
    let module = built.get(config);
    if (!module) {
      module = UserMtprotoModule.build(config);
      built.set(config, module);
    }
    return module;
  }

  private static build(config: AppConfig): DynamicModule {
    const api = roleServesHttpApi(config.role);
    const worker = roleRunsWorkers(config.role);
    const providers: Provider[] = [
      MtprotoClientFactory,
      AccountUpdatesRepository,
      MtprotoRedis,
      MtprotoLeaseService,
      MtprotoSessionEvents,
      MtprotoLoginService,
      UserMtprotoService,
      MtprotoCallClient,
      ChannelHistoryService,
      AccountSendsRepository,
      AccountActionsService,
    ];
    if (worker) {
      providers.push(MtprotoClientPool, ...MTPROTO_POOL_PARTS);
      providers.push(MtprotoCallServer, ChannelHistoryWorker, UserMtprotoHousekeeping, AccountUpdatesReceiver);
      providers.push(AccountActionsWorker);
    }
    const controllers: Type<unknown>[] = api
      ? [UserMtprotoController, ChannelHistoryController, AccountActionsController]
      : [];
    if (api) providers.push(MtprotoLoginOwnershipGuard);
    return {
      module: UserMtprotoModule,
      // BotModule brings NotificationsService (the system bot tells a tenant its session was revoked).
      imports: [
        RateLimitModule,
        BotModule,
        ChannelsModule,
        AuditModule,
        CryptoModule,
        CredentialsModule,
        QueueModule,
        MtprotoLoginsModule,
        RedisModule,
        EventsModule,
        MetricsModule,
      ],
      controllers,
      providers,
      exports: [
        UserMtprotoService,
        MtprotoClientFactory,
        MtprotoCallClient,
        ...(worker ? [MtprotoClientPool, MtprotoCallServer, ChannelHistoryWorker] : []),
      ],
    };
  }
}
