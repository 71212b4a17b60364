import { applyDecorators, HttpStatus, Type as ClassType } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

import { DomainError } from '../errors/domain-error';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Cursors this API writes are far shorter (a sort key and an id, base64url). */
export const MAX_CURSOR_LENGTH = 500;

export class InvalidCursorError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'INVALID_CURSOR', 'The cursor is malformed or belongs to another query');
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `limit` and `cursor` of every list endpoint. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', maxLength: MAX_CURSOR_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;
}

/** Cursors are opaque to clients: base64url JSON of the last row's sort key (plus whatever binds it to its query). */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends unknown[]>(cursor: string, isValid: (key: unknown[]) => key is T): T {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(key) || !isValid(key)) throw new InvalidCursorError();
  return key;
}

/**
 * Keyset pagination over rows fetched with `limit + 1`: the extra row only tells whether there is a next page.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => unknown[],
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * The common key: a timestamp then id, both strictly increasing together. The timestamp is the column's exact value
 * as text (see {@link exactTimestamp}), never a JavaScript Date: a Date holds milliseconds, `timestamptz` holds
 * microseconds, and a cursor rounded to the millisecond skips (or repeats) rows written within one millisecond.
 */
export type TimeKey = [string, string];
export type CreatedAtKey = TimeKey;

/** ISO 8601 at UTC with up to microseconds, as {@link exactTimestamp} writes it (and as older cursors did). */
const CURSOR_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,6})?Z$/;

/** A timestamp PostgreSQL will read back exactly: the strict format, and a real calendar date and time. */
export function isCursorTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = CURSOR_TIMESTAMP.exec(value);
  if (!match) return false;
  const seconds = new Date(`${match[1]}Z`);
  return !Number.isNaN(seconds.getTime()) && seconds.toISOString().slice(0, 19) === match[1];
}

export function isTimeKey(key: unknown[]): key is TimeKey {
  return key.length === 2 && isCursorTimestamp(key[0]) && isUuid(key[1]);
}
export const isCreatedAtKey = isTimeKey;

/**
 * SQL for a `timestamptz` column as exact cursor text: UTC, every microsecond it holds. Compared back as
 * `$n::timestamptz`, it is equal to the stored value, so `(column, id) > (cursor)` is exact.
 */
export function exactTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** A listed row and its page key, read together from the database. */
export interface Keyed<T> {
  item: T;
  key: TimeKey;
}

/** {@link toPage} over keyed rows: the cursor is the last row's exact key. */
export function toKeyedPage<Row, Item>(
  rows: Array<Keyed<Row>>,
  limit: number,
  toItem: (row: Row) => Item,
): Page<Item> {
  return toPage(
    rows,
    limit,
    (row) => toItem(row.item),
    (row) => row.key,
  );
}

/** Documents `{ items: Item[], nextCursor }` for a list endpoint. */
export function ApiPageResponse(item: ClassType<unknown>) {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      schema: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', maxItems: MAX_PAGE_SIZE, items: { $ref: getSchemaPath(item) } },
          nextCursor: { type: 'string', nullable: true, maxLength: MAX_CURSOR_LENGTH },
        },
      },
    }),
  );
}
