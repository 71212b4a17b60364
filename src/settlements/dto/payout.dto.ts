import { ApiProperty } from '@nestjs/swagger';

/** A payout of a shop's payable balance, accepted: the transfer is sent by the worker. */
export class PayoutStartedDto {
  @ApiProperty({ format: 'uuid' }) payoutId: string;
  @ApiProperty({ description: "The shop's whole payable balance when the payout was made", example: 27_000 })
  amountPaise: number;
}
