import { Module, type Provider } from '@nestjs/common';
import { RedisClientName, redisClientToken } from './redis-client-name';
import { RedisConnections } from './redis-connections';
import { RedisNotices } from './redis-notices';

const clientProviders: Provider[] = Object.values(RedisClientName).map((name) => ({
  provide: redisClientToken(name),
  useFactory: (connections: RedisConnections) => connections.client(name),
  inject: [RedisConnections],
}));

/**
 * The only place Redis connections are made: named shared clients (`@InjectRedis(name)`) and
 * dedicated connections (`RedisConnections.dedicated`), per app instance, closed on shutdown; and
 * the app's cluster-wide notices (`RedisNotices`, pub/sub on one subscriber connection).
 * Imported by every module that talks to Redis; being imported by them, it starts before them and
 * its shutdown hook runs after theirs.
 */
@Module({
  providers: [RedisConnections, RedisNotices, ...clientProviders],
  exports: [RedisConnections, RedisNotices, ...clientProviders],
})
export class RedisModule {}
