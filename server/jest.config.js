/** Unit specs (`*.spec.ts`, beside the code) and integration specs (`*.int-spec.ts`, real Postgres/Redis/sandbox). */
const fs = require('node:fs');
const path = require('node:path');
const swc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] };
// Every spec's database is a copy of one template the migrations build once per run (see test-database.ts).
const globalSetup = '<rootDir>/test/helpers/migrated-template.setup.ts';

module.exports = {
  // Spec files run side by side even on a 2-core machine: they wait on I/O, and isolation is tested.
  maxWorkers: 2,
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
      transform,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
      transform,
      testEnvironment: 'node',
      setupFiles: ['<rootDir>/test/helpers/env.setup.ts'],
      globalSetup,
    },
    {
      // The admin console in Chromium against the real server (see admin-console/e2e/).
      displayName: 'e2e',
      rootDir: __dirname,
      roots: ['<rootDir>/../admin-console/e2e'],
      testMatch: ['<rootDir>/../admin-console/e2e/**/*.e2e-spec.ts'],
      transform,
      testEnvironment: 'node',
      setupFiles: ['<rootDir>/test/helpers/env.setup.ts'],
      globalSetup,
    },
  ],
};
