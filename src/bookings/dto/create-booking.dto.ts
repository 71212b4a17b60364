import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsUUID, Matches, MaxLength } from 'class-validator';

import { PAYMENT_METHODS, PaymentMethod } from '../../../libs/payments/payment-status';
import { DATE_TIME_MAX_LENGTH } from '../../common/validation/fields';
import { Optional } from '../../common/validation/optional';

export class CreateBookingDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  shopId: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  serviceId: string;

  @ApiProperty({
    example: '2026-11-26T10:00:00+05:30',
    format: 'date-time',
    maxLength: DATE_TIME_MAX_LENGTH,
    description: 'A slot start, ISO 8601 with offset',
  })
  @MaxLength(DATE_TIME_MAX_LENGTH)
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'startsAt must be an ISO 8601 date-time' })
  @Matches(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: 'startsAt must be a date-time with an offset, e.g. 2026-11-26T10:00:00+05:30',
  })
  startsAt: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A particular staff member; any free one when omitted',
  })
  @Optional()
  @IsUUID()
  staffId?: string;

  @ApiProperty({ enum: PAYMENT_METHODS })
  @IsIn(PAYMENT_METHODS, { message: `paymentMethod must be one of: ${PAYMENT_METHODS.join(', ')}` })
  paymentMethod: PaymentMethod;
}
