import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Roles } from '../common/decorators/auth.decorators';
import { auditLedger, LedgerAudit, MAX_DISCREPANCIES } from './ledger-audit';

class DiscrepancyDto {
  @ApiProperty({ enum: ['totals', 'capture', 'refund', 'booking', 'payout'] }) kind: string;
  @ApiProperty({
    nullable: true,
    type: String,
    maxLength: 36,
    description: 'The row that disagrees (null: a total)',
  })
  id: string | null;
  @ApiProperty({ maxLength: 1000 }) detail: string;
}

class LedgerAuditDto {
  @ApiProperty({ description: 'The books agree with the payments: no discrepancy' }) balanced: boolean;
  @ApiProperty() capturedPaise: number;
  @ApiProperty() refundedPaise: number;
  @ApiProperty({ description: 'Platform commission earned (online and owed by shops)' })
  commissionPaise: number;
  @ApiProperty() paidOutPaise: number;
  @ApiProperty({ description: 'Owed to shops: their unsettled and payable shares' }) payablePaise: number;
  @ApiProperty({ description: 'Owed by shops (commission on bookings paid at the shop)' })
  receivablePaise: number;
  @ApiProperty({ description: 'Held for customers: paid for bookings not finished yet' })
  heldForCustomersPaise: number;
  @ApiProperty({
    type: [DiscrepancyDto],
    maxItems: MAX_DISCREPANCIES,
    description: 'The first ones, in order',
  })
  discrepancies: DiscrepancyDto[];
  @ApiProperty({ description: 'How many there are in all' }) discrepancyCount: number;
}

@ApiTags('settlements')
@Controller('admin/ledger')
export class LedgerController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get('audit')
  @Roles('admin')
  @ApiOperation({
    summary: 'The money audit: every captured paise accounted for, and every row agreeing with the ledger',
    description:
      'captured = refunded + paid out + commission + payable - receivable + held for customers, from the ledger; ' +
      "the captured, refunded and paid-out totals agree with the provider's records as stored; discrepancies " +
      'names each row (a capture, a refund, a booking, a payout) that does not. Also `npm run audit:ledger`.',
  })
  @ApiOkResponse({ type: LedgerAuditDto })
  @ApiErrors(401, 403)
  audit(): Promise<LedgerAudit> {
    return auditLedger((sql) => this.dataSource.query(sql));
  }
}
