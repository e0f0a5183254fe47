import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { parseKeyring } from '../src/modules/crypto/keyring';
import { startTestApp, TestApp } from './helpers/test-app';
import { TEST_REDIS_URL } from './helpers/test-database';
import { newTenant } from './factories/user.factory';

const exec = promisify(execFile);
const SERVER = path.join(__dirname, '..');
const KEY1 = `1:${randomBytes(32).toString('base64')}`;
const KEY2 = `2:${randomBytes(32).toString('base64')}`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- ...`, as an operator runs it (same entry point, same loader). */
async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['-r', '@swc-node/register', 'src/cli/main.ts', ...args], {
      cwd: SERVER,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        REDIS_URL: TEST_REDIS_URL,
        TELEGRAM_MODE: 'sandbox',
        ...env,
      },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('operator CLI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ENCRYPTION_KEYS: KEY1 } });
  });
  afterAll(async () => t?.close());

  it('keys:generate prints a usable key one version past the newest configured', async () => {
    const res = await cli(['keys:generate'], { ENCRYPTION_KEYS: `${KEY1},${KEY2}` });
    expect(res.code).toBe(0);
    const line = res.stdout.trim();
    expect(line).toMatch(/^3:[A-Za-z0-9+/]{43}=$/);
    expect(parseKeyring(line).active.id).toBe('3');
  });

  it('admin:create creates a staff account that can log in, and refuses a duplicate or weak password', async () => {
    const env = { DATABASE_URL: t.db.url, ENCRYPTION_KEYS: KEY1 };
    const created = await cli(['admin:create', '--email', 'ops@example.test', '--password', 'ops password 123'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created admin ops@example.test');
    expect(created.stdout + created.stderr).not.toContain('ops password 123');
    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: 'ops@example.test', password: 'ops password 123' })
      .expect(200);
    await request(t.url)
      .get('/api/admin/tenants')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);

    const again = await cli(['admin:create', '--email', 'OPS@example.test', '--password', 'ops password 123'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    const weak = await cli(
      ['admin:create', '--email', 'weak@example.test', '--password', 'short', '--role', 'support'],
      env,
    );
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 10 characters');
  });

  it('keys:rewrap moves every value to the active key and a second run has nothing to do', async () => {
    const { user } = await newTenant(t);
    await t.app
      .get(CredentialsService)
      .update(
        user.id,
        { botToken: '7000000001:AAcliclicliclicliclicliclicliclicli1', sessionString: 's' },
        systemActor(),
      );
    const env = { DATABASE_URL: t.db.url, ENCRYPTION_KEYS: `${KEY1},${KEY2}`, ENCRYPTION_ACTIVE_KEY_ID: '2' };

    const first = await cli(['keys:rewrap', '--batch-size', '1'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Rewrapped [1-9]\d* value\(s\) in [1-9]\d* row\(s\) to key 2; 0 failure\(s\)\./);

    const c = new Client({ connectionString: t.db.url });
    await c.connect();
    const { rows } = await c.query<{ bot_token: string; session_string: string }>(
      'SELECT bot_token, session_string FROM user_bot_credentials WHERE user_id = $1',
      [user.id],
    );
    await c.end();
    expect(rows[0]?.bot_token).toMatch(/^v1:2:/);
    expect(rows[0]?.session_string).toMatch(/^v1:2:/);

    const second = await cli(['keys:rewrap'], env);
    expect(second.stdout).toContain('Rewrapped 0 value(s) in 0 row(s) to key 2');
  });

  it('prints usage for an unknown command', async () => {
    const res = await cli(['nope'], {});
    expect(res.code).toBe(64);
    expect(res.stderr).toContain('keys:rewrap');
  });
});
