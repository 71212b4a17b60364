import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/auth.decorators';
import { ApiPageResponse, Page } from '../common/pagination/pagination';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { DiscoveryService } from './discovery.service';
import { NearbyShopDto } from './dto/search-result.dto';
import { SearchShopsQueryDto } from './dto/search-shops.query.dto';

@ApiTags('shops')
@Controller('shops')
export class DiscoveryController {
  constructor(private readonly discovery: DiscoveryService) {}

  @Get()
  @Public()
  @RateLimit('search')
  @ApiOperation({
    summary: 'Active shops near a point, nearest first (or by rating), with optional filters',
    description:
      'Filters combine: q (words of shop and service names), maxPricePaise, minRating, openAt, availableOn. ' +
      'Results are ordered by exactly the distanceMeters they report (or by ratingAverage, then that distance).',
  })
  @ApiPageResponse(NearbyShopDto)
  @ApiErrors(400)
  nearby(@Query() query: SearchShopsQueryDto): Promise<Page<NearbyShopDto>> {
    return this.discovery.nearby(query);
  }
}
