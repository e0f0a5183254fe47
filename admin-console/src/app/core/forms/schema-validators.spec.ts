import { FormControl } from '@angular/forms';

import { FieldSchema, isRequired, schemaValidators } from './schema-validators';

const errorsFor = (field: FieldSchema, value: unknown, required = false) =>
  new FormControl(value, schemaValidators(field, { required })).errors;

describe('schemaValidators', () => {
  it('turns integer ranges into whole-number, min and max checks', () => {
    const field: FieldSchema = { type: 'integer', minimum: 1, maximum: 100 };
    expect(errorsFor(field, 50)).toBeNull();
    expect(errorsFor(field, 2.5)).toEqual({ integer: true });
    expect(errorsFor(field, 0)).toEqual({ min: { min: 1, actual: 0 } });
    expect(errorsFor(field, 101)).toEqual({ max: { max: 100, actual: 101 } });
  });

  it('turns string lengths and an unanchored pattern into checks', () => {
    const field: FieldSchema = { type: 'string', minLength: 3, maxLength: 5, pattern: '[a-z]' };
    expect(errorsFor(field, 'a1b')).toBeNull();
    expect(errorsFor(field, 'ab')).toEqual({ minlength: { requiredLength: 3, actualLength: 2 } });
    expect(errorsFor(field, 'abcdef')).toEqual({ maxlength: { requiredLength: 5, actualLength: 6 } });
    expect(Object.keys(errorsFor(field, '123') ?? {})).toEqual(['pattern']);
  });

  it('checks a uuid format and an enum, and leaves an empty optional field alone', () => {
    expect(errorsFor({ format: 'uuid' }, '3f2c0e4a-1b2c-4d5e-8f90-0123456789ab')).toBeNull();
    expect(errorsFor({ format: 'uuid' }, '3f2c')).toEqual({ format: { format: 'uuid' } });
    expect(errorsFor({ enum: ['asc', 'desc'] }, 'up')).toEqual({ enum: { allowed: ['asc', 'desc'] } });
    expect(errorsFor({ type: 'integer', minimum: 1, format: 'uuid', enum: ['a'] }, '')).toBeNull();
  });

  it('requires a value only when the schema lists the property as required', () => {
    const schema = { required: ['email'] } as const;
    expect(isRequired(schema, 'email')).toBe(true);
    expect(isRequired(schema, 'password')).toBe(false);
    expect(errorsFor({ type: 'string' }, '', true)).toEqual({ required: true });
  });
});
