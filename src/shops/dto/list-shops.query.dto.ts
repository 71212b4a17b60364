import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { PageQueryDto } from '../../common/pagination/pagination';
import { SHOP_STATUSES, ShopStatus } from '../shop-status';

export class AdminShopsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SHOP_STATUSES, description: 'Default: every status' })
  @IsOptional()
  @IsIn(SHOP_STATUSES)
  status?: ShopStatus;
}
