import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { NotificationsWorkerModule } from '../../src/notifications/notifications-worker.module';
import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { SettlementsWorkerModule } from '../../src/settlements/settlements-worker.module';
import { at, book, givenBookableShop, localDate } from '../support/bookings';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants, ledgerBalanced } from '../support/invariants';
import { deliver, eventually, OwnRazorpayStandIn, StandInClient } from '../support/payments';
import { PgBouncer } from '../support/pgbouncer';
import { freePort } from '../support/ports';
import { SEEDED_BOOKINGS_SKIP, seedSettleableBookings } from '../support/settlements';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The API and the worker's processors behind a real PgBouncer in transaction pooling mode, with fewer server
 * connections than the app's pool: every transaction may land on another server connection, so anything that
 * relied on session state (prepared statements, session settings or locks) would fail here.
 */
describe('Behind PgBouncer in transaction pooling mode (own database)', () => {
  const standIn = new OwnRazorpayStandIn('rzp_test_pgbouncer');
  let database: ScratchDatabase;
  let bouncer: PgBouncer;
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    database = await createScratchDatabase();
    const server = new URL(database.url);
    bouncer = new PgBouncer(await freePort(), { host: server.hostname, port: Number(server.port || 5432) });
    await Promise.all([bouncer.start(), standIn.listen()]);
    t = await createTestApp(
      {
        DATABASE_URL: bouncer.url(server.pathname.slice(1)),
        DATABASE_POOL_SIZE: '12',
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}pgbouncer:`,
        ...standIn.env(),
      },
      [PaymentsWorkerModule, SettlementsWorkerModule, NotificationsWorkerModule],
    );
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
  }, 60_000);

  // Its settlement test seeds bookings straight into the database, around two invariants (SEEDED_BOOKINGS_SKIP says why).
  afterAll(() => db && assertInvariants(db, { skip: SEEDED_BOOKINGS_SKIP }));

  afterAll(async () => {
    await t?.close();
    await Promise.all([bouncer?.stop(), standIn.close()]);
    await database?.drop();
  });

  it('gets the database settings without sending any (jit is off for the database)', async () => {
    const [{ jit }] = await db.query<Array<{ jit: string }>>('SHOW jit');
    expect(jit).toBe('off');
  });

  it('keeps serializable booking exact under contention: one 201, the rest 409, no 5xx', async () => {
    const shop = await givenBookableShop(t.http, owner, admin);
    const customers = await Promise.all(Array.from({ length: 4 }, () => givenUser(t.http, 'customer')));
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        book(t.http, customers[i % 4], {
          shopId: shop.id,
          serviceId: shop.services[0].id,
          staffId: shop.staff[0].id,
          startsAt: at(localDate(3), '15:00'),
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(23);
  });

  it('replays an idempotent booking and confirms a paid one through the webhook and the payments queue', async () => {
    const shop = await givenBookableShop(t.http, owner, admin);
    const customer = await givenUser(t.http, 'customer');
    const body = {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(localDate(3), '10:00'),
      paymentMethod: 'ONLINE',
    };
    const key = `pgbouncer-${randomBytes(6).toString('hex')}`;
    const first = await book(t.http, customer, body, key).expect(201);
    const again = await book(t.http, customer, body, key).expect(201);
    expect(again.body.id).toBe(first.body.id);

    const paid = await new StandInClient(standIn.url).pay(first.body.payment.orderId);
    await deliver(
      t.http,
      paid.events.find((event) => event.type === 'payment.captured')!,
    ).expect(200);
    await eventually(
      async () => (await t.http.get(`/api/v1/bookings/${first.body.id}`).set(as(customer))).body,
      (booking: { status: string; paymentStatus: string }) =>
        booking.status === 'upcoming' && booking.paymentStatus === 'paid',
      20_000,
    );
  });

  it('settles a run with per-shop jobs in parallel, each in one transaction, the ledger balanced', async () => {
    const customer = await givenUser(t.http, 'customer');
    const owed = await seedSettleableBookings(db, {
      ownerId: owner.id,
      customerId: customer.id,
      shops: 6,
      bookingsPerShop: 5,
    });
    const { runId } = (await t.http.post('/api/v1/settlements/runs').set(as(admin)).send({}).expect(202))
      .body as {
      runId: string;
    };
    const run = await eventually(
      async () => (await t.http.get(`/api/v1/settlements/runs/${runId}`).set(as(admin)).expect(200)).body,
      (current: { status: string }) => current.status === 'completed' || current.status === 'failed',
      30_000,
    );
    expect(run.status).toBe('completed');
    const settled = await db.query<Array<{ shop_id: string; net_payable_paise: string }>>(
      'SELECT shop_id, net_payable_paise FROM settlements WHERE run_id = $1',
      [runId],
    );
    expect(new Map(settled.map((row) => [row.shop_id, Number(row.net_payable_paise)]))).toEqual(owed);
    expect(await ledgerBalanced(db)).toMatchObject({ pass: true });
  });

  it('sent all of it through PgBouncer: its statistics count the transactions', async () => {
    const stats = await bouncer.admin<{ database: string; total_xact_count: string }>('SHOW STATS');
    const ours = stats.find((row) => row.database === new URL(database.url).pathname.slice(1));
    expect(Number(ours?.total_xact_count)).toBeGreaterThan(100);
  });
});
