// Validates Kubernetes resources (a JSON array on stdin) and prints one line of JSON: the problems
// found, by resource. Two checks: each resource against its schema with kubernetes-models and
// @kubernetes-models/prometheus-operator (types, required fields, formats), then its fields against
// the same packages' TypeScript declarations, whose excess-property check names any field the kind
// does not have (the schemas let unknown fields through). A separate Node process because both
// packages are ES modules only, which Jest's CommonJS runtime cannot load.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const OPERATOR_GROUPS = new Set(['monitoring.coreos.com']);

/** The module that holds a kind's model: `kubernetes-models/<group>/<version>`, core as `kubernetes-models/v1`. */
function modelModule(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (OPERATOR_GROUPS.has(group)) return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}

const nameOf = (r) => `${r.apiVersion} ${r.kind} ${r.metadata?.name ?? '?'}`;

/** Schema validation; answers the resources whose kind has a model, for the field check. */
async function schemaCheck(resources, problems) {
  const known = [];
  for (const resource of resources) {
    let models;
    try {
      models = await import(modelModule(resource.apiVersion));
    } catch {
      problems.push({ resource: nameOf(resource), error: `no schema for apiVersion ${resource.apiVersion}` });
      continue;
    }
    const Model = models[resource.kind];
    if (typeof Model !== 'function') {
      problems.push({
        resource: nameOf(resource),
        error: `no schema for kind ${resource.kind} in ${resource.apiVersion}`,
      });
      continue;
    }
    known.push(resource);
    try {
      new Model(resource).validate();
    } catch (err) {
      problems.push({ resource: nameOf(resource), error: err.message });
    }
  }
  return known;
}

/**
 * Type-checks each resource as an object literal of its kind's interface, one per line of a
 * virtual module beside this script (so the packages resolve from node_modules).
 */
function fieldCheck(resources, problems) {
  if (resources.length === 0) return;
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '__manifests__.mts');
  const lines = [];
  resources.forEach((r, i) => {
    lines.push(`import type { I${r.kind} as T${i} } from '${modelModule(r.apiVersion)}/${r.kind}';`);
  });
  const first = lines.length;
  resources.forEach((r, i) => lines.push(`export const r${i}: T${i} = ${JSON.stringify(r)};`));
  const source = lines.join('\n');
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const resource = resources[line - first];
    problems.push({ resource: resource ? nameOf(resource) : 'manifests', error: message });
  }
}

const resources = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
fieldCheck(await schemaCheck(resources, problems), problems);
process.stdout.write(JSON.stringify(problems));
