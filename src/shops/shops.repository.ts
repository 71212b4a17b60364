import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { CancellationPolicy } from '../../libs/bookings/cancellation-policy';
import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { CreatedAtKey, Keyed } from '../common/pagination/pagination';
import { withKeys } from '../common/pagination/typeorm-keys';
import { GeoPoint, Shop } from './shop.entity';
import { ShopStatus } from './shop-status';

export interface NewShop {
  ownerId: string;
  name: string;
  address: string;
  location: { lat: number; lng: number };
  timezone: string;
  openingHours: OpeningInterval[];
  slotIntervalMinutes: number;
  commissionBps: number;
  cancellationPolicy?: CancellationPolicy;
}

export type ShopChanges = Partial<Omit<NewShop, 'ownerId'>>;

/** Changes that alter which slots exist, and so must invalidate cached slots. */
const SLOT_AFFECTING: ReadonlyArray<keyof ShopChanges> = ['timezone', 'openingHours', 'slotIntervalMinutes'];

function toGeoPoint(location: { lat: number; lng: number }): GeoPoint {
  return { type: 'Point', coordinates: [location.lng, location.lat] };
}

@Injectable()
export class ShopsRepository {
  constructor(@InjectRepository(Shop) private readonly shops: Repository<Shop>) {}

  findById(id: string): Promise<Shop | null> {
    return this.shops.findOneBy({ id });
  }

  async create(shop: NewShop): Promise<Shop> {
    const { cancellationPolicy, ...fields } = shop;
    const result = await this.shops.insert({
      ...fields,
      ...(cancellationPolicy ?? {}),
      location: toGeoPoint(shop.location),
      status: 'pending_approval',
    });
    return this.shops.findOneByOrFail({ id: result.identifiers[0].id as string });
  }

  /** Within `manager`'s transaction when given (a schedule change checked against live bookings there). */
  async update(
    id: string,
    changes: ShopChanges & { commissionBps?: number; payoutAccountId?: string },
    manager?: EntityManager,
  ): Promise<Shop> {
    const { location, cancellationPolicy, ...rest } = changes;
    const bumpsVersion = SLOT_AFFECTING.some((field) => changes[field] !== undefined);
    const shops = manager ? manager.getRepository(Shop) : this.shops;
    await shops
      .createQueryBuilder()
      .update(Shop)
      .set({
        ...rest,
        ...(cancellationPolicy ?? {}),
        ...(location ? { location: toGeoPoint(location) } : {}),
        ...(bumpsVersion ? { configVersion: () => 'config_version + 1' } : {}),
      })
      .where('id = :id', { id })
      .execute();
    return shops.findOneByOrFail({ id });
  }

  /** Approval and suspension decide whether slots are offered at all, so they bump the version too. */
  async setStatus(id: string, status: ShopStatus): Promise<Shop> {
    await this.shops.update({ id }, { status, configVersion: () => 'config_version + 1' });
    return this.shops.findOneByOrFail({ id });
  }

  /** An owner's shops, or (ownerId undefined) every shop, optionally of one status; oldest first, with page keys. */
  async list(
    filter: { ownerId?: string; status?: ShopStatus },
    limit: number,
    after?: CreatedAtKey,
  ): Promise<Array<Keyed<Shop>>> {
    const query = this.shops.createQueryBuilder('shop');
    if (filter.ownerId) query.andWhere('shop.owner_id = :ownerId', { ownerId: filter.ownerId });
    if (filter.status) query.andWhere('shop.status = :status', { status: filter.status });
    if (after) {
      query.andWhere('(shop.created_at, shop.id) > (:afterAt::timestamptz, :afterId::uuid)', {
        afterAt: after[0],
        afterId: after[1],
      });
    }
    query.orderBy('shop.created_at', 'ASC').addOrderBy('shop.id', 'ASC').limit(limit);
    return withKeys(query, 'shop');
  }
}
