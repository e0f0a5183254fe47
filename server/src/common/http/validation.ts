import { ValidationError, ValidationPipe } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '../errors/common-errors';

export interface FieldError {
  field: string;
  problems: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) out.push({ field, problems: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/**
 * The one validation pipe: DTOs are whitelisted (unknown fields are an error,
 * so a client cannot smuggle `user_id` or `id`), values are transformed to
 * their declared types, and failures become VALIDATION_FAILED naming each field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const summary = fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ');
      return new CommonError(CommonErrorCode.ValidationFailed, `Request validation failed: ${summary}`, {
        fields,
      });
    },
  });
}
