import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerOptions } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';

import { RateLimitedError } from '../errors/domain-error';

/** The suffix @nestjs/throttler gives the headers of a named throttler (`X-RateLimit-Limit-auth`). */
const GROUP_SUFFIX = /-(auth|bookings|search)$/;

/** The metadata keys of @nestjs/throttler's decorators (SkipThrottle, Throttle...), by throttler name. */
const SKIP = 'THROTTLER:SKIP';
const ROUTE_OVERRIDES = [
  'THROTTLER:LIMIT',
  'THROTTLER:TTL',
  'THROTTLER:BLOCK_DURATION',
  'THROTTLER:TRACKER',
  'THROTTLER:KEY_GENERATOR',
];

/** What the throttlers do for one route: the budgets that apply to it, with their numbers. */
type Plan = Array<Omit<ThrottlerRequest, 'context'>>;

@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** Per controller class and handler: which throttlers apply, worked out on the route's first request. */
  private readonly plans = new WeakMap<object, WeakMap<object, Plan | null>>();

  /**
   * ThrottlerGuard.canActivate, with the route's plan remembered: which throttlers skip it (SkipThrottle and the
   * groups' `skipIf`, both decided by the route's metadata alone) and their limits. The base class reads that
   * metadata again for all four throttlers on every request. Routes whose numbers are not plain (a route-level
   * override, a function) keep the base class's path. Each applying throttler is then handled as before: the same
   * key, the same Redis increment, the same headers and 429.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const classRef = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.plans.get(classRef);
    if (!byHandler) this.plans.set(classRef, (byHandler = new WeakMap()));
    let plan = byHandler.get(handler);
    if (plan === undefined) byHandler.set(handler, (plan = this.planFor(context)));
    if (plan === null) return super.canActivate(context);
    let allowed = true;
    for (const step of plan) if (!(await this.handleRequest({ ...step, context }))) allowed = false;
    return allowed;
  }

  private planFor(context: ExecutionContext): Plan | null {
    const targets = [context.getHandler(), context.getClass()];
    const plan: Plan = [];
    for (const throttler of this.throttlers) {
      if (this.reflector.getAllAndOverride<boolean>(SKIP + throttler.name, targets)) continue;
      if ((throttler.skipIf ?? this.commonOptions.skipIf)?.(context)) continue;
      if (
        ROUTE_OVERRIDES.some(
          (key) => this.reflector.getAllAndOverride(key + throttler.name, targets) !== undefined,
        )
      )
        return null;
      const { limit, ttl } = throttler;
      const blockDuration = throttler.blockDuration ?? ttl;
      if (typeof limit !== 'number' || typeof ttl !== 'number' || typeof blockDuration !== 'number')
        return null;
      plan.push({
        limit,
        ttl,
        blockDuration,
        throttler: throttler as ThrottlerOptions,
        getTracker: throttler.getTracker ?? this.commonOptions.getTracker!,
        generateKey: throttler.generateKey ?? this.commonOptions.generateKey!,
      });
    }
    return plan;
  }

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
