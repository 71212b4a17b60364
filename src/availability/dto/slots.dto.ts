import { ApiProperty } from '@nestjs/swagger';
import { IsUUID, Matches } from 'class-validator';

export class SlotsQueryDto {
  @ApiProperty({ example: '2026-11-26', description: 'Shop-local date, YYYY-MM-DD' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a date YYYY-MM-DD' })
  date: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  serviceId: string;
}

export class SlotDto {
  @ApiProperty({ example: '2026-11-26T10:00:00+05:30' })
  startsAt: string;

  @ApiProperty({ example: '2026-11-26T10:30:00+05:30' })
  endsAt: string;

  @ApiProperty({ example: 2, description: 'Staff members free for the whole service' })
  availableStaff: number;
}

export class SlotsResponseDto {
  @ApiProperty({ example: '2026-11-26' })
  date: string;

  @ApiProperty({ example: 'Asia/Kolkata' })
  timezone: string;

  @ApiProperty({ type: [SlotDto] })
  slots: SlotDto[];
}
