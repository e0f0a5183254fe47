import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import { parseKeyring } from '../modules/crypto/keyring';

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

/** How tenant bots receive updates: webhooks at PUBLIC_URL, or long polling (development only). */
export enum BotUpdatesMode {
  Webhook = 'webhook',
  Polling = 'polling',
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
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/** The environment as validated at boot. Names are the variables' names. */
export class EnvSchema {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @IsEnum(AppRole)
  ROLE: AppRole = AppRole.All;

  /**
   * Where traces go (OpenTelemetry's OTLP over HTTP, e.g. `http://otel-collector:4318`); tracing is off
   * when unset. The other `OTEL_*` variables of the OpenTelemetry SDK apply as documented there.
   */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s):// URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** A worker past this resident memory (MB) recycles itself gracefully; 0: never. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  WORKER_MAX_RSS_MB = 0;

  /** A worker older than this (hours, fractions allowed) recycles itself gracefully; 0: never. */
  @Transform(toNumber)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(8760)
  WORKER_MAX_RUNTIME_HOURS = 0;

  /** Up to this fraction of WORKER_MAX_RUNTIME_HOURS is taken off at random per worker, so workers never recycle together. */
  @Transform(toNumber)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.9)
  WORKER_RECYCLE_JITTER = 0.1;

  /** How often a worker compares its memory and age with those limits. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WORKER_RECYCLE_CHECK_SECONDS = 15;

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

  /** Connection of the cross-tenant pool (runs as tenantgram_admin); defaults to DATABASE_URL. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'ADMIN_DATABASE_URL must be a postgres:// URL' })
  ADMIN_DATABASE_URL?: string;

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

  /** Run the sandbox inside this process (sandbox mode only); `npm start` runs it as a process of its own instead. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  SANDBOX_EMBED?: boolean;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  SANDBOX_CODE_TTL_SECONDS = 300;

  @IsString()
  TELEGRAM_BOT_API_URL = 'https://api.telegram.org';

  @IsOptional()
  @IsString()
  SYSTEM_BOT_TOKEN?: string;

  @IsEnum(BotUpdatesMode)
  BOT_UPDATES_MODE: BotUpdatesMode = BotUpdatesMode.Webhook;

  /** A tenant bot with no update or send for this long is dropped from memory (re-created on demand). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  BOT_IDLE_SECONDS = 600;

  /** BullMQ lock of a send job: a worker that dies holding one is taken over after about this long. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(600_000)
  SEND_LOCK_MS = 30_000;

  /** How often workers look for due posts nobody is sending (scheduled posts, crashed workers). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  SEND_SWEEP_MS = 5_000;

  /** How long one Bot API call may take before it counts as failed (a post is then retried like after a 5xx). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  TELEGRAM_BOT_API_TIMEOUT_SECONDS = 60;

  /**
   * Telegram's Bot API limits the sender keeps every bot under (Bots FAQ): sends per chat per
   * window, per group or channel per window, and per bot overall. Windows run from when an
   * earlier call came back; the few extra ms over Telegram's figures absorb clock rounding.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000)
  TELEGRAM_LIMIT_PER_CHAT = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  TELEGRAM_LIMIT_PER_CHAT_WINDOW_MS = 1_002;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  TELEGRAM_LIMIT_PER_GROUP = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  TELEGRAM_LIMIT_PER_GROUP_WINDOW_MS = 60_010;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  TELEGRAM_LIMIT_PER_BOT = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  TELEGRAM_LIMIT_PER_BOT_WINDOW_MS = 1_002;

  /** Attempts before a post is marked failed (429s wait and do not count). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  POST_MAX_ATTEMPTS = 5;

  /** Uploaded post media one tenant may have waiting to be sent, in MB. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  POST_MEDIA_QUOTA_MB = 200;

  /** Staff account created at start-up when no admin exists yet. */
  @IsOptional()
  @IsString()
  ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(3600)
  JWT_ACCESS_TTL_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(90 * 86400)
  JWT_REFRESH_TTL_SECONDS = 30 * 86400;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES_PER_EMAIL = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  LOGIN_MAX_FAILURES_PER_IP = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_FAILURE_WINDOW_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 86400)
  TELEGRAM_WEBAPP_MAX_AGE_SECONDS = 86400;

  /** Most gramjs clients one worker keeps connected (least recently used ones are closed first). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  MTPROTO_POOL_MAX = 500;

  /** A tenant client unused this long is closed (its lease released). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 86400)
  MTPROTO_IDLE_SECONDS = 900;

  /** How long a worker's claim on a tenant session lasts without renewal (a lost worker's tenants move after it). */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(3600)
  MTPROTO_LEASE_SECONDS = 30;

  /** FLOOD_WAITs up to this many seconds are slept; longer ones reach the caller as 429 with retry_after. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  MTPROTO_FLOOD_SLEEP_SECONDS = 5;

  /** How long a pending login (code or QR) may be completed. */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86400)
  MTPROTO_LOGIN_TTL_SECONDS = 600;

  /** How often a worker deletes finished, failed and expired MTProto logins. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  MTPROTO_LOGIN_SWEEP_SECONDS = 30;

  /** How long a finished or failed MTProto login stays as a receipt before it is deleted. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  MTPROTO_LOGIN_RECEIPT_SECONDS = 300;

  /** How long an API pod waits for the worker that owns a session to answer. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  MTPROTO_CALL_TIMEOUT_SECONDS = 30;

  /** How often a worker looks for accounts that receive updates and are connected nowhere, and connects them. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  MTPROTO_RECEIVE_SWEEP_SECONDS = 10;

  /** How many days a tenant's events are kept (whole days: expired daily partitions are dropped). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  EVENTS_RETENTION_DAYS = 30;

  /** The longest `wait` a long poll of GET /api/events may ask for. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  EVENTS_WAIT_MAX_SECONDS = 30;

  /** How many event streams (GET /api/events/stream) one tenant may hold open at once, per process. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  EVENTS_STREAMS_PER_TENANT = 5;

  /** How often a worker creates the coming days' event partitions and drops expired ones. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  EVENTS_MAINTENANCE_SECONDS = 3600;

  /** How many days channel analytics samples are kept (whole months: expired monthly partitions are dropped). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  ANALYTICS_RETENTION_DAYS = 400;

  /** How often a worker creates the coming months' analytics partitions and drops expired ones. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  ANALYTICS_MAINTENANCE_SECONDS = 3600;

  /** How long a tenant's webhook endpoint may take to answer a delivery before the attempt counts as failed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60)
  WEBHOOK_TIMEOUT_SECONDS = 10;

  /** Seconds before each retry of a failed delivery, in order (comma-separated); after the last, the delivery is failed. */
  @Matches(/^\s*\d{1,6}\s*(,\s*\d{1,6}\s*){0,19}$/, {
    message: 'WEBHOOK_RETRY_SCHEDULE_SECONDS must be 1 to 20 comma-separated whole numbers of seconds',
  })
  WEBHOOK_RETRY_SCHEDULE_SECONDS = '5,300,1800,7200,18000,36000,36000';

  /** An endpoint whose deliveries keep failing this long (no success in between) is disabled. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365 * 86400)
  WEBHOOK_DISABLE_AFTER_SECONDS = 259_200;

  /** After a secret rotation, the old secret keeps signing (beside the new one) this long. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  WEBHOOK_SECRET_OVERLAP_SECONDS = 86_400;

  /** How often a worker looks for events no wake-up dispatched and for deliveries whose job was lost. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WEBHOOK_SWEEP_SECONDS = 30;

  /** How many webhook endpoints one tenant may have. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_ENDPOINTS_PER_TENANT = 20;

  /** Deliveries one worker makes at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_DELIVERY_CONCURRENCY = 64;

  /**
   * Whether endpoints may be plain http and resolve to loopback, private, link-local or other
   * internal addresses. Defaults to yes outside production (development, sandbox, tests) and no in
   * production, where it cannot be turned on.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_TARGETS?: boolean;

  /** Telegram's Ed25519 key for Mini App `signature` (hex); the production key unless overridden. */
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/i, { message: 'TELEGRAM_WEBAPP_PUBLIC_KEY must be 64 hex characters' })
  TELEGRAM_WEBAPP_PUBLIC_KEY?: string;
}

/** At most `max` calls in any `windowMs`. */
export interface SendWindow {
  max: number;
  windowMs: number;
}

/** Telegram's Bot API send limits: per chat, per group or channel, per bot. */
export interface TelegramBotLimits {
  perChat: SendWindow;
  perGroup: SendWindow;
  perBot: SendWindow;
}

export interface AppConfig {
  env: NodeEnv;
  role: AppRole;
  /** Traces exported over OTLP (src/tracing.ts starts the SDK; queues carry the trace to workers). */
  tracing: { enabled: boolean };
  /** When a worker recycles itself (0: never); see WorkerRecycle. */
  workerRecycle: { maxRssMb: number; maxRuntimeHours: number; jitter: number; checkSeconds: number };
  http: { port: number; host: string; publicUrl: string; bodyLimitBytes: number };
  database: { url: string; migrationUrl: string; adminUrl: string };
  redis: { url: string; prefix: string };
  jwt: { secret: string; accessTtlSeconds: number; refreshTtlSeconds: number };
  auth: {
    adminEmail?: string;
    adminPassword?: string;
    loginMaxFailuresPerEmail: number;
    loginMaxFailuresPerIp: number;
    loginFailureWindowSeconds: number;
    webappMaxAgeSeconds: number;
    webappPublicKeyHex: string;
  };
  encryption: { keys: string; activeKeyId?: string; minKeyId?: string };
  log: { level: string; pretty: boolean };
  telegram: {
    mode: TelegramMode;
    botApiUrl: string;
    systemBotToken?: string;
    botApiTimeoutMs: number;
    limits: TelegramBotLimits;
    sandbox: { httpPort: number; mtprotoPort: number; embed: boolean; codeTtlSeconds: number };
  };
  bots: { updatesMode: BotUpdatesMode; idleSeconds: number };
  sending: { lockMs: number; sweepMs: number; maxAttempts: number };
  postMedia: { quotaBytes: number };
  mtproto: {
    poolMax: number;
    idleSeconds: number;
    leaseSeconds: number;
    floodSleepSeconds: number;
    loginTtlSeconds: number;
    loginSweepSeconds: number;
    loginReceiptSeconds: number;
    callTimeoutSeconds: number;
    receiveSweepSeconds: number;
  };
  events: { retentionDays: number; waitMaxSeconds: number; streamsPerTenant: number; maintenanceSeconds: number };
  /** Channel analytics storage: how long samples are kept, how often their partitions are kept up. */
  analyticsStorage: { retentionDays: number; maintenanceSeconds: number };
  webhooks: {
    timeoutMs: number;
    retryScheduleSeconds: number[];
    disableAfterSeconds: number;
    secretOverlapSeconds: number;
    sweepSeconds: number;
    endpointsPerTenant: number;
    deliveryConcurrency: number;
    /** Plain http and internal addresses allowed (development, sandbox, tests); never in production. */
    allowPrivateTargets: boolean;
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

const SECRET_ENV_NAMES = new Set<string>(['JWT_SECRET', 'ENCRYPTION_KEYS', 'SYSTEM_BOT_TOKEN', 'ADMIN_PASSWORD']);

/** Telegram's published Ed25519 keys for Mini App third-party validation (core.telegram.org/bots/webapps). */
export const TELEGRAM_WEBAPP_PUBLIC_KEYS = {
  production: 'e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d',
  test: '40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec',
} as const;

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
  try {
    parseKeyring(picked.ENCRYPTION_KEYS, parsed.ENCRYPTION_ACTIVE_KEY_ID, parsed.ENCRYPTION_MIN_KEY_ID);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (production && picked.JWT_SECRET.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters in production.');
  }

  const mode =
    parsed.TELEGRAM_MODE ?? (production || parsed.SYSTEM_BOT_TOKEN ? TelegramMode.Real : TelegramMode.Sandbox);
  if (production && parsed.WEBHOOK_ALLOW_PRIVATE_TARGETS) {
    throw new ConfigError('WEBHOOK_ALLOW_PRIVATE_TARGETS cannot be turned on in production.');
  }
  if (production && mode === TelegramMode.Sandbox) {
    throw new ConfigError('TELEGRAM_MODE=sandbox is for development and tests; production talks to Telegram.');
  }
  const publicUrl = (parsed.PUBLIC_URL ?? `http://127.0.0.1:${parsed.PORT}`).replace(/\/+$/, '');

  return {
    env: parsed.NODE_ENV,
    role: parsed.ROLE,
    tracing: { enabled: Boolean(parsed.OTEL_EXPORTER_OTLP_ENDPOINT) },
    workerRecycle: {
      maxRssMb: parsed.WORKER_MAX_RSS_MB,
      maxRuntimeHours: parsed.WORKER_MAX_RUNTIME_HOURS,
      jitter: parsed.WORKER_RECYCLE_JITTER,
      checkSeconds: parsed.WORKER_RECYCLE_CHECK_SECONDS,
    },
    http: { port: parsed.PORT, host: parsed.HOST, publicUrl, bodyLimitBytes: 1024 * 1024 },
    database: {
      url: picked.DATABASE_URL,
      migrationUrl: parsed.DATABASE_MIGRATION_URL ?? picked.DATABASE_URL,
      adminUrl: parsed.ADMIN_DATABASE_URL ?? picked.DATABASE_URL,
    },
    redis: { url: picked.REDIS_URL, prefix: parsed.REDIS_PREFIX },
    jwt: {
      secret: picked.JWT_SECRET,
      accessTtlSeconds: parsed.JWT_ACCESS_TTL_SECONDS,
      refreshTtlSeconds: parsed.JWT_REFRESH_TTL_SECONDS,
    },
    auth: {
      adminEmail: parsed.ADMIN_EMAIL,
      adminPassword: parsed.ADMIN_PASSWORD,
      loginMaxFailuresPerEmail: parsed.LOGIN_MAX_FAILURES_PER_EMAIL,
      loginMaxFailuresPerIp: parsed.LOGIN_MAX_FAILURES_PER_IP,
      loginFailureWindowSeconds: parsed.LOGIN_FAILURE_WINDOW_SECONDS,
      webappMaxAgeSeconds: parsed.TELEGRAM_WEBAPP_MAX_AGE_SECONDS,
      webappPublicKeyHex: (parsed.TELEGRAM_WEBAPP_PUBLIC_KEY ?? TELEGRAM_WEBAPP_PUBLIC_KEYS.production).toLowerCase(),
    },
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
      botApiTimeoutMs: parsed.TELEGRAM_BOT_API_TIMEOUT_SECONDS * 1000,
      limits: {
        perChat: { max: parsed.TELEGRAM_LIMIT_PER_CHAT, windowMs: parsed.TELEGRAM_LIMIT_PER_CHAT_WINDOW_MS },
        perGroup: { max: parsed.TELEGRAM_LIMIT_PER_GROUP, windowMs: parsed.TELEGRAM_LIMIT_PER_GROUP_WINDOW_MS },
        perBot: { max: parsed.TELEGRAM_LIMIT_PER_BOT, windowMs: parsed.TELEGRAM_LIMIT_PER_BOT_WINDOW_MS },
      },
      sandbox: {
        httpPort: parsed.SANDBOX_HTTP_PORT,
        mtprotoPort: parsed.SANDBOX_MTPROTO_PORT,
        embed: mode === TelegramMode.Sandbox && (parsed.SANDBOX_EMBED ?? false),
        codeTtlSeconds: parsed.SANDBOX_CODE_TTL_SECONDS,
      },
    },
    bots: { updatesMode: parsed.BOT_UPDATES_MODE, idleSeconds: parsed.BOT_IDLE_SECONDS },
    sending: { lockMs: parsed.SEND_LOCK_MS, sweepMs: parsed.SEND_SWEEP_MS, maxAttempts: parsed.POST_MAX_ATTEMPTS },
    postMedia: { quotaBytes: parsed.POST_MEDIA_QUOTA_MB * 1024 * 1024 },
    mtproto: {
      poolMax: parsed.MTPROTO_POOL_MAX,
      idleSeconds: parsed.MTPROTO_IDLE_SECONDS,
      leaseSeconds: parsed.MTPROTO_LEASE_SECONDS,
      floodSleepSeconds: parsed.MTPROTO_FLOOD_SLEEP_SECONDS,
      loginTtlSeconds: parsed.MTPROTO_LOGIN_TTL_SECONDS,
      loginSweepSeconds: parsed.MTPROTO_LOGIN_SWEEP_SECONDS,
      loginReceiptSeconds: parsed.MTPROTO_LOGIN_RECEIPT_SECONDS,
      callTimeoutSeconds: parsed.MTPROTO_CALL_TIMEOUT_SECONDS,
      receiveSweepSeconds: parsed.MTPROTO_RECEIVE_SWEEP_SECONDS,
    },
    events: {
      retentionDays: parsed.EVENTS_RETENTION_DAYS,
      waitMaxSeconds: parsed.EVENTS_WAIT_MAX_SECONDS,
      streamsPerTenant: parsed.EVENTS_STREAMS_PER_TENANT,
      maintenanceSeconds: parsed.EVENTS_MAINTENANCE_SECONDS,
    },
    analyticsStorage: {
      retentionDays: parsed.ANALYTICS_RETENTION_DAYS,
      maintenanceSeconds: parsed.ANALYTICS_MAINTENANCE_SECONDS,
    },
    webhooks: {
      timeoutMs: parsed.WEBHOOK_TIMEOUT_SECONDS * 1000,
      retryScheduleSeconds: parsed.WEBHOOK_RETRY_SCHEDULE_SECONDS.split(',').map((s) => Number(s.trim())),
      disableAfterSeconds: parsed.WEBHOOK_DISABLE_AFTER_SECONDS,
      secretOverlapSeconds: parsed.WEBHOOK_SECRET_OVERLAP_SECONDS,
      sweepSeconds: parsed.WEBHOOK_SWEEP_SECONDS,
      endpointsPerTenant: parsed.WEBHOOK_ENDPOINTS_PER_TENANT,
      deliveryConcurrency: parsed.WEBHOOK_DELIVERY_CONCURRENCY,
      allowPrivateTargets: parsed.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? !production,
    },
    devDefaultsUsed,
  };
}

export const roleServesHttpApi = (role: AppRole): boolean => role !== AppRole.Worker;
export const roleRunsWorkers = (role: AppRole): boolean => role !== AppRole.Api;
