import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID, MaxLength } from 'class-validator';

import { BOOKING_STATUSES, BookingStatus } from '../../../libs/bookings/booking-state';
import { PageQueryDto } from '../../common/pagination/pagination';
import { DATE_TIME_MAX_LENGTH, TextField } from '../../common/validation/fields';

export class ListBookingsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: BOOKING_STATUSES })
  @IsOptional()
  @IsIn(BOOKING_STATUSES)
  status?: BookingStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  shopId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: DATE_TIME_MAX_LENGTH,
    description: 'Bookings starting at or after this instant (ISO 8601)',
  })
  @IsOptional()
  @MaxLength(DATE_TIME_MAX_LENGTH)
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: DATE_TIME_MAX_LENGTH,
    description: 'Bookings starting before this instant (ISO 8601)',
  })
  @IsOptional()
  @MaxLength(DATE_TIME_MAX_LENGTH)
  @IsISO8601({ strict: true })
  to?: string;
}

export class CancelBookingDto {
  @TextField({ max: 500, optional: true, example: 'Running late, sorry' })
  reason?: string;
}
