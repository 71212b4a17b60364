import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { inSerializableTransaction } from '../common/database/serializable';
import { BookingsRepository } from './bookings.repository';
import { SHOP_DAY_ATTEMPTS, ShopDays } from './shop-day';

const BATCH = 200;

/** Expires unpaid holds whose time is up and frees their slots; run by the worker's sweeper. */
@Injectable()
export class HoldsService {
  private readonly logger = new Logger(HoldsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bookings: BookingsRepository,
    private readonly shopDays: ShopDays,
  ) {}

  /** Safe to run in several workers at once: each shop-day is handled under its read-model row lock. */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (const { shopId, localDate } of await this.bookings.shopDaysWithDueHolds(BATCH)) {
      expired += await inSerializableTransaction(
        this.dataSource,
        async (manager) => {
          const day = await this.shopDays.open(manager, shopId, localDate);
          const ids = await day.expireStale();
          await day.save();
          return ids.length;
        },
        { attempts: SHOP_DAY_ATTEMPTS },
      );
    }
    if (expired > 0) this.logger.log(`Expired ${expired} unpaid holds`);
    return expired;
  }
}
