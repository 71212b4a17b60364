import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

import { CreateShopDto } from './create-shop.dto';

export class UpdateShopDto extends PartialType(CreateShopDto) {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 10_000,
    description: 'Admins only: commission in basis points',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  commissionBps?: number;
}
