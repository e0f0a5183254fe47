// Integration specs run against the machine's real Postgres and Redis.
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';
