import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';

/** One scrape of /metrics, read. */
export interface Samples {
  /** The sum of the samples of `name` whose labels include `labels` (0 when none). */
  value(name: string, labels?: Record<string, string>): number;
  /** Whether a sample of `name` with these labels is in the scrape. */
  has(name: string, labels?: Record<string, string>): boolean;
  /** Every series name the scrape declares (a histogram's _bucket, _sum and _count included). */
  families: Set<string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads Prometheus's text format: written here because prom-client writes the format but does not
 * read it, and the specs need only names, labels and values.
 */
export function parseMetrics(text: string): Samples {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const families = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name = '', kind] = type;
      families.add(name);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) families.add(name + s);
      if (kind === 'summary') for (const s of ['_sum', '_count']) families.add(name + s);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = l[2] ?? '';
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  const matching = (name: string, want: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v));
  return {
    value: (name, labels = {}) => matching(name, labels).reduce((sum, s) => sum + s.value, 0),
    has: (name, labels = {}) => matching(name, labels).length > 0,
    families,
  };
}

const MONITORING = path.resolve(__dirname, '..', '..', '..', 'deploy', 'monitoring');

/** PromQL's words that are not series names. */
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'inf',
  'nan',
]);

/**
 * The series names a PromQL expression reads. A small scan rather than a parser (the project has
 * no PromQL parser): strings, label matchers, ranges, grouping clauses, numbers and Grafana
 * variables are dropped, then every word not followed by `(` and not a keyword is a series.
 */
export function seriesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, ' ');
  const out: string[] = [];
  for (const m of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, word = '', call] = m;
    if (call || PROMQL_WORDS.has(word.toLowerCase())) continue;
    out.push(word);
  }
  return out;
}

/** Every series name that the alerts and the Grafana dashboard under deploy/monitoring read. */
export function metricNamesOfDeploy(): Set<string> {
  const rule = load(fs.readFileSync(path.join(MONITORING, 'prometheusrule.yaml'), 'utf8')) as {
    spec: { groups: { rules: { expr: string }[] }[] };
  };
  const exprs = rule.spec.groups.flatMap((g) => g.rules.map((r) => String(r.expr)));
  const dashboard = JSON.parse(fs.readFileSync(path.join(MONITORING, 'dashboards', 'tenantgram.json'), 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
  };
  exprs.push(...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)));
  return new Set(exprs.flatMap(seriesOf));
}
