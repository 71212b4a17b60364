import { PageQueryDto } from '../../common/pagination/pagination';
import { NumberQueryField } from '../../common/validation/query-fields';

export const DEFAULT_RADIUS_KM = 10;
export const MAX_RADIUS_KM = 50;

export class NearbyShopsQueryDto extends PageQueryDto {
  @NumberQueryField({ min: -90, max: 90, example: 12.9716 })
  lat: number;

  @NumberQueryField({ min: -180, max: 180, example: 77.5946 })
  lng: number;

  @NumberQueryField({ min: 0.001, max: MAX_RADIUS_KM, optional: true, default: DEFAULT_RADIUS_KM })
  radiusKm: number = DEFAULT_RADIUS_KM;
}
