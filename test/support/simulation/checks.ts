import { auditLedger } from '../../../src/ledger/ledger-audit';
import { checkInvariants, InvariantResult, LIVE_STATUSES } from '../invariants';
import { Model } from './model';
import { sleep, World } from './world';

export class InvariantFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantFailure';
  }
}

/**
 * What the issue asks beyond test/support/invariants: an ONLINE booking is `upcoming` only with a captured payment of
 * its amount in INR (a booking paid at the shop is `unpaid` while upcoming).
 */
async function upcomingMeansCaptured(world: World): Promise<InvariantResult> {
  const wrong = await world.rows<{ id: string; payment_method: string; payment_status: string }>(
    `SELECT b.id, b.payment_method, b.payment_status FROM bookings b
      WHERE b.status = 'upcoming'
        AND ((b.payment_method = 'ONLINE'
              AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.captured_at IS NOT NULL
                                 AND p.amount_paise = b.amount_paise AND p.currency = 'INR'))
          OR (b.payment_method = 'PAY_AT_SHOP' AND b.payment_status <> 'unpaid'))`,
  );
  return {
    name: 'paid-bookings-captured',
    pass: wrong.length === 0,
    detail: wrong
      .map((row) => `booking ${row.id} ${row.payment_method} upcoming ${row.payment_status}`)
      .join('; '),
  };
}

/** The money audit, through the API when it can answer, else the same audit over the direct connection. */
async function audit(world: World): Promise<string | null> {
  let body: { balanced: boolean; discrepancies: unknown[] } | undefined;
  if (!world.faultActive()) {
    const answer = await world.call('get', '/api/v1/admin/ledger/audit', { as: world.admin });
    if (answer.status === 200) body = answer.body;
    else if (answer.status !== 503) return `GET /admin/ledger/audit answered ${answer.status}`;
  }
  body ??= await auditLedger(async (sql) => (await world.db.query(sql)).rows);
  if (body.balanced && body.discrepancies.length === 0) return null;
  return `the money audit is not balanced: ${JSON.stringify(body).slice(0, 3000)}`;
}

interface LiveRange {
  id: string;
  staff_id: string;
  starts: number;
  blocked: number;
}

const liveRanges = (world: World, shopId: string) =>
  world.rows<LiveRange>(
    `SELECT id, staff_id, extract(epoch FROM starts_at) * 1000 AS starts, extract(epoch FROM blocked_until) * 1000 AS blocked
       FROM bookings WHERE shop_id = $1 AND status IN ${LIVE_STATUSES}`,
    [shopId],
  );

/**
 * Slots shown free are not held: a slot's `availableStaff` is at most the shop's staff less those with a live booking
 * over it (service plus buffer), counting only bookings live both before and after the slots were read (the worker
 * may revive or expire holds meanwhile). A stale cache or read model shows a taken slot and fails this.
 */
export async function slotsAgreeWithBookings(world: World, model: Model): Promise<string | null> {
  const shops = model.shops.filter((shop) => shop.active);
  if (shops.length === 0 || world.outages.has('postgres')) return null;
  const shop = shops[world.step % shops.length];
  const service = shop.services[world.step % shop.services.length];
  const date = model.day(1 + (world.step % 3));
  const before = await liveRanges(world, shop.id);
  const answer = await world.call('get', `/api/v1/shops/${shop.id}/slots`, {
    query: { date, serviceId: service.id },
  });
  if (answer.status === 503) return null;
  if (answer.status !== 200) return `slots of shop ${shop.id} on ${date} answered ${answer.status}`;
  const after = new Set((await liveRanges(world, shop.id)).map((range) => range.id));
  const held = before.filter((range) => after.has(range.id));
  for (const slot of answer.body.slots as Array<{ startsAt: string; availableStaff: number }>) {
    const start = Date.parse(slot.startsAt);
    const end = start + (service.durationMinutes + service.bufferMinutes) * 60_000;
    const busy = new Set(
      held.filter((range) => range.starts < end && start < range.blocked).map((range) => range.staff_id),
    );
    const free = shop.staff.filter((id) => !busy.has(id)).length;
    if (slot.availableStaff > free) {
      return `shop ${shop.id} shows ${slot.startsAt} (${service.durationMinutes}+${service.bufferMinutes} min) with ${slot.availableStaff} free staff, but only ${free} of ${shop.staff.length} have no live booking then`;
    }
  }
  return null;
}

/** Every invariant, after every step. Throws with all that failed. */
export async function checkAfterStep(world: World, model: Model): Promise<void> {
  const failures = (await checkInvariants(world.db)).filter((result) => !result.pass);
  const extra = await upcomingMeansCaptured(world);
  if (!extra.pass) failures.push(extra);
  const problems = failures.map((failure) => `${failure.name}: ${failure.detail}`);
  const audited = await audit(world);
  if (audited) problems.push(audited);
  const slots = await slotsAgreeWithBookings(world, model);
  if (slots) problems.push(`slots-shown-free-are-free: ${slots}`);
  if (problems.length > 0) {
    throw new InvariantFailure(`after step ${world.step} (${model.log.at(-1)}):\n- ${problems.join('\n- ')}`);
  }
}

interface Backlog {
  holds: number;
  events: number;
  refunds: number;
  payouts: number;
  runs: number;
  notifications: number;
  queues: Record<string, number>;
}

async function backlog(world: World): Promise<Backlog> {
  const [row] = await world.rows<Omit<Backlog, 'queues'>>(
    `SELECT (SELECT count(*)::int FROM bookings WHERE status = 'pending_payment') AS holds,
            (SELECT count(*)::int FROM payment_events WHERE processed_at IS NULL) AS events,
            (SELECT count(*)::int FROM refunds WHERE status IN ('requested', 'pending')) AS refunds,
            (SELECT count(*)::int FROM payouts WHERE status = 'pending') AS payouts,
            (SELECT count(*)::int FROM settlement_runs WHERE status IN ('queued', 'running')) AS runs,
            (SELECT count(*)::int FROM notifications WHERE status = 'pending' AND send_after <= now()) AS notifications`,
  );
  return { ...row, queues: await world.queueBacklog() };
}

const drained = (b: Backlog) =>
  b.holds + b.events + b.refunds + b.payouts + b.runs + b.notifications === 0 &&
  Object.values(b.queues).every((n) => n === 0);

/**
 * Once the faults stop: every webhook still in flight arrives, Razorpay settles every refund and transfer it holds,
 * time runs out for every unpaid hold, and then every queue must drain and every hold, refund, payout, run and
 * message must reach an end, with the invariants holding.
 */
export async function drain(world: World, model: Model, timeoutMs = 120_000): Promise<void> {
  await world.restoreAll();
  await world.startWorker();
  const deadline = Date.now() + timeoutMs;
  let last: Backlog | undefined;
  for (;;) {
    for (const event of model.pending.splice(0)) {
      const answer = await model.deliver(world, event);
      if (answer.status !== 200) throw new InvariantFailure(`drain: webhook answered ${answer.status}`);
    }
    const refunds = await world.rows<{ refundId: string; paymentId: string }>(
      `SELECT r.provider_refund_id AS "refundId", p.provider_payment_id AS "paymentId"
         FROM refunds r JOIN payments p ON p.id = r.payment_id
        WHERE r.status = 'pending' AND r.provider_refund_id IS NOT NULL AND p.provider_payment_id IS NOT NULL`,
    );
    const seen = new Set<string>();
    for (const { refundId, paymentId } of [...refunds, ...model.dashboardRefunds.splice(0)]) {
      if (seen.has(refundId)) continue;
      seen.add(refundId);
      const payment = await world.razorpay.payment(paymentId);
      if (payment.refunds.find((refund) => refund.id === refundId)?.status !== 'pending') continue;
      model.pending.push(await world.razorpay.settleRefund(refundId, 'processed'));
    }
    const transfers = await world.rows<{ provider_transfer_id: string }>(
      `SELECT provider_transfer_id FROM payouts WHERE status = 'pending' AND provider_transfer_id IS NOT NULL`,
    );
    for (const { provider_transfer_id: id } of transfers) {
      const event = await world.razorpay.settleTransfer(id, 'processed').catch(() => null);
      if (event) model.pending.push(event);
    }
    // Time runs out for the holds nobody pays: the worker's sweeper expires them.
    await world.db.query(
      `UPDATE bookings SET expires_at = now() - interval '1 second'
        WHERE status = 'pending_payment' AND expires_at > now()`,
    );
    last = await backlog(world);
    if (model.pending.length === 0 && drained(last)) break;
    if (Date.now() > deadline) {
      throw new InvariantFailure(
        `drain: work left ${timeoutMs} ms after the faults stopped: ${JSON.stringify(last)}\n` +
          `worker output:\n${world.workerOutputTail()}`,
      );
    }
    await sleep(300);
  }
  world.step += 1;
  model.log.push('drain');
  await checkAfterStep(world, model);
}
