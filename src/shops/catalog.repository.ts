import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

import { CreatedAtKey, Keyed } from '../common/pagination/pagination';
import { withKeys } from '../common/pagination/typeorm-keys';
import { ServiceOffering } from './service-offering.entity';
import { Shop } from './shop.entity';
import { StaffMember } from './staff-member.entity';

/**
 * A shop's services and staff. Adding either changes which slots exist, so the shop's configuration version is
 * bumped in the same transaction (slot caches are keyed by it).
 */
@Injectable()
export class CatalogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  addService(
    shopId: string,
    service: Pick<ServiceOffering, 'name' | 'durationMinutes' | 'pricePaise'> & { bufferMinutes?: number },
  ) {
    return this.addToShop(ServiceOffering, shopId, service);
  }

  addStaff(shopId: string, staff: Pick<StaffMember, 'name'>) {
    return this.addToShop(StaffMember, shopId, staff);
  }

  listServices(shopId: string, limit: number, after?: CreatedAtKey): Promise<Array<Keyed<ServiceOffering>>> {
    return this.listOfShop(ServiceOffering, shopId, limit, after);
  }

  listStaff(shopId: string, limit: number, after?: CreatedAtKey): Promise<Array<Keyed<StaffMember>>> {
    return this.listOfShop(StaffMember, shopId, limit, after);
  }

  private addToShop<T extends ObjectLiteral>(
    entity: EntityTarget<T>,
    shopId: string,
    values: object,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(entity);
      const result = await repository.insert({ ...values, shopId } as never);
      await manager
        .createQueryBuilder()
        .update(Shop)
        .set({ configVersion: () => 'config_version + 1' })
        .where('id = :shopId', { shopId })
        .execute();
      return repository.findOneByOrFail({ id: result.identifiers[0].id } as never);
    });
  }

  private listOfShop<T extends ObjectLiteral & { id: string }>(
    entity: EntityTarget<T>,
    shopId: string,
    limit: number,
    after?: CreatedAtKey,
  ): Promise<Array<Keyed<T>>> {
    const query = this.dataSource
      .getRepository(entity)
      .createQueryBuilder('item')
      .where('item.shop_id = :shopId', { shopId });
    if (after) {
      query.andWhere('(item.created_at, item.id) > (:afterAt::timestamptz, :afterId::uuid)', {
        afterAt: after[0],
        afterId: after[1],
      });
    }
    query.orderBy('item.created_at', 'ASC').addOrderBy('item.id', 'ASC').limit(limit);
    return withKeys(query, 'item');
  }
}
