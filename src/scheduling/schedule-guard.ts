import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { ShopRules, strandedBookings } from '../../libs/slots/slot-engine';
import { CLOCK, Clock } from '../common/clock/clock';
import { ScheduleRulesRepository } from './schedule-rules.repository';
import { ScheduleConflictsError } from './scheduling.errors';

/**
 * Refuses a schedule change that would strand a live booking. Called inside the SERIALIZABLE transaction that
 * makes the change: it reads the live bookings and the rules, and the booking paths read the rules and write
 * bookings in theirs, so a booking racing the change either is seen here or fails to serialize and is retried
 * against the new rules (time off and date overrides also take the shop-day locks of the days they touch).
 */
@Injectable()
export class ScheduleGuard {
  constructor(
    private readonly rules: ScheduleRulesRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async assertFits(
    manager: EntityManager,
    shopId: string,
    change: (rules: ShopRules) => ShopRules,
  ): Promise<void> {
    const now = this.clock.now();
    const current = await this.rules.shopRules(manager, shopId, now);
    if (!current) return;
    const bookings = await this.rules.liveBookings(manager, shopId, now);
    if (bookings.length === 0) return;
    const changed = change(current);
    const stranded = strandedBookings(bookings, changed);
    if (stranded.length > 0) throw new ScheduleConflictsError(stranded, changed.timezone);
  }
}
