import { ArgumentMetadata, Injectable, PipeTransform, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { assertInputShape, InputProblem, validationFailed } from './input-shape';

export type FieldError = InputProblem;

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
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}

/**
 * Runs before the validation pipe on every query, path parameter and header:
 * refuses nesting past the limit, prototype keys, and text Postgres cannot
 * store (NUL, unpaired surrogates), naming the field. A whole body was checked
 * the same way by the body parser that made it (installBodyParsers), the only
 * way a body reaches a route, so it is not walked twice.
 */
@Injectable()
export class InputShapePipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom' || (metadata.type === 'body' && metadata.data === undefined)) return value;
    assertInputShape(value, metadata.data ?? '');
    return value;
  }
}

const sharedPipe = createValidationPipe();

/** What the global pipes do, for input a handler reads itself (multipart form fields). */
export async function validateInput<T extends object>(cls: Type<T>, raw: unknown): Promise<T> {
  assertInputShape(raw);
  return (await sharedPipe.transform(raw, { type: 'body', metatype: cls })) as T;
}
