import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsInt,
  IsNumber,
  IsObject,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

import { MAX_FREE_CANCELLATION_HOURS } from '../../../libs/bookings/cancellation-policy';
import { TextField } from '../../common/validation/fields';
import { Optional } from '../../common/validation/optional';
import { HasConsistentOpeningHours, IsIanaTimeZone, TIME_ZONE_MAX_LENGTH } from './shop-validators';

export const MAX_OPENING_INTERVALS = 70;

export class LocationDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 12.9716 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  lat: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 77.5946 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  lng: number;
}

export class OpeningIntervalDto {
  @ApiProperty({ minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday ... 7 = Sunday', example: 1 })
  @IsInt()
  @Min(1)
  @Max(7)
  weekday: number;

  @ApiProperty({
    example: '09:00',
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
    maxLength: 5,
    description: 'Shop-local HH:mm',
  })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'opens must be a time HH:mm from 00:00 to 23:59' })
  opens: string;

  @ApiProperty({
    example: '20:00',
    pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$',
    maxLength: 5,
    description: 'Shop-local HH:mm, after opens; 24:00 for midnight',
  })
  @Matches(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, {
    message: 'closes must be a time HH:mm from 00:01 to 24:00',
  })
  closes: string;
}

export class CancellationPolicyDto {
  @ApiProperty({
    minimum: 0,
    maximum: MAX_FREE_CANCELLATION_HOURS,
    example: 24,
    description: 'A customer who cancels at least this many hours before the start gets a full refund',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_FREE_CANCELLATION_HOURS)
  freeCancellationHours: number;

  @ApiProperty({
    minimum: 0,
    maximum: 10_000,
    example: 0,
    description: 'Basis points of the amount the shop keeps when a customer cancels later than that',
  })
  @IsInt()
  @Min(0)
  @Max(10_000)
  lateCancellationFeeBps: number;

  @ApiProperty({
    minimum: 0,
    maximum: 10_000,
    example: 10_000,
    description: 'Basis points of the amount the shop keeps of a paid booking whose customer did not come',
  })
  @IsInt()
  @Min(0)
  @Max(10_000)
  noShowFeeBps: number;
}

export class CreateShopDto {
  @TextField({ max: 120, example: 'Sharp Cuts Indiranagar' })
  name: string;

  @TextField({ max: 300, example: '100 Feet Road, Indiranagar, Bengaluru 560038' })
  address: string;

  @ApiProperty({ type: LocationDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => LocationDto)
  location: LocationDto;

  @ApiPropertyOptional({
    default: 'Asia/Kolkata',
    example: 'Asia/Kolkata',
    description: 'IANA time zone',
    maxLength: TIME_ZONE_MAX_LENGTH,
  })
  @Optional()
  @IsIanaTimeZone()
  timezone?: string;

  @ApiProperty({
    type: [OpeningIntervalDto],
    maxItems: MAX_OPENING_INTERVALS,
    description:
      'Any number of intervals per weekday (a lunch break is two); a weekday without one is closed',
  })
  @IsArray()
  @ArrayMaxSize(MAX_OPENING_INTERVALS)
  @ValidateNested({ each: true })
  @Type(() => OpeningIntervalDto)
  @HasConsistentOpeningHours()
  openingHours: OpeningIntervalDto[];

  @ApiPropertyOptional({ minimum: 5, maximum: 60, default: 15 })
  @Optional()
  @IsInt()
  @Min(5)
  @Max(60)
  slotIntervalMinutes?: number;

  @ApiPropertyOptional({
    type: CancellationPolicyDto,
    description:
      'Defaults: 24 free hours, no late-cancellation fee, the whole amount kept for a no-show. Bookings keep the ' +
      'policy in force when they were made.',
  })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => CancellationPolicyDto)
  cancellationPolicy?: CancellationPolicyDto;
}
