import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import {
  AuthenticatedUser,
  CurrentUser,
  OptionalUser,
  Public,
  Roles,
} from '../common/decorators/auth.decorators';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiPageResponse, Page } from '../common/pagination/pagination';
import { StaffDto } from '../shops/dto/catalog.dto';
import {
  CreateDateOverrideDto,
  CreateTimeOffDto,
  DateOverrideDto,
  DateOverridesQueryDto,
  StaffHoursDto,
  StaffServicesDto,
  TimeOffDto,
  TimeOffQueryDto,
} from './dto/scheduling.dto';
import { SchedulingService } from './scheduling.service';

const CONFLICTS = { status: 409, codes: ['SCHEDULE_CONFLICTS'] };

@ApiTags('scheduling')
@Controller('shops/:id')
export class SchedulingController {
  constructor(private readonly scheduling: SchedulingService) {}

  @Put('staff/:staffId/hours')
  @Roles('shop_owner')
  @ApiOperation({ summary: "Set a staff member's own weekly hours (null: the shop's hours)" })
  @ApiOkResponse({ type: StaffDto })
  @ApiErrors(400, 403, 404, CONFLICTS)
  setHours(
    @UuidParam('id') shopId: string,
    @UuidParam('staffId') staffId: string,
    @CurrentUser() owner: AuthenticatedUser,
    @Body() dto: StaffHoursDto,
  ): Promise<StaffDto> {
    return this.scheduling.setStaffHours(shopId, staffId, owner, dto);
  }

  @Put('staff/:staffId/services')
  @Roles('shop_owner')
  @ApiOperation({ summary: 'Set the services a staff member performs (null: every service)' })
  @ApiOkResponse({ type: StaffDto })
  @ApiErrors(400, 403, 404, CONFLICTS)
  setServices(
    @UuidParam('id') shopId: string,
    @UuidParam('staffId') staffId: string,
    @CurrentUser() owner: AuthenticatedUser,
    @Body() dto: StaffServicesDto,
  ): Promise<StaffDto> {
    return this.scheduling.setStaffServices(shopId, staffId, owner, dto);
  }

  @Post('staff/:staffId/time-off')
  @Roles('shop_owner')
  @ApiOperation({ summary: 'Give a staff member time off (refused while live bookings fall in it)' })
  @ApiCreatedResponse({ type: TimeOffDto })
  @ApiErrors(400, 403, 404, CONFLICTS)
  addTimeOff(
    @UuidParam('id') shopId: string,
    @UuidParam('staffId') staffId: string,
    @CurrentUser() owner: AuthenticatedUser,
    @Body() dto: CreateTimeOffDto,
  ): Promise<TimeOffDto> {
    return this.scheduling.addTimeOff(shopId, staffId, owner, dto);
  }

  @Get('staff/:staffId/time-off')
  @Roles('shop_owner', 'admin')
  @ApiOperation({
    summary:
      "A staff member's time off overlapping [from, to), oldest first (the first 100; narrow with from)",
  })
  @ApiPageResponse(TimeOffDto)
  @ApiErrors(400, 403, 404)
  listTimeOff(
    @UuidParam('id') shopId: string,
    @UuidParam('staffId') staffId: string,
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: TimeOffQueryDto,
  ): Promise<Page<TimeOffDto>> {
    return this.scheduling.listTimeOff(shopId, staffId, user, query);
  }

  @Delete('staff/:staffId/time-off/:timeOffId')
  @Roles('shop_owner')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Take back time off' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 403, 404)
  deleteTimeOff(
    @UuidParam('id') shopId: string,
    @UuidParam('staffId') staffId: string,
    @UuidParam('timeOffId') timeOffId: string,
    @CurrentUser() owner: AuthenticatedUser,
  ): Promise<void> {
    return this.scheduling.deleteTimeOff(shopId, staffId, timeOffId, owner);
  }

  @Post('date-overrides')
  @Roles('shop_owner')
  @ApiOperation({ summary: 'Close the shop for one shop-local date, or give it special hours' })
  @ApiCreatedResponse({ type: DateOverrideDto })
  @ApiErrors(400, 403, 404, { status: 409, codes: ['SCHEDULE_CONFLICTS', 'DATE_OVERRIDE_EXISTS'] })
  addDateOverride(
    @UuidParam('id') shopId: string,
    @CurrentUser() owner: AuthenticatedUser,
    @Body() dto: CreateDateOverrideDto,
  ): Promise<DateOverrideDto> {
    return this.scheduling.addDateOverride(shopId, owner, dto);
  }

  @Get('date-overrides')
  @Public()
  @ApiOperation({
    summary:
      "A shop's date overrides from `from` to `to` (shop-local dates; the first 100, narrow with from)",
  })
  @ApiPageResponse(DateOverrideDto)
  @ApiErrors(400, 404)
  listDateOverrides(
    @UuidParam('id') shopId: string,
    @Query() query: DateOverridesQueryDto,
    @OptionalUser() viewer?: AuthenticatedUser,
  ): Promise<Page<DateOverrideDto>> {
    return this.scheduling.listDateOverrides(shopId, viewer, query);
  }

  @Delete('date-overrides/:overrideId')
  @Roles('shop_owner')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a date override (back to the weekly hours)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 403, 404, CONFLICTS)
  deleteDateOverride(
    @UuidParam('id') shopId: string,
    @UuidParam('overrideId') overrideId: string,
    @CurrentUser() owner: AuthenticatedUser,
  ): Promise<void> {
    return this.scheduling.deleteDateOverride(shopId, overrideId, owner);
  }
}
