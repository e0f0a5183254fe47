/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command
 * line), prints one table and writes `bench/results/<name>.json` per file plus
 * `bench/results/latest.json`.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchFn, BenchReport, formatTable } from './lib/report';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  if (files.length === 0) throw new Error(`No benchmark matches ${only.join(', ') || '*.bench.ts'}.`);
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const reports: BenchReport[] = [];
  for (const file of files) {
    const bench = file.replace(/\.bench\.ts$/, '');
    console.log(`running ${bench}…`);
    const mod = (await import(path.join(__dirname, file))) as { default: BenchFn };
    const started = Date.now();
    const rows = await mod.default();
    const report: BenchReport = {
      bench,
      startedAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
      machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
      rows,
    };
    reports.push(report);
    fs.writeFileSync(path.join(outDir, `${bench}.json`), `${JSON.stringify(report, null, 2)}\n`);
  }
  fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(reports, null, 2)}\n`);
  console.log(`\n${formatTable(reports)}\n\nJSON: ${path.relative(process.cwd(), outDir)}/`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
