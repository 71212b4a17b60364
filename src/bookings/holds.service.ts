import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { withoutBookings } from '../../libs/slots/busy-map';
import { AvailabilityRepository } from '../availability/availability.repository';
import { inSerializableTransaction } from '../common/database/serializable';
import { NotificationsOutbox } from '../notifications/outbox';
import { BookingsRepository } from './bookings.repository';

const BATCH = 200;

/** Expires unpaid holds whose time is up and frees their slots; run by the worker's sweeper. */
@Injectable()
export class HoldsService {
  private readonly logger = new Logger(HoldsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bookings: BookingsRepository,
    private readonly availability: AvailabilityRepository,
    private readonly outbox: NotificationsOutbox,
  ) {}

  /** Safe to run in several workers at once: each shop-day is handled under its read-model row lock. */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (const { shopId, localDate } of await this.bookings.shopDaysWithDueHolds(BATCH)) {
      expired += await inSerializableTransaction(
        this.dataSource,
        async (manager) => {
          const busy = await this.availability.lockDay(manager, shopId, localDate);
          const ids = await this.bookings.expireStaleHolds(manager, shopId, localDate);
          await this.outbox.bookingsExpired(manager, ids);
          if (ids.length > 0)
            await this.availability.saveDay(manager, shopId, localDate, withoutBookings(busy, ids));
          return ids.length;
        },
        { attempts: 5 },
      );
    }
    if (expired > 0) this.logger.log(`Expired ${expired} unpaid holds`);
    return expired;
  }
}
