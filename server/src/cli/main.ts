/* Operator commands: keys:generate | keys:rewrap | admin:create. `npm run cli -- <command> [--flag value]`. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DEV_DEFAULTS, loadConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { UserRole } from '../modules/tenants/user.entity';
import { present } from '../common/present';
import { CliModule } from './cli.module';
import { createStaff, generateKey, rewrapKeys } from './commands';

const USAGE = `Usage: npm run cli -- <command>
  keys:generate [--id <id>]                          print a new ENCRYPTION_KEYS entry (<id>:<base64>)
  keys:rewrap [--batch-size <n>]                      move every encrypted value to ENCRYPTION_ACTIVE_KEY_ID
  admin:create --email <e> --password <p> [--role admin|support]   create a staff account`;

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = present(args[i], 'the argument');
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`Unexpected argument ${JSON.stringify(arg)}.\n${USAGE}`);
    out[present(m[1], 'the flag name')] = m[2] ?? args[++i] ?? '';
  }
  return out;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const opts = flags(rest);
  if (command === 'keys:generate') {
    out(generateKey(process.env.ENCRYPTION_KEYS || DEV_DEFAULTS.ENCRYPTION_KEYS, opts.id));
    process.stderr.write(
      'Append it to ENCRYPTION_KEYS on every pod, then make it ENCRYPTION_ACTIVE_KEY_ID and run keys:rewrap.\n',
    );
    return 0;
  }
  if (command !== 'keys:rewrap' && command !== 'admin:create') {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const config = loadConfig();
  const ctx = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    if (command === 'keys:rewrap') {
      const batch = Number(opts['batch-size'] ?? 200);
      if (!Number.isInteger(batch) || batch < 1) throw new Error('--batch-size must be a positive integer.');
      const report = await rewrapKeys(ctx, batch, out);
      return report.failures.length ? 1 : 0;
    }
    const role = (opts.role ?? 'admin') as UserRole;
    if (!opts.email || !opts.password || ![UserRole.Admin, UserRole.Support].includes(role)) {
      throw new Error(`admin:create needs --email, --password and optionally --role admin|support.\n${USAGE}`);
    }
    await createStaff(ctx, opts.email, opts.password, role, out);
    return 0;
  } finally {
    await ctx.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof DomainError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
