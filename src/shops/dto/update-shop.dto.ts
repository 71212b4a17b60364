import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsInt, Matches, Max, Min } from 'class-validator';

import { Optional } from '../../common/validation/optional';
import { CreateShopDto } from './create-shop.dto';

/**
 * Any field of the POST body. A field may be left out, but not set to null: every one of them is required on a shop
 * (skipNullProperties: false makes the POST rules apply to nulls too).
 */
export class UpdateShopDto extends PartialType(CreateShopDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 10_000,
    description: 'Admins only: commission in basis points',
  })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  commissionBps?: number;

  @ApiPropertyOptional({
    example: 'acc_CPRsN1LkFccllA',
    pattern: '^acc_[A-Za-z0-9]{14}$',
    maxLength: 18,
    description: "Admins only: the shop's Razorpay Route linked account, where its payouts go",
  })
  @Optional()
  @Matches(/^acc_[A-Za-z0-9]{14}$/, {
    message: 'payoutAccountId must be a Razorpay account id (acc_ and 14 letters or digits)',
  })
  payoutAccountId?: string;
}
