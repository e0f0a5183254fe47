import { execFileSync } from 'node:child_process';
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

/** `kubectl kustomize <dir>`'s resources. */
function kustomize(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(ROOT, dir)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return loadAll(out).filter(Boolean) as K8sObject[];
}

/** Problems kubernetes-models finds in the resources (an ES-module-only library, so run in its own Node process). */
function schemaProblems(resources: unknown[]): { resource: string; error: string }[] {
  const out = execFileSync('node', [path.join(__dirname, '..', 'scripts', 'validate-manifests.mjs')], {
    input: JSON.stringify(resources),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as { resource: string; error: string }[];
}

describe('kustomize builds', () => {
  // Each validation starts Node and the TypeScript checker: seconds, more on a busy machine.
  jest.setTimeout(180_000);

  const builds = { base: kustomize('deploy/base'), production: kustomize('deploy/overlays/production') };

  it('validates every resource of the base and production builds against its schema and its fields', () => {
    expect(builds.base.length).toBeGreaterThan(5);
    expect(builds.production.length).toBeGreaterThan(builds.base.length);
    expect(schemaProblems([...builds.base, ...builds.production])).toEqual([]);
  });

  it('finds a manifest mistake: a misspelt field, a string for a number, an unknown kind', () => {
    const rule = builds.production.find((o) => o.kind === 'PrometheusRule');
    const deployment = builds.production.find((o) => o.kind === 'Deployment');
    const broken = structuredClone([rule, deployment]) as K8sObject[];
    const firstRule = broken[0]?.spec.groups[0].rules[0];
    firstRule.exrp = firstRule.expr;
    delete firstRule.expr;
    broken[1]!.spec.replicas = 'three';
    broken.push({ ...structuredClone(rule!), kind: 'PrometheusRules' });
    const misspelt = structuredClone(deployment!);
    const container = misspelt.spec.template.spec.containers[0];
    container.imagee = container.image;
    broken.push(misspelt);
    const problems = schemaProblems(broken);
    expect(problems.map((p) => p.error)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('must have required property expr'),
        expect.stringContaining('replicas must be integer'),
        expect.stringContaining('no schema for kind PrometheusRules'),
        expect.stringMatching(/'"?imagee"?' does not exist in type/),
      ]),
    );
  });

  it('monitors both roles in production: a ServiceMonitor over their Services, alerts and a Grafana dashboard', () => {
    const prod = builds.production;
    const monitor = prod.find((o) => o.kind === 'ServiceMonitor');
    const selected = prod.filter(
      (o) =>
        o.kind === 'Service' &&
        Object.entries(monitor?.spec.selector.matchLabels as Record<string, string>).every(
          ([k, v]) => (o.metadata as { labels?: Record<string, string> }).labels?.[k] === v,
        ),
    );
    const podSelectors = selected.map((s) => s.spec.selector['app.kubernetes.io/name'] as string).sort();
    expect(podSelectors).toEqual(['tenantgram-api', 'tenantgram-worker']);
    for (const s of selected) {
      expect(s.spec.ports).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'http', targetPort: 'http' })]),
      );
    }
    expect(monitor?.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);

    const alerts = prod
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((r) => (r.spec.groups as { rules: { alert: string }[] }[]).flatMap((g) => g.rules.map((x) => x.alert)));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'TenantgramMtprotoRevocationSpike',
        'TenantgramMtprotoFloodWaitSustained',
        'TenantgramPostsFailing',
        'TenantgramQueueBacklogOld',
        'TenantgramWebhookDeliveriesFailing',
        'TenantgramPodsNotReady',
      ]),
    );

    const dashboard = prod.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'tenantgram-dashboard') as
      (K8sObject & { metadata: { labels: Record<string, string> }; data: Record<string, string> }) | undefined;
    expect(dashboard?.metadata.labels.grafana_dashboard).toBe('1');
    const json = JSON.parse(dashboard?.data['tenantgram.json'] ?? '{}');
    expect(json.uid).toBe('tenantgram-platform');
    expect(json.panels.length).toBeGreaterThan(10);
    // The base stays free of the operator's kinds: it applies to clusters without them.
    expect(builds.base.some((o) => o.kind === 'ServiceMonitor' || o.kind === 'PrometheusRule')).toBe(false);
  });
});
