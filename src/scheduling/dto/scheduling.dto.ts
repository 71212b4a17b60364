import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsISO8601,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { TextField } from '../../common/validation/fields';
import { Optional } from '../../common/validation/optional';
import { MAX_OPENING_INTERVALS, OpeningIntervalDto } from '../../shops/dto/create-shop.dto';
import { HasConsistentOpeningHours } from '../../shops/dto/shop-validators';

export const MAX_STAFF_SERVICES = 200;
export const MAX_DAY_INTERVALS = 10;
const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const INSTANT_MAX_LENGTH = 40;
const WITH_OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A nullable body field: null is a value here (the shop's hours, every service), so it is validated as such. */
const NullOr = () => ValidateIf((_object, value) => value !== null);

export class StaffHoursDto {
  @ApiProperty({
    type: [OpeningIntervalDto],
    nullable: true,
    maxItems: MAX_OPENING_INTERVALS,
    description: "The staff member's own weekly hours (inside the shop's); null = the shop's hours",
  })
  @NullOr()
  @IsArray()
  @ArrayMaxSize(MAX_OPENING_INTERVALS)
  @ValidateNested({ each: true })
  @Type(() => OpeningIntervalDto)
  @HasConsistentOpeningHours()
  workingHours: OpeningIntervalDto[] | null;
}

export class StaffServicesDto {
  @ApiProperty({
    type: [String],
    nullable: true,
    maxItems: MAX_STAFF_SERVICES,
    description: "The shop's services this staff member performs; null = every service",
    items: { type: 'string', format: 'uuid' },
  })
  @NullOr()
  @IsArray()
  @ArrayMaxSize(MAX_STAFF_SERVICES)
  @IsUUID('all', { each: true })
  serviceIds: string[] | null;
}

export class CreateTimeOffDto {
  @ApiProperty({ format: 'date-time', example: '2026-12-24T13:00:00+05:30', maxLength: INSTANT_MAX_LENGTH })
  @MaxLength(INSTANT_MAX_LENGTH)
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(WITH_OFFSET, { message: 'startsAt must be a date-time with an offset' })
  startsAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-26T00:00:00+05:30', maxLength: INSTANT_MAX_LENGTH })
  @MaxLength(INSTANT_MAX_LENGTH)
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(WITH_OFFSET, { message: 'endsAt must be a date-time with an offset' })
  endsAt: string;

  @TextField({ max: 300, example: 'Holiday', optional: true })
  reason?: string;
}

export class TimeOffDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  staffId: string;

  @ApiProperty({ format: 'date-time', maxLength: INSTANT_MAX_LENGTH })
  startsAt: string;

  @ApiProperty({ format: 'date-time', maxLength: INSTANT_MAX_LENGTH })
  endsAt: string;

  @ApiProperty({ type: String, nullable: true, maxLength: 300 })
  reason: string | null;
}

export class DayIntervalDto {
  @ApiProperty({ example: '10:00', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', maxLength: 5 })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'opens must be a time HH:mm from 00:00 to 23:59' })
  opens: string;

  @ApiProperty({ example: '14:00', pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$', maxLength: 5 })
  @Matches(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, {
    message: 'closes must be a time HH:mm from 00:01 to 24:00',
  })
  closes: string;
}

export class CreateDateOverrideDto {
  @ApiProperty({
    example: '2026-12-25',
    pattern: DATE_PATTERN,
    maxLength: 10,
    description: 'Shop-local date',
  })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be YYYY-MM-DD' })
  date: string;

  @ApiProperty({
    type: [DayIntervalDto],
    maxItems: MAX_DAY_INTERVALS,
    description: "That date's hours instead of the weekly ones; [] = closed all day",
  })
  @IsArray()
  @ArrayMaxSize(MAX_DAY_INTERVALS)
  @ValidateNested({ each: true })
  @Type(() => DayIntervalDto)
  openingHours: DayIntervalDto[];

  @TextField({ max: 300, example: 'Christmas', optional: true })
  reason?: string;
}

export class DateOverrideDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  shopId: string;

  @ApiProperty({ example: '2026-12-25', pattern: DATE_PATTERN, maxLength: 10 })
  date: string;

  @ApiProperty({ type: [DayIntervalDto], maxItems: MAX_DAY_INTERVALS })
  openingHours: DayIntervalDto[];

  @ApiProperty({ type: String, nullable: true, maxLength: 300 })
  reason: string | null;
}

/** `from` and `to`: an optional window (instants for time off, shop-local dates for overrides). */
export class TimeOffQueryDto {
  @ApiPropertyOptional({ format: 'date-time', maxLength: INSTANT_MAX_LENGTH })
  @Optional()
  @MaxLength(INSTANT_MAX_LENGTH)
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', maxLength: INSTANT_MAX_LENGTH })
  @Optional()
  @MaxLength(INSTANT_MAX_LENGTH)
  @IsISO8601({ strict: true })
  to?: string;
}

export class DateOverridesQueryDto {
  @ApiPropertyOptional({ example: '2026-12-01', pattern: DATE_PATTERN, maxLength: 10 })
  @Optional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31', pattern: DATE_PATTERN, maxLength: 10 })
  @Optional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be YYYY-MM-DD' })
  to?: string;
}
