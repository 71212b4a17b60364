import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { queryWords } from '../../libs/discovery/search-words';
import { toIntervals } from '../../libs/slots/busy-map';
import { DayPlan, plannedSlots } from '../../libs/slots/slot-engine';
import { CLOCK, Clock } from '../common/clock/clock';
import { ValidationFailedError } from '../common/errors/domain-error';
import {
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  isUuid,
  Page,
} from '../common/pagination/pagination';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { toStaffRules } from '../scheduling/schedule-rules.repository';
import { ShopDto } from '../shops/dto/shop.dto';
import { MAX_MATCHING_SERVICES, NearbyShopDto } from './dto/search-result.dto';
import { SearchShopsQueryDto } from './dto/search-shops.query.dto';
import {
  FoundShop,
  keyOf,
  MatchingService,
  SearchKey,
  SearchRepository,
  ShopSearch,
} from './search.repository';

/** How many shops one request examines for `availableOn` before it answers with what it found (and a cursor). */
export const MAX_AVAILABILITY_CANDIDATES = 400;
const AVAILABILITY_BATCH = 40;

/**
 * Cursors: [lat, lng, radiusKm, distance, id] for a plain nearest-first search (the format since the first
 * release), or [lat, lng, radiusKm, filters, rating, distance, id] with a digest of every filter and the order, so
 * that a cursor is refused by any other search.
 */
type PlainCursor = [number, number, number, number, string];
type FilteredCursor = [number, number, number, string, number | null, number, string];

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** A rating as the database keeps it: 1.0 to 5.0 in steps of 0.1. */
const isRating = (value: unknown): value is number =>
  isFiniteNumber(value) && value >= 1 && value <= 5 && Math.abs(value * 10 - Math.round(value * 10)) < 1e-9;

function isSearchCursor(key: unknown[]): key is PlainCursor | FilteredCursor {
  if (key.length === 5) return key.slice(0, 4).every(isFiniteNumber) && isUuid(key[4]);
  return (
    key.length === 7 &&
    key.slice(0, 3).every(isFiniteNumber) &&
    typeof key[3] === 'string' &&
    (key[4] === null || isRating(key[4])) &&
    isFiniteNumber(key[5]) &&
    isUuid(key[6])
  );
}

/** The date it is now where it is earliest (UTC-12): a date before it is over everywhere. */
const earliestLocalDate = (now: number) => new Date(now - 12 * 3_600_000).toISOString().slice(0, 10);

/** The first `limit` rows, and the key of the last of them when more rows follow. */
function pageOf(rows: FoundShop[], limit: number): { items: FoundShop[]; next: SearchKey | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? keyOf(items[items.length - 1]) : null };
}

@Injectable()
export class DiscoveryService {
  constructor(
    private readonly search: SearchRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Active shops near a point with every filter given, in exactly the order of the values reported. Without
   * `availableOn`, one ordered read of the page (plus one row). With it, candidates are read in order in batches
   * and kept when the slot engine finds a free slot in the read model; after MAX_AVAILABILITY_CANDIDATES the page
   * is answered with what was found and a cursor after the last shop examined, so a request never scans a whole
   * radius of fully booked shops.
   */
  async nearby(query: SearchShopsQueryDto): Promise<Page<NearbyShopDto>> {
    const words = query.q === undefined ? null : queryWords(query.q);
    const search: ShopSearch = {
      lat: query.lat,
      lng: query.lng,
      radiusMeters: query.radiusKm * 1000,
      sort: query.sort,
      words,
      maxPricePaise: query.maxPricePaise ?? null,
      minRating: query.minRating ?? null,
      openAt: query.openAt ?? null,
    };
    if (query.availableOn !== undefined && query.availableOn < earliestLocalDate(this.clock.now())) {
      throw new ValidationFailedError([`availableOn must not be in the past (${query.availableOn})`]);
    }
    const filters = this.fingerprint(query, words);
    const after = query.cursor ? this.decode(query, filters) : undefined;

    const { items, next } =
      query.availableOn === undefined
        ? pageOf(await this.search.ordered(search, after, query.limit), query.limit)
        : await this.withFreeSlot(search, query.availableOn, after, query.limit);

    const matching = words !== null || search.maxPricePaise !== null;
    const services = matching
      ? await this.search.matchingServices(
          items.map((row) => row.shop.id),
          search,
        )
      : [];
    const byShop = new Map<string, MatchingService[]>();
    for (const service of services)
      byShop.set(service.shopId, [...(byShop.get(service.shopId) ?? []), service]);

    return {
      // ShopDto.from's object with the search's fields added after its own (no copy of it per row).
      items: items.map((row) => {
        const item = ShopDto.from(row.shop) as NearbyShopDto;
        item.distanceMeters = row.distance;
        if (matching) {
          item.matchingServices = (byShop.get(row.shop.id) ?? [])
            .slice(0, MAX_MATCHING_SERVICES)
            .map(({ id, name, durationMinutes, pricePaise }) => ({ id, name, durationMinutes, pricePaise }));
        }
        return item;
      }),
      nextCursor:
        next === null
          ? null
          : encodeCursor(
              filters === null
                ? [query.lat, query.lng, query.radiusKm, next.distance, next.id]
                : [query.lat, query.lng, query.radiusKm, filters, next.rating, next.distance, next.id],
            ),
    };
  }

  /**
   * Candidates in order, kept when they have a free slot on `date`, until the page is full (and one more shows
   * there is a next page), the radius is exhausted, or MAX_AVAILABILITY_CANDIDATES were examined: then the page
   * holds what was found and the cursor points after the last shop examined.
   */
  private async withFreeSlot(
    search: ShopSearch,
    date: string,
    after: SearchKey | undefined,
    limit: number,
  ): Promise<{ items: FoundShop[]; next: SearchKey | null }> {
    const kept: FoundShop[] = [];
    let position = after;
    for (let examined = 0; ;) {
      const batch = await this.search.ordered(search, position, AVAILABILITY_BATCH);
      const candidates = batch.slice(0, AVAILABILITY_BATCH);
      const free = await this.shopsWithFreeSlot(
        candidates.map((row) => row.shop.id),
        date,
        search,
      );
      kept.push(...candidates.filter((row) => free.has(row.shop.id)));
      examined += candidates.length;
      if (kept.length > limit || batch.length <= AVAILABILITY_BATCH) return pageOf(kept, limit);
      position = keyOf(candidates[candidates.length - 1]);
      if (examined >= MAX_AVAILABILITY_CANDIDATES) return { items: kept, next: position };
    }
  }

  private async shopsWithFreeSlot(
    shopIds: string[],
    date: string,
    filters: { words: string[] | null; maxPricePaise: number | null },
  ): Promise<Set<string>> {
    if (shopIds.length === 0) return new Set();
    const inputs = await this.search.dayInputs(shopIds, date, filters);
    const rules = { now: this.clock.now(), ...this.config.bookings };
    const free = new Set<string>();
    for (const shop of inputs) {
      const staff = shop.staff.map(toStaffRules);
      const busy = toIntervals(shop.busy);
      const bookable = shop.services.some(
        (service) => plannedSlots(DayPlan.of(date, shop, service, staff), busy, rules).length > 0,
      );
      if (bookable) free.add(shop.shopId);
    }
    return free;
  }

  /** Null for a plain nearest-first search; otherwise a digest of every filter and the order. */
  private fingerprint(query: SearchShopsQueryDto, words: string[] | null): string | null {
    const filters = [words, query.maxPricePaise, query.minRating, query.openAt, query.availableOn];
    if (query.sort === 'distance' && filters.every((value) => value === undefined || value === null))
      return null;
    const openAt = query.openAt === undefined ? null : new Date(query.openAt).toISOString();
    return createHash('sha256')
      .update(
        JSON.stringify([
          query.sort,
          words,
          query.maxPricePaise ?? null,
          query.minRating ?? null,
          openAt,
          query.availableOn ?? null,
        ]),
      )
      .digest('base64url')
      .slice(0, 16);
  }

  private decode(query: SearchShopsQueryDto, filters: string | null): SearchKey {
    const key = decodeCursor(query.cursor as string, isSearchCursor);
    const [lat, lng, radiusKm] = key;
    if (lat !== query.lat || lng !== query.lng || radiusKm !== query.radiusKm) throw new InvalidCursorError();
    if (key.length === 5) {
      if (filters !== null) throw new InvalidCursorError();
      return { rating: null, distance: key[3], id: key[4] };
    }
    if (key[3] !== filters) throw new InvalidCursorError();
    return { rating: key[4], distance: key[5], id: key[6] };
  }
}
