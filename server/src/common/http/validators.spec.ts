import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsDate, IsString, validateSync } from 'class-validator';
import {
  INT64_MAX,
  IsInt64String,
  isInt64String,
  IsNotNull,
  IsSaneDate,
  isSaneDate,
  safeIntegerToString,
} from './validators';

class Sample {
  @IsNotNull()
  @Transform(safeIntegerToString)
  @IsInt64String()
  telegram_id?: string;

  @IsNotNull()
  @IsString()
  title?: string;

  @IsNotNull()
  @Type(() => Date)
  @IsDate()
  @IsSaneDate()
  from?: Date;
}

const problems = (plain: object): Record<string, string[]> =>
  Object.fromEntries(
    validateSync(plainToInstance(Sample, plain)).map((e) => [e.property, Object.values(e.constraints ?? {})]),
  );

describe('IsInt64String', () => {
  it('accepts every signed 64-bit integer as a decimal string, and safe JSON numbers', () => {
    for (const v of ['0', '-1001234567890', String(INT64_MAX), '-9223372036854775808'])
      expect(isInt64String(v)).toBe(true);
    expect(problems({ telegram_id: -1001234567890 })).toEqual({});
  });

  it('refuses values past int64, unsafe numbers and non-decimal strings, saying what fits', () => {
    for (const v of ['9223372036854775808', '-9223372036854775809', '99999999999999999999', '1e5', ' 1', '0x1', '']) {
      expect(isInt64String(v)).toBe(false);
    }
    for (const v of [1e20, 2 ** 53 + 2, 1.5]) {
      expect(problems({ telegram_id: v }).telegram_id).toEqual([
        expect.stringMatching(
          /telegram_id must be a whole number between -9223372036854775808 and 9223372036854775807/,
        ),
      ]);
    }
  });
});

describe('IsSaneDate', () => {
  it('accepts dates from year 1 to year 9999', () => {
    for (const v of ['0001-01-01T00:00:00Z', '2026-01-01T12:00:00+02:00', '9999-12-31T23:59:59.999Z']) {
      expect(isSaneDate(v)).toBe(true);
    }
    expect(problems({ from: '2026-05-01T00:00:00Z' })).toEqual({});
  });

  it('refuses dates outside what the database stores, and invalid ones', () => {
    for (const v of ['-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', '0000-12-31T23:59:59Z', 'not a date', 42]) {
      expect(isSaneDate(v)).toBe(false);
    }
    expect(problems({ from: '-271821-04-20T00:00:00Z' }).from).toContain(
      'from must be an ISO 8601 date-time between 0001-01-01 and 9999-12-31',
    );
  });
});

describe('IsNotNull', () => {
  it('lets a field be left out', () => {
    expect(problems({})).toEqual({});
  });

  it('refuses null, saying to leave the field out instead', () => {
    expect(problems({ title: null }).title).toContain('title must not be null; leave it out to keep the current value');
    expect(Object.keys(problems({ telegram_id: null, from: null })).sort()).toEqual(['from', 'telegram_id']);
  });
});
