import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import {
  AuthenticatedUser,
  CurrentUser,
  OptionalUser,
  Public,
  Roles,
} from '../common/decorators/auth.decorators';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination/pagination';
import { CatalogService } from './catalog.service';
import { CreateServiceDto, CreateStaffDto, ServiceDto, StaffDto, UpdateServiceDto } from './dto/catalog.dto';

@ApiTags('shops')
@Controller('shops/:id')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Post('services')
  @Roles('shop_owner')
  @ApiOperation({ summary: 'Add a service to your shop' })
  @ApiCreatedResponse({ type: ServiceDto })
  @ApiErrors(400, 404)
  addService(
    @UuidParam('id') shopId: string,
    @CurrentUser() owner: AuthenticatedUser,
    @Body() dto: CreateServiceDto,
  ): Promise<ServiceDto> {
    return this.catalog.addService(shopId, owner, dto);
  }

  @Patch('services/:serviceId')
  @Roles('shop_owner')
  @ApiOperation({
    summary: 'Edit a service of your shop (a new length or buffer only while it has no live bookings)',
  })
  @ApiOkResponse({ type: ServiceDto })
  @ApiErrors(400, 403, 404, { status: 409, codes: ['SCHEDULE_CONFLICTS'] })
  updateService(
    @UuidParam('id') shopId: string,
    @UuidParam('serviceId') serviceId: string,
    @CurrentUser() owner: AuthenticatedUser,
    @Body() dto: UpdateServiceDto,
  ): Promise<ServiceDto> {
    return this.catalog.updateService(shopId, serviceId, owner, dto);
  }

  @Get('services')
  @Public()
  @ApiOperation({ summary: "A shop's services" })
  @ApiPageResponse(ServiceDto)
  @ApiErrors(400, 404)
  listServices(
    @UuidParam('id') shopId: string,
    @Query() query: PageQueryDto,
    @OptionalUser() viewer?: AuthenticatedUser,
  ): Promise<Page<ServiceDto>> {
    return this.catalog.listServices(shopId, viewer, query);
  }

  @Post('staff')
  @Roles('shop_owner')
  @ApiOperation({ summary: 'Add a staff member (one booking at a time each) to your shop' })
  @ApiCreatedResponse({ type: StaffDto })
  @ApiErrors(400, 404)
  addStaff(
    @UuidParam('id') shopId: string,
    @CurrentUser() owner: AuthenticatedUser,
    @Body() dto: CreateStaffDto,
  ): Promise<StaffDto> {
    return this.catalog.addStaff(shopId, owner, dto);
  }

  @Get('staff')
  @Public()
  @ApiOperation({ summary: "A shop's staff" })
  @ApiPageResponse(StaffDto)
  @ApiErrors(400, 404)
  listStaff(
    @UuidParam('id') shopId: string,
    @Query() query: PageQueryDto,
    @OptionalUser() viewer?: AuthenticatedUser,
  ): Promise<Page<StaffDto>> {
    return this.catalog.listStaff(shopId, viewer, query);
  }
}
