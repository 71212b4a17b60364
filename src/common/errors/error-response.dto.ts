import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/** Longer messages (a validation message can quote what the client sent) are cut by the exception filter. */
export const ERROR_MESSAGE_MAX_LENGTH = 1000;
export const ERROR_DETAILS_MAX_ITEMS = 50;

/** A live booking a schedule change would strand (the details of a 409 SCHEDULE_CONFLICTS). */
export class ConflictingBookingDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T10:00:00+05:30', maxLength: 40 })
  startsAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T10:30:00+05:30', maxLength: 40 })
  endsAt: string;

  @ApiProperty({ format: 'uuid' })
  staffId: string;
}

@ApiExtraModels(ConflictingBookingDto)
export class ErrorResponseDto {
  @ApiProperty({ example: 409 })
  statusCode: number;

  @ApiProperty({ example: 'Conflict', maxLength: 64, description: 'The HTTP reason phrase' })
  error: string;

  @ApiProperty({ example: 'An account with this e-mail already exists', maxLength: ERROR_MESSAGE_MAX_LENGTH })
  message: string;

  @ApiProperty({
    example: 'EMAIL_TAKEN',
    description: 'Stable machine-readable error code',
    pattern: '^[A-Z][A-Z0-9_]*$',
    maxLength: 64,
  })
  code: string;

  @ApiPropertyOptional({
    type: 'array',
    items: {
      oneOf: [
        { type: 'string', maxLength: ERROR_MESSAGE_MAX_LENGTH },
        { $ref: getSchemaPath(ConflictingBookingDto) },
      ],
    },
    maxItems: ERROR_DETAILS_MAX_ITEMS,
    description:
      'Every validation problem, when there are several; for SCHEDULE_CONFLICTS, the live bookings in the way',
  })
  details?: Array<string | ConflictingBookingDto>;

  @ApiPropertyOptional({
    example: '7f0c7d1e-8d0a-4d8e-9a52-2f6f0b1e8a11',
    description: "The caller's X-Request-Id when it looks like an id, else a new UUID",
    pattern: '^[A-Za-z0-9._:-]{8,128}$',
    maxLength: 128,
  })
  requestId?: string;
}
