import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { AuthModule } from '../auth/auth.module';
import { PasswordHasher } from '../auth/password-hasher';
import { BookingLifecycleService } from '../bookings/booking-lifecycle.service';
import { BookingsModule } from '../bookings/bookings.module';
import { BookingsRepository } from '../bookings/bookings.repository';
import { BookingsService } from '../bookings/bookings.service';
import { CLOCK, ClockModule, ManualClock } from '../common/clock/clock';
import { createRootLogger, PinoNestLogger } from '../common/logging/logger';
import { AppConfig, loadAppConfigOrExit } from '../config/app.config';
import { AppConfigModule } from '../config/config.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RedisModule } from '../redis/redis.module';
import { CatalogRepository } from '../shops/catalog.repository';
import { ShopsModule } from '../shops/shops.module';
import { ShopsRepository } from '../shops/shops.repository';
import { Role } from '../users/role';
import { UsersModule } from '../users/users.module';
import { UsersRepository } from '../users/users.repository';
import { DatabaseModule } from './database.module';
import { CITIES, DemoBookingContext, seedDemoBookings, seedDemoHistory, seedDemoShops } from './demo-shops';

/** Demo accounts for local use. Their passwords are public, so the seed refuses to run in production. */
export const DEMO_PASSWORD = 'hairone-demo-123';
const DEMO_OWNER_EMAIL = 'owner@hairone.local';
const DEMO_CUSTOMER_EMAIL = 'customer@hairone.local';
const DEMO_USERS: Array<{ name: string; email: string; role: Exclude<Role, 'admin'>; phone: string }> = [
  { name: 'Priya Sharma', email: DEMO_CUSTOMER_EMAIL, role: 'customer', phone: '+919800000001' },
  { name: 'Arjun Mehta', email: DEMO_OWNER_EMAIL, role: 'shop_owner', phone: '+919800000002' },
];

@Injectable()
class DemoSeeder {
  private readonly logger = new Logger('Seed');

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly shops: ShopsRepository,
    private readonly catalog: CatalogRepository,
    private readonly bookings: BookingsRepository,
    private readonly bookingsService: BookingsService,
    private readonly lifecycle: BookingLifecycleService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: ManualClock,
  ) {}

  /**
   * Idempotent: running it again changes nothing. `now` is the present the demo is made for (the seed's clock stands
   * there, and moves into the past only to make the history). Returns the credentials to print.
   */
  async run(config: AppConfig, now: number): Promise<string[]> {
    const lines: string[] = [];
    if (config.bootstrapAdmin) {
      const { email, password } = config.bootstrapAdmin;
      const admin = await this.users.findByEmailWithPasswordHash(email);
      const matches = admin?.role === 'admin' && (await this.passwords.verify(password, admin.passwordHash));
      lines.push(
        matches
          ? `admin       ${email} / ${password}`
          : 'admin       one existed before BOOTSTRAP_ADMIN_*; its credentials were left unchanged',
      );
    }
    for (const demo of DEMO_USERS) {
      const existing = await this.users.findByEmailWithPasswordHash(demo.email);
      if (!existing) {
        await this.users.create({ ...demo, passwordHash: await this.passwords.hash(DEMO_PASSWORD) });
        this.logger.log(`Created demo ${demo.role} ${demo.email}`);
      }
      lines.push(`${demo.role.padEnd(11)} ${demo.email} / ${DEMO_PASSWORD}`);
    }

    const owner = await this.users.findByEmailWithPasswordHash(DEMO_OWNER_EMAIL);
    if (owner && (await this.shops.list({ ownerId: owner.id }, 1)).length === 0) {
      const count = await seedDemoShops(
        owner.id,
        config.payments.defaultCommissionBps,
        this.shops,
        this.catalog,
      );
      this.logger.log(`Created ${count} demo shops around ${CITIES.length} cities`);
    }
    lines.push(`shops       ${CITIES.length * 6} demo shops; try GET /api/v1/shops?lat=12.9716&lng=77.5946`);

    const customer = await this.users.findByEmailWithPasswordHash(DEMO_CUSTOMER_EMAIL);
    const demo = (customerId: string, ownerId: string): DemoBookingContext => ({
      customerId,
      ownerId,
      shops: this.shops,
      catalog: this.catalog,
      bookings: this.bookingsService,
      lifecycle: this.lifecycle,
      clock: this.clock,
    });
    if (owner && customer && (await this.bookings.list({ customerId: customer.id }, 1)).length === 0) {
      const count = await seedDemoBookings(demo(customer.id, owner.id), now);
      this.logger.log(`Created ${count} demo bookings`);
    }
    lines.push(
      'bookings    upcoming demo bookings of the customer: GET /api/v1/bookings (as customer or owner)',
    );

    if (owner && customer) {
      const [{ completed }] = await this.dataSource.query(
        `SELECT count(*)::int AS completed FROM bookings b JOIN shops s ON s.id = b.shop_id
          WHERE s.owner_id = $1 AND b.status = 'completed'`,
        [owner.id],
      );
      if (completed === 0) {
        const count = await seedDemoHistory(demo(customer.id, owner.id), now);
        this.logger.log(`Created ${count} completed demo bookings from the last open days`);
      }
    }
    lines.push('settlement  completed bookings of the last days: POST /api/v1/settlements/runs as admin');
    return lines;
  }
}

/**
 * Seeds the demo data for the present `now` (default: the system clock) and returns the credentials. Tests run it
 * at any instant (every weekday, late at night) to prove the demo follows the booking rules whenever it is made.
 */
export async function runSeed(config: AppConfig, now = Date.now()): Promise<string[]> {
  if (config.nodeEnv === 'production') {
    throw new Error('The demo seed has public passwords and never runs with NODE_ENV=production');
  }
  @Module({
    imports: [
      AppConfigModule.forRoot(config),
      ClockModule.forRoot(new ManualClock(now)),
      DatabaseModule.forRoot('hairone-seed', { readReplicas: false }),
      RedisModule,
      UsersModule,
      AuthModule,
      ShopsModule,
      MetricsModule,
      BookingsModule,
    ],
    providers: [DemoSeeder],
  })
  class SeedModule {}

  const logger = createRootLogger({ level: 'warn', name: 'hairone-seed' });
  const app = await NestFactory.createApplicationContext(SeedModule, { logger: new PinoNestLogger(logger) });
  try {
    return await app.get(DemoSeeder).run(config, now);
  } finally {
    await app.close();
  }
}

async function seed(): Promise<void> {
  const credentials = await runSeed(loadAppConfigOrExit('seed'));
  process.stdout.write(
    `\nDemo accounts (sign in at POST /api/v1/auth/login):\n  ${credentials.join('\n  ')}\n\n`,
  );
}

if (require.main === module) {
  seed().catch((error: Error) => {
    process.stderr.write(`Seeding failed: ${error.message}\n`);
    process.exit(1);
  });
}
