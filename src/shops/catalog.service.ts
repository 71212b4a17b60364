import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { ServiceNotFoundError } from '../availability/availability.errors';
import { CLOCK, Clock } from '../common/clock/clock';
import { inSerializableTransaction } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import {
  decodeCursor,
  isCreatedAtKey,
  Page,
  PageQueryDto,
  toKeyedPage,
} from '../common/pagination/pagination';
import { ScheduleRulesRepository } from '../scheduling/schedule-rules.repository';
import { ScheduleConflictsError } from '../scheduling/scheduling.errors';
import { CatalogRepository } from './catalog.repository';
import { CreateServiceDto, CreateStaffDto, ServiceDto, StaffDto, UpdateServiceDto } from './dto/catalog.dto';
import { ServiceOffering } from './service-offering.entity';
import { Shop } from './shop.entity';
import { ShopsService } from './shops.service';

@Injectable()
export class CatalogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: CatalogRepository,
    private readonly shops: ShopsService,
    private readonly scheduleRules: ScheduleRulesRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Live bookings keep the length (service and buffer) they were booked with, as they keep their price; a new
   * length is refused while the service has live bookings not over yet, listing them (move or cancel them first).
   * One SERIALIZABLE transaction: a booking of the service racing the change is seen or makes it fail and retry.
   */
  async updateService(
    shopId: string,
    serviceId: string,
    owner: AuthenticatedUser,
    dto: UpdateServiceDto,
  ): Promise<ServiceDto> {
    const shop = await this.shops.findManaged(shopId, owner, { adminMay: false });
    const service = await inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        const services = manager.getRepository(ServiceOffering);
        // Locked by hand: the transaction is begun with its isolation level in one statement, unknown to TypeORM.
        await manager.query('SELECT 1 FROM services WHERE id = $1 AND shop_id = $2 FOR UPDATE', [
          serviceId,
          shopId,
        ]);
        const current = await services.findOneBy({ id: serviceId, shopId });
        if (!current) throw new ServiceNotFoundError();
        const lengthChanges =
          (dto.durationMinutes !== undefined && dto.durationMinutes !== current.durationMinutes) ||
          (dto.bufferMinutes !== undefined && dto.bufferMinutes !== current.bufferMinutes);
        if (lengthChanges) {
          const live = (await this.scheduleRules.liveBookings(manager, shopId, this.clock.now())).filter(
            (booking) => booking.serviceId === serviceId,
          );
          if (live.length > 0) throw new ScheduleConflictsError(live, shop.timezone);
        }
        const { name, durationMinutes, pricePaise, bufferMinutes } = dto;
        const changes = Object.fromEntries(
          Object.entries({ name, durationMinutes, pricePaise, bufferMinutes }).filter(
            ([, v]) => v !== undefined,
          ),
        );
        if (Object.keys(changes).length > 0) await services.update({ id: serviceId }, changes);
        if (lengthChanges) {
          await manager
            .createQueryBuilder()
            .update(Shop)
            .set({ configVersion: () => 'config_version + 1' })
            .where('id = :shopId', { shopId })
            .execute();
        }
        return services.findOneByOrFail({ id: serviceId });
      },
      { attempts: 10 },
    );
    return ServiceDto.from(service);
  }

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
    const shop = await this.shops.findVisible(shopId, viewer);
    const after = query.cursor ? decodeCursor(query.cursor, isCreatedAtKey) : undefined;
    const rows = await this.catalog.listStaff(shopId, query.limit + 1, after);
    const manages = viewer?.role === 'admin' || viewer?.id === shop.ownerId;
    return toKeyedPage(rows, query.limit, manages ? StaffDto.from : StaffDto.forPublic);
  }
}
