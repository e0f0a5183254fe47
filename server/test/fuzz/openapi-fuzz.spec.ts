import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOUNDARY, fieldPart } from '../helpers/raw-http';
import { UPLOAD_MODES, uploadArbitraries } from './multipart-fuzz';
import {
  caseArbitrary,
  corpusCases,
  encodeComponent,
  HOSTILE,
  operations,
  RawJson,
  toJsonText,
  validValue,
  type IdPools,
  type OpenApiDocument,
  type Schema,
} from './openapi-fuzz';

const doc = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8')) as OpenApiDocument;
const SWEPT = HOSTILE.filter((h) => h.sweep);
const ids: IdPools = { bySegment: {}, own: ['00000000-0000-4000-8000-000000000001'], foreign: [] };

/** The document's components under the id "doc", so schemas can be checked by reference. */
function validatorFor(schema: Schema): (value: unknown) => boolean {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema({ components: doc.components }, 'doc');
  const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')) as object;
  const validate = ajv.compile(rebased);
  return (value) => {
    const ok = validate(value);
    if (!ok) throw new Error(`${JSON.stringify(value)} fails ${JSON.stringify(validate.errors)}`);
    return ok;
  };
}

describe('OpenAPI fuzz generators', () => {
  const ops = operations(doc);

  it('enumerates every operation of openapi.json, each once', () => {
    const expected = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(ops.map((op) => op.key).sort()).toEqual(expected.sort());
    expect(new Set(ops.map((op) => op.key)).size).toBe(ops.length);
  });

  it('finds the multipart upload routes and their file parts', () => {
    const uploads = Object.fromEntries(
      ops.filter((op) => op.multipart).map((op) => [op.key, op.multipart!.fileFields]),
    );
    expect(uploads).toEqual({
      'POST /api/channels/{id}/files': ['file'],
      'POST /api/channels/{id}/posts': ['photo', 'document'],
      'POST /api/user-mtproto/messages': ['file'],
    });
  });

  it('knows which operations ask for a token', () => {
    const open = ops.filter((op) => !op.secured).map((op) => op.key);
    expect(open).toEqual(expect.arrayContaining(['POST /api/auth/login', 'GET /health/live']));
    expect(open).not.toContain('GET /api/me');
  });

  const bodies = ops.filter((op) => op.jsonBody).map((op) => [op.key, op.jsonBody!] as const);
  it.each(bodies)('draws request bodies of %s that its schema accepts', (_key, schema) => {
    const accepts = validatorFor(schema);
    fc.assert(
      fc.property(validValue(doc, schema), (v) => accepts(v)),
      { seed: 20261203, numRuns: 200 },
    );
  });

  const params = ops.flatMap((op) =>
    [...op.queryParams, ...op.pathParams].map((p) => [`${op.key} ${p.name}`, p.schema] as const),
  );
  it.each(params)('draws parameter values of %s that its schema accepts', (_key, schema) => {
    const accepts = validatorFor(schema);
    fc.assert(
      fc.property(validValue(doc, schema), (v) => accepts(v)),
      { seed: 20261203, numRuns: 200 },
    );
  });

  it('sweeps every hostile value through every input of an operation', () => {
    const op = ops.find((o) => o.key === 'GET /api/admin/audit')!;
    const cases = corpusCases(doc, op, ids);
    for (const q of op.queryParams) {
      const names = cases
        .filter((c) => c.kind === 'hostile-query' && new RegExp(`\\?${q.name}(=|%5B)`).test(c.url))
        .map((c) => c.hostile);
      expect(names).toEqual(SWEPT.map((h) => h.name));
    }
  });

  it("puts bad ids and the other tenant's ids into query parameters that take an id", () => {
    const op = ops.find((o) => o.key === 'GET /api/admin/audit')!;
    const foreign = { ...ids, foreign: ['11111111-1111-4111-8111-111111111111'] };
    const swept = corpusCases(doc, op, foreign).filter((c) => c.kind === 'bad-query-id');
    expect(swept.map((c) => c.url)).toContain('/api/admin/audit?tenant_id=11111111-1111-4111-8111-111111111111');
    expect(swept.map((c) => c.url)).toContain('/api/admin/audit?tenant_id=9223372036854775808');
    const drawn = fc.sample(caseArbitrary(doc, op, foreign), { seed: 3, numRuns: 300 });
    expect(drawn.some((c) => c.kind === 'bad-query-id' && c.url.includes('tenant_id='))).toBe(true);
  });

  it('puts every hostile value into the body and each field of a JSON operation', () => {
    const op = ops.find((o) => o.key === 'POST /api/channels')!;
    const cases = corpusCases(doc, op, ids);
    expect(cases.filter((c) => c.kind === 'hostile-body')).toHaveLength(SWEPT.length);
    expect(cases.filter((c) => c.kind === 'hostile-field')).toHaveLength(SWEPT.length * 3);
    expect(cases.find((c) => c.hostile === 'int64 max + 1' && c.kind === 'hostile-body')?.body).toBe(
      '9223372036854775808',
    );
  });

  it('writes hostile JSON as a hostile client would', () => {
    expect(toJsonText({ a: new RawJson('1e300'), b: ['\ud800', '\u0000'] })).toBe(
      '{"a":1e300,"b":["\\ud800","\\u0000"]}',
    );
    const deep = HOSTILE.find((h) => h.name.startsWith('objects nested'))!.value as RawJson;
    expect(deep.text.length).toBeGreaterThan(10_000);
    expect(HOSTILE.find((h) => h.name === '__proto__ key')!.value).toEqual(
      new RawJson('{"__proto__":{"polluted":true,"role":"admin"}}'),
    );
  });

  it('sends a lone surrogate in a URL as the invalid bytes of its code unit', () => {
    expect(encodeComponent('a\ud800b')).toBe('a%ED%A0%80b');
    expect(encodeComponent('😀/')).toBe('%F0%9F%98%80%2F');
  });

  it('draws each kind of case, with the same cases for the same seed', () => {
    const op = ops.find((o) => o.key === 'GET /api/channels/{id}/posts')!;
    const arb = caseArbitrary(doc, op, ids);
    const kinds = new Set(fc.sample(arb, { seed: 7, numRuns: 300 }).map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['bad-path-id', 'hostile-query', 'junk-query', 'valid']);
    expect(fc.sample(arb, { seed: 7, numRuns: 20 })).toEqual(fc.sample(arb, { seed: 7, numRuns: 20 }));
  });

  it('cuts multipart bodies short and abandons them part way', () => {
    const arbs = uploadArbitraries(fc.constant([fieldPart('chat_id', '1')]), ['document']);
    expect(Object.keys(arbs).sort()).toEqual([...UPLOAD_MODES].sort());
    for (const u of fc.sample(arbs.truncated, { seed: 1, numRuns: 50 })) {
      expect(u.sendBytes).toBe(u.contentLength);
      // The closing delimiter is always cut off.
      expect(u.body.subarray(0, u.sendBytes).toString('latin1')).not.toMatch(/--\r\n$/);
      expect(u.sendBytes).toBeLessThanOrEqual(u.body.length - `--${BOUNDARY}--\r\n`.length);
    }
    for (const u of fc.sample(arbs.aborted, { seed: 1, numRuns: 50 })) {
      expect(u.contentLength).toBe(u.body.length);
      expect(u.sendBytes).toBeLessThan(u.body.length);
    }
  });
});
