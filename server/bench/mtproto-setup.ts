import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { Api } from 'telegram';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { AppConfig, loadConfig } from '../src/config/app-config';
import { systemActor } from '../src/modules/audit/audit-actions';
import { TokenService } from '../src/modules/auth/token.service';
import { ChannelsService } from '../src/modules/channels/channels.service';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { User, UserRole, UserStatus } from '../src/modules/tenants/user.entity';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { SandboxHandle, startSandbox } from '../src/sandbox';
import { createMigratedDatabase, TestDatabase, uniqueRedisPrefix } from '../test/helpers/test-database';
import { present } from '../test/helpers/present';

export const API_ID = 94575;
export const API_HASH = 'a3406de8d171bb422bb6ddf3bbd800e2';

/** A sandbox, a database of its own and a Redis prefix of its own, plus the env an app instance needs to use them. */
export interface BenchWorld {
  sandbox: SandboxHandle;
  db: TestDatabase;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startBenchWorld(): Promise<BenchWorld> {
  const sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  const db = await createMigratedDatabase('tg_bench');
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TELEGRAM_MODE: 'sandbox',
    SANDBOX_HTTP_PORT: String(sandbox.httpPort),
    SANDBOX_MTPROTO_PORT: String(sandbox.mtprotoPort),
    REDIS_PREFIX: uniqueRedisPrefix(),
    DATABASE_URL: db.url,
    HOST: '127.0.0.1',
    PORT: '0',
    // No channel sampled on the workers' own schedule: it would add Telegram calls to what a bench measures.
    ANALYTICS_TICK_SECONDS: '0',
  };
  return {
    sandbox,
    db,
    env,
    close: async () => {
      await sandbox.close();
      await db.drop();
    },
  };
}

export interface BenchApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
}

export async function startBenchApp(world: BenchWorld, env: Record<string, string>): Promise<BenchApp> {
  const config = loadConfig({ ...world.env, ...env });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, config, url: `http://127.0.0.1:${port}` };
}

export interface SignedInAccount {
  phone: string;
  userId: number;
  session: string;
}

/**
 * Real logins (handshake, auth.sendCode, auth.signIn) for `n` new sandbox users, `concurrency` at
 * a time: each account's session is a genuine authorized auth key, as a tenant's would be.
 */
export async function signInAccounts(
  world: BenchWorld,
  factory: MtprotoClientFactory,
  n: number,
  concurrency = 4,
): Promise<SignedInAccount[]> {
  const out: SignedInAccount[] = [];
  const stamp = String(Date.now() % 1e5).padStart(5, '0');
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const phone = `17${stamp}${String(i).padStart(5, '0')}`;
        const user = world.sandbox.world.createUser({ phone, firstName: `Bench ${i}` });
        const client = await factory.createClient({ apiId: API_ID, apiHash: API_HASH });
        try {
          await client.connect();
          const sent = await client.invoke(
            new Api.auth.SendCode({
              phoneNumber: phone,
              apiId: API_ID,
              apiHash: API_HASH,
              settings: new Api.CodeSettings({}),
            }),
          );
          if (!(sent instanceof Api.auth.SentCode)) throw new Error('unexpected sendCode answer');
          const code = present(world.sandbox.world.listCodes(phone)[0], `a login code for ${phone}`).code;
          await client.invoke(
            new Api.auth.SignIn({ phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: code }),
          );
          out.push({ phone, userId: user.id, session: factory.saveSession(client) });
        } finally {
          await factory.destroyClient(client);
        }
      }
    }),
  );
  return out;
}

export interface SeededTenant {
  tenantId: string;
  channelId: string;
  sandboxChannelId: number;
  headers: { Authorization: string };
  account: SignedInAccount;
}

/**
 * For each account: a tenant whose stored (encrypted) session is that account's, and a channel the
 * account owns in the sandbox, added to the tenant's channels by username.
 */
export async function seedTenants(
  api: BenchApp,
  world: BenchWorld,
  accounts: SignedInAccount[],
  postsPerChannel = 1,
): Promise<SeededTenant[]> {
  const users = api.app.get(DataSource).getRepository(User);
  const credentials = api.app.get(CredentialsService);
  const channels = api.app.get(ChannelsService);
  const tokens = api.app.get(TokenService);
  const out: SeededTenant[] = [];
  for (const account of accounts) {
    const user = await users.save(
      users.create({
        email: `bench-${account.phone}@example.test`,
        passwordHash: null,
        telegramUserId: null,
        role: UserRole.Tenant,
        status: UserStatus.Active,
      }),
    );
    await credentials.update(
      user.id,
      {
        telegramApiId: API_ID,
        telegramApiHash: API_HASH,
        telegramPhone: `+${account.phone}`,
        sessionString: account.session,
        isMtprotoVerified: true,
      },
      systemActor(),
    );
    const username = `bench${account.phone}`;
    const channel = world.sandbox.world.createChannel({ title: username, username, ownerPhone: account.phone });
    for (let i = 0; i < postsPerChannel; i++) world.sandbox.world.postToChannel(channel.id, { text: `post ${i + 1}` });
    const row = await channels.create(user.id, { username });
    const pair = await tokens.issue(user);
    out.push({
      tenantId: user.id,
      channelId: row.id,
      sandboxChannelId: channel.id,
      headers: { Authorization: `Bearer ${pair.access_token}` },
      account,
    });
  }
  return out;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = present(sorted[mid], 'a value to take the median of');
  return sorted.length % 2 ? upper : (present(sorted[mid - 1], 'the lower middle value') + upper) / 2;
}
