import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidationArguments,
} from 'class-validator';

import { fitsBcrypt, PASSWORD_MAX_BYTES, passwordBytes } from '../../../libs/auth/password';
import { Optional } from './optional';

/**
 * Composite decorators that validate and document a DTO property in one line, so the OpenAPI document and the
 * validation rules can never disagree.
 */
interface FieldOptions {
  optional?: boolean;
  description?: string;
  example?: unknown;
}

function documented(options: FieldOptions, schema: Record<string, unknown>): PropertyDecorator[] {
  const meta = { description: options.description, example: options.example, ...schema };
  return options.optional ? [ApiPropertyOptional(meta), Optional()] : [ApiProperty(meta)];
}

/** The longest date-time accepted or written: 2026-11-26T10:00:00.123456+05:30 is 32 characters. */
export const DATE_TIME_MAX_LENGTH = 40;

const trim = Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** Control characters have no place in names and addresses (and PostgreSQL refuses NUL in text outright). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;

export function TextField(options: FieldOptions & { min?: number; max: number }): PropertyDecorator {
  const min = options.min ?? 1;
  return applyDecorators(
    ...documented(options, { type: String, minLength: min, maxLength: options.max }),
    trim,
    IsString(),
    Length(min, options.max),
    Matches(NO_CONTROL_CHARACTERS, { message: '$property must not contain control characters' }),
  );
}

export function EmailField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    ...documented(options, {
      type: String,
      format: 'email',
      maxLength: 254,
      example: options.example ?? 'asha@example.com',
    }),
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: '$property must be a valid e-mail address' }),
  );
}

/** At most `PASSWORD_MAX_BYTES` bytes in UTF-8, what bcrypt reads: 72 ASCII characters, fewer of others. */
function FitsBcrypt(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'fitsBcrypt',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || fitsBcrypt(value),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8, which is ${PASSWORD_MAX_BYTES} ` +
          `plain letters and digits but fewer accented letters, symbols or emoji (it has ${passwordBytes(String(args.value))})`,
      },
    });
}

/**
 * Passwords are not trimmed: every character counts. bcrypt reads at most 72 bytes and ignores the rest, so a
 * longer password is refused rather than silently cut.
 */
export function PasswordField(options: FieldOptions & { min?: number } = {}): PropertyDecorator {
  const min = options.min ?? 8;
  return applyDecorators(
    ...documented(
      {
        ...options,
        description:
          options.description ??
          `${min} characters to ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt reads no more): ${PASSWORD_MAX_BYTES} ` +
            'ASCII characters, fewer with accents, symbols or emoji',
      },
      { type: String, format: 'password', minLength: min, maxLength: PASSWORD_MAX_BYTES },
    ),
    IsString(),
    MinLength(min),
    FitsBcrypt(),
  );
}

export function PhoneField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    ...documented(options, {
      type: String,
      example: options.example ?? '+919876543210',
      pattern: '^\\+[1-9][0-9]{7,14}$',
      maxLength: 16,
    }),
    trim,
    IsString(),
    Matches(/^\+[1-9][0-9]{7,14}$/, {
      message: '$property must be an E.164 phone number such as +919876543210',
    }),
  );
}

export function EnumField<T extends string>(
  values: readonly T[],
  options: FieldOptions & { default?: T } = {},
): PropertyDecorator {
  return applyDecorators(
    ...documented(options, { type: String, enum: values, default: options.default }),
    IsIn(values as T[], { message: `$property must be one of: ${values.join(', ')}` }),
  );
}
