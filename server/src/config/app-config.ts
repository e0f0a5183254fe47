import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

export enum NodeEnv {
  Development = 'development',
  Test = 'test',
  Production = 'production',
}

export enum AppRole {
  Api = 'api',
  Worker = 'worker',
  All = 'all',
}

export enum TelegramMode {
  Sandbox = 'sandbox',
  Real = 'real',
}

/**
 * Development defaults. Deterministic (so the api and worker processes of one
 * checkout agree on keys across restarts) and refused in production.
 */
export const DEV_DEFAULTS = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tenantgram',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'development-only-jwt-secret-do-not-use-in-production',
  // 32 bytes of 0x64 ('d'): obviously not a real key.
  ENCRYPTION_KEYS: `dev1:${Buffer.alloc(32, 0x64).toString('base64')}`,
} as const;

/** Variables production refuses to start without (or with their development value). */
export const REQUIRED_IN_PRODUCTION = [
  'JWT_SECRET',
  'ENCRYPTION_KEYS',
  'DATABASE_URL',
  'REDIS_URL',
] as const satisfies readonly (keyof typeof DEV_DEFAULTS)[];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/** The environment as validated at boot. Names are the variables' names. */
export class EnvSchema {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @IsEnum(AppRole)
  ROLE: AppRole = AppRole.All;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'PUBLIC_URL must be an http(s) URL' })
  PUBLIC_URL?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** Owner connection for migrations; defaults to DATABASE_URL. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_MIGRATION_URL must be a postgres:// URL' })
  DATABASE_MIGRATION_URL?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  @IsString()
  @Matches(/^[a-z0-9:_-]{1,64}$/i, { message: 'REDIS_PREFIX may hold letters, digits, ":", "_" and "-"' })
  REDIS_PREFIX = 'tg';

  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  ENCRYPTION_KEYS?: string;

  @IsOptional()
  @IsString()
  ENCRYPTION_ACTIVE_KEY_ID?: string;

  @IsOptional()
  @IsString()
  ENCRYPTION_MIN_KEY_ID?: string;

  @IsEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(toBool)
  @IsBoolean()
  LOG_PRETTY = false;

  @IsOptional()
  @IsEnum(TelegramMode)
  TELEGRAM_MODE?: TelegramMode;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_HTTP_PORT = 8081;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_MTPROTO_PORT = 8443;

  @IsString()
  TELEGRAM_BOT_API_URL = 'https://api.telegram.org';

  @IsOptional()
  @IsString()
  SYSTEM_BOT_TOKEN?: string;
}

export interface AppConfig {
  env: NodeEnv;
  role: AppRole;
  http: { port: number; host: string; publicUrl: string; bodyLimitBytes: number };
  database: { url: string; migrationUrl: string };
  redis: { url: string; prefix: string };
  jwt: { secret: string };
  encryption: { keys: string; activeKeyId?: string; minKeyId?: string };
  log: { level: string; pretty: boolean };
  telegram: {
    mode: TelegramMode;
    botApiUrl: string;
    systemBotToken?: string;
    sandbox: { httpPort: number; mtprotoPort: number };
  };
  /** Variables that fell back to development defaults (for the one-time warning). */
  devDefaultsUsed: string[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SECRET_ENV_NAMES = new Set<string>(['JWT_SECRET', 'ENCRYPTION_KEYS', 'SYSTEM_BOT_TOKEN']);

/** Validates the environment and builds the one typed config object. Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') raw[k] = v;
  const parsed = plainToInstance(EnvSchema, raw, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      // Never echo a secret's value back in the error.
      const shown = SECRET_ENV_NAMES.has(e.property) ? '' : ` (got ${JSON.stringify(e.value)})`;
      return `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }

  const production = parsed.NODE_ENV === NodeEnv.Production;
  const devDefaultsUsed: string[] = [];
  const pick = (name: keyof typeof DEV_DEFAULTS): string => {
    const value = parsed[name];
    if (production) {
      if (!value) throw new ConfigError(`${name} is required in production and is not set.`);
      if (value === DEV_DEFAULTS[name])
        throw new ConfigError(`${name} is set to its development default; production needs a real value.`);
      return value;
    }
    if (value) return value;
    devDefaultsUsed.push(name);
    return DEV_DEFAULTS[name];
  };
  // Check in the documented order so the message names the first missing one.
  const picked = Object.fromEntries(REQUIRED_IN_PRODUCTION.map((n) => [n, pick(n)])) as Record<
    (typeof REQUIRED_IN_PRODUCTION)[number],
    string
  >;
  if (production && picked.JWT_SECRET.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters in production.');
  }

  const mode =
    parsed.TELEGRAM_MODE ??
    (production || parsed.SYSTEM_BOT_TOKEN ? TelegramMode.Real : TelegramMode.Sandbox);
  if (production && mode === TelegramMode.Sandbox) {
    throw new ConfigError('TELEGRAM_MODE=sandbox is for development and tests; production talks to Telegram.');
  }
  const publicUrl = (parsed.PUBLIC_URL ?? `http://127.0.0.1:${parsed.PORT}`).replace(/\/+$/, '');

  return {
    env: parsed.NODE_ENV,
    role: parsed.ROLE,
    http: { port: parsed.PORT, host: parsed.HOST, publicUrl, bodyLimitBytes: 1024 * 1024 },
    database: { url: picked.DATABASE_URL, migrationUrl: parsed.DATABASE_MIGRATION_URL ?? picked.DATABASE_URL },
    redis: { url: picked.REDIS_URL, prefix: parsed.REDIS_PREFIX },
    jwt: { secret: picked.JWT_SECRET },
    encryption: {
      keys: picked.ENCRYPTION_KEYS,
      activeKeyId: parsed.ENCRYPTION_ACTIVE_KEY_ID,
      minKeyId: parsed.ENCRYPTION_MIN_KEY_ID,
    },
    log: { level: parsed.LOG_LEVEL, pretty: parsed.LOG_PRETTY },
    telegram: {
      mode,
      botApiUrl: parsed.TELEGRAM_BOT_API_URL.replace(/\/+$/, ''),
      systemBotToken: parsed.SYSTEM_BOT_TOKEN,
      sandbox: { httpPort: parsed.SANDBOX_HTTP_PORT, mtprotoPort: parsed.SANDBOX_MTPROTO_PORT },
    },
    devDefaultsUsed,
  };
}

export const roleServesHttpApi = (role: AppRole): boolean => role !== AppRole.Worker;
export const roleRunsWorkers = (role: AppRole): boolean => role !== AppRole.Api;
