// Integration specs run against the machine's real Postgres and Redis.
import { TEST_SAFE_PORTS } from './test-ports';

process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';
// `npm start` may be running beside the tests on the default ports: a config read from the
// environment (a child process, `loadConfig()`) must never reach it, so every port points at a
// free one (0) or a closed one unless a test names its own.
Object.assign(process.env, TEST_SAFE_PORTS);
// Worker processes a spec starts sample no channel on their own unless it asks (see testConfig).
process.env.ANALYTICS_TICK_SECONDS ??= '0';
