import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { DateTime } from 'luxon';

import { SEARCH_SORTS, SearchSort } from '../../../libs/discovery/search-order';
import { MAX_QUERY_LENGTH, MAX_QUERY_WORDS, queryWords } from '../../../libs/discovery/search-words';
import { PageQueryDto } from '../../common/pagination/pagination';
import { DATE_TIME_MAX_LENGTH } from '../../common/validation/fields';
import { Optional } from '../../common/validation/optional';
import { NumberQueryField } from '../../common/validation/query-fields';

export const DEFAULT_RADIUS_KM = 10;
export const MAX_RADIUS_KM = 50;
/** Far above any real service price (10 lakh rupees); keeps the number an integer PostgreSQL accepts. */
const MAX_PRICE_PAISE = 100_000_000;

const WITH_OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A rule of its own, with its message. */
const Satisfies = (name: string, test: (value: unknown) => boolean, message: string) =>
  ValidateBy({ name, validator: { validate: test, defaultMessage: () => message } });

const integerQuery = Transform(({ value }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value,
);

/** A plain decimal (what clients send for coordinates): read by Number exactly as the field's transform reads it. */
const PLAIN_DECIMAL = /^-?\d{1,3}(\.\d{1,20})?$/;

export class SearchShopsQueryDto extends PageQueryDto {
  /**
   * The commonest query, `lat` and `lng` alone as plain decimals within range, as the validation pipe would make
   * it (see AppValidationPipe's fast path): an instance with the defaults and the two numbers. Anything else
   * (another parameter, a repeated one, another spelling of a number, a value out of range) is undefined and goes
   * through class-transformer and class-validator as usual, so every answer and error stays as it was.
   */
  static fromPlainQuery(query: unknown): SearchShopsQueryDto | undefined {
    if (query === null || typeof query !== 'object') return undefined;
    const keys = Object.keys(query);
    if (keys.length !== 2) return undefined;
    const { lat, lng } = query as { lat?: unknown; lng?: unknown };
    if (typeof lat !== 'string' || typeof lng !== 'string') return undefined;
    if (!PLAIN_DECIMAL.test(lat) || !PLAIN_DECIMAL.test(lng)) return undefined;
    const dto = new SearchShopsQueryDto();
    dto.lat = Number(lat);
    dto.lng = Number(lng);
    if (!(dto.lat >= -90 && dto.lat <= 90 && dto.lng >= -180 && dto.lng <= 180)) return undefined;
    return dto;
  }

  @NumberQueryField({ min: -90, max: 90, example: 12.9716 })
  lat: number;

  @NumberQueryField({ min: -180, max: 180, example: 77.5946 })
  lng: number;

  @NumberQueryField({ min: 0.001, max: MAX_RADIUS_KM, optional: true, default: DEFAULT_RADIUS_KM })
  radiusKm: number = DEFAULT_RADIUS_KM;

  @ApiPropertyOptional({
    maxLength: MAX_QUERY_LENGTH,
    example: 'beard trim',
    description:
      `Words matched against the shop's name and its services' names: each must begin a word of them ` +
      `(case-insensitive; "bea" finds "Beard trim"); at most ${MAX_QUERY_WORDS} words`,
  })
  @Optional()
  @IsString()
  @MaxLength(MAX_QUERY_LENGTH)
  @Satisfies(
    'queryWords',
    (value) =>
      typeof value === 'string' &&
      queryWords(value).length >= 1 &&
      queryWords(value).length <= MAX_QUERY_WORDS,
    `q must contain from 1 to ${MAX_QUERY_WORDS} words (letters or digits)`,
  )
  q?: string;

  @ApiPropertyOptional({
    type: Number,
    minimum: 0,
    maximum: MAX_PRICE_PAISE,
    example: 20000,
    description: 'Only shops with a (matching) service at or under this price, in paise',
  })
  @Optional()
  @integerQuery
  @IsInt({ message: 'maxPricePaise must be an integer number of paise' })
  @Min(0)
  @Max(MAX_PRICE_PAISE)
  maxPricePaise?: number;

  @NumberQueryField({
    min: 1,
    max: 5,
    optional: true,
    example: 4,
    description: 'Only shops whose ratingAverage is at least this',
  })
  minRating?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: DATE_TIME_MAX_LENGTH,
    example: '2026-12-02T18:30:00+05:30',
    description:
      'Only shops open at this instant (weekly hours and date overrides, in each shop’s time zone)',
  })
  @Optional()
  @IsString()
  @MaxLength(DATE_TIME_MAX_LENGTH)
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'openAt must be an ISO 8601 date-time' })
  @Matches(WITH_OFFSET, { message: 'openAt must be a date-time with an offset (or Z)' })
  openAt?: string;

  @ApiPropertyOptional({
    format: 'date',
    maxLength: 10,
    example: '2026-12-02',
    description: 'Only shops with at least one free slot on this shop-local date for a (matching) service',
  })
  @Optional()
  @IsString()
  @Satisfies(
    'calendarDate',
    (value) =>
      typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value).isValid,
    'availableOn must be a real calendar date YYYY-MM-DD',
  )
  availableOn?: string;

  @ApiPropertyOptional({
    enum: SEARCH_SORTS,
    default: 'distance',
    description: 'distance: nearest first; rating: highest ratingAverage first (unrated last), then nearest',
  })
  @Optional()
  @IsIn(SEARCH_SORTS)
  sort: SearchSort = 'distance';
}
