import { ApiProperty } from '@nestjs/swagger';

import { Shop } from '../shop.entity';
import { SHOP_STATUSES, ShopStatus } from '../shop-status';
import {
  CancellationPolicyDto,
  LocationDto,
  MAX_OPENING_INTERVALS,
  OpeningIntervalDto,
} from './create-shop.dto';
import { TIME_ZONE_MAX_LENGTH } from './shop-validators';

export class ShopDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  ownerId: string;

  @ApiProperty({ maxLength: 120 })
  name: string;

  @ApiProperty({ maxLength: 300 })
  address: string;

  @ApiProperty({ type: LocationDto })
  location: LocationDto;

  @ApiProperty({ example: 'Asia/Kolkata', maxLength: TIME_ZONE_MAX_LENGTH })
  timezone: string;

  @ApiProperty({ type: [OpeningIntervalDto], maxItems: MAX_OPENING_INTERVALS })
  openingHours: OpeningIntervalDto[];

  @ApiProperty({ example: 15 })
  slotIntervalMinutes: number;

  @ApiProperty({ example: 1000, description: 'Platform commission in basis points' })
  commissionBps: number;

  @ApiProperty({ type: CancellationPolicyDto })
  cancellationPolicy: CancellationPolicyDto;

  @ApiProperty({ enum: SHOP_STATUSES })
  status: ShopStatus;

  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 5,
    example: 4.6,
    description: 'Mean of the visible reviews, rounded to one decimal; null when there are none',
  })
  ratingAverage: number | null;

  @ApiProperty({ minimum: 0, example: 37, description: 'Number of visible reviews' })
  ratingCount: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  static from(shop: Shop): ShopDto {
    const [lng, lat] = shop.location.coordinates;
    return {
      id: shop.id,
      ownerId: shop.ownerId,
      name: shop.name,
      address: shop.address,
      location: { lat, lng },
      timezone: shop.timezone,
      // jsonb stores keys in its own order; answer in the documented one.
      openingHours: shop.openingHours.map(({ weekday, opens, closes }) => ({ weekday, opens, closes })),
      slotIntervalMinutes: shop.slotIntervalMinutes,
      commissionBps: shop.commissionBps,
      cancellationPolicy: {
        freeCancellationHours: shop.freeCancellationHours,
        lateCancellationFeeBps: shop.lateCancellationFeeBps,
        noShowFeeBps: shop.noShowFeeBps,
      },
      status: shop.status,
      ratingAverage: shop.ratingAverage,
      ratingCount: shop.ratingCount,
      createdAt: shop.createdAt.toISOString(),
      updatedAt: shop.updatedAt.toISOString(),
    };
  }
}
