/* Writes server/openapi.json from the app itself (no database or Redis needed). */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderOpenApi } from './openapi-document';

export const OPENAPI_FILE = path.resolve(__dirname, '..', '..', 'openapi.json');

async function main(): Promise<void> {
  const text = await renderOpenApi();
  fs.writeFileSync(OPENAPI_FILE, text);
  process.stdout.write(`Wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
