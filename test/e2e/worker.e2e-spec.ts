import { at, book, expireHoldNow, givenBookableShop, localDate } from '../support/bookings';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, givenUser } from '../support/factories';
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
});
