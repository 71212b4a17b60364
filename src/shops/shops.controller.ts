import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
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
import { ApiPageResponse, Page } from '../common/pagination/pagination';
import { CreateShopDto } from './dto/create-shop.dto';
import { AdminShopsQueryDto } from './dto/list-shops.query.dto';
import { ShopDto } from './dto/shop.dto';
import { UpdateShopDto } from './dto/update-shop.dto';
import { ShopsService } from './shops.service';

@ApiTags('shops')
@Controller('shops')
export class ShopsController {
  constructor(private readonly shops: ShopsService) {}

  @Post()
  @Roles('shop_owner')
  @ApiOperation({ summary: 'Open a shop (it waits for admin approval before customers see it)' })
  @ApiCreatedResponse({ type: ShopDto })
  @ApiErrors(400)
  create(@CurrentUser() owner: AuthenticatedUser, @Body() dto: CreateShopDto): Promise<ShopDto> {
    return this.shops.create(owner, dto);
  }

  @Get('mine')
  @Roles('shop_owner')
  @ApiOperation({ summary: "The caller's own shops, whatever their status" })
  @ApiPageResponse(ShopDto)
  @ApiErrors(400)
  mine(@CurrentUser() owner: AuthenticatedUser, @Query() query: AdminShopsQueryDto): Promise<Page<ShopDto>> {
    return this.shops.listOwn(owner, query);
  }

  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'A shop: anyone sees active shops; owners and admins see theirs in any status' })
  @ApiOkResponse({ type: ShopDto })
  @ApiErrors(400, 404)
  get(@UuidParam('id') id: string, @OptionalUser() viewer?: AuthenticatedUser): Promise<ShopDto> {
    return this.shops.get(id, viewer);
  }

  @Patch(':id')
  @Roles('shop_owner', 'admin')
  @ApiOperation({ summary: 'Edit a shop (its owner or an admin; commissionBps: admins only)' })
  @ApiOkResponse({ type: ShopDto })
  @ApiErrors(400, 404)
  update(
    @UuidParam('id') id: string,
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: UpdateShopDto,
  ): Promise<ShopDto> {
    return this.shops.update(id, user, dto);
  }

  @Post(':id/approve')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Approve a shop: it becomes active and searchable' })
  @ApiOkResponse({ type: ShopDto })
  @ApiErrors(400, 404)
  approve(@UuidParam('id') id: string): Promise<ShopDto> {
    return this.shops.transition(id, 'approve');
  }

  @Post(':id/suspend')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Suspend a shop: it disappears from search and takes no bookings' })
  @ApiOkResponse({ type: ShopDto })
  @ApiErrors(400, 404)
  suspend(@UuidParam('id') id: string): Promise<ShopDto> {
    return this.shops.transition(id, 'suspend');
  }
}

@ApiTags('admin')
@Controller('admin/shops')
export class AdminShopsController {
  constructor(private readonly shops: ShopsService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Every shop, oldest first, optionally of one status (the approval queue)' })
  @ApiPageResponse(ShopDto)
  @ApiErrors(400)
  list(@Query() query: AdminShopsQueryDto): Promise<Page<ShopDto>> {
    return this.shops.listAll(query);
  }
}
