import { randomUUID } from 'node:crypto';

import * as fc from 'fast-check';
import { DateTime } from 'luxon';

import { checkoutResult } from '../payments';
import { checkAfterStep } from './checks';
import { approve, BookingM, expectAnswer, link, Model, newShop, PaymentM, register, ShopM } from './model';
import { Answer, sleep, World } from './world';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const LIVE = ['pending_payment', 'upcoming'];

/** An index into one of the model's lists (taken modulo its length): shrinking it means nothing, so it does not. */
const idx = fc.noShrink(fc.nat());

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length];
const fee = (amount: number, bps: number, paid: number) =>
  paid > 0 ? Math.min(paid, Math.round((amount * bps) / 10_000)) : 0;

interface BookingRow {
  id: string;
  status: string;
  payment_method: string;
  payment_status: string;
  amount_paise: number;
  refunded_paise: number;
  charged_paise: number;
  starts_at: Date;
  ends_at: Date;
  free_cancellation_hours: number;
  late_cancellation_fee_bps: number;
  no_show_fee_bps: number;
  staff_id: string;
  shop_id: string;
  local_date: string;
}

async function bookingRow(world: World, id: string): Promise<BookingRow> {
  const [row] = await world.rows<BookingRow>(
    `SELECT id, status, payment_method, payment_status, amount_paise, refunded_paise, charged_paise, starts_at,
            ends_at, free_cancellation_hours, late_cancellation_fee_bps, no_show_fee_bps, staff_id, shop_id,
            to_char(local_date, 'YYYY-MM-DD') AS local_date
       FROM bookings WHERE id = $1`,
    [id],
  );
  return row;
}

/**
 * Whether nothing but the next request can change the booking now: not a hold (the sweeper, a capture or
 * reconciliation may move it any moment), no webhook waiting to be applied, no fault. Only then is one answer
 * predicted; otherwise any answer the contract allows for the endpoint is accepted (the invariants still hold).
 */
async function stable(world: World, row: BookingRow): Promise<boolean> {
  if (
    world.faultActive() ||
    !world.workerAlive() ||
    !['upcoming', 'completed', 'cancelled', 'no_show'].includes(row.status)
  )
    return false;
  const [{ n }] = await world.rows<{ n: number }>(
    'SELECT count(*)::int AS n FROM payment_events WHERE processed_at IS NULL',
  );
  return n === 0;
}

function paidOnline(row: BookingRow): number {
  return row.payment_method === 'ONLINE' && row.payment_status !== 'unpaid'
    ? row.amount_paise - row.refunded_paise
    : 0;
}

/** A step of a sequence: what it does to the real system, with the invariants checked after it. */
export class Step implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly label: string,
    private readonly applies: (model: Model) => boolean,
    readonly body: (model: Model, world: World) => Promise<void>,
  ) {}

  check(model: Readonly<Model>): boolean {
    return this.applies(model as Model);
  }

  async run(model: Model, world: World): Promise<void> {
    world.step += 1;
    model.log.push(this.label);
    if (process.env.SIM_VERBOSE) process.stdout.write(`step ${world.step}: ${this.label}\n`);
    await this.body(model, world);
    await checkAfterStep(world, model);
  }

  toString(): string {
    return this.label;
  }
}

const step = <A>(
  name: string,
  args: fc.Arbitrary<A>,
  applies: (model: Model, a: A) => boolean,
  body: (model: Model, world: World, a: A) => Promise<void>,
): fc.Arbitrary<Step> =>
  args.map(
    (a) =>
      new Step(
        `${name}(${JSON.stringify(a)})`,
        (model) => applies(model, a),
        (model, world) => body(model, world, a),
      ),
  );

/** Runs `request` with the API's clock standing at `instant` (never earlier than now), then lets it run again. */
async function at<T>(world: World, instant: number, request: () => Promise<T>): Promise<T> {
  world.clock.freeze(Math.max(instant, Date.now()));
  try {
    return await request();
  } finally {
    world.clock.reset();
  }
}

interface Slot {
  startsAt: string;
  availableStaff: number;
}

async function slots(world: World, shop: ShopM, serviceId: string, date: string): Promise<Slot[] | null> {
  const answer = await world.call('get', `/api/v1/shops/${shop.id}/slots`, { query: { date, serviceId } });
  if (!shop.active) {
    expectAnswer(world, 'slots of an inactive shop', answer, ['404', '400']);
    return null;
  }
  expectAnswer(world, 'slots', answer, ['200']);
  return answer.status === 200 ? (answer.body.slots as Slot[]) : null;
}

const liveStaffBusy = async (world: World, shopId: string, start: number, end: number) =>
  new Set(
    (
      await world.rows<{ staff_id: string }>(
        `SELECT staff_id FROM bookings WHERE shop_id = $1 AND status IN ('pending_payment', 'upcoming')
          AND tstzrange(starts_at, blocked_until) && tstzrange($2, $3)`,
        [shopId, new Date(start), new Date(end)],
      )
    ).map((row) => row.staff_id),
  );

function remember(model: Model, shop: ShopM, answer: Answer, extra: Partial<BookingM>): BookingM {
  const booking: BookingM = {
    id: answer.body.id,
    shop,
    customer: extra.customer!,
    service: shop.services.find((service) => service.id === answer.body.serviceId)!,
    body: extra.body!,
    key: extra.key,
    orderId: answer.body.payment?.orderId,
  };
  model.bookings.push(booking);
  return booking;
}

const bookArgs = fc.record({
  customer: idx,
  shop: idx,
  service: idx,
  day: fc.integer({ min: 1, max: 3 }),
  slot: idx,
  online: fc.boolean(),
  key: fc.boolean(),
  named: fc.boolean(),
});

type BookArgs = typeof bookArgs extends fc.Arbitrary<infer A> ? A : never;

/** Books a slot the API shows free: it must be bookable (201), and once taken it is not shown free again. */
async function bookShownSlot(model: Model, world: World, a: BookArgs): Promise<void> {
  {
    const shop = pick(model.shops, a.shop);
    const service = pick(shop.services, a.service);
    const customer = pick(model.customers, a.customer);
    const date = model.day(a.day);
    const shown = await slots(world, shop, service.id, date);
    const body: Record<string, unknown> = {
      shopId: shop.id,
      serviceId: service.id,
      paymentMethod: a.online ? 'ONLINE' : 'PAY_AT_SHOP',
    };
    if (!shown) {
      if (shop.active) return;
      // Not taking bookings: refused whatever the time.
      body.startsAt = DateTime.fromISO(`${date}T12:00`, { zone: 'Asia/Kolkata' }).toISO();
      const refused = await world.call('post', '/api/v1/bookings', { as: customer, body });
      expectAnswer(world, 'booking at an inactive shop', refused, ['400 SHOP_NOT_BOOKABLE']);
      return;
    }
    if (shown.length === 0) return;
    const slot = pick(shown, a.slot);
    body.startsAt = slot.startsAt;
    const start = Date.parse(slot.startsAt);
    const end = start + (service.durationMinutes + service.bufferMinutes) * MINUTE;
    const busyBefore = await liveStaffBusy(world, shop.id, start, end);
    if (a.named) {
      const free = shop.staff.filter((id) => !busyBefore.has(id));
      if (free.length > 0) body.staffId = pick(free, a.slot);
    }
    const key = a.key ? `sim-${randomUUID()}` : undefined;
    const answer = await world.call('post', '/api/v1/bookings', {
      as: customer,
      body,
      headers: key ? { 'Idempotency-Key': key } : {},
    });
    if (answer.status === 409 && !answer.faulted) {
      // Taken between the read and the booking only if the worker revived holds on every staff member shown free.
      const busyAfter = await liveStaffBusy(world, shop.id, start, end);
      const newlyBusy = [...busyAfter].filter((id) => !busyBefore.has(id));
      const namedTaken = body.staffId ? newlyBusy.includes(body.staffId as string) : false;
      if (!namedTaken && newlyBusy.length < slot.availableStaff) {
        throw new Error(
          `slot ${slot.startsAt} of shop ${shop.id} was shown with ${slot.availableStaff} free staff but booking it answered 409 ${JSON.stringify(answer.body)}`,
        );
      }
      return;
    }
    expectAnswer(world, 'booking a slot shown free', answer, ['201']);
    if (answer.status !== 201) return;
    if (answer.body.status !== (a.online ? 'pending_payment' : 'upcoming')) {
      throw new Error(`a new ${body.paymentMethod} booking is ${answer.body.status}`);
    }
    if (a.online && !answer.body.payment?.orderId) throw new Error('an ONLINE hold without its order');
    remember(model, shop, answer, { customer, body, key });
    // Taken: the next slots answer shows it with fewer free staff, or not at all (no stale cache).
    const next = await slots(world, shop, service.id, date);
    const again = next?.find((candidate) => candidate.startsAt === slot.startsAt);
    const busyNow = await liveStaffBusy(world, shop.id, start, end);
    const freed = [...busyBefore].filter((id) => !busyNow.has(id)).length;
    if (next && again && again.availableStaff > slot.availableStaff - 1 + freed) {
      throw new Error(
        `slot ${slot.startsAt} still shows ${again.availableStaff} free staff after it was booked`,
      );
    }
  }
}

const book = step(
  'book',
  bookArgs,
  (model) => model.customers.length > 0 && model.shops.length > 0,
  bookShownSlot,
);

/** The bookings every sequence starts from: paid at the shop and online, tomorrow and the day after. */
export async function firstBookings(model: Model, world: World): Promise<void> {
  for (const [i, online] of [false, true, true, false].entries()) {
    await bookShownSlot(model, world, {
      customer: i,
      shop: 0,
      service: i,
      day: 1 + (i % 2),
      slot: 9 * i + 5,
      online,
      key: i % 2 === 0,
      named: false,
    });
  }
}

/** The exact time and staff member of a live booking, asked for by someone else: 409 SLOT_UNAVAILABLE. */
const bookTaken = step(
  'bookTaken',
  fc.record({ booking: idx, customer: idx }),
  (model) => model.bookings.length > 0,
  async (model, world, a) => {
    const taken = pick(model.bookings, a.booking);
    const row = await bookingRow(world, taken.id);
    const answer = await world.call('post', '/api/v1/bookings', {
      as: pick(model.customers, a.customer),
      body: {
        shopId: taken.shop.id,
        serviceId: taken.service.id,
        startsAt: row.starts_at.toISOString(),
        staffId: row.staff_id,
        paymentMethod: 'PAY_AT_SHOP',
      },
    });
    if (row.status === 'upcoming' && (await stable(world, row))) {
      expectAnswer(world, 'booking a taken slot', answer, ['409 SLOT_UNAVAILABLE', '400']);
    } else {
      expectAnswer(world, 'booking a maybe-taken slot', answer, ['201', '409 SLOT_UNAVAILABLE', '400']);
    }
    if (answer.status === 201) {
      remember(model, taken.shop, answer, { customer: pick(model.customers, a.customer), body: {} });
    }
  },
);

/** Two customers race for one staff member's slot: exactly one gets it. */
const bookRace = step(
  'bookRace',
  fc.record({ shop: idx, service: idx, day: fc.integer({ min: 1, max: 3 }), slot: idx }),
  (model) => model.customers.length > 1 && model.shops.some((shop) => shop.active),
  async (model, world, a) => {
    const shop = pick(
      model.shops.filter((candidate) => candidate.active),
      a.shop,
    );
    const service = pick(shop.services, a.service);
    const shown = await slots(world, shop, service.id, model.day(a.day));
    if (!shown || shown.length === 0) return;
    const slot = pick(shown, a.slot);
    const start = Date.parse(slot.startsAt);
    const busy = await liveStaffBusy(
      world,
      shop.id,
      start,
      start + (service.durationMinutes + service.bufferMinutes) * MINUTE,
    );
    const staffId = shop.staff.find((id) => !busy.has(id));
    if (!staffId) return;
    const customers = [model.customers[0], model.customers[1]];
    const body = {
      shopId: shop.id,
      serviceId: service.id,
      startsAt: slot.startsAt,
      staffId,
      paymentMethod: 'PAY_AT_SHOP',
    };
    const answers = await Promise.all(
      customers.map((customer) => world.call('post', '/api/v1/bookings', { as: customer, body })),
    );
    answers.forEach((answer) =>
      expectAnswer(world, 'racing booking', answer, ['201', '409 SLOT_UNAVAILABLE']),
    );
    const won = answers.filter((answer) => answer.status === 201);
    if (won.length > 1) throw new Error(`two customers both booked staff ${staffId} at ${slot.startsAt}`);
    if (won.length === 0 && !answers.some((answer) => answer.faulted)) {
      throw new Error(`neither racing customer got the free slot ${slot.startsAt} of staff ${staffId}`);
    }
    answers.forEach((answer, i) => {
      if (answer.status === 201) remember(model, shop, answer, { customer: customers[i], body });
    });
  },
);

/** The same Idempotency-Key again: the same booking back; with another body, 422 IDEMPOTENCY_KEY_REUSED. */
const replay = step(
  'replay',
  fc.record({ booking: idx, same: fc.boolean() }),
  (model) => model.bookings.some((booking) => booking.key),
  async (model, world, a) => {
    const original = pick(
      model.bookings.filter((booking) => booking.key),
      a.booking,
    );
    const body = a.same
      ? original.body
      : {
          ...original.body,
          paymentMethod: original.body.paymentMethod === 'ONLINE' ? 'PAY_AT_SHOP' : 'ONLINE',
        };
    const answer = await world.call('post', '/api/v1/bookings', {
      as: original.customer,
      body,
      headers: { 'Idempotency-Key': original.key! },
    });
    if (!a.same) {
      expectAnswer(world, 'replay with another body', answer, ['422 IDEMPOTENCY_KEY_REUSED']);
      return;
    }
    // A hold whose order could not be opened was released and its key forgotten: then it books anew.
    expectAnswer(world, 'replay', answer, ['201', '409 SLOT_UNAVAILABLE']);
    if (answer.status === 201 && answer.body.id !== original.id) {
      const [{ n }] = await world
        .rows<{ n: number }>('SELECT count(*)::int AS n FROM idempotency_keys WHERE booking_id = $1', [
          original.id,
        ])
        .catch(() => [{ n: -1 }]);
      if (n !== 0) throw new Error(`a replayed key made booking ${answer.body.id} besides ${original.id}`);
      remember(model, original.shop, answer, { customer: original.customer, body, key: original.key });
    }
  },
);

/** The customer pays at Razorpay: in full, the wrong amount, or authorized only; the webhooks are held back. */
const pay = step(
  'pay',
  fc.record({ booking: idx, mode: fc.constantFrom('exact', 'exact', 'wrong-amount', 'authorize') }),
  (model) => model.bookings.some((booking) => booking.orderId),
  async (model, world, a) => {
    const booking = pick(
      model.bookings.filter((candidate) => candidate.orderId),
      a.booking,
    );
    const orderId = booking.orderId!;
    const paid =
      a.mode === 'authorize'
        ? await world.razorpay.authorize(orderId)
        : await world.razorpay.pay(
            orderId,
            a.mode === 'wrong-amount' ? { amountPaise: booking.service.pricePaise - 100 } : {},
          );
    model.payments.push({ booking, orderId, paymentId: paid.paymentId, signature: paid.signature });
    model.pending.push(...paid.events);
  },
);

const capture = step(
  'capture',
  idx,
  (model) => model.payments.length > 0,
  async (model, world, n) => {
    const payment = pick(model.payments, n);
    if ((await world.razorpay.payment(payment.paymentId)).status !== 'authorized') return;
    model.pending.push(await world.razorpay.capture(payment.paymentId));
  },
);

/** Checkout's handler posts the result: valid, forged, or by another customer. */
const verify = step(
  'verify',
  fc.record({ payment: idx, variant: fc.constantFrom('valid', 'valid', 'forged', 'other-customer') }),
  (model) => model.payments.length > 0,
  async (model, world, a) => {
    const payment: PaymentM = pick(model.payments, a.payment);
    const result = checkoutResult(payment);
    if (a.variant === 'forged')
      result.razorpay_signature = result.razorpay_signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    const customer =
      a.variant === 'other-customer'
        ? model.customers.find((candidate) => candidate.id !== payment.booking.customer.id)
        : payment.booking.customer;
    if (!customer) return;
    const reported = await world.razorpay.payment(payment.paymentId);
    const answer = await world.call('post', '/api/v1/payments/razorpay/verify', {
      as: customer,
      body: result,
    });
    if (a.variant === 'forged')
      return expectAnswer(world, 'forged checkout', answer, ['400 INVALID_SIGNATURE']);
    if (a.variant === 'other-customer') {
      return expectAnswer(world, "another customer's checkout", answer, ['404 BOOKING_NOT_FOUND']);
    }
    if (reported.status === 'authorized') {
      return expectAnswer(world, 'checkout of an authorized payment', answer, ['202']);
    }
    expectAnswer(world, 'checkout', answer, [
      '200',
      '202',
      '409 PAYMENT_NOT_APPLICABLE',
      '409 PAYMENT_NEEDS_REVIEW',
    ]);
    if (answer.status === 200) {
      const [captured] = await world.rows<{ captured: boolean }>(
        'SELECT captured_at IS NOT NULL AS captured FROM payments WHERE provider_order_id = $1',
        [payment.orderId],
      );
      if (!captured?.captured)
        throw new Error(`checkout of ${payment.paymentId} confirmed without a capture`);
    }
  },
);

/** Razorpay's webhooks reach the API: one still on its way (any order), a duplicate, or a forged one. */
const deliverEvent = step(
  'deliver',
  fc.record({
    n: idx,
    mode: fc.constantFrom('next', 'next', 'next', 'duplicate', 'forged', 'tampered', 'no-event-id'),
  }),
  (model) => model.pending.length > 0 || model.delivered.length > 0,
  async (model, world, a) => {
    if (a.mode === 'duplicate' || model.pending.length === 0) {
      if (model.delivered.length === 0) return;
      const event = pick(model.delivered, a.n);
      const answer = await model.deliver(world, event, {});
      model.delivered.pop();
      return expectAnswer(world, 'duplicate webhook', answer, ['200']);
    }
    const index = a.n % model.pending.length;
    const event = model.pending[index];
    if (a.mode === 'forged') {
      const answer = await model.deliver(world, event, { signature: 'f'.repeat(64) });
      return expectAnswer(world, 'forged webhook', answer, ['400 INVALID_SIGNATURE']);
    }
    if (a.mode === 'tampered') {
      const answer = await model.deliver(world, event, {
        body: event.body.replace(/"amount":(\d+)/, '"amount":1$1'),
      });
      return expectAnswer(world, 'tampered webhook', answer, ['400 INVALID_SIGNATURE']);
    }
    if (a.mode === 'no-event-id') {
      // Validly signed: accepted under an id derived from the body; the same event with its id may follow.
      const answer = await model.deliver(world, event, { eventId: null });
      return expectAnswer(world, 'webhook without an event id', answer, ['200']);
    }
    const answer = await model.deliver(world, event);
    expectAnswer(world, 'webhook', answer, ['200']);
    // Razorpay retries what was not acknowledged.
    if (answer.status === 200) model.pending.splice(index, 1);
  },
);

type When = 'now' | 'late' | 'after-start' | 'after-end' | 'before-start';

function instant(row: BookingRow, when: When): number {
  const startsAt = row.starts_at.getTime();
  switch (when) {
    case 'now':
      return Date.now();
    case 'late':
      // Inside the free-cancellation window's end, before the start.
      return startsAt - 30 * MINUTE;
    case 'before-start':
      return startsAt - MINUTE;
    case 'after-start':
      return startsAt + MINUTE;
    case 'after-end':
      return row.ends_at.getTime() + 5 * MINUTE;
  }
}

function actorOf(model: Model, booking: BookingM, actor: string, world: World) {
  if (actor === 'customer') return booking.customer;
  if (actor === 'owner') return booking.shop.owner;
  return world.admin;
}

/** Cancels: the customer (inside or outside the free window, or too late), the owner or an admin. */
const cancel = step(
  'cancel',
  fc.record({
    booking: idx,
    actor: fc.constantFrom('customer', 'customer', 'owner', 'admin'),
    when: fc.constantFrom<When>('now', 'now', 'late', 'after-start'),
  }),
  (model) => model.bookings.length > 0,
  async (model, world, a) => {
    const booking = pick(model.bookings, a.booking);
    const row = await bookingRow(world, booking.id);
    const moment = Math.max(instant(row, a.when), Date.now());
    const certain = await stable(world, row);
    const answer = await at(world, moment, () =>
      world.call('post', `/api/v1/bookings/${booking.id}/cancel`, {
        as: actorOf(model, booking, a.actor, world),
        body: { reason: 'simulation' },
      }),
    );
    const allowed = ['200', '409 INVALID_BOOKING_TRANSITION', '409 CANCELLATION_CLOSED'];
    if (!certain) return expectAnswer(world, 'cancel', answer, allowed);
    if (!LIVE.includes(row.status))
      return expectAnswer(world, `cancel a ${row.status} booking`, answer, [allowed[1]]);
    const startsAt = row.starts_at.getTime();
    if (a.actor === 'customer' && moment >= startsAt) {
      return expectAnswer(world, 'customer cancels after the start', answer, [allowed[2]]);
    }
    expectAnswer(world, 'cancel', answer, ['200']);
    if (answer.status !== 200) return;
    const late = a.actor === 'customer' && moment > startsAt - row.free_cancellation_hours * HOUR;
    const paid = paidOnline(row);
    const charged = late ? fee(row.amount_paise, row.late_cancellation_fee_bps, paid) : 0;
    const paymentStatus = paid - charged > 0 ? 'refund_pending' : row.payment_status;
    const got = answer.body;
    if (got.status !== 'cancelled' || got.chargedPaise !== charged || got.paymentStatus !== paymentStatus) {
      throw new Error(
        `cancelled (${late ? 'late' : 'free'}, by ${a.actor}, paid ${paid}, policy ${row.free_cancellation_hours} h / ${row.late_cancellation_fee_bps} bps): ` +
          `expected cancelled, charged ${charged}, ${paymentStatus}; got ${got.status}, charged ${got.chargedPaise}, ${got.paymentStatus}`,
      );
    }
  },
);

/** Completes or marks a no-show: before the start (refused), after the start, after the end. */
const finish = step(
  'finish',
  fc.record({
    booking: idx,
    action: fc.constantFrom('complete', 'no-show'),
    actor: fc.constantFrom('owner', 'admin'),
    when: fc.constantFrom<When>('before-start', 'after-start', 'after-end', 'after-end'),
  }),
  (model) => model.bookings.length > 0,
  async (model, world, a) => {
    const booking = pick(model.bookings, a.booking);
    const row = await bookingRow(world, booking.id);
    const moment = Math.max(instant(row, a.when), Date.now());
    const certain = await stable(world, row);
    const answer = await at(world, moment, () =>
      world.call('post', `/api/v1/bookings/${booking.id}/${a.action}`, {
        as: actorOf(model, booking, a.actor, world),
      }),
    );
    const allowed = ['200', '409 INVALID_BOOKING_TRANSITION', '409 BOOKING_NOT_STARTED'];
    if (!certain) return expectAnswer(world, a.action, answer, allowed);
    if (row.status !== 'upcoming')
      return expectAnswer(world, `${a.action} a ${row.status} booking`, answer, [allowed[1]]);
    if (moment < row.starts_at.getTime())
      return expectAnswer(world, `${a.action} before the start`, answer, [allowed[2]]);
    expectAnswer(world, a.action, answer, ['200']);
    if (answer.status !== 200) return;
    const paid = paidOnline(row);
    const charged =
      a.action === 'complete'
        ? row.payment_method === 'ONLINE'
          ? paid
          : row.amount_paise
        : fee(row.amount_paise, row.no_show_fee_bps, paid);
    const status = a.action === 'complete' ? 'completed' : 'no_show';
    const paymentStatus = paid - charged > 0 ? 'refund_pending' : row.payment_status;
    const got = answer.body;
    if (got.status !== status || got.chargedPaise !== charged || got.paymentStatus !== paymentStatus) {
      throw new Error(
        `${a.action} (paid ${paid}, amount ${row.amount_paise}, no-show fee ${row.no_show_fee_bps} bps): expected ${status}, charged ${charged}, ${paymentStatus}; ` +
          `got ${got.status}, charged ${got.chargedPaise}, ${got.paymentStatus}`,
      );
    }
  },
);

/** Moves a booking to a slot shown free: the customer until the free-cancellation cut-off, the owner until the start. */
const reschedule = step(
  'reschedule',
  fc.record({
    booking: idx,
    actor: fc.constantFrom('customer', 'owner'),
    day: fc.integer({ min: 1, max: 3 }),
    slot: idx,
    when: fc.constantFrom<When>('now', 'now', 'late', 'after-start'),
    key: fc.boolean(),
  }),
  (model) => model.bookings.length > 0,
  async (model, world, a) => {
    const booking = pick(model.bookings, a.booking);
    if (!booking.shop.active) return;
    const shown = await slots(world, booking.shop, booking.service.id, model.day(a.day));
    if (!shown || shown.length === 0) return;
    const row = await bookingRow(world, booking.id);
    const moment = Math.max(instant(row, a.when), Date.now());
    // What is shown now may be in the past at the moment the clock is moved to.
    const ahead = shown.filter((slot) => Date.parse(slot.startsAt) > moment);
    if (ahead.length === 0) return;
    const target = pick(ahead, a.slot);
    const certain = await stable(world, row);
    const answer = await at(world, moment, () =>
      world.call('post', `/api/v1/bookings/${booking.id}/reschedule`, {
        as: actorOf(model, booking, a.actor, world),
        body: { startsAt: target.startsAt },
        headers: a.key ? { 'Idempotency-Key': `sim-${randomUUID()}` } : {},
      }),
    );
    const allowed = [
      '200',
      '409 SLOT_UNAVAILABLE',
      '409 RESCHEDULE_CLOSED',
      '409 INVALID_BOOKING_TRANSITION',
    ];
    if (!certain) return expectAnswer(world, 'reschedule', answer, allowed);
    if (!LIVE.includes(row.status)) {
      return expectAnswer(world, `reschedule a ${row.status} booking`, answer, [allowed[3], allowed[2]]);
    }
    const startsAt = row.starts_at.getTime();
    const cutOff = a.actor === 'customer' ? startsAt - row.free_cancellation_hours * HOUR : startsAt;
    if (moment > cutOff || moment >= startsAt)
      return expectAnswer(world, 'reschedule past the cut-off', answer, [allowed[2]]);
    expectAnswer(world, 'reschedule to a slot shown free', answer, ['200']);
    if (answer.status === 200 && Date.parse(answer.body.startsAt) !== Date.parse(target.startsAt)) {
      throw new Error(`rescheduled to ${answer.body.startsAt}, asked ${target.startsAt}`);
    }
  },
);

/** An admin's goodwill refund: all that is left, part of it, or more than was captured. */
const adminRefund = step(
  'adminRefund',
  fc.record({ booking: idx, amount: fc.constantFrom('all', 'half', 'tiny', 'too-much') }),
  (model) => model.bookings.some((booking) => booking.orderId),
  async (model, world, a) => {
    const booking = pick(
      model.bookings.filter((candidate) => candidate.orderId),
      a.booking,
    );
    const row = await bookingRow(world, booking.id);
    const amounts = {
      all: undefined,
      half: Math.floor(row.amount_paise / 2),
      tiny: 100,
      'too-much': row.amount_paise + 1,
    };
    const body: Record<string, unknown> = { reason: 'simulation goodwill' };
    if (amounts[a.amount] !== undefined) body.amountPaise = amounts[a.amount];
    const answer = await world.call('post', `/api/v1/bookings/${booking.id}/refund`, {
      as: world.admin,
      body,
    });
    const allowed = ['202', '409 NOTHING_TO_REFUND', '409 REFUND_EXCEEDS_CAPTURE'];
    if (a.amount === 'too-much')
      return expectAnswer(world, 'refund beyond the capture', answer, allowed.slice(1));
    if (row.payment_status === 'unpaid' && (await stable(world, row))) {
      return expectAnswer(world, 'refund of an unpaid booking', answer, [allowed[1]]);
    }
    expectAnswer(world, 'admin refund', answer, allowed);
  },
);

/** Someone refunds at Razorpay's dashboard, outside the API: it reaches HairOne only by webhook. */
const dashboardRefund = step(
  'dashboardRefund',
  fc.record({ payment: idx, part: fc.constantFrom(1, 2, 4) }),
  (model) => model.payments.length > 0,
  async (model, world, a) => {
    const payment = pick(model.payments, a.payment);
    const state = await world.razorpay.payment(payment.paymentId);
    const paymentAmount = (state as unknown as { amount: number }).amount;
    const refunded = state.refunds.reduce((sum, refund) => sum + refund.amount, 0);
    const left = paymentAmount - refunded;
    if (state.status !== 'captured' || left < 100) return;
    const amount = Math.max(100, Math.floor(left / a.part));
    const refund = await world.razorpay.dashboardRefund(payment.paymentId, amount);
    model.dashboardRefunds.push({ refundId: refund.id, paymentId: payment.paymentId });
  },
);

/** Razorpay finishes the refunds it holds (processed or failed) and sends their webhooks (held back). */
const settleRefunds = step(
  'settleRefunds',
  fc.constantFrom<'processed' | 'failed'>('processed', 'processed', 'failed'),
  (model) => model.payments.length > 0 || model.dashboardRefunds.length > 0,
  async (model, world, outcome) => {
    const known = await world.rows<{ refundId: string; paymentId: string }>(
      `SELECT r.provider_refund_id AS "refundId", p.provider_payment_id AS "paymentId"
         FROM refunds r JOIN payments p ON p.id = r.payment_id
        WHERE r.status = 'pending' AND r.provider_refund_id IS NOT NULL AND p.provider_payment_id IS NOT NULL`,
    );
    const done = new Set<string>();
    for (const { refundId, paymentId } of [...known, ...model.dashboardRefunds]) {
      if (done.has(refundId)) continue;
      done.add(refundId);
      const state = await world.razorpay.payment(paymentId);
      if (state.refunds.find((refund) => refund.id === refundId)?.status !== 'pending') continue;
      model.pending.push(await world.razorpay.settleRefund(refundId, outcome));
    }
    model.dashboardRefunds = model.dashboardRefunds.filter((refund) => !done.has(refund.refundId));
  },
);

/** Settlement runs, one or two at once, up to now or into the future (which takes the bookings finished early). */
const settlementRun = step(
  'settlementRun',
  fc.record({ concurrent: fc.integer({ min: 1, max: 2 }), future: fc.boolean() }),
  () => true,
  async (model, world, a) => {
    const cutoff = new Date(Date.now() + (a.future ? 5 * 24 * HOUR : 0)).toISOString();
    const answers = await Promise.all(
      Array.from({ length: a.concurrent }, () =>
        world.call('post', '/api/v1/settlements/runs', { as: world.admin, body: { cutoff } }),
      ),
    );
    answers.forEach((answer) => expectAnswer(world, 'settlement run', answer, ['202']));
  },
);

/** An admin pays a shop's payable balance now (with or without an Idempotency-Key, twice at once). */
const payout = step(
  'payout',
  fc.record({ shop: idx, key: fc.boolean(), twice: fc.boolean() }),
  (model) => model.shops.length > 0,
  async (model, world, a) => {
    const shop = pick(model.shops, a.shop);
    const key = a.key ? `sim-${randomUUID()}` : undefined;
    const answers = await Promise.all(
      Array.from({ length: a.twice ? 2 : 1 }, () =>
        world.call('post', `/api/v1/admin/shops/${shop.id}/payouts`, {
          as: world.admin,
          headers: key ? { 'Idempotency-Key': key } : {},
        }),
      ),
    );
    for (const answer of answers) {
      if (!shop.account) {
        expectAnswer(world, 'payout without an account', answer, [
          '409 PAYOUT_ACCOUNT_MISSING',
          '409 NOTHING_TO_PAY',
        ]);
      } else {
        expectAnswer(world, 'payout', answer, ['202', '409 NOTHING_TO_PAY']);
      }
    }
  },
);

/** Razorpay finishes the transfers it holds, processed or failed; their webhooks are held back. */
const settleTransfers = step(
  'settleTransfers',
  fc.constantFrom<'processed' | 'failed'>('processed', 'failed'),
  () => true,
  async (model, world, outcome) => {
    const transfers = await world.rows<{ provider_transfer_id: string }>(
      `SELECT provider_transfer_id FROM payouts WHERE status = 'pending' AND provider_transfer_id IS NOT NULL`,
    );
    for (const { provider_transfer_id: id } of transfers) {
      model.pending.push(await world.razorpay.settleTransfer(id, outcome));
    }
  },
);

/** Time runs out for an unpaid hold: the worker's sweeper must expire it and free its slot. */
const expireHold = step(
  'expireHold',
  idx,
  (model) => model.bookings.some((booking) => booking.orderId),
  async (model, world, n) => {
    const booking = pick(
      model.bookings.filter((candidate) => candidate.orderId),
      n,
    );
    await world.db.query(
      `UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1 AND status = 'pending_payment'`,
      [booking.id],
    );
  },
);

const registerCustomer = step(
  'register',
  fc.constant(null),
  (model) => model.customers.length < 6,
  async (model, world) => {
    const customer = await register(world, 'customer');
    if (customer) model.customers.push(customer);
  },
);

const createShop = step(
  'newShop',
  fc.record({ approve: fc.boolean(), link: fc.boolean(), staff: fc.integer({ min: 1, max: 2 }) }),
  (model) => model.shops.length < 4,
  async (model, world, a) => {
    const shop = await newShop(world, a);
    if (shop) model.shops.push(shop);
  },
);

const approveShop = step(
  'approve',
  idx,
  (model) => model.shops.some((shop) => !shop.active),
  async (model, world, n) => {
    await approve(
      world,
      pick(
        model.shops.filter((shop) => !shop.active),
        n,
      ),
    );
  },
);

const linkAccount = step(
  'linkAccount',
  idx,
  (model) => model.shops.some((shop) => !shop.account),
  async (model, world, n) => {
    await link(
      world,
      pick(
        model.shops.filter((shop) => !shop.account),
        n,
      ),
    );
  },
);

const policy = step(
  'policy',
  fc.record({
    shop: idx,
    freeCancellationHours: fc.constantFrom(0, 2, 24, 48),
    lateCancellationFeeBps: fc.constantFrom(0, 2500, 3333, 10_000),
    noShowFeeBps: fc.constantFrom(0, 5000, 10_000),
  }),
  (model) => model.shops.length > 0,
  async (model, world, { shop: n, ...cancellationPolicy }) => {
    const shop = pick(model.shops, n);
    const answer = await world.call('patch', `/api/v1/shops/${shop.id}`, {
      as: shop.owner,
      body: { cancellationPolicy },
    });
    expectAnswer(world, 'change the cancellation policy', answer, ['200']);
  },
);

const HOURS = [null, { opens: '06:00', closes: '23:00' }, { opens: '10:00', closes: '18:00' }];

/** After a schedule change was accepted, no live booking of the shop (or staff member) lies outside it. */
async function noStrandedBookings(
  world: World,
  what: string,
  sql: string,
  parameters: unknown[],
): Promise<void> {
  const stranded = await world.rows<{ id: string }>(sql, parameters);
  if (stranded.length > 0) {
    throw new Error(
      `${what} was accepted but strands live bookings ${stranded.map((row) => row.id).join(', ')}`,
    );
  }
}

const staffHours = step(
  'staffHours',
  fc.record({ shop: idx, staff: idx, hours: fc.nat({ max: 2 }) }),
  (model) => model.shops.length > 0,
  async (model, world, a) => {
    const shop = pick(model.shops, a.shop);
    const staffId = pick(shop.staff, a.staff);
    const hours = HOURS[a.hours];
    const workingHours = hours && [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ...hours }));
    const answer = await world.call('put', `/api/v1/shops/${shop.id}/staff/${staffId}/hours`, {
      as: shop.owner,
      body: { workingHours },
    });
    expectAnswer(world, 'staff hours', answer, ['200', '409 SCHEDULE_CONFLICTS']);
    if (answer.status === 409 && !(answer.body.details?.length > 0)) {
      throw new Error('SCHEDULE_CONFLICTS without the bookings it would strand');
    }
    if (answer.status === 200 && hours) {
      await noStrandedBookings(
        world,
        `staff hours ${hours.opens}-${hours.closes}`,
        `SELECT id FROM bookings WHERE staff_id = $1 AND status IN ('pending_payment', 'upcoming') AND starts_at > now()
            AND ((starts_at AT TIME ZONE 'Asia/Kolkata')::time < $2::time
                 OR (blocked_until AT TIME ZONE 'Asia/Kolkata') > (starts_at AT TIME ZONE 'Asia/Kolkata')::date + $3::time)`,
        [staffId, hours.opens, hours.closes],
      );
    }
  },
);

const timeOff = step(
  'timeOff',
  fc.record({
    shop: idx,
    staff: idx,
    day: fc.integer({ min: 1, max: 3 }),
    hour: fc.integer({ min: 0, max: 22 }),
    hours: fc.integer({ min: 1, max: 3 }),
  }),
  (model) => model.shops.length > 0,
  async (model, world, a) => {
    const shop = pick(model.shops, a.shop);
    const staffId = pick(shop.staff, a.staff);
    const start = DateTime.fromISO(`${model.day(a.day)}T00:00`, { zone: 'Asia/Kolkata' }).plus({
      hours: a.hour,
    });
    const end = start.plus({ hours: a.hours });
    const overlapping = `SELECT id, status FROM bookings WHERE staff_id = $1 AND status IN ('pending_payment', 'upcoming')
                            AND tstzrange(starts_at, blocked_until) && tstzrange($2, $3)`;
    const range = [staffId, start.toJSDate(), end.toJSDate()];
    const before = await world.rows<{ id: string; status: string }>(overlapping, range);
    const answer = await world.call('post', `/api/v1/shops/${shop.id}/staff/${staffId}/time-off`, {
      as: shop.owner,
      body: { startsAt: start.toISO(), endsAt: end.toISO(), reason: 'simulation' },
    });
    if (before.length > 0 && before.every((row) => row.status === 'upcoming') && !answer.faulted) {
      expectAnswer(world, 'time off over live bookings', answer, ['409 SCHEDULE_CONFLICTS']);
    } else {
      expectAnswer(world, 'time off', answer, ['201', '409 SCHEDULE_CONFLICTS']);
    }
    if (answer.status === 201) {
      model.timeOff.push({ shop, staffId, id: answer.body.id });
      await noStrandedBookings(world, 'time off', overlapping, range);
    }
  },
);

const deleteTimeOff = step(
  'deleteTimeOff',
  idx,
  (model) => model.timeOff.length > 0,
  async (model, world, n) => {
    const index = n % model.timeOff.length;
    const { shop, staffId, id } = model.timeOff[index];
    const answer = await world.call('delete', `/api/v1/shops/${shop.id}/staff/${staffId}/time-off/${id}`, {
      as: shop.owner,
    });
    expectAnswer(world, 'delete time off', answer, ['204']);
    if (answer.status === 204) model.timeOff.splice(index, 1);
  },
);

const dateOverride = step(
  'dateOverride',
  fc.record({ shop: idx, day: fc.integer({ min: 1, max: 3 }), closed: fc.boolean() }),
  (model) => model.shops.length > 0,
  async (model, world, a) => {
    const shop = pick(model.shops, a.shop);
    const date = model.day(a.day);
    const hours = a.closed ? [] : [{ opens: '10:00', closes: '14:00' }];
    const answer = await world.call('post', `/api/v1/shops/${shop.id}/date-overrides`, {
      as: shop.owner,
      body: { date, openingHours: hours, reason: 'simulation' },
    });
    expectAnswer(world, 'date override', answer, [
      '201',
      '409 SCHEDULE_CONFLICTS',
      '409 DATE_OVERRIDE_EXISTS',
    ]);
    if (answer.status === 201) {
      model.overrides.push({ shop, id: answer.body.id, date });
      await noStrandedBookings(
        world,
        `date override ${date} ${a.closed ? 'closed' : '10:00-14:00'}`,
        `SELECT id FROM bookings WHERE shop_id = $1 AND local_date = $2 AND status IN ('pending_payment', 'upcoming')
            AND ($3 OR (starts_at AT TIME ZONE 'Asia/Kolkata')::time < '10:00'
                 OR (blocked_until AT TIME ZONE 'Asia/Kolkata') > $2::date + '14:00'::time)`,
        [shop.id, date, a.closed],
      );
    }
  },
);

const deleteOverride = step(
  'deleteOverride',
  idx,
  (model) => model.overrides.length > 0,
  async (model, world, n) => {
    const index = n % model.overrides.length;
    const { shop, id } = model.overrides[index];
    const answer = await world.call('delete', `/api/v1/shops/${shop.id}/date-overrides/${id}`, {
      as: shop.owner,
    });
    expectAnswer(world, 'delete date override', answer, ['204']);
    if (answer.status === 204) model.overrides.splice(index, 1);
  },
);

const shopHours = step(
  'shopHours',
  fc.record({ shop: idx, hours: fc.nat({ max: 2 }) }),
  (model) => model.shops.length > 0,
  async (model, world, a) => {
    const shop = pick(model.shops, a.shop);
    const hours = HOURS[a.hours] ?? { opens: '00:00', closes: '24:00' };
    const answer = await world.call('patch', `/api/v1/shops/${shop.id}`, {
      as: shop.owner,
      body: { openingHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ...hours })) },
    });
    expectAnswer(world, 'shop hours', answer, ['200', '409 SCHEDULE_CONFLICTS']);
    if (answer.status === 200 && hours.closes !== '24:00') {
      await noStrandedBookings(
        world,
        `shop hours ${hours.opens}-${hours.closes}`,
        `SELECT id FROM bookings WHERE shop_id = $1 AND status IN ('pending_payment', 'upcoming') AND starts_at > now()
            AND ((starts_at AT TIME ZONE 'Asia/Kolkata')::time < $2::time
                 OR (blocked_until AT TIME ZONE 'Asia/Kolkata') > (starts_at AT TIME ZONE 'Asia/Kolkata')::date + $3::time)`,
        [shop.id, hours.opens, hours.closes],
      );
    }
  },
);

const killWorker = step(
  'killWorker',
  fc.constant(null),
  () => true,
  async (_model, world) => {
    await world.killWorker();
  },
);

const startWorker = step(
  'startWorker',
  fc.constant(null),
  () => true,
  async (_model, world) => {
    await world.startWorker();
  },
);

/** The operations, weighted by how often they appear. */
const operations: Array<fc.Arbitrary<Step>> = [
  book,
  book,
  book,
  book,
  bookTaken,
  bookRace,
  replay,
  pay,
  pay,
  capture,
  verify,
  verify,
  deliverEvent,
  deliverEvent,
  deliverEvent,
  cancel,
  cancel,
  finish,
  finish,
  reschedule,
  adminRefund,
  dashboardRefund,
  settleRefunds,
  settlementRun,
  payout,
  settleTransfers,
  expireHold,
  registerCustomer,
  createShop,
  approveShop,
  linkAccount,
  policy,
  staffHours,
  timeOff,
  deleteTimeOff,
  dateOverride,
  deleteOverride,
  shopHours,
];

/** Runs inner steps that apply, each followed by the invariants (over the direct connection while PostgreSQL is away). */
async function runInner(model: Model, world: World, inner: Step[]): Promise<void> {
  for (const command of inner) {
    if (!command.check(model)) continue;
    await command.run(model, world);
  }
}

/**
 * PostgreSQL or Redis goes away: cut before the steps (they run through the outage) or while the first is under
 * way; then it comes back and the API must be healthy again.
 */
const outage = fc
  .record({
    kind: fc.constantFrom<'postgres' | 'redis'>('postgres', 'redis'),
    mid: fc.boolean(),
    delayMs: fc.integer({ min: 0, max: 60 }),
    inner: fc.array(fc.oneof(...operations), { minLength: 1, maxLength: 3 }),
  })
  .map(
    (a) =>
      new Step(
        `outage(${a.kind}, ${a.mid ? `after ${a.delayMs} ms of the first step` : 'before the steps'}, [${a.inner.join(', ')}])`,
        () => true,
        async (model, world) => {
          try {
            if (a.mid) {
              const [first, ...rest] = a.inner;
              const running = first.check(model) ? first.run(model, world) : Promise.resolve();
              await sleep(a.delayMs);
              await world.cut(a.kind);
              await running;
              await runInner(model, world, rest);
            } else {
              await world.cut(a.kind);
              await runInner(model, world, a.inner);
            }
          } finally {
            await world.restore(a.kind);
          }
        },
      ),
  );

/** Razorpay's API answers the next calls slowly (below and past the timeout), with errors, or with a malformed body. */
const providerFault = fc
  .record({
    fault: fc.constantFrom(
      { delayMs: 400 },
      { delayMs: 2500 },
      { status: 500 },
      { status: 503 },
      { status: 502, afterApplying: true },
      { answer: { unexpected: true } },
      { answer: 'not json at all' },
    ),
    next: fc.integer({ min: 1, max: 3 }),
    inner: fc.array(fc.oneof(book, book, verify, cancel, adminRefund, payout, settlementRun), {
      minLength: 1,
      maxLength: 2,
    }),
  })
  .map(
    (a) =>
      new Step(
        `providerFault(${JSON.stringify(a.fault)} x${a.next}, [${a.inner.join(', ')}])`,
        () => true,
        async (model, world) => {
          await world.armProviderFault({ ...a.fault, next: a.next });
          try {
            await runInner(model, world, a.inner);
            // The worker's calls (refunds, payouts) meet the fault too, a moment later.
            await sleep(300);
          } finally {
            await world.clearProviderFault();
          }
        },
      ),
  );

/** The worker is SIGKILLed while the steps' work is under way (a settlement, a refund, a payout), then restarted. */
const workerCrash = fc
  .record({
    delayMs: fc.integer({ min: 0, max: 400 }),
    inner: fc.array(fc.oneof(settlementRun, payout, cancel, deliverEvent, adminRefund, settleTransfers), {
      minLength: 1,
      maxLength: 2,
    }),
  })
  .map(
    (a) =>
      new Step(
        `workerCrash(${a.delayMs} ms into [${a.inner.join(', ')}])`,
        () => true,
        async (model, world) => {
          await runInner(model, world, a.inner);
          await sleep(a.delayMs);
          await world.killWorker();
          await world.startWorker();
        },
      ),
  );

export function allCommands(): Array<fc.Arbitrary<fc.AsyncCommand<Model, World>>> {
  return [
    ...operations,
    outage,
    outage,
    providerFault,
    providerFault,
    workerCrash,
    killWorker,
    startWorker,
    startWorker,
  ];
}
