import { CommonErrorCode } from '../errors/common-errors';
import { DomainError } from '../errors/domain-error';
import { assertInputShape, inspectInput, MAX_JSON_DEPTH, stringProblem } from './input-shape';

const nestArrays = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('inspectInput', () => {
  it('accepts ordinary values, nested up to the limit', () => {
    expect(inspectInput({ a: [1, { b: 'text 🙂' }], c: null, d: true })).toEqual([]);
    expect(inspectInput(nestArrays(MAX_JSON_DEPTH))).toEqual([]);
    expect(inspectInput('plain', 'id')).toEqual([]);
    expect(inspectInput(undefined)).toEqual([]);
  });

  it('refuses objects and arrays nested past the limit, naming where', () => {
    expect(inspectInput({ x: nestArrays(MAX_JSON_DEPTH) })).toEqual([
      {
        field: `x${'[0]'.repeat(MAX_JSON_DEPTH - 1)}`,
        problems: [`is nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`],
      },
    ]);
    let objects: Record<string, unknown> = {};
    for (let i = 0; i < 5; i++) objects = { k: objects };
    expect(inspectInput(objects, '', 3)[0]?.field).toBe('k.k.k');
  });

  it('walks a 100,000-level value without overflowing the stack', () => {
    expect(inspectInput(nestArrays(100_000))).toHaveLength(1);
  });

  it('refuses prototype keys wherever they are', () => {
    const parsed = JSON.parse('{"a":{"__proto__":{"x":1}},"constructor":{},"b":[{"prototype":1}]}') as unknown;
    expect(
      inspectInput(parsed)
        .map((p) => p.field)
        .sort(),
    ).toEqual(['a.__proto__', 'b[0].prototype', 'constructor']);
  });

  it('refuses NUL and unpaired surrogates in values and in keys', () => {
    expect(inspectInput({ email: 'a\u0000b' })).toEqual([{ field: 'email', problems: [expect.stringMatching(/NUL/)] }]);
    expect(inspectInput({ email: '\ud800x' })[0]?.problems[0]).toMatch(/unpaired surrogate/);
    expect(inspectInput({ t: 'x\udc00' })[0]?.field).toBe('t');
    expect(inspectInput({ nested: { ['k\u0000']: 1 } })[0]).toEqual({
      field: 'nested',
      problems: [expect.stringMatching(/field name that must not contain the NUL/)],
    });
    expect(inspectInput('\u0000', 'id')[0]?.field).toBe('id');
  });

  it('lists at most ten problems', () => {
    expect(inspectInput(Array.from({ length: 50 }, () => '\u0000'))).toHaveLength(10);
  });

  it('throws VALIDATION_FAILED with the fields', () => {
    expect.assertions(3);
    try {
      assertInputShape({ q: '\u0000' });
    } catch (err) {
      const e = err as DomainError;
      expect(e.code).toBe(CommonErrorCode.ValidationFailed);
      expect(e.httpStatus).toBe(400);
      expect(e.details).toEqual({ fields: [{ field: 'q', problems: [expect.any(String)] }] });
    }
  });
});

describe('stringProblem', () => {
  it('accepts paired surrogates (emoji) and ordinary control characters', () => {
    expect(stringProblem('😀 tab\t newline\n')).toBeUndefined();
  });
});
