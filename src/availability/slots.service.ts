import { Inject, Injectable } from '@nestjs/common';

import { toIntervals } from '../../libs/slots/busy-map';
import { DayClock } from '../../libs/slots/day-clock';
import { DayPlan, plannedSlots } from '../../libs/slots/slot-engine';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { ShopNotFoundError } from '../shops/shops.errors';
import { ShopsRepository } from '../shops/shops.repository';
import { InvalidDateError, ServiceNotFoundError } from './availability.errors';
import { AvailabilityRepository } from './availability.repository';
import { SlotsResponseDto } from './dto/slots.dto';

const MINUTE_MS = 60_000;

@Injectable()
export class SlotsService {
  constructor(
    private readonly availability: AvailabilityRepository,
    private readonly shops: ShopsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The bookable slots of an active shop for one service on one shop-local day, from the read model. */
  async slots(shopId: string, date: string, serviceId: string): Promise<SlotsResponseDto> {
    const inputs = await this.availability.slotInputs(shopId, serviceId, date);
    if (!inputs) {
      const shop = await this.shops.findById(shopId);
      throw shop?.status === 'active' ? new ServiceNotFoundError() : new ShopNotFoundError();
    }
    if (inputs.shopStatus !== 'active') throw new ShopNotFoundError();
    const clock = DayClock.of(date, inputs.timezone);
    if (!clock) throw new InvalidDateError();

    const plan = DayPlan.of(
      date,
      inputs,
      { id: serviceId, durationMinutes: inputs.durationMinutes, bufferMinutes: inputs.bufferMinutes },
      inputs.staff,
    );
    const slots = plannedSlots(plan, toIntervals(inputs.busy), { now: Date.now(), ...this.config.bookings });
    return {
      date,
      timezone: inputs.timezone,
      slots: slots.map((slot) => ({
        startsAt: clock.format(slot.start),
        endsAt: clock.format(slot.end),
        availableStaff: slot.freeStaffIds.length,
      })),
    };
  }

  /** A cached answer may hold starts that have since come too close; they are dropped on the way out. */
  withoutStartsTooSoon(response: SlotsResponseDto): SlotsResponseDto {
    const earliest = Date.now() + this.config.bookings.minNoticeMinutes * MINUTE_MS;
    return { ...response, slots: response.slots.filter((slot) => Date.parse(slot.startsAt) >= earliest) };
  }
}
