import { randomBytes } from 'node:crypto';

import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';

import { SettlementJob, SETTLEMENTS_QUEUE } from '../../src/queues/queues.constants';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants, bookingsSettledOnce, ledgerBalanced } from '../support/invariants';
import { deliver, eventually, OwnRazorpayStandIn, StandInClient } from '../support/payments';
import { Spawned, spawnEntry, waitForOutput } from '../support/processes';
import { SEEDED_BOOKINGS_SKIP, seedSettleableBookings } from '../support/settlements';
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
  const standIn = new OwnRazorpayStandIn('rzp_test_crash');
  let razorpay: StandInClient;
  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}crash:`,
    ...standIn.env(),
  });

  beforeAll(async () => {
    razorpay = new StandInClient(await standIn.listen());
    database = await createScratchDatabase();
    t = await createTestApp(env());
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
  });

  // Its bookings are seeded straight into the database, around two invariants (SEEDED_BOOKINGS_SKIP says why).
  afterAll(() => db && assertInvariants(db, { skip: SEEDED_BOOKINGS_SKIP }));

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await t?.close();
    await database?.drop();
    await standIn.close();
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
    // Not "worker healthy": the heartbeat's first report runs beside the crons' registration, not after it.
    await waitForOutput(worker, /HairOne worker started/);
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
    // The worker registered the nightly run as a Bull repeatable job, in the shop-facing time zone.
    const repeatable = await t.app.get<Queue>(getQueueToken(SETTLEMENTS_QUEUE)).getRepeatableJobs();
    expect(repeatable).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: SettlementJob.StartRun, cron: '30 0 * * *', tz: 'Asia/Kolkata' }),
      ]),
    );
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
    // (And one ledger entry per settlement, for its net.)
    expect(await bookingsSettledOnce(db)).toMatchObject({ pass: true });
    const perShop: Array<{ shop_id: string; net: string; bookings: number }> = await db.query(
      `SELECT shop_id, sum(net_payable_paise) AS net, sum(booking_count)::int AS bookings
         FROM settlements GROUP BY shop_id`,
    );
    expect(perShop).toHaveLength(SHOPS);
    for (const row of perShop) {
      expect(row.bookings).toBe(BOOKINGS_PER_SHOP);
      expect(Number(row.net)).toBe(expected.get(row.shop_id));
    }

    // The ledger balances.
    expect(await ledgerBalanced(db)).toMatchObject({ pass: true });
  }, 120_000);

  it('sends a payout whose worker died mid-request once, with the same idempotency key', async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const [[shopId, net]] = await seedSettleableBookings(db, {
      ownerId: owner.id,
      customerId: customer.id,
      shops: 1,
      bookingsPerShop: 4,
    });
    const account = `acc_${randomBytes(10).toString('hex').slice(0, 14)}`;
    await db.query('UPDATE shops SET payout_account_id = $2 WHERE id = $1', [shopId, account]);
    const transferCalls = async () => (await razorpay.calls())['POST /v1/transfers'] ?? 0;

    // Razorpay makes the transfer at once but answers late; the worker is killed while it waits.
    await razorpay.fault({ afterApplying: true, delayMs: 10_000 });
    const first = await startWorker();
    const runId = await startRun();
    await eventually(transferCalls, (calls) => calls >= 1, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const [pending] = await db.query('SELECT * FROM payouts WHERE shop_id = $1', [shopId]);
    expect(pending).toMatchObject({ status: 'pending', provider_transfer_id: null });
    expect(Number(pending.amount_paise)).toBe(net);

    // Another worker retries the stalled job: the same key and body get the first transfer back.
    await startWorker();
    const payout = await eventually(
      async () => (await db.query('SELECT * FROM payouts WHERE shop_id = $1', [shopId]))[0],
      (row) => row.provider_transfer_id !== null,
      30_000,
    );
    expect(await transferCalls()).toBeGreaterThanOrEqual(2);
    const transfers = await razorpay.transfersTo(account);
    expect(transfers).toHaveLength(1);
    expect(payout.provider_transfer_id).toBe(transfers[0].id);
    const [settlement] = await db.query(
      'SELECT id, status FROM settlements WHERE run_id = $1 AND shop_id = $2',
      [runId, shopId],
    );
    expect(payout.idempotency_key).toBe(settlement.id);

    // Razorpay's webhook, through the API and the worker, marks it paid.
    await deliver(t.http, await razorpay.settleTransfer(transfers[0].id, 'processed')).expect(200);
    await eventually(
      async () => (await db.query('SELECT status FROM settlements WHERE id = $1', [settlement.id]))[0].status,
      (status) => status === 'paid',
      30_000,
    );
    expect(await ledgerBalanced(db)).toMatchObject({ pass: true });
  }, 120_000);
  it("pays a failed payout's money again with an admin payout whose worker died mid-request, once", async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const [[shopId, net]] = await seedSettleableBookings(db, {
      ownerId: owner.id,
      customerId: customer.id,
      shops: 1,
      bookingsPerShop: 4,
    });
    const account = `acc_${randomBytes(10).toString('hex').slice(0, 14)}`;
    await db.query('UPDATE shops SET payout_account_id = $2 WHERE id = $1', [shopId, account]);
    const transferCalls = async () => (await razorpay.calls())['POST /v1/transfers'] ?? 0;
    const payoutsOf = (): Promise<Array<Record<string, string | null>>> =>
      db.query('SELECT * FROM payouts WHERE shop_id = $1 ORDER BY created_at, id', [shopId]);

    // The run's payout fails at Razorpay: its money is payable again.
    await startWorker();
    await startRun();
    const [failedTransfer] = await eventually(
      () => razorpay.transfersTo(account),
      (found) => found.length === 1,
      30_000,
    );
    await eventually(
      async () => (await payoutsOf())[0]?.provider_transfer_id,
      (id) => id === failedTransfer.id,
      30_000,
    );
    await deliver(t.http, await razorpay.settleTransfer(failedTransfer.id, 'failed')).expect(200);
    await eventually(
      async () => (await payoutsOf())[0].status,
      (status) => status === 'failed',
      30_000,
    );
    for (const worker of workers) worker.child.kill('SIGKILL');

    // An admin pays the balance; Razorpay makes the transfer at once but answers late, and the worker is killed.
    await razorpay.fault({ afterApplying: true, delayMs: 10_000 });
    const worker = await startWorker();
    const before = await transferCalls();
    const accepted = await t.http
      .post(`/api/v1/admin/shops/${shopId}/payouts`)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send()
      .expect(202);
    expect(accepted.body.amountPaise).toBe(net);
    const payoutId = accepted.body.payoutId as string;
    await eventually(transferCalls, (calls) => calls > before, 30_000);
    worker.child.kill('SIGKILL');
    await worker.exited;
    const pending = (await payoutsOf()).find((row) => row.id === payoutId)!;
    expect(pending).toMatchObject({
      status: 'pending',
      provider_transfer_id: null,
      idempotency_key: payoutId,
    });

    // Another worker retries the stalled job: the same key and body get the transfer already made back.
    await startWorker();
    const payout = await eventually(
      async () => (await payoutsOf()).find((row) => row.id === payoutId)!,
      (row) => row.provider_transfer_id !== null,
      30_000,
    );
    expect(await transferCalls()).toBeGreaterThanOrEqual(before + 2);
    const transfers = await razorpay.transfersTo(account);
    expect(transfers).toHaveLength(2);
    const paidTransfer = transfers.find((transfer) => transfer.id !== failedTransfer.id)!;
    expect(paidTransfer).toMatchObject({ amount: net, notes: { payout_id: payoutId, shop_id: shopId } });
    expect(payout.provider_transfer_id).toBe(paidTransfer.id);

    await deliver(t.http, await razorpay.settleTransfer(paidTransfer.id, 'processed')).expect(200);
    await eventually(
      async () => (await payoutsOf()).find((row) => row.id === payoutId)!.status,
      (status) => status === 'paid',
      30_000,
    );
    const [balance] = await db.query(
      `SELECT coalesce(-sum(amount_paise), 0)::int AS payable FROM journal_lines
        WHERE account = 'shop_payable' AND shop_id = $1`,
      [shopId],
    );
    expect(balance.payable).toBe(0);
    expect(await ledgerBalanced(db)).toMatchObject({ pass: true });
  }, 120_000);
});
