import { DataSource } from 'typeorm';

import { at, book, expireHoldNow, givenBookableShop, localDate } from '../support/bookings';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { LocalSmtpServer } from '../support/mail';
import { eventually } from '../support/payments';
import { spawnEntry, waitForOutput } from '../support/processes';
import { createTestApp, TestApp } from '../support/test-app';
import { testEnv } from '../support/test-env';

describe('The worker process (real process, own database)', () => {
  // Its own database and Bull prefix: a sweeping worker must not expire the holds other suites are looking at,
  // nor take their queued jobs.
  let database: ScratchDatabase;
  let t: TestApp;
  const REDIS_KEY_PREFIX = `${process.env.REDIS_KEY_PREFIX}worker:`;

  beforeAll(async () => {
    database = await createScratchDatabase();
    t = await createTestApp({ DATABASE_URL: database.url, REDIS_KEY_PREFIX });
  });

  afterAll(() => t && assertInvariants(t.app.get(DataSource)));

  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it('sweeps unpaid holds whose time is up, and their slots come back', async () => {
    const admin = await givenAdmin(t);
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const shop = await givenBookableShop(t.http, owner, admin);
    const date = localDate(4);
    const hold = await book(t.http, customer, {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(date, '10:00'),
      paymentMethod: 'ONLINE',
    }).expect(201);
    await expireHoldNow(t, hold.body.id);

    const worker = spawnEntry(
      'worker',
      testEnv({
        LOG_LEVEL: 'info',
        HOLD_SWEEP_INTERVAL_SECONDS: '1',
        DATABASE_URL: database.url,
        REDIS_KEY_PREFIX,
      }),
    );
    try {
      await waitForOutput(worker, /Expired [1-9]\d* unpaid holds/);
      const booking = await t.http
        .get(`/api/v1/bookings/${hold.body.id}`)
        .set('Authorization', `Bearer ${customer.accessToken}`)
        .expect(200);
      expect(booking.body.status).toBe('expired');
      const slots = await t.http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date, serviceId: shop.services[0].id })
        .expect(200);
      expect(slots.body.slots.some((slot: { startsAt: string }) => slot.startsAt === at(date, '10:00'))).toBe(
        true,
      );
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 0, signal: null });
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('drains on SIGTERM: messages being sent go out before exit, the rest with the next worker, none twice', async () => {
    const admin = await givenAdmin(t);
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const shop = await givenBookableShop(t.http, owner, admin);
    const smtp = await new LocalSmtpServer().start();
    smtp.stall();
    const env = testEnv({
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_KEY_PREFIX,
      SMTP_URL: smtp.url,
      NOTIFY_RELAY_INTERVAL_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '60000',
    });
    const first = spawnEntry('worker', env);
    let second: ReturnType<typeof spawnEntry> | undefined;
    try {
      await waitForOutput(first, /HairOne worker started/);
      // A pay-at-shop booking: a confirmation for the customer and a new-booking message for the owner.
      const booking = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(localDate(4), '11:00'),
        paymentMethod: 'PAY_AT_SHOP',
      }).expect(201);
      await eventually(
        async () => smtp.held,
        (held) => held >= 1,
        20_000,
      );

      first.child.kill('SIGTERM');
      await waitForOutput(first, /Draining queues/);
      // The worker waits for the message held in the SMTP server's DATA phase; it has not exited.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(first.child.exitCode).toBeNull();
      smtp.release();
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(first.output()).toContain('Queues drained');

      const messages = (): Promise<Array<{ template: string; status: string; attempts: number }>> =>
        t.app.get(DataSource).query(
          `SELECT template, status, attempts FROM notifications
            WHERE booking_id = $1 AND template IN ('booking_confirmed', 'new_booking') ORDER BY template`,
          [booking.body.id],
        );
      const afterDrain = await messages();
      // What was being sent went out and is recorded as sent, at the first attempt.
      expect(afterDrain.filter((row) => row.status === 'sent').length).toBeGreaterThanOrEqual(1);
      expect(afterDrain.every((row) => row.status !== 'failed' && row.attempts <= 1)).toBe(true);

      // The next worker sends whatever was still queued (if anything); nothing is sent twice.
      second = spawnEntry('worker', env);
      await waitForOutput(second, /HairOne worker started/);
      await eventually(
        messages,
        (rows) => rows.length === 2 && rows.every((row) => row.status === 'sent'),
        20_000,
      );
      expect(smtp.to(customer.email)).toHaveLength(1);
      expect(smtp.to(owner.email)).toHaveLength(1);
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await smtp.stop();
    }
  }, 90_000);
});
