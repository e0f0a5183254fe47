import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderOpenApi } from '../src/cli/openapi-document';

describe('OpenAPI document', () => {
  it('committed server/openapi.json matches the app (run `npm run openapi` after changing routes)', async () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', 'openapi.json'), 'utf8');
    const current = await renderOpenApi();
    expect(JSON.parse(committed)).toEqual(JSON.parse(current));
  });
});
