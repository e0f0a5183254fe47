/* A worker-role app in a process of its own, configured by the environment (tests kill it mid-send). */
import 'reflect-metadata';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';

void (async () => {
  const app = await createApp(loadConfig());
  await app.listen(0, '127.0.0.1');
  process.stdout.write('ready\n');
})();
