import request from 'supertest';
import { DataSource } from 'typeorm';

import { at, book, givenBookableShop, localDate } from '../support/bookings';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { LocalSmtpServer } from '../support/mail';
import { deliver, eventually, OwnRazorpayStandIn, StandInClient } from '../support/payments';
import { freePort } from '../support/ports';
import { Spawned, spawnEntry, waitForOutput } from '../support/processes';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, TestAgent, TestApp } from '../support/test-app';
import { testEnv } from '../support/test-env';

/**
 * The built API and worker as real processes, reaching PostgreSQL and Redis through TCP proxies that the tests cut
 * (every connection dropped, new ones refused, as when a server restarts) and restore. Their own database, Bull prefix, Razorpay stand-in and SMTP
 * server; an in-process app on the same database only prepares data and reads it back.
 */
describe('PostgreSQL and Redis going away under the real API and worker (real processes, own database)', () => {
  const REDIS_KEY_PREFIX = `${process.env.REDIS_KEY_PREFIX}outages:`;
  const redisUrl = new URL(testEnv().REDIS_URL as string);
  const redisProxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
  let databaseProxy: TcpProxy;
  const standIn = new OwnRazorpayStandIn('rzp_test_redis_outage');
  const smtp = new LocalSmtpServer();
  let database: ScratchDatabase;
  let setup: TestApp;
  let api: Spawned;
  let worker: Spawned;
  let http: TestAgent;

  beforeAll(async () => {
    database = await createScratchDatabase();
    const databaseUrl = new URL(database.url);
    databaseProxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    await Promise.all([standIn.listen(), smtp.start(), redisProxy.start(), databaseProxy.start()]);
    setup = await createTestApp({ DATABASE_URL: database.url, REDIS_KEY_PREFIX, ...standIn.env() });
    const env = testEnv({
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseProxy.url(database.url),
      REDIS_URL: redisProxy.url(redisUrl.toString()),
      REDIS_KEY_PREFIX,
      ...standIn.env(),
      SMTP_URL: smtp.url,
      NOTIFY_RELAY_INTERVAL_MS: '200',
      PAYMENT_RECONCILE_INTERVAL_SECONDS: '2',
    });
    const port = await freePort();
    api = spawnEntry('main', { ...env, PORT: String(port), HOST: '127.0.0.1' });
    worker = spawnEntry('worker', env);
    await Promise.all([
      waitForOutput(api, /HairOne API listening/),
      waitForOutput(worker, /HairOne worker started/),
    ]);
    http = request(`http://127.0.0.1:${port}`);
  }, 60_000);

  afterAll(() => setup && assertInvariants(setup.app.get(DataSource)));

  afterAll(async () => {
    for (const process of [api, worker]) {
      process?.child.kill('SIGTERM');
      await process?.exited;
    }
    await setup?.close();
    await Promise.all([redisProxy.stop(), databaseProxy?.stop(), smtp.stop(), standIn.close()]);
    await database?.drop();
  });

  it('keeps search, slots and booking working while Redis is away; the queued work resumes, none lost or doubled', async () => {
    const admin = await givenAdmin(setup);
    const owner = await givenUser(http, 'shop_owner');
    const customer = await givenUser(http, 'customer');
    const shop = await givenBookableShop(http, owner, admin);
    const date = localDate(3);
    const as = { Authorization: `Bearer ${customer.accessToken}` };
    const body = (time: string, paymentMethod: string) => ({
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(date, time),
      paymentMethod,
    });

    await redisProxy.stop();
    let atShop: { id: string };
    let online: { id: string };
    let paymentId: string;
    try {
      await eventually(
        async () => (await http.get('/health')).status,
        (status) => status === 503,
      );
      await http.get('/api/v1/shops').query({ lat: 12.97, lng: 77.59 }).expect(200);
      await http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date, serviceId: shop.services[0].id })
        .expect(200);
      atShop = (await book(http, customer, body('10:00', 'PAY_AT_SHOP')).expect(201)).body;
      const hold = await book(http, customer, body('11:00', 'ONLINE')).expect(201);
      online = hold.body;
      // Paid while Redis is away: the webhook is stored and acknowledged, its job cannot be queued yet.
      const paid = await new StandInClient(standIn.url).pay(hold.body.payment.orderId);
      paymentId = paid.paymentId;
      const captured = paid.events.find((event) => event.type === 'payment.captured');
      await deliver(http, captured!).expect(200);
    } finally {
      await redisProxy.start();
    }

    await eventually(
      async () => (await http.get(`/api/v1/bookings/${online.id}`).set(as)).body,
      (booking: { status: string; paymentStatus: string }) =>
        booking.status === 'upcoming' && booking.paymentStatus === 'paid',
      45_000,
    );
    const db = setup.app.get(DataSource);
    const messages = () =>
      db.query<Array<{ booking_id: string; template: string; status: string }>>(
        `SELECT booking_id, template, status FROM notifications
          WHERE booking_id = ANY($1) AND template IN ('booking_confirmed', 'new_booking') ORDER BY template`,
        [[atShop!.id, online.id]],
      );
    const sent = await eventually(
      messages,
      (rows) => rows.length === 4 && rows.every((row) => row.status === 'sent'),
      30_000,
    );
    expect(sent.map((row) => row.template).sort()).toEqual([
      'booking_confirmed',
      'booking_confirmed',
      'new_booking',
      'new_booking',
    ]);
    // Each message arrived once; the payment was captured once.
    expect(smtp.to(customer.email)).toHaveLength(2);
    expect(smtp.to(owner.email)).toHaveLength(2);
    const payments = await db.query(
      'SELECT provider_payment_id, captured_at IS NOT NULL AS captured FROM payments WHERE booking_id = $1',
      [online.id],
    );
    expect(payments).toEqual([{ provider_payment_id: paymentId!, captured: true }]);
    const ledger = await db.query(
      `SELECT count(*)::int AS n FROM journal_entries e JOIN payments p ON p.id = e.ref_id
        WHERE e.kind = 'capture' AND p.booking_id = $1`,
      [online.id],
    );
    expect(ledger).toEqual([{ n: 1 }]);
    await eventually(
      async () => (await http.get('/health')).status,
      (status) => status === 200,
      20_000,
    );
  }, 90_000);

  it('answers 503 while PostgreSQL restarts, reconnects by itself, and a booking retried with its key is made once', async () => {
    const admin = await givenAdmin(setup);
    const owner = await givenUser(http, 'shop_owner');
    const customer = await givenUser(http, 'customer');
    const shop = await givenBookableShop(http, owner, admin);
    const body = {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(localDate(3), '15:00'),
      paymentMethod: 'PAY_AT_SHOP',
    };
    const key = `outage-${customer.id}`;

    await databaseProxy.stop();
    try {
      await eventually(
        async () => (await http.get('/health')).status,
        (status) => status === 503,
      );
      const refused = await book(http, customer, body, key).expect(503);
      expect(refused.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect(JSON.stringify(refused.body)).not.toMatch(/stack|ECONNREFUSED|at \//);
    } finally {
      await databaseProxy.start();
    }

    await eventually(
      async () => (await http.get('/health')).status,
      (status) => status === 200,
      30_000,
    );
    const made = await book(http, customer, body, key).expect(201);
    const replayed = await book(http, customer, body, key).expect(201);
    expect(replayed.body.id).toBe(made.body.id);
    const db = setup.app.get(DataSource);
    const rows = await db.query(
      `SELECT count(*)::int AS n FROM bookings WHERE shop_id = $1 AND starts_at = $2`,
      [shop.id, body.startsAt],
    );
    expect(rows).toEqual([{ n: 1 }]);
    // The worker reconnected too: the booking's messages go out.
    await eventually(
      () =>
        db.query<Array<{ status: string }>>(
          `SELECT status FROM notifications WHERE booking_id = $1 AND template IN ('booking_confirmed', 'new_booking')`,
          [made.body.id],
        ),
      (messages) => messages.length === 2 && messages.every((message) => message.status === 'sent'),
      30_000,
    );
  }, 90_000);
});
