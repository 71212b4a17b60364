import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/auth.decorators';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { SlotsQueryDto, SlotsResponseDto } from './dto/slots.dto';
import { SlotsService } from './slots.service';
import { SlotsCacheInterceptor } from './slots-cache.interceptor';

@ApiTags('shops')
@Controller('shops/:id/slots')
export class SlotsController {
  constructor(private readonly slots: SlotsService) {}

  @Get()
  @Public()
  @RateLimit('search')
  @UseInterceptors(SlotsCacheInterceptor)
  @ApiOperation({
    summary: 'Free slots of an active shop for one service on one shop-local day',
    description:
      'Every start on the shop grid inside opening hours, in the future (minimum notice) and within the booking ' +
      'horizon, where the whole service fits before closing and at least one staff member is free.',
  })
  @ApiOkResponse({ type: SlotsResponseDto })
  @ApiErrors(400, 404)
  get(@UuidParam('id') shopId: string, @Query() query: SlotsQueryDto): Promise<SlotsResponseDto> {
    return this.slots.slots(shopId, query.date, query.serviceId);
  }
}
