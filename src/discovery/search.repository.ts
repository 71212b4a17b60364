import { Injectable } from '@nestjs/common';

import { compareKeys, SearchKey, SearchSort, tied } from '../../libs/discovery/search-order';
import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { BusyMap } from '../../libs/slots/busy-map';
import { DayInterval } from '../../libs/slots/slot-engine';
import { DatabaseReader } from '../database/replicas/database-reader';
import { STAFF_RULES_SQL, StaffRow } from '../scheduling/schedule-rules.repository';
import { Shop } from '../shops/shop.entity';
import { ShopStatus } from '../shops/shop-status';

const DAY_MS = 86_400_000;

/** What a search asks, besides its position: the area, the order and the filters the database checks. */
export type { SearchKey };

export interface ShopSearch {
  lat: number;
  lng: number;
  radiusMeters: number;
  sort: SearchSort;
  /** Query words (see libs/discovery/search-words.ts), or null for no text filter. */
  words: string[] | null;
  maxPricePaise: number | null;
  minRating: number | null;
  /** An ISO instant. */
  openAt: string | null;
}

export interface FoundShop {
  shop: Shop;
  /** The `<->` distance: what the order, the radius and the cursor use, and what is reported. */
  distance: number;
}

interface SearchRow {
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
  free_cancellation_hours: number;
  late_cancellation_fee_bps: number;
  no_show_fee_bps: number;
  rating_count: number;
  rating_average: string | null;
  distance: number;
}

export interface MatchingService {
  id: string;
  shopId: string;
  name: string;
  durationMinutes: number;
  pricePaise: number;
}

/** One shop's inputs to the slot engine for one date and its (matching) services. */
export interface ShopDayInputs {
  shopId: string;
  timezone: string;
  openingHours: OpeningInterval[];
  slotIntervalMinutes: number;
  dateOverride: DayInterval[] | null;
  staff: StaffRow[];
  busy: BusyMap;
  services: Array<{ id: string; durationMinutes: number; bufferMinutes: number }>;
}

export const keyOf = (found: FoundShop): SearchKey => ({
  rating: found.shop.ratingAverage,
  distance: found.distance,
  id: found.shop.id,
});

/**
 * Shop search on the database's functions `search_active_shops` (nearest first) and
 * `search_active_shops_by_rating` (see the discovery migration). Reads go where stale reads may (a replica): a
 * search result is a listing, and booking re-checks everything.
 */
@Injectable()
export class SearchRepository {
  constructor(private readonly reader: DatabaseReader) {}

  /**
   * The shops after `after` in exactly the search's order: the first `count` are exact, and more than `count` are
   * returned when there are more. The index orders by distance alone (and by rating when sorted by it), so one row
   * more than needed is read: if it ties with the last needed one, the tie may continue past what was read, and
   * every shop of that tie is fetched so that ids decide.
   */
  async ordered(search: ShopSearch, after: SearchKey | undefined, count: number): Promise<FoundShop[]> {
    // In the search's order: the index leaves shops at one distance in no particular order.
    let rows = (await this.page(search, after, count + 1)).sort((a, b) => compareKeys(search.sort, a, b));
    const last = rows[count - 1];
    const next = rows[count];
    if (last && next && tied(search.sort, last, next)) {
      const sameBucket = search.sort === 'distance' || after?.rating === last.rating;
      const tied = await this.tie(search, last, sameBucket ? after : undefined);
      rows = [...rows.filter((row) => compareKeys(search.sort, row, { ...last, id: '' }) < 0), ...tied].sort(
        (a, b) => compareKeys(search.sort, a, b),
      );
    }
    return rows.map((row) => ({ shop: row.shop, distance: row.distance }));
  }

  /** The services of `shopIds` that match the words and the price (null: no such filter), oldest first. */
  async matchingServices(
    shopIds: string[],
    filters: { words: string[] | null; maxPricePaise: number | null },
  ): Promise<MatchingService[]> {
    const rows: Array<{
      id: string;
      shop_id: string;
      name: string;
      duration_minutes: number;
      price_paise: number;
    }> = await this.reader.query(
      // Driven by the page's shop ids, each shop's services by index (a plan from `shop_id = ANY ($1)` with an
      // array of unknown length hashed all two million services at a million shops: 0.8 s a search).
      `SELECT sv.id, sv.shop_id, sv.name, sv.duration_minutes, sv.price_paise
         FROM unnest($1::uuid[]) AS page (shop_id)
         JOIN shops s ON s.id = page.shop_id
         CROSS JOIN LATERAL (SELECT * FROM services WHERE services.shop_id = page.shop_id) AS sv
        WHERE ($2::text[] IS NULL OR service_matches(s.name, sv.name, search_query($2::text[])))
          AND ($3::integer IS NULL OR sv.price_paise <= $3::integer)
        ORDER BY sv.created_at, sv.id`,
      [shopIds, filters.words, filters.maxPricePaise],
    );
    return rows.map((row) => ({
      id: row.id,
      shopId: row.shop_id,
      name: row.name,
      durationMinutes: row.duration_minutes,
      pricePaise: row.price_paise,
    }));
  }

  /**
   * For each shop, what the slot engine needs to find a free slot on one shop-local date: hours, the date's
   * override, staff rules with time off near the date, the read model's busy map of that date, and the services
   * that match the filters. One read for the whole batch.
   */
  async dayInputs(
    shopIds: string[],
    date: string,
    filters: { words: string[] | null; maxPricePaise: number | null },
  ): Promise<ShopDayInputs[]> {
    const dayStart = Date.parse(date);
    const rows: Array<{
      id: string;
      timezone: string;
      opening_hours: OpeningInterval[];
      slot_interval_minutes: number;
      busy: BusyMap | null;
      date_override: DayInterval[] | null;
      staff: StaffRow[];
      services: Array<{ id: string; duration: number; buffer: number }> | null;
    }> = await this.reader.query(
      `SELECT s.id, s.timezone, s.opening_hours, s.slot_interval_minutes, a.busy,
              (SELECT o.opening_hours FROM shop_date_overrides o
                WHERE o.shop_id = s.id AND o.local_date = $2::date) AS date_override,
              (${STAFF_RULES_SQL('s.id', '$3', '$4')}) AS staff,
              (SELECT jsonb_agg(jsonb_build_object(
                        'id', sv.id, 'duration', sv.duration_minutes, 'buffer', sv.buffer_minutes)
                        ORDER BY sv.created_at, sv.id)
                 FROM services sv
                WHERE sv.shop_id = s.id
                  AND ($5::text[] IS NULL OR service_matches(s.name, sv.name, search_query($5::text[])))
                  AND ($6::integer IS NULL OR sv.price_paise <= $6::integer)) AS services
         FROM shops s
         LEFT JOIN availability_days a ON a.shop_id = s.id AND a.local_date = $2::date
        WHERE s.id = ANY ($1::uuid[])`,
      // Time off read from a day before the date (UTC) to two after: every zone's day lies within.
      [shopIds, date, dayStart - DAY_MS, dayStart + 2 * DAY_MS, filters.words, filters.maxPricePaise],
    );
    return rows.map((row) => ({
      shopId: row.id,
      timezone: row.timezone,
      openingHours: row.opening_hours,
      slotIntervalMinutes: row.slot_interval_minutes,
      dateOverride: row.date_override,
      staff: row.staff,
      busy: row.busy ?? {},
      services: (row.services ?? []).map((service) => ({
        id: service.id,
        durationMinutes: service.duration,
        bufferMinutes: service.buffer,
      })),
    }));
  }

  private async page(
    search: ShopSearch,
    after: SearchKey | undefined,
    rows: number,
  ): Promise<Array<SearchKey & { shop: Shop }>> {
    const area = [search.lng, search.lat, search.radiusMeters];
    const filters = [search.words, search.maxPricePaise, search.minRating, search.openAt];
    const found: SearchRow[] =
      search.sort === 'rating'
        ? await this.reader.query(
            `SELECT * FROM search_active_shops_by_rating(
               $1, $2, $3, $4::text[], $5::integer, $6::numeric, $7::timestamptz, $8, $9, $10, $11, $12)`,
            [
              ...area,
              ...filters,
              after ? after.rating !== null : null,
              after?.rating ?? null,
              after?.distance ?? null,
              after?.id ?? null,
              rows,
            ],
          )
        : await this.reader.query(
            `SELECT * FROM search_active_shops(
               $1, $2, $3, $4::text[], $5::integer, $6::numeric, $7::timestamptz, false, NULL, NULL, $8, $9, $10)`,
            [...area, ...filters, after?.distance ?? null, after?.id ?? null, rows],
          );
    return found.map((row) => this.toFound(row));
  }

  /** Every shop at exactly `at`'s position but its id (same rating bucket when sorted by rating), after `after`. */
  private async tie(
    search: ShopSearch,
    at: SearchKey,
    after: SearchKey | undefined,
  ): Promise<Array<SearchKey & { shop: Shop }>> {
    const found: SearchRow[] = await this.reader.query(
      `SELECT * FROM search_active_shops(
         $1, $2, $3, $4::text[], $5::integer, $6::numeric, $7::timestamptz, $8, $9::numeric, $10, $11, $12, NULL)`,
      [
        search.lng,
        search.lat,
        search.radiusMeters,
        search.words,
        search.maxPricePaise,
        search.minRating,
        search.openAt,
        search.sort === 'rating',
        at.rating,
        at.distance,
        after?.distance ?? null,
        after?.id ?? null,
      ],
    );
    return found.map((row) => this.toFound(row));
  }

  /**
   * A row as the Shop the rest of the search reads (ShopDto.from): a plain object with the entity's fields, not
   * `Repository.create` (which walks the entity's metadata for every row of every search). As with create, the
   * payout account (never read nor answered by search) is left out.
   */
  private toFound(row: SearchRow): SearchKey & { shop: Shop } {
    const ratingAverage = row.rating_average === null ? null : Number(row.rating_average);
    const shop = {
      id: row.id,
      ownerId: row.owner_id,
      name: row.name,
      address: row.address,
      location: { type: 'Point', coordinates: [row.lng, row.lat] },
      timezone: row.timezone,
      openingHours: row.opening_hours,
      slotIntervalMinutes: row.slot_interval_minutes,
      commissionBps: row.commission_bps,
      freeCancellationHours: row.free_cancellation_hours,
      lateCancellationFeeBps: row.late_cancellation_fee_bps,
      noShowFeeBps: row.no_show_fee_bps,
      status: row.status,
      ratingCount: row.rating_count,
      ratingAverage,
      configVersion: row.config_version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    } satisfies Omit<Shop, 'payoutAccountId'> as Shop;
    return { shop, rating: ratingAverage, distance: row.distance, id: row.id };
  }
}
