import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';

/**
 * A number in a query string. Unlike a bare @Type(() => Number), an empty string stays invalid instead of
 * becoming 0 (which would be a real coordinate).
 */
export function NumberQueryField(options: {
  min: number;
  max: number;
  optional?: boolean;
  default?: number;
  description?: string;
  example?: number;
}): PropertyDecorator {
  const doc = {
    type: Number,
    minimum: options.min,
    maximum: options.max,
    default: options.default,
    description: options.description,
    example: options.example,
  };
  return applyDecorators(
    options.optional ? ApiPropertyOptional(doc) : ApiProperty(doc),
    ...(options.optional ? [IsOptional()] : []),
    Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value)),
    IsNumber({ allowNaN: false, allowInfinity: false }, { message: '$property must be a number' }),
    Min(options.min),
    Max(options.max),
  );
}
