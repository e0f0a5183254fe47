import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/data-source-options';
import { QueueName } from '../src/modules/queue/queue-names';
import { startTestApp, TestApp } from './helpers/test-app';
import { TEST_REDIS_URL } from './helpers/test-database';
import { present } from './helpers/present';

/**
 * What every spec file gets from the harness, started twice at the same time
 * (as two files in two Jest workers would be): each must see only its own rows,
 * keys and jobs.
 */
describe('test harness isolation', () => {
  const apps: TestApp[] = [];
  const sources: DataSource[] = [];
  let redis: Redis;

  beforeAll(async () => {
    apps.push(...(await Promise.all([startTestApp(), startTestApp()])));
    for (const t of apps) {
      const ds = new DataSource(dataSourceOptions(t.config.database.url));
      await ds.initialize();
      sources.push(ds);
    }
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await Promise.all(sources.map((ds) => ds.destroy()));
    await Promise.all(apps.map((t) => t.close()));
  });

  it('gives two concurrently started apps their own database and Redis prefix', () => {
    expect(apps[0]?.db.name).not.toBe(apps[1]?.db.name);
    expect(apps[0]?.config.redis.prefix).not.toBe(apps[1]?.config.redis.prefix);
  });

  it('keeps rows written by one out of the other', async () => {
    await Promise.all(
      sources.map((ds, i) =>
        ds.query(`INSERT INTO users (email, role) VALUES ($1, 'tenant')`, [`iso-${i}@example.test`]),
      ),
    );
    for (const [i, ds] of sources.entries()) {
      const rows: { email: string }[] = await ds.query(`SELECT email FROM users`);
      expect(rows.map((r) => r.email)).toEqual([`iso-${i}@example.test`]);
    }
  });

  it('keeps queued jobs and keys of one out of the other', async () => {
    const queues = apps.map((t) => t.app.get<Queue>(getQueueToken(QueueName.Maintenance)));
    // Workers of the maintenance queue may take the probe at once: look it up by id, whatever its state.
    const [queue0, queue1] = [present(queues[0], 'the first queue'), present(queues[1], 'the second queue')];
    const [app0, app1] = [present(apps[0], 'the first app'), present(apps[1], 'the second app')];
    const probe = await queue0.add('probe', { from: 0 });
    expect((await queue0.getJob(probe.id ?? ''))?.data).toEqual({ from: 0 });
    expect((await queue1.getJob(probe.id ?? ''))?.name).not.toBe('probe');
    const keys1 = await redis.keys(`${app1.config.redis.prefix}:*`);
    expect(keys1.filter((k) => k.includes(app0.config.redis.prefix))).toEqual([]);
    await Promise.all(apps.map((t) => request(t.url).get('/health/ready').expect(200)));
  });
});
