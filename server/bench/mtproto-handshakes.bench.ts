/**
 * Key exchanges per second of the sandbox's MTProto door alone: the sandbox runs in a process of
 * its own (in-memory world, no product app), and mtcute clients in this process each make a new
 * auth key (req_pq_multi → req_DH_params → set_client_DH_params) over the intermediate transport
 * and answer one help.getNearestDc. Reported: completed handshakes per second of wall time, and
 * per second of the sandbox process's own CPU (its capacity, whatever the clients cost).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BaseTelegramClient, MemoryStorage } from '@mtcute/node';
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js';
import { BenchRow } from './lib/report';

const DURATION_MS = Number(process.env.BENCH_HANDSHAKE_SECONDS ?? 20) * 1000;
const CONCURRENCY = Number(process.env.BENCH_HANDSHAKE_CONCURRENCY ?? 4);
const CLK_TCK = 100;

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function startSandboxProcess(): Promise<{ proc: ChildProcess; mtprotoPort: number; httpPort: number }> {
  const script =
    "require('./src/sandbox').startSandbox({ httpPort: 0, mtprotoPort: 0 })" +
    '.then((s) => console.log(JSON.stringify({ mtprotoPort: s.mtprotoPort, httpPort: s.httpPort })))';
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    proc.on('exit', () => reject(new Error('the sandbox process exited')));
  });
  return { proc, ...(JSON.parse(line) as { mtprotoPort: number; httpPort: number }) };
}

async function handshakes(httpPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/sandbox/mtproto/stats`);
  return ((await res.json()) as { handshakes: number }).handshakes;
}

export default async function handshakesBench(): Promise<BenchRow[]> {
  const { proc, mtprotoPort, httpPort } = await startSandboxProcess();
  try {
    const key = (await (await fetch(`http://127.0.0.1:${httpPort}/sandbox/mtproto/public-key`)).json()) as {
      pem: string;
    };
    const crypto = new NodeCryptoProvider();
    await crypto.initialize();
    addPublicKey(crypto, key.pem);
    const dc = { id: 2, ipAddress: '127.0.0.1', port: mtprotoPort, ipv6: false };
    const once = async (): Promise<void> => {
      const client = new BaseTelegramClient({
        apiId: 94575,
        apiHash: 'a3406de8d171bb422bb6ddf3bbd800e2',
        storage: new MemoryStorage(),
        crypto,
        defaultDcs: { main: dc, media: dc },
        updates: false,
        logLevel: 0,
      });
      try {
        await client.connect();
        await client.call({ _: 'help.getNearestDc' });
      } finally {
        await client.destroy();
      }
    };
    await once(); // warm-up: the DH prime check and JIT
    const before = await handshakes(httpPort);
    const cpuBefore = cpuTicks(proc.pid ?? 0);
    const started = Date.now();
    let failures = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() - started < DURATION_MS) await once().catch(() => (failures += 1));
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const done = (await handshakes(httpPort)) - before;
    const cpuSeconds = (cpuTicks(proc.pid ?? 0) - cpuBefore) / CLK_TCK;
    return [
      {
        name: 'MTProto handshakes per second (sandbox process alone, mtcute clients)',
        value: Math.round((done / seconds) * 10) / 10,
        unit: 'handshakes/s',
        notes: `${done} keys in ${seconds.toFixed(1)} s, ${CONCURRENCY} clients at a time, ${failures} failures; clients share the machine`,
      },
      {
        name: 'MTProto handshakes per sandbox CPU-second',
        value: cpuSeconds > 0 ? Math.round(done / cpuSeconds) : 0,
        unit: 'handshakes/CPU-s',
        notes: `sandbox CPU ${((cpuSeconds * 1000) / Math.max(done, 1)).toFixed(1)} ms per key exchange + one call`,
      },
    ];
  } finally {
    proc.kill('SIGTERM');
  }
}
