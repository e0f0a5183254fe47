import openapiJson from '../../../../../server/openapi.json';
import { BODY_SCHEMAS, QUERY_SCHEMAS } from './api-schema.generated';

interface Schema {
  $ref?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  [keyword: string]: unknown;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const openapi = openapiJson as unknown as OpenApi;
const CONSOLE_ROUTES = [/^\/api\/admin\//, /^\/api\/auth\//, /^\/api\/me$/];
const VALIDATION_KEYWORDS = [
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

const named = (ref: string): Schema => openapi.components.schemas[ref.replace('#/components/schemas/', '')] ?? {};
const keywordsOf = (schema: Schema | undefined): Record<string, unknown> => {
  const resolved = schema?.$ref ? named(schema.$ref) : (schema ?? {});
  return Object.fromEntries(VALIDATION_KEYWORDS.filter((k) => k in resolved).map((k) => [k, resolved[k]]));
};

const operations = Object.entries(openapi.paths)
  .filter(([route]) => CONSOLE_ROUTES.some((re) => re.test(route)))
  .flatMap(([route, ops]) => Object.entries(ops).map(([method, op]) => ({ route, method, op })));

// The constants must be regenerated (`npm run generate:api -w admin-console`) whenever server/openapi.json changes
// what the console sends; this fails while they are stale, so a form never checks bounds the server left behind.
describe('api-schema.generated.ts', () => {
  it("holds every request body of the console's routes with the server's validation keywords", () => {
    const expected: Record<string, unknown> = {};
    for (const { op } of operations) {
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
      if (!ref) continue;
      const schema = named(ref);
      expected[ref.replace('#/components/schemas/', '')] = {
        required: schema.required ?? [],
        properties: Object.fromEntries(Object.entries(schema.properties ?? {}).map(([p, s]) => [p, keywordsOf(s)])),
      };
    }
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(BODY_SCHEMAS).toEqual(expected);
  });

  it("holds every query parameter of the console's routes with the server's validation keywords", () => {
    const expected: Record<string, unknown> = {};
    for (const { route, method, op } of operations) {
      const query = (op.parameters ?? []).filter((p) => p.in === 'query');
      if (query.length === 0) continue;
      expected[`${method.toUpperCase()} ${route}`] = Object.fromEntries(
        query.map((p) => [p.name, { required: p.required === true, ...keywordsOf(p.schema) }]),
      );
    }
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(QUERY_SCHEMAS).toEqual(expected);
  });
});
