// Validates Kubernetes resources (a JSON array on stdin) against their schemas with kubernetes-models
// and @kubernetes-models/prometheus-operator, and prints one line of JSON: the problems found, by
// resource. A separate Node process because both packages are ES modules only, which Jest's
// CommonJS runtime cannot load.
import { readFileSync } from 'node:fs';

const OPERATOR_GROUPS = new Set(['monitoring.coreos.com']);

/** The module that holds a kind's model: `kubernetes-models/<group>/<version>`, core as `kubernetes-models/v1`. */
function modelModule(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (OPERATOR_GROUPS.has(group)) return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}

const resources = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const resource of resources) {
  const name = `${resource.apiVersion} ${resource.kind} ${resource.metadata?.name ?? '?'}`;
  let models;
  try {
    models = await import(modelModule(resource.apiVersion));
  } catch {
    problems.push({ resource: name, error: `no schema for apiVersion ${resource.apiVersion}` });
    continue;
  }
  const Model = models[resource.kind];
  if (typeof Model !== 'function') {
    problems.push({ resource: name, error: `no schema for kind ${resource.kind} in ${resource.apiVersion}` });
    continue;
  }
  try {
    new Model(resource).validate();
  } catch (err) {
    problems.push({ resource: name, error: err.message });
  }
}
process.stdout.write(JSON.stringify(problems));
