import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { CancellationPolicy } from '../../libs/bookings/cancellation-policy';
import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { CreatedAtKey, Keyed } from '../common/pagination/pagination';
import { withKeys } from '../common/pagination/typeorm-keys';
import { DatabaseReader } from '../database/replicas/database-reader';
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

export interface NearbyQuery {
  lat: number;
  lng: number;
  radiusMeters: number;
  limit: number;
  /** Keyset position: the great-circle distance and id of the last shop of the previous page. */
  after?: { sortDistance: number; id: string };
}

export interface NearbyShop {
  shop: Shop;
  distanceMeters: number;
  sortDistance: number;
}

interface NearbyRow {
  id: string;
  owner_id: string;
  name: string;
  address: string;
  lat: number;
  lng: number;
  timezone: string;
  opening_hours: OpeningInterval[];
  slot_interval_minutes: number;
  commission_bps: number;
  status: ShopStatus;
  config_version: number;
  created_at: Date;
  updated_at: Date;
  distance_meters: number;
  sort_distance: number;
  free_cancellation_hours: number;
  late_cancellation_fee_bps: number;
  no_show_fee_bps: number;
}

const SHOP_COLUMNS = `
  s.id, s.owner_id, s.name, s.address, ST_Y(s.location::geometry) AS lat, ST_X(s.location::geometry) AS lng,
  s.timezone, s.opening_hours, s.slot_interval_minutes, s.commission_bps, s.status, s.config_version,
  s.created_at, s.updated_at, s.free_cancellation_hours, s.late_cancellation_fee_bps, s.no_show_fee_bps,
  ST_Distance(s.location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance_meters`;

/**
 * Nearest active shops: the KNN stream of `nearby_active_shops` (GiST index, radius as index condition).
 * `distance_meters` is the exact distance on the WGS 84 spheroid (computed only for the page); `sort_distance` is
 * the great-circle distance the index orders by, with ties put in id order.
 */
export const NEARBY_SQL = `
  SELECT * FROM nearby_active_shops($1, $2, $3, $4, $5, $6) AS k ORDER BY k.sort_distance, k.id`;

/** Every active shop in the radius at exactly one great-circle distance (and after the cursor): resolves a tie. */
const NEARBY_TIED_SQL = `
  SELECT ${SHOP_COLUMNS}, s.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS sort_distance
    FROM shops s
   WHERE s.status = 'active'
     AND ST_DWithin(s.location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3)
     AND ST_DWithin(s.location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $4 * 1.01 + 1)
     AND s.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography = $4
     AND ($5::float8 IS NULL
          OR (s.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, s.id) > ($5::float8, $6::uuid))`;

const byDistanceThenId = (a: NearbyRow, b: NearbyRow) =>
  a.sort_distance - b.sort_distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function toGeoPoint(location: { lat: number; lng: number }): GeoPoint {
  return { type: 'Point', coordinates: [location.lng, location.lat] };
}

@Injectable()
export class ShopsRepository {
  constructor(
    @InjectRepository(Shop) private readonly shops: Repository<Shop>,
    private readonly reader: DatabaseReader,
  ) {}

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

  /**
   * The first `query.limit` shops in (great-circle distance, id) order. The index streams by distance alone, so one
   * row more than needed is read: if it ties with the last needed one, the tie may continue past what was read, and
   * every shop at that distance is fetched so that ids decide. Otherwise the rows read are exactly the right ones.
   */
  async findNearby(query: NearbyQuery): Promise<NearbyShop[]> {
    const point = [query.lng, query.lat, query.radiusMeters];
    const after = [query.after?.sortDistance ?? null, query.after?.id ?? null];
    let rows: NearbyRow[] = await this.reader.query(NEARBY_SQL, [...point, ...after, query.limit + 1]);
    const last = rows[query.limit - 1];
    if (rows.length > query.limit && last && rows[query.limit].sort_distance === last.sort_distance) {
      const tied: NearbyRow[] = await this.reader.query(NEARBY_TIED_SQL, [
        ...point,
        last.sort_distance,
        ...after,
      ]);
      rows = [...rows.filter((row) => row.sort_distance < last.sort_distance), ...tied].sort(
        byDistanceThenId,
      );
    }
    return rows.slice(0, query.limit).map((row) => ({
      shop: this.shops.create({
        id: row.id,
        ownerId: row.owner_id,
        name: row.name,
        address: row.address,
        location: toGeoPoint({ lat: row.lat, lng: row.lng }),
        timezone: row.timezone,
        openingHours: row.opening_hours,
        slotIntervalMinutes: row.slot_interval_minutes,
        commissionBps: row.commission_bps,
        freeCancellationHours: row.free_cancellation_hours,
        lateCancellationFeeBps: row.late_cancellation_fee_bps,
        noShowFeeBps: row.no_show_fee_bps,
        status: row.status,
        configVersion: row.config_version,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }),
      distanceMeters: row.distance_meters,
      sortDistance: row.sort_distance,
    }));
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
