import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_JSON_DEPTH } from '../src/common/http/input-shape';
import { MAX_PAGE, MAX_PAGE_SIZE } from '../src/common/http/pagination';
import { INT32_MAX, INT64_MAX, INT64_MIN, MAX_DATE, MIN_DATE } from '../src/common/http/validators';
import { JWT_CLOCK_SKEW_SECONDS } from '../src/modules/auth/jwt.constants';
import { MAX_FIELD_BYTES, MAX_UPLOAD_BYTES } from '../src/modules/posts/multipart';

/** The README's limits table says what the code enforces. */
describe('README limits table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## What a client gets for bad input');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

  it('exists', () => {
    expect(start).toBeGreaterThan(0);
  });

  it('gives the values the code uses', () => {
    const row = (label: string): string => section.split('\n').find((l) => l.startsWith(`| ${label}`)) ?? '';
    expect(row('JSON nesting')).toContain(`| ${MAX_JSON_DEPTH} levels |`);
    expect(row('`page` / `page_size`')).toContain(`1 to ${MAX_PAGE.toLocaleString('en-US')} / 1 to ${MAX_PAGE_SIZE}`);
    expect(row('`telegram_api_id`')).toContain(`1 to ${INT32_MAX}`);
    expect(row('History `offset_id`')).toContain(`0 to ${INT32_MAX}`);
    expect(row('`telegram_id`')).toContain(`${String(INT64_MIN).replace('-', '−')} to ${INT64_MAX}`);
    expect(row('Dates')).toContain(`${MIN_DATE.toISOString().replace('.000', '')} to ${MAX_DATE.toISOString()}`);
    expect(row('Uploads')).toContain(`one file up to ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
    expect(row('Uploads')).toContain(`${MAX_FIELD_BYTES / 1024} KB each`);
    expect(row('Access tokens')).toContain(`at most ${JWT_CLOCK_SKEW_SECONDS} s in the future`);
  });
});
