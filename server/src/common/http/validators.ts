import { buildMessage, ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';

/** Postgres `integer` and Telegram's `int` (api_id, message ids). */
export const INT32_MAX = 2_147_483_647;
/** Postgres `bigint` and Telegram's `long` (chat, user and bot ids). */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * Dates a client may send: what both Postgres `timestamptz` and a JS Date hold,
 * and what ISO 8601 writes with four-digit years.
 */
export const MIN_DATE = new Date('0001-01-01T00:00:00.000Z');
export const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

const DECIMAL_INTEGER = /^-?\d{1,20}$/;

/** Whether `value` is a decimal integer string that fits a signed 64-bit integer. */
export function isInt64String(value: unknown): value is string {
  if (typeof value !== 'string' || !DECIMAL_INTEGER.test(value)) return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** For `@Transform`: a safe integer sent as a JSON number becomes its decimal string; anything else is left to fail. */
export const safeIntegerToString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;

/**
 * A signed 64-bit integer as a decimal string (the ids Telegram sends do not
 * fit a JS number). Pair with `@Transform(safeIntegerToString)` to accept a
 * JSON number too.
 */
export function IsInt64String(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInt64String',
      validator: {
        validate: (value: unknown) => isInt64String(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a whole number between ${INT64_MIN} and ${INT64_MAX}, as a decimal string`,
          options,
        ),
      },
    },
    options,
  );
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return new Date(value);
  return undefined;
}

/** Whether `value` (a Date or a date string) is a real instant between MIN_DATE and MAX_DATE. */
export function isSaneDate(value: unknown): boolean {
  const date = toDate(value);
  if (!date) return false;
  const t = date.getTime();
  return Number.isFinite(t) && t >= MIN_DATE.getTime() && t <= MAX_DATE.getTime();
}

/** A date-time (Date or ISO string) from year 1 to year 9999: what the database stores. */
export function IsSaneDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSaneDate',
      validator: {
        validate: (value: unknown) => isSaneDate(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an ISO 8601 date-time between 0001-01-01 and 9999-12-31`,
          options,
        ),
      },
    },
    options,
  );
}

/**
 * Optional, but not null: leaving the field out keeps the current value,
 * `null` is refused (the column is NOT NULL). Use instead of `@IsOptional()`,
 * which lets null through to the database.
 */
export function IsNotNull(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    ValidateIf((_object: object, value: unknown) => value !== undefined)(target, propertyKey);
    ValidateBy(
      {
        name: 'isNotNull',
        validator: {
          validate: (value: unknown) => value !== null,
          defaultMessage: buildMessage(
            (each) => `${each}$property must not be null; leave it out to keep the current value`,
            options,
          ),
        },
      },
      options,
    )(target, propertyKey);
  };
}
