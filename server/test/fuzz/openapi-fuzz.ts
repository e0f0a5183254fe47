/**
 * Request generators for the API fuzz suite, driven by the committed OpenAPI document: every
 * operation it lists is enumerated, and for each one fast-check draws schema-valid values
 * (request body, query and path parameters) and hostile ones (a fixed corpus of values a database,
 * a JSON parser or a validator has been known to choke on).
 *
 * The schema-to-arbitrary mapping is written here because it needs only the small OpenAPI 3.0
 * subset the document uses ($ref into components, allOf, nullable, enum, formats uuid/date-time,
 * bounds), and the libraries that derive fast-check arbitraries from schemas target JSON Schema
 * drafts or zod, not OpenAPI's `nullable` and component references.
 */
import fc from 'fast-check';

export interface Schema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
  default?: unknown;
  additionalProperties?: boolean | Schema;
}

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface OperationObject {
  operationId?: string;
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; description?: string; content: Record<string, { schema?: Schema }> };
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Schema> };
  security?: Record<string, string[]>[];
}

export interface Parameter {
  name: string;
  required: boolean;
  schema: Schema;
}

export interface Operation {
  /** "GET /api/channels/{id}", as in the document. */
  key: string;
  method: string;
  /** The path template, e.g. /api/channels/{id}. */
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  /** JSON request body, when the operation takes one. */
  jsonBody?: Schema;
  /** multipart/form-data request body: its schema and the names of its file parts. */
  multipart?: { schema: Schema; fileFields: string[] };
  /** Whether the document asks for a bearer token. */
  secured: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation (method + path) of the document, in the document's order. */
export function operations(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const params = (op.parameters ?? []).map((p) => ({
        in: p.in,
        name: p.name,
        required: p.required ?? false,
        schema: p.schema ?? { type: 'string' as const },
      }));
      const content = op.requestBody?.content ?? {};
      const jsonBody = content['application/json']?.schema;
      const form = content['multipart/form-data']?.schema;
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        jsonBody,
        multipart: form && { schema: form, fileFields: fileFields(doc, form, op.requestBody?.description) },
        secured: (op.security ?? doc.security ?? []).length > 0,
      });
    }
  }
  return out;
}

/**
 * A multipart body's file parts: properties of format `binary`, and the part names its description
 * quotes after "file part" (a DTO shared with JSON cannot declare them as properties).
 */
function fileFields(doc: OpenApiDocument, schema: Schema, description = ''): string[] {
  const s = resolve(doc, schema);
  const names = Object.entries(s.properties ?? {})
    .filter(([, p]) => resolve(doc, p).format === 'binary')
    .map(([name]) => name);
  const said = /file part[^.]*/i.exec(description)?.[0] ?? '';
  for (const [, name = ''] of said.matchAll(/"([A-Za-z0-9_]+)"/g)) if (!names.includes(name)) names.push(name);
  return names.length ? names : ['file'];
}

/** Follows `$ref`s into the document's components and merges `allOf`. */
export function resolve(doc: OpenApiDocument, schema: Schema, seen = 0): Schema {
  if (seen > 32) throw new Error('schema references nest too deep');
  if (schema.$ref) {
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name ? doc.components?.schemas?.[name] : undefined;
    if (!target) throw new Error(`unresolved schema reference ${schema.$ref}`);
    const { $ref: _ref, ...rest } = schema;
    return resolve(doc, { ...target, ...rest }, seen + 1);
  }
  if (schema.allOf) {
    const { allOf, ...rest } = schema;
    const parts = allOf.map((s) => resolve(doc, s, seen + 1));
    return Object.assign({}, ...parts, rest) as Schema;
  }
  return schema;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const MAX_STRING = 64;

/** Strings of any kind: ASCII, full Unicode (astral planes, combining marks), within the bounds. */
function stringValue(minLength = 0, maxLength?: number): fc.Arbitrary<string> {
  const max = Math.min(maxLength ?? MAX_STRING, MAX_STRING);
  const min = Math.min(minLength, max);
  return fc
    .oneof(
      fc.string({ minLength: min, maxLength: max }),
      fc.string({ unit: 'grapheme', minLength: min, maxLength: max }),
    )
    .filter((s) => s.length >= minLength && (maxLength === undefined || s.length <= maxLength));
}

/** The type a schema without one means by its bounds or default (e.g. `{minimum: 1, default: 100}`). */
function impliedType(schema: Schema & { default?: unknown }): Schema['type'] {
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  if (typeof schema.default === 'number') return Number.isInteger(schema.default) ? 'integer' : 'number';
  if (schema.minimum !== undefined || schema.maximum !== undefined) return 'number';
  if (typeof schema.default === 'string' || schema.minLength !== undefined || schema.maxLength !== undefined)
    return 'string';
  if (typeof schema.default === 'boolean') return 'boolean';
  return undefined;
}

/** A value the schema accepts. */
export function validValue(doc: OpenApiDocument, raw: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  const base = ((): fc.Arbitrary<unknown> => {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (schema.type ?? impliedType(schema)) {
      case 'string':
        if (schema.format === 'uuid') return fc.uuid();
        if (schema.format === 'date-time' || schema.format === 'date') {
          return fc
            .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
            .map((d) => (schema.format === 'date' ? d.toISOString().slice(0, 10) : d.toISOString()));
        }
        if (schema.format === 'binary') return fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a));
        return stringValue(schema.minLength, schema.maxLength);
      case 'integer':
        return fc.integer({ min: schema.minimum ?? INT32_MIN, max: schema.maximum ?? INT32_MAX });
      case 'number':
        return fc.oneof(
          fc.integer({ min: schema.minimum ?? INT32_MIN, max: schema.maximum ?? INT32_MAX }),
          fc.double({
            min: schema.minimum ?? -1e9,
            max: schema.maximum ?? 1e9,
            noNaN: true,
            noDefaultInfinity: true,
          }),
        );
      case 'boolean':
        return fc.boolean();
      case 'array': {
        const minLength = schema.minItems ?? 0;
        const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, 3));
        if (depth > 4 && minLength === 0) return fc.constant([]);
        return fc.array(validValue(doc, schema.items ?? {}, depth + 1), { minLength, maxLength });
      }
      case 'object':
      case undefined: {
        if (!schema.properties) return schema.type === 'object' ? fc.constant({}) : fc.anything({ maxDepth: 2 });
        if (depth > 4) return fc.constant({});
        const shape: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, prop] of Object.entries(schema.properties)) shape[name] = validValue(doc, prop, depth + 1);
        return fc.record(shape, { requiredKeys: (schema.required ?? []).filter((k) => k in shape) });
      }
    }
  })();
  return schema.nullable ? fc.option(base, { nil: null, freq: 8 }) : base;
}

/** JSON text put into a body as is: numbers no double can hold, keys JSON.stringify would not write. */
export class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export interface Hostile {
  name: string;
  value: unknown;
  /** Swept through every input of every operation; the others come up in random cases only. */
  sweep?: true;
}

const NEST = 2000;

/** The hostile corpus: each value goes into bodies, query strings and (as text) path segments. */
export const HOSTILE: Hostile[] = [
  {
    name: `objects nested ${NEST} deep`,
    value: new RawJson('{"a":'.repeat(NEST) + '1' + '}'.repeat(NEST)),
    sweep: true,
  },
  { name: `arrays nested ${NEST} deep`, value: new RawJson('['.repeat(NEST) + ']'.repeat(NEST)), sweep: true },
  { name: 'NUL', value: '\u0000', sweep: true },
  { name: 'NUL inside text', value: 'ab\u0000cd', sweep: true },
  { name: 'lone high surrogate', value: '\ud800x', sweep: true },
  { name: 'lone low surrogate', value: '\udc00', sweep: true },
  { name: '100 KB string', value: 'x'.repeat(100 * 1024), sweep: true },
  { name: 'int64 max', value: new RawJson('9223372036854775807') },
  { name: 'int64 max + 1', value: new RawJson('9223372036854775808'), sweep: true },
  { name: 'int64 min - 1', value: new RawJson('-9223372036854775809'), sweep: true },
  { name: '20 digits', value: new RawJson('99999999999999999999') },
  { name: 'int32 max', value: 2147483647 },
  { name: 'int32 max + 1', value: 2147483648, sweep: true },
  { name: 'int32 min - 1', value: -2147483649, sweep: true },
  { name: '1e300', value: new RawJson('1e300'), sweep: true },
  { name: '-1e300', value: new RawJson('-1e300') },
  { name: '1e-300', value: new RawJson('1e-300') },
  { name: 'fraction', value: 1.5 },
  { name: 'minus one', value: -1 },
  { name: 'zero', value: 0 },
  { name: '"NaN"', value: 'NaN', sweep: true },
  { name: '"Infinity"', value: 'Infinity' },
  { name: '"-Infinity"', value: '-Infinity' },
  { name: 'numeric string 1e300', value: '1e300' },
  { name: 'earliest JS date', value: '-271821-04-20T00:00:00Z', sweep: true },
  { name: 'latest JS date', value: '+275760-09-13T00:00:00Z', sweep: true },
  { name: 'past the latest JS date', value: '+275760-09-13T00:00:00.001Z' },
  { name: 'year 0', value: '0000-01-01T00:00:00Z' },
  { name: 'not a date', value: '2026-13-45T25:61:61Z' },
  { name: 'null', value: null, sweep: true },
  { name: 'true', value: true, sweep: true },
  { name: 'empty string', value: '' },
  { name: 'blank string', value: '   ' },
  { name: 'empty array', value: [], sweep: true },
  { name: 'array of mixed', value: [1, 'a', null, {}] },
  { name: 'empty object', value: {}, sweep: true },
  { name: '__proto__ key', value: new RawJson('{"__proto__":{"polluted":true,"role":"admin"}}'), sweep: true },
  { name: 'constructor key', value: new RawJson('{"constructor":{"prototype":{"polluted":true}}}'), sweep: true },
  {
    name: 'prototype key',
    value: new RawJson('{"prototype":{"polluted":true},"toString":1,"hasOwnProperty":1}'),
    sweep: true,
  },
  { name: 'SQL-ish', value: "' OR 1=1; --" },
  { name: 'LIKE wildcards', value: '%_\\' },
  { name: 'path traversal', value: '../../../etc/passwd' },
  { name: 'percent escapes', value: '%00%ff%' },
  { name: 'control characters', value: '\u0001\u001b[31m\r\n\t\u007f' },
  { name: 'emoji and RTL', value: '👩‍👩‍👧‍👦\u202e' },
];

/** Ids that are not the caller's, or not ids at all; the suite adds other tenants' real ids. */
export const BAD_IDS: string[] = [
  '0',
  '-1',
  '1',
  '2147483648',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999999999',
  '1e300',
  'NaN',
  'abc',
  'null',
  'undefined',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-4000-8000-000000000000',
  'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA',
  '00000000-0000-4000-8000-00000000000',
  '00000000-0000-4000-8000-0000000000000',
  '{00000000-0000-4000-8000-000000000000}',
  '\u0000',
  '\ud800',
  'x'.repeat(4000),
  '..',
  '%',
  ' ',
];

/** The bad ids swept through every path parameter (with the other tenant's ids); random cases draw from all. */
export const SWEPT_BAD_IDS: string[] = [
  '0',
  '9223372036854775808',
  '99999999999999999999999999',
  'abc',
  '00000000-0000-0000-0000-000000000000',
  '00000000-0000-4000-8000-00000000000',
  '\u0000',
  '\ud800',
  'x'.repeat(4000),
  '%',
];

/**
 * Percent-encodes for a URL, as a hostile client would: a lone surrogate goes out as the
 * three bytes of its code unit (invalid UTF-8), where encodeURIComponent would throw.
 */
export function encodeComponent(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(s.charAt(i));
    }
  }
  return out;
}

/** JSON text of a value, with RawJson pieces written as they are. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A value as query-string pairs under `name`: arrays repeat the key, objects use brackets. */
export function queryPairs(name: string, value: unknown): [string, string][] {
  if (value instanceof RawJson) return [[name, value.text]];
  if (Array.isArray(value)) return value.length ? value.flatMap((v) => queryPairs(name, v)) : [[`${name}[]`, '']];
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => queryPairs(`${name}[${k}]`, v)) : [[`${name}[]`, '']];
  }
  if (typeof value === 'string') return [[name, value]];
  return [[name, typeof value === 'number' || typeof value === 'boolean' ? String(value) : 'null']];
}

export const queryString = (pairs: [string, string][]): string =>
  pairs.length ? `?${pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&')}` : '';

/** Query parameters that take an id (named `…_id` or of format uuid), for bad ids in queries. */
function idQueryParams(doc: OpenApiDocument, op: Operation): string[] {
  return op.queryParams
    .filter((p) => /(^|_)id$/.test(p.name) || resolve(doc, p.schema).format === 'uuid')
    .map((p) => p.name);
}

const clipId = (id: string): string => (id.length > 40 ? `${id.slice(0, 20)}… (${id.length} chars)` : id);

/** What a generated request is, for the report of a failure. */
export type CaseKind =
  'valid' | 'hostile-body' | 'hostile-field' | 'hostile-query' | 'bad-path-id' | 'bad-query-id' | 'junk-query';

export interface FuzzCase {
  kind: CaseKind;
  /** The hostile value's name, when one is in the request. */
  hostile?: string;
  method: string;
  /** Path and query string, encoded. */
  url: string;
  /** JSON text, when the request has a body. */
  body?: string;
}

export interface IdPools {
  /** Ids of the caller's own resources by the path segment before the parameter (e.g. "channels"). */
  bySegment: Record<string, string[]>;
  /** Every id the caller owns, for parameters under a segment the pools do not know. */
  own: string[];
  /** Real ids of another tenant's resources. */
  foreign: string[];
}

const segmentBefore = (path: string, param: string): string => {
  const parts = path.split('/');
  const i = parts.indexOf(`{${param}}`);
  return (i > 0 ? parts[i - 1] : undefined) ?? '';
};

function pathArbitrary(op: Operation, ids: IdPools, hostile: boolean): fc.Arbitrary<string> {
  if (!op.pathParams.length) return fc.constant(op.path);
  const perParam = op.pathParams.map((p) => {
    const own = ids.bySegment[segmentBefore(op.path, p.name)] ?? ids.own;
    const good = own.length ? fc.constantFrom(...own) : fc.uuid();
    const bad = fc.oneof(
      fc.constantFrom(...BAD_IDS),
      ...(ids.foreign.length ? [fc.constantFrom(...ids.foreign)] : []),
      fc.uuid(),
      fc.string({ minLength: 1, maxLength: 40 }),
    );
    return { name: p.name, value: hostile ? fc.oneof(good, bad) : good };
  });
  return fc
    .tuple(...perParam.map((p) => p.value))
    .filter(
      (values) =>
        !hostile ||
        values.some((v, i) => !(ids.bySegment[segmentBefore(op.path, perParam[i]?.name ?? '')] ?? ids.own).includes(v)),
    )
    .map((values) =>
      perParam.reduce((path, p, i) => path.replace(`{${p.name}}`, encodeComponent(values[i] ?? '')), op.path),
    );
}

function validQuery(doc: OpenApiDocument, op: Operation): fc.Arbitrary<[string, string][]> {
  if (!op.queryParams.length) return fc.constant([]);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of op.queryParams) shape[p.name] = validValue(doc, p.schema);
  return fc.record(shape, { requiredKeys: op.queryParams.filter((p) => p.required).map((p) => p.name) }).map((q) =>
    Object.entries(q)
      .filter(([, v]) => v !== null && v !== undefined)
      .flatMap(([k, v]) => queryPairs(k, v)),
  );
}

const hostileValue = fc.constantFrom(...HOSTILE);
const bodyMethod = (op: Operation): boolean => !['GET', 'HEAD', 'DELETE'].includes(op.method);

/** The properties of the operation's JSON body, for placing a hostile value in one of them. */
function bodyFields(doc: OpenApiDocument, op: Operation): string[] {
  if (!op.jsonBody) return [];
  return Object.keys(resolve(doc, op.jsonBody).properties ?? {});
}

/** Requests for one operation: schema-valid ones and ones carrying a hostile value somewhere. */
export function caseArbitrary(doc: OpenApiDocument, op: Operation, ids: IdPools): fc.Arbitrary<FuzzCase> {
  const validBody: fc.Arbitrary<Record<string, unknown> | undefined> = op.jsonBody
    ? (validValue(doc, op.jsonBody) as fc.Arbitrary<Record<string, unknown>>)
    : fc.constant(undefined);
  const make = (
    kind: CaseKind,
    path: string,
    query: [string, string][],
    body: unknown,
    hostile?: string,
  ): FuzzCase => ({
    kind,
    hostile,
    method: op.method,
    url: path + queryString(query),
    body: body === undefined || !bodyMethod(op) ? undefined : toJsonText(body),
  });
  const goodPath = pathArbitrary(op, ids, false);
  const kinds: fc.Arbitrary<FuzzCase>[] = [
    fc.tuple(goodPath, validQuery(doc, op), validBody).map(([p, q, b]) => make('valid', p, q, b)),
    fc
      .tuple(pathArbitrary(op, ids, true), validQuery(doc, op), validBody)
      .map(([p, q, b]) => make('bad-path-id', p, q, b)),
    fc
      .tuple(
        goodPath,
        validQuery(doc, op),
        validBody,
        fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 4 }),
      )
      .map(([p, q, b, junk]) => make('junk-query', p, [...q, ...Object.entries(junk)], b)),
  ];
  if (op.queryParams.length) {
    kinds.push(
      fc
        .tuple(
          goodPath,
          validQuery(doc, op),
          fc.constantFrom(...op.queryParams.map((p) => p.name)),
          hostileValue,
          validBody,
        )
        .map(([p, q, name, h, b]) =>
          make('hostile-query', p, [...q.filter(([k]) => k !== name), ...queryPairs(name, h.value)], b, h.name),
        ),
    );
  }
  const idParams = idQueryParams(doc, op);
  if (idParams.length) {
    kinds.push(
      fc
        .tuple(goodPath, validQuery(doc, op), fc.constantFrom(...idParams), fc.constantFrom(...BAD_IDS, ...ids.foreign))
        .map(([p, q, name, bad]) =>
          make('bad-query-id', p, [...q.filter(([k]) => k !== name), [name, bad]], undefined, clipId(bad)),
        ),
    );
  }
  if (bodyMethod(op)) {
    kinds.push(
      fc
        .tuple(goodPath, validQuery(doc, op), hostileValue)
        .map(([p, q, h]) => make('hostile-body', p, q, h.value, h.name)),
    );
    const fields = bodyFields(doc, op);
    if (fields.length) {
      kinds.push(
        fc
          .tuple(goodPath, validQuery(doc, op), validBody, fc.constantFrom(...fields), hostileValue)
          .map(([p, q, b, field, h]) => make('hostile-field', p, q, { ...(b ?? {}), [field]: h.value }, h.name)),
      );
    }
  }
  return fc.oneof(...kinds);
}

/** The operation's path with the caller's first own id in each parameter. */
function ownPath(op: Operation, ids: IdPools): string {
  return op.pathParams.reduce((p, param) => {
    const own = ids.bySegment[segmentBefore(op.path, param.name)] ?? ids.own;
    return p.replace(`{${param.name}}`, encodeComponent(own[0] ?? '00000000-0000-4000-8000-000000000000'));
  }, op.path);
}

/** A plain request to the operation (own ids, empty JSON object as body), to see whether the caller gets past its guards. */
export function probeCase(op: Operation, ids: IdPools): FuzzCase {
  return { kind: 'valid', method: op.method, url: ownPath(op, ids), body: bodyMethod(op) ? '{}' : undefined };
}

/**
 * The corpus sweep for one operation: each swept hostile value once in each place the operation takes
 * input (whole body, each body field, each query parameter), and each bad id in each path parameter.
 */
export function corpusCases(doc: OpenApiDocument, op: Operation, ids: IdPools): FuzzCase[] {
  const path = ownPath(op, ids);
  const out: FuzzCase[] = [];
  const push = (kind: CaseKind, url: string, body: unknown, hostile: string) =>
    out.push({
      kind,
      hostile,
      method: op.method,
      url,
      body: body === undefined || !bodyMethod(op) ? undefined : toJsonText(body),
    });
  const fields = bodyFields(doc, op);
  for (const h of HOSTILE.filter((x) => x.sweep)) {
    if (bodyMethod(op)) push('hostile-body', path, h.value, h.name);
    for (const f of fields) push('hostile-field', path, { [f]: h.value }, h.name);
    for (const q of op.queryParams)
      push('hostile-query', path + queryString(queryPairs(q.name, h.value)), undefined, h.name);
  }
  for (const name of idQueryParams(doc, op)) {
    for (const bad of [...SWEPT_BAD_IDS, ...ids.foreign]) {
      push('bad-query-id', path + queryString([[name, bad]]), undefined, clipId(bad));
    }
  }
  for (const param of op.pathParams) {
    for (const bad of [...SWEPT_BAD_IDS, ...ids.foreign]) {
      push(
        'bad-path-id',
        op.path.replace(`{${param.name}}`, encodeComponent(bad)).replace(/\{[^}]+\}/g, (m) => {
          const name = m.slice(1, -1);
          const own = ids.bySegment[segmentBefore(op.path, name)] ?? ids.own;
          return encodeComponent(own[0] ?? '0');
        }),
        undefined,
        clipId(bad),
      );
    }
  }
  return out;
}
