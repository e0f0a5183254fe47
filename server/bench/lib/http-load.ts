import * as http from 'node:http';

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** A body per request (may vary per call, e.g. a new update_id). */
  body: (i: number) => string;
  concurrency: number;
  /** Stop after this many requests or this many seconds, whichever first. */
  requests: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

/**
 * A small closed-loop load generator over keep-alive connections: the same
 * tool for both sides of every comparison, bounded in count and time, and
 * only ever pointed at loopback.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const target = new URL(opts.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error('Benchmarks only send traffic to loopback.');
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + opts.seconds * 1000;

  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const body = opts.body(i);
      const t0 = process.hrtime.bigint();
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: opts.method ?? 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...opts.headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if (res.statusCode !== undefined && res.statusCode < 300) ok++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });

  const workers = Array.from({ length: opts.concurrency }, async () => {
    while (next < opts.requests && Date.now() < deadline) await one(next++);
  });
  await Promise.all(workers);
  agent.destroy();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    requests: ok + failed,
    ok,
    failed,
    seconds,
    perSecond: (ok + failed) / seconds,
    p50ms: pct(0.5),
    p99ms: pct(0.99),
  };
}
