/**
 * The module graph as docs/architecture.md draws it: no import cycles between files or between
 * feature folders, `@Global()` only for config and the database, no service-locator lookups, and
 * the lint rule that keeps each outside system's package inside its adapter files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import madge from 'madge';
import { productSourceFiles } from './helpers/source-files';

const SERVER = path.join(__dirname, '..');
const MODULES = path.join(SERVER, 'src/modules');

/**
 * Folders caught in a cycle: the strongly connected components (Tarjan) of the graph whose nodes are
 * `src/modules/<folder>` and whose edges are any file's import from one folder into another.
 */
function folderCycles(files: Record<string, string[]>): string[][] {
  const folderOf = (file: string) => file.split('/')[0] ?? file;
  const edges = new Map<string, Set<string>>();
  for (const [file, imports] of Object.entries(files)) {
    const from = folderOf(file);
    const out = edges.get(from) ?? new Set<string>();
    edges.set(from, out);
    for (const target of imports) {
      const to = folderOf(target);
      if (to !== from && !to.startsWith('.')) out.add(to);
    }
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const connect = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member !== undefined) component.push(member);
      } while (member !== undefined && member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) connect(node);
  return components;
}

describe('architecture', () => {
  let graph: Record<string, string[]>;
  let fileCycles: string[][];

  beforeAll(async () => {
    const result = await madge(MODULES, {
      fileExtensions: ['ts'],
      tsConfig: path.join(SERVER, 'tsconfig.json'),
      excludeRegExp: [/\.spec\.ts$/],
    });
    graph = result.obj();
    fileCycles = result.circular();
  }, 60_000);

  it('has no import cycle between files', () => {
    expect(Object.keys(graph).length).toBeGreaterThan(50);
    expect(fileCycles).toEqual([]);
  });

  it('has no import cycle between feature folders', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('makes only config and the database global', () => {
    const globals = productSourceFiles(path.join(SERVER, 'src'))
      .filter((file) => /@Global\(\)/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(SERVER, file))
      .sort();
    expect(globals).toEqual(['src/config/config.module.ts', 'src/modules/database/database.module.ts']);
  });

  it('wires modules by imports, never by ModuleRef lookups', () => {
    const lookups = productSourceFiles(path.join(SERVER, 'src'))
      .filter((file) => /\bModuleRef\b/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(SERVER, file));
    expect(lookups).toEqual([]);
  });

  describe('the outside-systems import rule', () => {
    /**
     * ESLint's CLI on probe files written beside a feature module for the length of one run (jest's
     * module loader cannot load the flat config, and type-aware linting reads the files from disk).
     * Every probe goes through the same run: the type-aware program is built once, not once per probe.
     */
    const OUTSIDE_PACKAGES = [
      'telegraf',
      'telegraf/types',
      'telegram',
      'telegram/tl',
      'ioredis',
      'bullmq',
      'pg',
      'busboy',
    ];
    const PROBES = {
      outside: OUTSIDE_PACKAGES.map((name) => `import '${name}';\n`).join(''),
      bullmqTypes: "import type { Job } from 'bullmq';\n\nexport type ProbeJob = Job;\n",
    };
    type Message = { ruleId: string | null; message: string };
    let reports: Record<keyof typeof PROBES, Message[]>;

    beforeAll(() => {
      const files = Object.fromEntries(
        Object.keys(PROBES).map((k) => [k, path.join(MODULES, 'posts', `architecture-probe-${k}-${process.pid}.ts`)]),
      ) as Record<keyof typeof PROBES, string>;
      try {
        for (const [k, file] of Object.entries(files)) fs.writeFileSync(file, PROBES[k as keyof typeof PROBES]);
        const bin = path.join(path.dirname(require.resolve('eslint')), '..', 'bin', 'eslint.js');
        const run = spawnSync(process.execPath, [bin, '--format', 'json', ...Object.values(files)], {
          cwd: SERVER,
          encoding: 'utf8',
        });
        const byFile = new Map(
          (JSON.parse(run.stdout) as { filePath: string; messages: Message[] }[]).map((r) => [r.filePath, r.messages]),
        );
        reports = Object.fromEntries(
          Object.entries(files).map(([k, file]) => {
            const messages = byFile.get(file);
            if (!messages) throw new Error(`ESLint did not lint ${file}: ${run.stderr}`);
            return [k, messages];
          }),
        ) as typeof reports;
      } finally {
        for (const file of Object.values(files)) fs.rmSync(file, { force: true });
      }
    }, 90_000);

    it('fails the lint on a telegraf, gramjs, ioredis, bullmq, pg or busboy import outside its adapter', () => {
      const flagged = reports.outside
        .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
        .map((m) => /'([^']+)'/.exec(m.message)?.[1]);
      expect(flagged).toEqual(OUTSIDE_PACKAGES);
    });

    it('lets anyone import bullmq types', () => {
      expect(reports.bullmqTypes).toEqual([]);
    });
  });
});
