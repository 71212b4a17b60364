import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';

import { RateLimitedError } from '../errors/domain-error';

/** The suffix @nestjs/throttler gives the headers of a named throttler (`X-RateLimit-Limit-auth`). */
const GROUP_SUFFIX = /-(auth|bookings|search)$/;

@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** One budget per client and group across all of the group's routes, not one per route. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  /**
   * A route counts against exactly one group, so its headers need no group suffix: every limited route answers
   * `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds), as documented in OpenAPI.
   */
  protected override setResponseHeader(
    response: Record<string, unknown>,
    name: string,
    value: string | number,
  ): void {
    super.setResponseHeader(response, name.replace(GROUP_SUFFIX, ''), value);
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // The 429 carries the budget too (the throttler sets it only on requests it lets through).
    const response = context.switchToHttp().getResponse<Record<string, unknown>>();
    this.setResponseHeader(response, `${this.headerPrefix}-Limit`, detail.limit);
    this.setResponseHeader(response, `${this.headerPrefix}-Remaining`, 0);
    this.setResponseHeader(response, `${this.headerPrefix}-Reset`, detail.timeToBlockExpire);
    throw new RateLimitedError(Math.max(1, detail.timeToBlockExpire));
  }
}
