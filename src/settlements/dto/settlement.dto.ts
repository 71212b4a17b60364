import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID } from 'class-validator';

import { PageQueryDto } from '../../common/pagination/pagination';
import { Optional } from '../../common/validation/optional';
import { RunRow, RunStatus, SettlementRow, SettlementStatus } from '../settlements.repository';

export class StartSettlementRunDto {
  @ApiPropertyOptional({
    description: 'Settle bookings that ended at or before this instant (ISO 8601 with offset; default: now)',
    example: '2026-11-26T00:30:00+05:30',
  })
  @Optional()
  @IsISO8601({ strict: true })
  cutoff?: string;
}

export class SettlementRunStartedDto {
  @ApiProperty({ format: 'uuid' }) runId: string;
}

export class SettlementRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) status: RunStatus;
  @ApiProperty({ description: 'Shops with something to settle when the run was created' }) shopsTotal: number;
  @ApiProperty({ description: 'Shops settled so far' }) shopsDone: number;
  @ApiProperty({ format: 'date-time' }) cutoff: string;
  @ApiProperty({ enum: ['cron', 'admin'] }) trigger: 'cron' | 'admin';
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;

  static from(row: RunRow): SettlementRunDto {
    return {
      id: row.id,
      status: row.status,
      shopsTotal: row.shops_total,
      shopsDone: row.shops_done,
      cutoff: row.cutoff.toISOString(),
      trigger: row.trigger,
      createdAt: row.created_at.toISOString(),
      finishedAt: row.finished_at?.toISOString() ?? null,
    };
  }
}

export class SettlementDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) runId: string;
  @ApiProperty({ format: 'uuid' }) shopId: string;
  @ApiProperty({ format: 'date-time' }) cutoff: string;
  @ApiProperty() bookingCount: number;
  @ApiProperty({ description: 'Sum of paid ONLINE amounts, paise' }) onlineCollectedPaise: number;
  @ApiProperty({ description: 'Sum of the commissions of every included booking, paise' })
  commissionPaise: number;
  @ApiProperty({
    description: 'onlineCollectedPaise - commissionPaise: positive, owed to the shop; negative, owed by it',
  })
  netPayablePaise: number;
  @ApiProperty({ enum: ['pending', 'paid', 'failed'] }) status: SettlementStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(row: SettlementRow): SettlementDto {
    return {
      id: row.id,
      runId: row.run_id,
      shopId: row.shop_id,
      cutoff: row.cutoff.toISOString(),
      bookingCount: row.booking_count,
      onlineCollectedPaise: Number(row.online_collected_paise),
      commissionPaise: Number(row.commission_paise),
      netPayablePaise: Number(row.net_payable_paise),
      status: row.status,
      createdAt: row.created_at.toISOString(),
    };
  }
}

export class ListSettlementsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  shopId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  runId?: string;
}
