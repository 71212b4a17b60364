import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID, MaxLength } from 'class-validator';

import {
  RUN_STATUSES,
  RUN_TRIGGERS,
  RunStatus,
  RunTrigger,
  SETTLEMENT_STATUSES,
  SettlementStatus,
} from '../../../libs/settlement/settlement-status';
import { PageQueryDto } from '../../common/pagination/pagination';
import { DATE_TIME_MAX_LENGTH } from '../../common/validation/fields';
import { Optional } from '../../common/validation/optional';
import { Settlement, SettlementRun } from '../settlement';

export class StartSettlementRunDto {
  @ApiPropertyOptional({
    description: 'Settle bookings that ended at or before this instant (ISO 8601 with offset; default: now)',
    example: '2026-11-26T00:30:00+05:30',
    format: 'date-time',
    maxLength: DATE_TIME_MAX_LENGTH,
  })
  @Optional()
  @MaxLength(DATE_TIME_MAX_LENGTH)
  @IsISO8601({ strict: true })
  cutoff?: string;
}

export class SettlementRunStartedDto {
  @ApiProperty({ format: 'uuid' }) runId: string;
}

export class SettlementRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: RunStatus;
  @ApiProperty({ description: 'Shops with something to settle when the run was created' }) shopsTotal: number;
  @ApiProperty({ description: 'Shops settled so far' }) shopsDone: number;
  @ApiProperty({ format: 'date-time' }) cutoff: string;
  @ApiProperty({ enum: RUN_TRIGGERS }) trigger: RunTrigger;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;

  static from(run: SettlementRun): SettlementRunDto {
    return {
      id: run.id,
      status: run.status,
      shopsTotal: run.shopsTotal,
      shopsDone: run.shopsDone,
      cutoff: run.cutoff.toISOString(),
      trigger: run.trigger,
      createdAt: run.createdAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
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
  @ApiProperty({ enum: SETTLEMENT_STATUSES }) status: SettlementStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(settlement: Settlement): SettlementDto {
    return {
      id: settlement.id,
      runId: settlement.runId,
      shopId: settlement.shopId,
      cutoff: settlement.cutoff.toISOString(),
      bookingCount: settlement.bookingCount,
      onlineCollectedPaise: settlement.onlineCollectedPaise,
      commissionPaise: settlement.commissionPaise,
      netPayablePaise: settlement.netPayablePaise,
      status: settlement.status,
      createdAt: settlement.createdAt.toISOString(),
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
