import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';

/** The rate-limit groups of API.md; a route without a group counts against `default`. */
export type RateLimitGroup = 'auth' | 'bookings' | 'search';
export const RATE_LIMIT_GROUP = 'hairone:rateLimitGroup';
/** The OpenAPI extension naming an operation's budget: a group, `default`, or `none` (not limited). */
export const RATE_LIMIT_EXTENSION = 'x-rate-limit';

/** Counts the route against a group's budget (the 429 answer and the headers are documented for every limited route). */
export const RateLimit = (group: RateLimitGroup) =>
  applyDecorators(SetMetadata(RATE_LIMIT_GROUP, group), ApiExtension(RATE_LIMIT_EXTENSION, group));

/** Not rate limited at all: probes, scrapers and Razorpay's webhook retries must never be turned away. */
export const NoRateLimit = () => applyDecorators(SkipThrottle(), ApiExtension(RATE_LIMIT_EXTENSION, 'none'));
