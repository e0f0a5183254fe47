import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule } from '../src/config/config.module';
import { RedisClientName, redisClientToken } from '../src/modules/redis/redis-client-name';
import {
  closeRedisClient,
  createRedisClient,
  type RedisClient,
  redisConnectionOptions,
} from '../src/modules/redis/redis-connection';
import { RedisConnections } from '../src/modules/redis/redis-connections';
import { RedisModule } from '../src/modules/redis/redis.module';
import { testConfig } from './helpers/test-app';

const redisApp = async () => {
  @Module({ imports: [ConfigModule.forRoot(testConfig()), RedisModule] })
  class Root {}
  return NestFactory.createApplicationContext(Root, { logger: false });
};

describe('the redis module', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives each app its own clients and closes them, dedicated connections included, when the app closes', async () => {
    const a = await redisApp();
    const b = await redisApp();
    const commandsA = a.get<RedisClient>(redisClientToken(RedisClientName.Commands));
    const commandsB = b.get<RedisClient>(redisClientToken(RedisClientName.Commands));
    expect(commandsA).not.toBe(commandsB);
    const blocking = a.get(RedisConnections).dedicated('blocking');
    await expect(commandsA.ping()).resolves.toBe('PONG');
    await expect(blocking.ping()).resolves.toBe('PONG');
    await a.close();
    expect(commandsA.status).toBe('end');
    expect(blocking.status).toBe('end');
    await expect(commandsB.ping()).resolves.toBe('PONG');
    await b.close();
    expect(commandsB.status).toBe('end');
  });

  it('logs connection errors once per outage, by name, without the password', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const secret = 'redis-secret-pw';
    const client = createRedisClient(
      'commands',
      redisConnectionOptions(`redis://user:${secret}@127.0.0.1:6379`, { lazyConnect: true }),
    );
    try {
      // An unreachable server repeats its error on every reconnect attempt.
      for (let i = 0; i < 3; i++) client.emit('error', new Error(`connect ECONNREFUSED (auth ${secret})`));
      expect(warn).toHaveBeenCalledTimes(1);
      const line = String(warn.mock.calls[0]?.[0]);
      expect(line).toContain("'commands'");
      expect(line).toContain('ECONNREFUSED');
      expect(line).not.toContain(secret);
      // Back, then gone again: a new outage, logged again.
      client.emit('ready');
      client.emit('error', new Error('connect ECONNREFUSED'));
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      await closeRedisClient(client);
    }
  });
});
