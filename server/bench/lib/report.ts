/** What one benchmark file reports: rows for the table, each with its goal and whether it was met. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The figure it is compared against in the same run (e.g. the plain-library baseline). */
  baseline?: number;
  /** value / baseline, when both exist. */
  ratio?: number;
  goal?: string;
  met?: boolean;
  notes?: string;
}

export interface BenchReport {
  bench: string;
  startedAt: string;
  seconds: number;
  machine: { cpus: number; node: string; platform: string };
  rows: BenchRow[];
}

export type BenchFn = () => Promise<BenchRow[]>;

export function ratioRow(
  name: string,
  value: number,
  baseline: number,
  unit: string,
  goal: { min?: number; max?: number; text: string },
  notes?: string,
): BenchRow {
  const ratio = baseline > 0 ? value / baseline : Number.NaN;
  const met = (goal.min === undefined || ratio >= goal.min) && (goal.max === undefined || ratio <= goal.max);
  return { name, value, baseline, ratio, unit, goal: goal.text, met, notes };
}

export function formatTable(reports: BenchReport[]): string {
  const header = ['bench', 'measure', 'value', 'baseline', 'ratio', 'goal', 'met'];
  const rows = reports.flatMap((r) =>
    r.rows.map((row) => [
      r.bench,
      row.name,
      `${round(row.value)} ${row.unit}`,
      row.baseline === undefined ? '' : `${round(row.baseline)} ${row.unit}`,
      row.ratio === undefined ? '' : `${round(row.ratio)}×`,
      row.goal ?? '',
      row.met === undefined ? '' : row.met ? 'yes' : 'NO',
    ]),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

function round(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}
