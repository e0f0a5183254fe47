import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { AuditAction, systemActor } from '../modules/audit/audit-actions';
import { AuditService } from '../modules/audit/audit.service';
import { KeyRewrapService, RewrapReport } from '../modules/crypto/key-rewrap.service';
import { keyVersion, parseKeyring } from '../modules/crypto/keyring';
import { UserRole } from '../modules/tenants/user.entity';
import { UsersService } from '../modules/tenants/users.service';

export type Out = (line: string) => void;

/** A fresh key line for ENCRYPTION_KEYS; its id defaults to one past the newest key configured. */
export function generateKey(keysSpec: string | undefined, id?: string): string {
  let next = id;
  if (!next) {
    let newest = 0;
    try {
      if (keysSpec) for (const k of parseKeyring(keysSpec).keys.values()) newest = Math.max(newest, k.version);
    } catch {
      newest = 0;
    }
    next = String(newest + 1);
  }
  keyVersion(next);
  return `${next}:${randomBytes(32).toString('base64')}`;
}

export async function rewrapKeys(ctx: INestApplicationContext, batchSize: number, out: Out): Promise<RewrapReport> {
  const report = await ctx.get(KeyRewrapService).rewrapAll({
    batchSize,
    onBatch: (table, rows) => {
      if (rows > 0) out(`${table}: ${rows} row(s) checked`);
    },
  });
  out(
    `Rewrapped ${report.valuesRewrapped} value(s) in ${report.rowsRewrapped} row(s) to key ${report.activeKeyId}; ` +
      `${report.failures.length} failure(s).`,
  );
  for (const f of report.failures) out(`  ${f.table} ${f.id} ${f.column}: ${f.code}`);
  return report;
}

export async function createStaff(
  ctx: INestApplicationContext,
  email: string,
  password: string,
  role: UserRole,
  out: Out,
): Promise<string> {
  const user = await ctx.get(UsersService).createWithPassword(email, password, role);
  await ctx.get(AuditService).record({
    action: AuditAction.StaffCreated,
    actor: systemActor(),
    target: `user:${user.id}`,
    meta: { role, source: 'cli' },
  });
  out(`Created ${role} ${user.email ?? ''} (${user.id}).`);
  return user.id;
}
