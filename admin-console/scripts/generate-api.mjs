#!/usr/bin/env node
// Writes the console's typed API client, and the validation keywords of what the console sends (request bodies and
// query parameters: ranges, lengths, patterns, formats, enums) for its form validators, from the committed
// server/openapi.json.
//   node admin-console/scripts/generate-api.mjs           regenerate
//   node admin-console/scripts/generate-api.mjs --check   exit 1 when a committed file is stale
// No dependencies and no network: it reads only the OpenAPI subset the server's generator emits.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SPEC = path.resolve(here, '..', '..', 'server', 'openapi.json');
const OUT = path.resolve(here, '..', 'src', 'app', 'core', 'api', 'api.generated.ts');
const SCHEMA_OUT = path.resolve(here, '..', 'src', 'app', 'core', 'api', 'api-schema.generated.ts');

/** The routes the console calls; other routes (tenant-facing) are not its business. */
const CONSOLE_PATHS = [/^\/api\/admin\//, /^\/api\/auth\//, /^\/api\/me$/];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const spec = JSON.parse(readFileSync(SPEC, 'utf8'));
const schemas = spec.components?.schemas ?? {};

const refName = (ref) => ref.replace('#/components/schemas/', '');
const quote = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const isIdentifier = (s) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
const key = (s) => (isIdentifier(s) ? s : quote(s));
const constName = (name) => `${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_VALUES`;

function typeOf(schema, used, indent = '') {
  if (!schema) return 'unknown';
  let t;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    used.add(name);
    t = name;
  } else if (schema.allOf) {
    t = schema.allOf.map((s) => typeOf(s, used, indent)).join(' & ');
  } else if (schema.oneOf || schema.anyOf) {
    t = (schema.oneOf ?? schema.anyOf).map((s) => typeOf(s, used, indent)).join(' | ');
  } else if (schema.enum) {
    t = schema.enum.map((v) => (typeof v === 'string' ? quote(v) : String(v))).join(' | ');
  } else if (schema.type === 'array') {
    const item = typeOf(schema.items, used, indent);
    t = /[ |&]/.test(item) ? `(${item})[]` : `${item}[]`;
  } else if (schema.type === 'object' || schema.properties) {
    t = objectType(schema, used, indent);
  } else if (schema.type === 'integer' || schema.type === 'number') {
    t = 'number';
  } else if (schema.type === 'boolean') {
    t = 'boolean';
  } else if (schema.type === 'string') {
    t = 'string';
  } else {
    t = 'unknown';
  }
  return schema.nullable ? `${t} | null` : t;
}

function objectType(schema, used, indent) {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) {
    return schema.additionalProperties ? 'Record<string, unknown>' : 'Record<string, never>';
  }
  const required = new Set(schema.required ?? []);
  const inner = `${indent}  `;
  const lines = props.map(([name, prop]) => {
    const doc = prop.description ? `${inner}/** ${prop.description.replace(/\*\//g, '* /')} */\n` : '';
    return `${doc}${inner}${key(name)}${required.has(name) ? '' : '?'}: ${typeOf(prop, used, inner)};`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

const camel = (operationId) => {
  const [tag, name] = operationId.split('_');
  return tag.charAt(0).toLowerCase() + tag.slice(1) + name.charAt(0).toUpperCase() + name.slice(1);
};

const used = new Set();
const methods = [];
/** Request body schemas by name, and query parameters by "METHOD /route", for api-schema.generated.ts. */
const bodySchemas = new Map();
const querySchemas = new Map();
for (const [route, ops] of Object.entries(spec.paths).sort(([a], [b]) => a.localeCompare(b))) {
  if (!CONSOLE_PATHS.some((re) => re.test(route))) continue;
  for (const method of METHODS) {
    const op = ops[method];
    if (!op) continue;
    const params = op.parameters ?? [];
    const pathParams = params.filter((p) => p.in === 'path');
    const queryParams = params.filter((p) => p.in === 'query');
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (body?.$ref) bodySchemas.set(refName(body.$ref), schemas[refName(body.$ref)]);
    if (queryParams.length > 0) querySchemas.set(`${method.toUpperCase()} ${route}`, queryParams);
    const okCode = Object.keys(op.responses).find((c) => /^2/.test(c));
    const okSchema = op.responses[okCode]?.content?.['application/json']?.schema;
    const response = okSchema ? typeOf(okSchema, used) : 'void';
    const args = [];
    for (const p of pathParams) args.push(`${p.name}: string`);
    if (body) args.push(`body: ${typeOf(body, used)}`);
    if (queryParams.length > 0) {
      const fields = queryParams.map((p) => `${key(p.name)}${p.required ? '' : '?'}: ${typeOf(p.schema, used)}`);
      const allOptional = queryParams.every((p) => !p.required);
      args.push(`query${allOptional ? '?' : ''}: { ${fields.join('; ')} }`);
    }
    const url = route.replace(/\{([^}]+)\}/g, (_, name) => `\${encodeURIComponent(${name})}`);
    const options = [];
    if (queryParams.length > 0) options.push('params: queryParams(query)');
    if (!okSchema) options.push("responseType: 'text' as 'json'");
    const call =
      method === 'get' || method === 'delete'
        ? `this.http.${method}<${response}>(\`${url}\`${options.length ? `, { ${options.join(', ')} }` : ''})`
        : `this.http.${method}<${response}>(\`${url}\`, ${body ? 'body' : 'null'}${options.length ? `, { ${options.join(', ')} }` : ''})`;
    const summary = [op.summary, `${method.toUpperCase()} ${route}`].filter(Boolean).join(' — ');
    methods.push(
      `  /** ${summary} */\n  ${camel(op.operationId)}(${args.join(', ')}): Observable<${response}> {\n    return ${call};\n  }`,
    );
  }
}

// Schemas reached from the console's routes, and the schemas those reach in turn.
const declarations = [];
const emitted = new Set();
const queue = [...used];
while (queue.length > 0) {
  const name = queue.shift();
  if (emitted.has(name)) continue;
  emitted.add(name);
  const schema = schemas[name];
  const more = new Set();
  if (schema.enum) {
    declarations.push([
      name,
      `export const ${constName(name)} = [${schema.enum.map(quote).join(', ')}] as const;\nexport type ${name} = (typeof ${constName(name)})[number];`,
    ]);
  } else {
    const doc = schema.description ? `/** ${schema.description} */\n` : '';
    declarations.push([name, `${doc}export interface ${name} ${objectType(schema, more, '')}`]);
  }
  for (const m of more) if (!emitted.has(m)) queue.push(m);
}
declarations.sort(([a], [b]) => a.localeCompare(b));

const output = `// Generated by admin-console/scripts/generate-api.mjs from server/openapi.json. Do not edit:
// run \`node admin-console/scripts/generate-api.mjs\` after \`npm run openapi\`.
import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';

${declarations.map(([, d]) => d).join('\n\n')}

type QueryValue = string | number | boolean | Date | null | undefined;

/** Drops empty values so an unset filter is absent from the URL rather than sent as "". */
function queryParams(query: Record<string, QueryValue> | undefined): HttpParams {
  let params = new HttpParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params = params.set(name, value instanceof Date ? value.toISOString() : String(value));
  }
  return params;
}

/** One method per server route the console uses; paths, bodies and answers typed from the OpenAPI document. */
@Injectable({ providedIn: 'root' })
export class TenantgramApi {
  private readonly http = inject(HttpClient);

${methods.join('\n\n')}
}
`;

// The JSON Schema keywords a form validator can enforce; descriptions and examples stay in api.generated.ts.
const KEYWORDS = [
  'type',
  'format',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'default',
  'nullable',
];

/** The validation keywords of one field, with a reference to a named schema (an enum) followed. */
function rules(schema) {
  const resolved = schema?.$ref ? schemas[refName(schema.$ref)] : (schema ?? {});
  return Object.fromEntries(KEYWORDS.filter((k) => resolved[k] !== undefined).map((k) => [k, resolved[k]]));
}

function literal(value, indent = '') {
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, indent)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${literal(v, inner)},`).join('\n')}\n${indent}}`;
  }
  return typeof value === 'string' ? quote(value) : String(value);
}

const sortedEntries = (map) => [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
const bodies = Object.fromEntries(
  sortedEntries(bodySchemas).map(([name, schema]) => [
    name,
    {
      required: schema.required ?? [],
      properties: Object.fromEntries(Object.entries(schema.properties ?? {}).map(([p, s]) => [p, rules(s)])),
    },
  ]),
);
const queries = Object.fromEntries(
  sortedEntries(querySchemas).map(([route, params]) => [
    route,
    Object.fromEntries(params.map((p) => [p.name, { required: p.required === true, ...rules(p.schema) }])),
  ]),
);

const schemaOutput = `// Generated by admin-console/scripts/generate-api.mjs from server/openapi.json. Do not edit:
// run \`node admin-console/scripts/generate-api.mjs\` after \`npm run openapi\`.
// The validation keywords of what the console sends, so its forms check the server's own bounds.

/** Request bodies the console sends, by schema name: required properties and each property's keywords. */
export const BODY_SCHEMAS = ${literal(bodies)} as const;

/** Query parameters of the console's routes, by "METHOD /route": whether required, and each one's keywords. */
export const QUERY_SCHEMAS = ${literal(queries)} as const;
`;

const outputs = [
  [OUT, output],
  [SCHEMA_OUT, schemaOutput],
];

if (process.argv.includes('--check')) {
  const stale = outputs.filter(([file, text]) => {
    try {
      return readFileSync(file, 'utf8') !== text;
    } catch {
      // A missing file is as stale as an old one.
      return true;
    }
  });
  if (stale.length > 0) {
    const names = stale.map(([file]) => path.relative(process.cwd(), file)).join(' and ');
    process.stderr.write(
      `${names} ${stale.length > 1 ? 'are' : 'is'} stale: server/openapi.json changed. ` +
        'Run `node admin-console/scripts/generate-api.mjs` and commit the result.\n',
    );
    process.exit(1);
  }
  process.stdout.write('The API client and schema constants match server/openapi.json.\n');
} else {
  for (const [file, text] of outputs) {
    writeFileSync(file, text);
    process.stdout.write(`Wrote ${path.relative(process.cwd(), file)}\n`);
  }
}
