import { applyDecorators, SetMetadata } from '@nestjs/common';

import { ApiErrors } from '../decorators/api-errors.decorator';

/** The rate-limit groups of API.md; a route without a group counts against `default`. */
export type RateLimitGroup = 'auth' | 'bookings' | 'search';
export const RATE_LIMIT_GROUP = 'hairone:rateLimitGroup';

export const RateLimit = (group: RateLimitGroup) =>
  applyDecorators(SetMetadata(RATE_LIMIT_GROUP, group), ApiErrors(429));
