import { Injectable } from '@nestjs/common';

import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import {
  decodeCursor,
  isCreatedAtKey,
  Page,
  PageQueryDto,
  toKeyedPage,
} from '../common/pagination/pagination';
import { CatalogRepository } from './catalog.repository';
import { CreateServiceDto, CreateStaffDto, ServiceDto, StaffDto } from './dto/catalog.dto';
import { ShopsService } from './shops.service';

@Injectable()
export class CatalogService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly shops: ShopsService,
  ) {}

  async addService(shopId: string, owner: AuthenticatedUser, dto: CreateServiceDto): Promise<ServiceDto> {
    await this.shops.findManaged(shopId, owner, { adminMay: false });
    return ServiceDto.from(await this.catalog.addService(shopId, dto));
  }

  async addStaff(shopId: string, owner: AuthenticatedUser, dto: CreateStaffDto): Promise<StaffDto> {
    await this.shops.findManaged(shopId, owner, { adminMay: false });
    return StaffDto.from(await this.catalog.addStaff(shopId, dto));
  }

  async listServices(
    shopId: string,
    viewer: AuthenticatedUser | undefined,
    query: PageQueryDto,
  ): Promise<Page<ServiceDto>> {
    await this.shops.findVisible(shopId, viewer);
    const after = query.cursor ? decodeCursor(query.cursor, isCreatedAtKey) : undefined;
    const rows = await this.catalog.listServices(shopId, query.limit + 1, after);
    return toKeyedPage(rows, query.limit, ServiceDto.from);
  }

  async listStaff(
    shopId: string,
    viewer: AuthenticatedUser | undefined,
    query: PageQueryDto,
  ): Promise<Page<StaffDto>> {
    await this.shops.findVisible(shopId, viewer);
    const after = query.cursor ? decodeCursor(query.cursor, isCreatedAtKey) : undefined;
    const rows = await this.catalog.listStaff(shopId, query.limit + 1, after);
    return toKeyedPage(rows, query.limit, StaffDto.from);
  }
}
