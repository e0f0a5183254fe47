import { ConfigError, DEV_DEFAULTS, loadConfig } from '../src/config/app-config';

const prod = {
  NODE_ENV: 'production',
  JWT_SECRET: 'x'.repeat(48),
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  DATABASE_URL: 'postgres://app@db.internal:5432/tenantgram',
  REDIS_URL: 'redis://redis.internal:6379',
};

describe('config', () => {
  it.each(['JWT_SECRET', 'ENCRYPTION_KEYS', 'DATABASE_URL', 'REDIS_URL'] as const)(
    'refuses to start in production without %s and names it',
    (name) => {
      const env: Record<string, string> = { ...prod };
      delete env[name];
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(new RegExp(`^${name} is required in production`));
    },
  );

  it.each(['JWT_SECRET', 'ENCRYPTION_KEYS', 'DATABASE_URL', 'REDIS_URL'] as const)(
    'refuses the development default of %s in production',
    (name) => {
      expect(() => loadConfig({ ...prod, [name]: DEV_DEFAULTS[name] })).toThrow(
        new RegExp(`^${name} is set to its development default`),
      );
    },
  );

  it('starts in production with every secret set', () => {
    const config = loadConfig(prod);
    expect(config.env).toBe('production');
    expect(config.devDefaultsUsed).toEqual([]);
    expect(config.telegram.mode).toBe('real');
  });

  it('fills development defaults and reports which, for the one-time warning', () => {
    const config = loadConfig({});
    expect(config.database.url).toBe(DEV_DEFAULTS.DATABASE_URL);
    expect(config.devDefaultsUsed).toEqual(['JWT_SECRET', 'ENCRYPTION_KEYS', 'DATABASE_URL', 'REDIS_URL']);
    expect(config.telegram.mode).toBe('sandbox');
    expect(config.role).toBe('all');
  });

  it('runs no sandbox inside the server unless SANDBOX_EMBED says so (npm start runs it as a process of its own)', () => {
    expect(loadConfig({}).telegram.sandbox.embed).toBe(false);
    expect(loadConfig({ SANDBOX_EMBED: 'true' }).telegram.sandbox.embed).toBe(true);
    expect(loadConfig({ SANDBOX_EMBED: 'true', TELEGRAM_MODE: 'real' }).telegram.sandbox.embed).toBe(false);
  });

  it('rejects malformed values with the variable name, never echoing a secret', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ ROLE: 'boss' })).toThrow(/ROLE/);
    expect(() => loadConfig({ ...prod, TELEGRAM_MODE: 'sandbox' })).toThrow(/sandbox is for development/);
  });
});
