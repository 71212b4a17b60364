import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';

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

/** Passwords are not trimmed: every character counts. bcrypt reads at most 72 bytes, so longer is refused. */
export function PasswordField(options: FieldOptions & { min?: number } = {}): PropertyDecorator {
  const min = options.min ?? 8;
  return applyDecorators(
    ...documented(options, { type: String, format: 'password', minLength: min, maxLength: 72 }),
    IsString(),
    MinLength(min),
    MaxLength(72),
  );
}

export function PhoneField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    ...documented(options, {
      type: String,
      example: options.example ?? '+919876543210',
      pattern: '^\\+[1-9][0-9]{7,14}$',
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
