import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { ShopDto } from '../../shops/dto/shop.dto';

export const MAX_MATCHING_SERVICES = 100;

export class MatchingServiceDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ maxLength: 120, example: 'Beard trim' })
  name: string;

  @ApiProperty({ example: 30 })
  durationMinutes: number;

  @ApiProperty({ example: 15000 })
  pricePaise: number;
}

export class NearbyShopDto extends ShopDto {
  @ApiProperty({
    description:
      'Great-circle distance from the searched point (PostGIS `<->` on geography: a sphere of the WGS 84 mean ' +
      'radius), in metres; the radius, the order and the cursor use exactly this value',
    example: 842.3,
  })
  distanceMeters: number;

  @ApiPropertyOptional({
    type: [MatchingServiceDto],
    maxItems: MAX_MATCHING_SERVICES,
    description: 'With q or maxPricePaise: the services that match them, oldest first',
  })
  matchingServices?: MatchingServiceDto[];
}
