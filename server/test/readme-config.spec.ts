import { getMetadataStorage } from 'class-validator';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvSchema } from '../src/config/app-config';

describe('README configuration table', () => {
  it('documents every environment variable the config schema accepts', () => {
    const names = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(EnvSchema, '', true, false)
        .map((m) => m.propertyName),
    );
    expect(names.size).toBeGreaterThan(10);
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## API conventions'));
    const missing = [...names].filter((n) => !table.includes(`\`${n}\``)).sort();
    expect(missing).toEqual([]);
  });
});
