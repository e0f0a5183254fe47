/**
 * Memory and CPU of idle tenant sessions held by one worker pod: N tenants with genuine
 * authorized sessions (real logins against the sandbox), each connected by a worker running in a
 * process of its own (the real entry point, ROLE=worker) through the product's own path (API
 * call -> Redis -> owning worker -> pooled gramjs client). RSS growth per session is measured
 * between a warm-up of WARM sessions and all N; CPU over a window of idle time longer than the
 * pool's keep-alive round, so it includes every session's ping and the lease renewals.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import * as path from 'node:path';
import { ChannelHistoryService } from '../src/modules/user-mtproto/channel-history.service';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { BenchRow } from './lib/report';
import { seedTenants, SeededTenant, signInAccounts, startBenchApp, startBenchWorld } from './mtproto-setup';

const N = Number(process.env.BENCH_MTPROTO_SESSIONS ?? 1000);
const WARM = Math.min(20, Math.floor(N / 10));
/** Longer than the pool's one-minute keep-alive round, so every session pings inside the window. */
const CPU_WINDOW_MS = 75_000;
const SETTLE_MS = 10_000;
const CLK_TCK = 100;

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]);
}

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command name.
  return Number(fields[11]) + Number(fields[12]);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined);
    if (res?.ok) return proc;
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('the worker process did not start');
    await sleep(200);
  }
}

async function inBatches(items: SeededTenant[], concurrency: number, fn: (t: SeededTenant) => Promise<unknown>) {
  // One iterator shared by every worker: each takes the next tenant not yet taken.
  const queue = items.values();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (const item of queue) await fn(item);
    }),
  );
}

export default async function idleSessions(): Promise<BenchRow[]> {
  const world = await startBenchWorld();
  const api = await startBenchApp(world, { ROLE: 'api', MTPROTO_CALL_TIMEOUT_SECONDS: '120' });
  let worker: ChildProcess | undefined;
  try {
    const accounts = await signInAccounts(world, api.app.get(MtprotoClientFactory), N);
    const tenants = await seedTenants(api, world, accounts);
    worker = await startWorker({
      ...world.env,
      ROLE: 'worker',
      MTPROTO_POOL_MAX: String(N + 100),
      MTPROTO_IDLE_SECONDS: '86400',
    });
    const pid = worker.pid!;
    const history = api.app.get(ChannelHistoryService);
    const connect = (t: SeededTenant) => history.history(t.tenantId, t.channelId, { limit: 1, offsetId: 0 });

    await inBatches(tenants.slice(0, WARM), 8, connect);
    await sleep(SETTLE_MS);
    const rss0 = rssKb(pid);
    await inBatches(tenants.slice(WARM), 16, connect);
    const stats = (await (await fetch(`${world.sandbox.httpUrl}/sandbox/mtproto/stats`)).json()) as {
      connections: number;
    };
    await sleep(SETTLE_MS);
    const rss1 = rssKb(pid);
    const ticks0 = cpuTicks(pid);
    await sleep(CPU_WINDOW_MS);
    const ticks1 = cpuTicks(pid);

    const perSessionMb = (rss1 - rss0) / (N - WARM) / 1024;
    const cpuPercent = ((ticks1 - ticks0) / CLK_TCK / (CPU_WINDOW_MS / 1000)) * 100;
    return [
      {
        name: `RSS growth per connected idle session (N=${N})`,
        value: perSessionMb,
        unit: 'MB',
        goal: '<= 1 MB',
        met: perSessionMb <= 1,
        notes: `worker RSS ${Math.round(rss0 / 1024)} MB with ${WARM} sessions, ${Math.round(rss1 / 1024)} MB with ${N}; sandbox saw ${stats.connections} connections`,
      },
      {
        name: `CPU of ${N} idle sessions (one worker)`,
        value: cpuPercent,
        unit: '% of a core',
        goal: '<= 10%',
        met: cpuPercent <= 10,
        notes: `${CPU_WINDOW_MS / 1000} s window`,
      },
    ];
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000)]);
      if (worker.exitCode === null) worker.kill('SIGKILL');
    }
    await api.app.close();
    await world.close();
  }
}
