import { DataSource } from 'typeorm';

import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { eventually } from '../support/payments';
import { Spawned, spawnEntry, waitForOutput } from '../support/processes';
import { seedSettleableBookings } from '../support/settlements';
import { createTestApp, TestApp } from '../support/test-app';
import { testEnv } from '../support/test-env';

const SHOPS = 150;
const BOOKINGS_PER_SHOP = 20;

/**
 * A real worker process killed with SIGKILL in the middle of a settlement run, a second run started while the
 * first is unfinished, and a new worker: every booking ends up in exactly one settlement, and the ledger agrees.
 */
describe('Settlement survives a worker killed mid-run (real processes, own database)', () => {
  let database: ScratchDatabase;
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  const workers: Spawned[] = [];
  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}crash:`,
  });

  beforeAll(async () => {
    database = await createScratchDatabase();
    t = await createTestApp(env());
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await t?.close();
    await database?.drop();
  });

  const startWorker = async () => {
    const worker = spawnEntry(
      'worker',
      testEnv({
        ...env(),
        LOG_LEVEL: 'info',
        SETTLEMENT_CONCURRENCY: '1',
        // A killed worker's job is found stalled and retried within seconds rather than a minute.
        QUEUE_LOCK_DURATION_MS: '2000',
      }),
    );
    workers.push(worker);
    await waitForOutput(worker, /worker healthy/);
    return worker;
  };

  const startRun = async () =>
    (
      await t.http
        .post('/api/v1/settlements/runs')
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({})
        .expect(202)
    ).body.runId as string;

  const run = async (id: string) =>
    (
      await t.http
        .get(`/api/v1/settlements/runs/${id}`)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .expect(200)
    ).body as { status: string; shopsDone: number; shopsTotal: number };

  it('settles every booking exactly once', async () => {
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const expected = await seedSettleableBookings(db, {
      ownerId: owner.id,
      customerId: customer.id,
      shops: SHOPS,
      bookingsPerShop: BOOKINGS_PER_SHOP,
    });

    const first = await startWorker();
    const firstRun = await startRun();
    const progress = await eventually(
      () => run(firstRun),
      (current) => current.shopsDone >= 10,
      30_000,
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(progress.shopsDone).toBeLessThan(SHOPS);

    const secondRun = await startRun();
    await startWorker();
    for (const id of [firstRun, secondRun]) {
      await eventually(
        () => run(id),
        (current) => current.status === 'completed',
        60_000,
      );
    }

    // Every booking settled, by exactly one settlement, whose totals are its bookings' totals.
    const [left] = await db.query(
      "SELECT count(*)::int AS n FROM bookings WHERE status = 'completed' AND settlement_status = 'unsettled'",
    );
    expect(left.n).toBe(0);
    const inconsistent = await db.query(`
      SELECT s.id FROM settlements s LEFT JOIN bookings b ON b.settlement_id = s.id
       GROUP BY s.id
      HAVING count(b.id) <> s.booking_count
          OR coalesce(sum(CASE WHEN b.payment_method = 'ONLINE' AND b.payment_status = 'paid'
                               THEN b.amount_paise - b.commission_paise ELSE -b.commission_paise END), 0)
             <> s.net_payable_paise`);
    expect(inconsistent).toEqual([]);
    const perShop: Array<{ shop_id: string; net: string; bookings: number }> = await db.query(
      `SELECT shop_id, sum(net_payable_paise) AS net, sum(booking_count)::int AS bookings
         FROM settlements GROUP BY shop_id`,
    );
    expect(perShop).toHaveLength(SHOPS);
    for (const row of perShop) {
      expect(row.bookings).toBe(BOOKINGS_PER_SHOP);
      expect(Number(row.net)).toBe(expected.get(row.shop_id));
    }

    // One ledger entry per settlement, for its net; the ledger balances.
    const [ledger] = await db.query(`
      SELECT (SELECT count(*) FROM journal_entries WHERE kind = 'settlement')::int AS entries,
             (SELECT count(*) FROM settlements WHERE net_payable_paise <> 0)::int AS settlements,
             (SELECT coalesce(sum(amount_paise), 0) FROM journal_lines)::bigint AS total`);
    expect(ledger.entries).toBe(ledger.settlements);
    expect(Number(ledger.total)).toBe(0);
    const mismatched = await db.query(`
      SELECT s.id FROM settlements s
        JOIN journal_entries e ON e.kind = 'settlement' AND e.ref_id = s.id
        JOIN journal_lines l ON l.entry_id = e.id AND l.account = 'shop_payable'
       WHERE -l.amount_paise <> s.net_payable_paise`);
    expect(mismatched).toEqual([]);
  }, 120_000);
});
