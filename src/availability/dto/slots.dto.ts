import { ApiProperty } from '@nestjs/swagger';
import { IsUUID, Matches } from 'class-validator';

import { TIME_ZONE_MAX_LENGTH } from '../../shops/dto/shop-validators';

export class SlotsQueryDto {
  @ApiProperty({
    example: '2026-11-26',
    format: 'date',
    maxLength: 10,
    description: 'Shop-local date, YYYY-MM-DD',
  })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a date YYYY-MM-DD' })
  date: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  serviceId: string;
}

export class SlotDto {
  @ApiProperty({ example: '2026-11-26T10:00:00+05:30', format: 'date-time' })
  startsAt: string;

  @ApiProperty({ example: '2026-11-26T10:30:00+05:30', format: 'date-time' })
  endsAt: string;

  @ApiProperty({ example: 2, description: 'Staff members free for the whole service' })
  availableStaff: number;
}

export class SlotsResponseDto {
  @ApiProperty({ example: '2026-11-26', format: 'date', maxLength: 10 })
  date: string;

  @ApiProperty({ example: 'Asia/Kolkata', maxLength: TIME_ZONE_MAX_LENGTH })
  timezone: string;

  /** Distinct start times of one day, at most one per 5 minutes (the shortest slot interval). */
  @ApiProperty({ type: [SlotDto], maxItems: (24 * 60) / 5 })
  slots: SlotDto[];
}
