import { AbstractControl, ValidationErrors, ValidatorFn, Validators } from '@angular/forms';

/** The OpenAPI validation keywords of one field, as written to api-schema.generated.ts. */
export interface FieldSchema {
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}

/** An RFC 4122 id, the form the server's `format: uuid` accepts (any version). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isEmpty = (value: unknown): boolean => value === null || value === undefined || value === '';

/**
 * Angular validators for a field from its schema keywords, so a form refuses before saving what the server would
 * answer 400. Written here because the keywords are a handful and Angular's own validators cover most of them;
 * a JSON Schema library would validate whole documents, not give per-control errors a template can explain.
 *
 * Error keys: `required`, `integer`, `min`, `max`, `minlength`, `maxlength`, `pattern`, `format`, `enum`.
 */
export function schemaValidators(field: FieldSchema, options: { required?: boolean } = {}): ValidatorFn[] {
  const validators: ValidatorFn[] = [];
  if (options.required) validators.push(Validators.required);
  if (field.type === 'integer') validators.push(integer);
  if (field.minimum !== undefined) validators.push(Validators.min(field.minimum));
  if (field.maximum !== undefined) validators.push(Validators.max(field.maximum));
  if (field.minLength !== undefined) validators.push(Validators.minLength(field.minLength));
  if (field.maxLength !== undefined) validators.push(Validators.maxLength(field.maxLength));
  // A JSON Schema pattern is not anchored: a RegExp (not a string) keeps it so in Validators.pattern.
  if (field.pattern !== undefined) validators.push(Validators.pattern(new RegExp(field.pattern, 'u')));
  if (field.format === 'uuid') validators.push(matchesFormat('uuid', UUID));
  if (field.enum !== undefined) validators.push(oneOf(field.enum));
  return validators;
}

/** The `required` list of a body schema says whether a property must be present. */
export function isRequired(schema: { readonly required: readonly string[] }, property: string): boolean {
  return schema.required.includes(property);
}

function integer(control: AbstractControl): ValidationErrors | null {
  const value: unknown = control.value;
  if (isEmpty(value)) return null;
  return Number.isInteger(typeof value === 'number' ? value : Number(value)) ? null : { integer: true };
}

function matchesFormat(format: string, re: RegExp): ValidatorFn {
  return (control) => {
    const value: unknown = control.value;
    if (isEmpty(value)) return null;
    return re.test(String(value).trim()) ? null : { format: { format } };
  };
}

function oneOf(values: readonly (string | number)[]): ValidatorFn {
  return (control) => {
    const value: unknown = control.value;
    if (isEmpty(value)) return null;
    return values.includes(value as string | number) ? null : { enum: { allowed: values } };
  };
}
