import { ApiProperty } from '@nestjs/swagger';

/** A shop's position, derived from the ledger. Positive amounts are owed to the shop. */
export class ShopBalanceDto {
  @ApiProperty({ format: 'uuid' }) shopId: string;
  @ApiProperty({ description: 'Net of settleable bookings no settlement has taken yet' })
  unsettledNetPaise: number;
  @ApiProperty({ description: 'Net of every settlement so far' }) settledNetPaise: number;
  @ApiProperty({ description: 'Settled and not yet paid out; negative is a debt carried forward' })
  payablePaise: number;
  @ApiProperty({ description: 'Paid out so far' }) paidOutPaise: number;
}
