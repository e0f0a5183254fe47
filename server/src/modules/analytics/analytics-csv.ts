import type { HttpReply } from '../../common/http/http-types';

type Cell = string | number | boolean | Date | null;

const cell = (v: Cell): string => {
  if (v === null) return '';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Rows as CSV (RFC 4180): a header row of `columns`, then one line per row; null is an empty cell. */
export function toCsv<R, C extends keyof R & string>(
  columns: readonly C[],
  rows: readonly (R & Record<C, Cell>)[],
): string {
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** Answers `body` as JSON, or as a CSV download named `name` when `format` is csv. */
export function answer<T>(
  res: HttpReply,
  format: string | undefined,
  body: T,
  csv: (body: T) => string,
  name: string,
): T | string {
  if (format !== 'csv') return body;
  res.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
  return csv(body);
}
