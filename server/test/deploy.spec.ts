import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAll } from 'js-yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const BASE = path.join(ROOT, 'deploy', 'base');

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: any;
}

function load(file: string): K8sObject[] {
  return loadAll(fs.readFileSync(path.join(BASE, file), 'utf8')).filter(Boolean) as K8sObject[];
}

describe('deploy manifests', () => {
  const kustomization = load('kustomization.yaml')[0] as unknown as { resources: string[] };
  const objects = kustomization.resources.flatMap(load);
  const byName = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  it('lists only files that exist, in base and overlays', () => {
    for (const r of kustomization.resources) expect(fs.existsSync(path.join(BASE, r))).toBe(true);
    const overlay = path.join(ROOT, 'deploy', 'overlays', 'production');
    const o = loadAll(fs.readFileSync(path.join(overlay, 'kustomization.yaml'), 'utf8'))[0] as { resources: string[] };
    for (const r of o.resources) expect(fs.existsSync(path.join(overlay, r))).toBe(true);
  });

  it('runs one image in the api and worker roles with the app’s real probe paths', () => {
    for (const [name, role] of [
      ['tenantgram-api', 'api'],
      ['tenantgram-worker', 'worker'],
    ] as const) {
      const d = byName('Deployment', name);
      const c = d?.spec.template.spec.containers[0];
      expect(c.image).toBe('tenantgram');
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'ROLE', value: role }]));
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/health/live');
      expect(c.envFrom).toEqual(expect.arrayContaining([{ secretRef: { name: 'tenantgram-secrets' } }]));
    }
  });

  it('migrates with the compiled migration command the build produces', () => {
    const job = byName('Job', 'tenantgram-migrate');
    const command: string[] = job?.spec.template.spec.containers[0].command;
    expect(command.slice(0, 2)).toEqual(['node', 'server/dist/server/src/cli/migration.js']);
    expect(fs.existsSync(path.join(ROOT, 'server', 'src', 'cli', 'migration.ts'))).toBe(true);
    const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'server', 'tsconfig.build.json'), 'utf8'));
    expect(build.compilerOptions.outDir).toBe('dist');
    expect(build.compilerOptions.rootDir).toBe('..');
  });

  it('has autoscaling, disruption budgets and a network policy for both roles', () => {
    expect(byName('HorizontalPodAutoscaler', 'tenantgram-api')).toBeDefined();
    expect(byName('HorizontalPodAutoscaler', 'tenantgram-worker')).toBeDefined();
    expect(byName('PodDisruptionBudget', 'tenantgram-api')).toBeDefined();
    expect(byName('PodDisruptionBudget', 'tenantgram-worker')).toBeDefined();
    expect(byName('NetworkPolicy', 'tenantgram')).toBeDefined();
  });

  it('never commits a secret value', () => {
    const text = kustomization.resources.map((r) => fs.readFileSync(path.join(BASE, r), 'utf8')).join('\n');
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(text).not.toMatch(/\d{6,}:[A-Za-z0-9_-]{30,}/);
  });
});
