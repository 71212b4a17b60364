import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

import { Optional } from '../../common/validation/optional';
import { CreateBookingDto } from './create-booking.dto';

export class RescheduleBookingDto extends PickType(CreateBookingDto, ['startsAt'] as const) {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A particular staff member; when omitted, the same one if free at the new time, else the least busy free one',
  })
  @Optional()
  @IsUUID()
  staffId?: string;
}
