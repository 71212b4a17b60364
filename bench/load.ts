/**
 * npm run bench:load [-- --duration 60 --connections 50 --shops 2000 --customers 200 --ceiling-duration 20
 *                       --reschedule-share 0.04 --cancel-share 0.03 --booking-seconds 10 --booking-rounds 3
 *                       --bookings-only]
 *
 * A realistic mix against the built API and worker, with a local Razorpay stand-in playing Razorpay: customers
 * search nearby shops, look at slots and book (ONLINE or PAY_AT_SHOP, with an Idempotency-Key, a few retried, all on
 * the popular shops' next two days, so many collide: 409), most online orders get paid at the stand-in, and
 * Razorpay's signed webhooks (some delivered twice) and the checkout verifications come back through the API.
 * Autocannon drives the mix for --duration seconds over --connections connections, every request timed per route.
 * Once the worker has applied every webhook and every unpaid hold has expired, SQL proves: no overlapping live
 * bookings, the availability read model matches the bookings, every payment captured exactly once with its booking
 * confirmed, a balanced ledger, every webhook event stored once and applied, no hold left, retried requests
 * answered with the original booking, and no 5xx. A plain node:http hello world driven the same way gives the
 * machine's ceiling; that line reads `total: <requests/s> req/s = <x>% of node:http hello-world`. The mix stays on
 * autocannon: what it sends next depends on what was answered (payments, webhooks, retries), which wrk cannot do.
 *
 * Then booking creation alone, measured with wrk (bench/wrk.ts): the API beside a bare Fastify endpoint running the
 * same SERIALIZABLE booking transaction (bench/bare.ts), in alternating rounds, each on free slots of its own, and
 * the invariants checked again after. The last line is `ratio: <API req/s / bare req/s>` with both p99s.
 * `--bookings-only` runs that part alone.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';

import autocannon from 'autocannon';
import * as bcrypt from 'bcrypt';
import { DateTime } from 'luxon';
import { Pool } from 'pg';

import { RazorpayStandIn, SignedEvent } from '../dev/razorpay-stand-in/razorpay-stand-in';
import { buildAppConfig } from '../src/config/app.config';
import { CITIES } from '../src/database/demo-shops';
import { runMigrations } from '../src/database/migrate';
import { auditLedger } from '../src/ledger/ledger-audit';
import { checkInvariants } from '../test/support/invariants';
import {
  argument,
  benchEnv,
  dropRedisKeys,
  freePort,
  freshBenchDatabase,
  median,
  printTable,
  quantile,
  startApi,
  startBare,
  startWorker,
  stopper,
} from './support';
import { compare, Compared, comparedRows, wrk, WrkRequest } from './wrk';

const DURATION = argument('duration', 60);
const CONNECTIONS = argument('connections', 50);
const SHOPS = argument('shops', 2_000);
const CUSTOMERS = argument('customers', 200);
const CEILING_DURATION = argument('ceiling-duration', 20);
/** Booking creation, the API beside its bare baseline (bench/bare.ts), with wrk: seconds per round, rounds. */
const BOOKING_SECONDS = argument('booking-seconds', 10);
const BOOKING_ROUNDS = argument('booking-rounds', 3);
/** Only the booking-creation comparison, without the mix (and without the hello-world ceiling). */
const BOOKINGS_ONLY = process.argv.includes('--bookings-only');
const WARM_UP_SECONDS = 5;
const ZONE = 'Asia/Kolkata';
const PASSWORD = 'load-bench-password';
const HOLD_TTL_SECONDS = 60;
/** Every day 10:00-20:00, on a 15-minute grid. */
const OPEN_MINUTES = 600;
const HOURS = JSON.stringify(
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '10:00', closes: '20:00' })),
);
/** Everyone books the same popular shops for the next two days: demand enough to collide often. */
const POPULAR_SHOPS = 25;
const BOOKING_DAYS = [1, 2];
const SLOT_DAYS = [1, 2, 3, 4, 5, 6, 7];

/** What a customer does next (webhooks and checkout verifications come on top, as payments happen). */
const SEARCH_SHARE = 0.45;
const SLOTS_SHARE = 0.35;
/** Customers move a booking they made to another time, or cancel it (often late: a fee is kept). */
const RESCHEDULE_SHARE = argument('reschedule-share', 0.04);
const CANCEL_SHARE = argument('cancel-share', 0.03); // the rest of the 20 % book
const ONLINE_SHARE = 0.5;
/** Of bookings: a retry of one that succeeded, same key and body (a client that lost the answer). */
const RETRY_SHARE = 0.05;
/** Of online orders: paid at Razorpay; the others are abandoned and their holds expire. */
const PAID_SHARE = 0.85;
/** Of payments: the browser's checkout handler reaches the API too, besides the webhooks. */
const VERIFIED_SHARE = 0.5;
/** Of payments: payment.captured delivered a second time, as Razorpay does when unsure it arrived. */
const REDELIVERED_SHARE = 0.1;

const ROUTES = {
  search: 'GET /shops (nearby)',
  slots: 'GET /shops/:id/slots',
  bookOnline: 'POST /bookings ONLINE',
  bookAtShop: 'POST /bookings PAY_AT_SHOP',
  webhook: 'POST /payments/webhooks/razorpay',
  verify: 'POST /payments/razorpay/verify',
  reschedule: 'POST /bookings/:id/reschedule',
  cancel: 'POST /bookings/:id/cancel',
};
/**
 * Every shop's cancellation policy: free until 36 hours before, then half is kept. Bookings are for the next two
 * days, so most cancellations are late and refund half of what was paid.
 */
const POLICY = { freeCancellationHours: 36, lateCancellationFeeBps: 5000, noShowFeeBps: 10_000 };
const HELLO = 'node:http hello world';

interface Shop {
  id: string;
  services: Array<{ id: string; minutes: number }>;
}

/** One request of the mix, and what to do with its answer. */
interface Planned {
  route: string;
  request: autocannon.Request;
  onAnswer?: (status: number, body: string) => void;
}

interface BookingAttempt {
  customer: number;
  key: string;
  body: string;
  online: boolean;
  bookingId?: string;
  cancelled?: boolean;
}

interface Checkout {
  customer: number;
  orderId: string;
  paymentId: string;
  signature: string;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const json = { 'content-type': 'application/json' };

class RouteStats {
  latencies: number[] = [];
  ok = 0;
  conflicts = 0;
  clientErrors = 0;
  /** 5xx, and (in a total) requests that got no answer. */
  errors = 0;

  record(status: number, ms: number): void {
    this.latencies.push(ms);
    if (status >= 200 && status < 300) this.ok++;
    else if (status === 409) this.conflicts++;
    else if (status >= 400 && status < 500) this.clientErrors++;
    else this.errors++;
  }

  static total(all: Iterable<RouteStats>, unanswered: number): RouteStats {
    const total = new RouteStats();
    for (const stats of all) {
      total.latencies = total.latencies.concat(stats.latencies);
      total.ok += stats.ok;
      total.conflicts += stats.conflicts;
      total.clientErrors += stats.clientErrors;
      total.errors += stats.errors;
    }
    total.errors += unanswered;
    return total;
  }
}

interface Measured {
  stats: Map<string, RouteStats>;
  seconds: number;
  /** Connection errors and timeouts. */
  unanswered: number;
  /** Requests still unanswered when the run stopped. */
  cutOff: Planned[];
}

/**
 * Autocannon over CONNECTIONS connections, each request chosen by `plan` when the connection is free, and timed from
 * then to its answer (autocannon's own histogram is per instance, not per route).
 */
async function drive(url: string, seconds: number, plan: () => Planned): Promise<Measured> {
  const stats = new Map<string, RouteStats>();
  const inFlight = new Set<Planned>();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (request, context) => {
          const planned = plan();
          inFlight.add(planned);
          Object.assign(context, { planned, started: performance.now() });
          return { ...request, ...planned.request };
        },
        onResponse: (status, body, context) => {
          const { planned, started } = context as { planned: Planned; started: number };
          inFlight.delete(planned);
          let route = stats.get(planned.route);
          if (!route) stats.set(planned.route, (route = new RouteStats()));
          route.record(status, performance.now() - started);
          planned.onAnswer?.(status, body);
        },
      },
    ],
  });
  return { stats, seconds: result.duration, unanswered: result.errors, cutOff: [...inFlight] };
}

/**
 * The customers and Razorpay: chooses every request of the mix, pays online orders at the stand-in, and remembers
 * what was answered, paid and delivered, for the checks.
 */
class Mix {
  readonly bookingIds = new Set<string>();
  /** Order id -> the stand-in's payment id. */
  readonly paidOrders = new Map<string, string>();
  /** Webhook events answered 200, by id, with the number of deliveries. */
  readonly deliveredEvents = new Map<string, number>();
  retriedBookings = 0;
  retriesAnsweredOtherwise = 0;
  rescheduled = 0;
  cancelled = 0;
  private readonly booked: BookingAttempt[] = [];
  private readonly deliveries: SignedEvent[] = [];
  private readonly checkouts: Checkout[] = [];
  private readonly payments: Array<Promise<void>> = [];
  private readonly failures: Error[] = [];

  constructor(
    private readonly shops: Shop[],
    private readonly popular: Shop[],
    private readonly tokens: string[],
    private readonly standInUrl: string,
  ) {}

  next(): Planned {
    const event = this.deliveries.shift();
    if (event) return this.webhook(event);
    const checkout = this.checkouts.shift();
    if (checkout) return this.verify(checkout);
    const dice = Math.random();
    if (dice < SEARCH_SHARE) return this.search();
    if (dice < SEARCH_SHARE + SLOTS_SHARE) return this.slots();
    const mine = this.booked.filter((attempt) => !attempt.cancelled);
    if (dice < SEARCH_SHARE + SLOTS_SHARE + RESCHEDULE_SHARE && mine.length > 0)
      return this.reschedule(pick(mine));
    if (dice < SEARCH_SHARE + SLOTS_SHARE + RESCHEDULE_SHARE + CANCEL_SHARE && mine.length > 0) {
      return this.cancel(pick(mine));
    }
    return this.book();
  }

  /**
   * After the run: every refund the worker has sent is settled at the stand-in, and Razorpay's refund.processed
   * webhooks come back through the API like the others. Returns the number of refunds settled.
   */
  async settleRefunds(apiUrl: string, pool: Pool): Promise<number> {
    const started = Date.now();
    for (;;) {
      const { rows } = await pool.query<{ requested: number }>(
        `SELECT count(*)::int AS requested FROM refunds WHERE status = 'requested'`,
      );
      if (rows[0].requested === 0 || Date.now() - started > 60_000) break;
      await sleep(500);
    }
    const { rows: pending } = await pool.query<{ provider_refund_id: string }>(
      `SELECT provider_refund_id FROM refunds WHERE status = 'pending' AND provider_refund_id IS NOT NULL`,
    );
    for (const { provider_refund_id: refundId } of pending) {
      const response = await fetch(`${this.standInUrl}/_stand-in/refunds/${refundId}/settle`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ deliver: false }),
      });
      if (!response.ok) throw new Error(`The stand-in answered ${response.status} to settling ${refundId}`);
      this.deliveries.push(...((await response.json()) as { events: SignedEvent[] }).events);
    }
    await this.settle(apiUrl, []);
    return pending.length;
  }

  /**
   * After a run: the bookings and webhooks it cut off are sent again (as clients and Razorpay retry; a booking with
   * its Idempotency-Key), the payments in flight finish, and the webhooks still queued are delivered. Returns the
   * number of requests sent.
   */
  async settle(apiUrl: string, cutOff: Planned[]): Promise<number> {
    let sent = 0;
    const send = async ({ route, request, onAnswer }: Planned) => {
      const response = await fetch(`${apiUrl}${request.path}`, {
        method: request.method,
        headers: request.headers as Record<string, string>,
        body: request.body as string,
      });
      if (response.status >= 500) throw new Error(`${route} answered ${response.status} after the run`);
      onAnswer?.(response.status, await response.text());
      sent++;
    };
    for (const planned of cutOff.filter(({ onAnswer }) => onAnswer)) await send(planned);
    await Promise.all(this.payments);
    if (this.failures.length > 0) throw this.failures[0];
    for (let event = this.deliveries.shift(); event; event = this.deliveries.shift())
      await send(this.webhook(event));
    return sent;
  }

  private search(): Planned {
    const city = pick(CITIES);
    const lat = (city.lat + (Math.random() - 0.5) * 0.3).toFixed(5);
    const lng = (city.lng + (Math.random() - 0.5) * 0.3).toFixed(5);
    return { route: ROUTES.search, request: { path: `/api/v1/shops?lat=${lat}&lng=${lng}&radiusKm=10` } };
  }

  /** Half for the popular shops on the booking days (as bookers look before they book), half anywhere. */
  private slots(): Planned {
    const popular = Math.random() < 0.5;
    const shop = pick(popular ? this.popular : this.shops);
    const date = localDate(pick(popular ? BOOKING_DAYS : SLOT_DAYS));
    return {
      route: ROUTES.slots,
      request: { path: `/api/v1/shops/${shop.id}/slots?date=${date}&serviceId=${pick(shop.services).id}` },
    };
  }

  private book(): Planned {
    const retry = Math.random() < RETRY_SHARE && this.booked.length > 0 ? pick(this.booked) : undefined;
    const attempt = retry ?? this.newBooking();
    if (retry) this.retriedBookings++;
    return {
      route: attempt.online ? ROUTES.bookOnline : ROUTES.bookAtShop,
      request: {
        method: 'POST',
        path: '/api/v1/bookings',
        headers: { ...json, authorization: this.bearer(attempt.customer), 'idempotency-key': attempt.key },
        body: attempt.body,
      },
      onAnswer: (status, body) => {
        if (status !== 201) {
          if (retry) this.retriesAnsweredOtherwise++;
          return;
        }
        const booking = JSON.parse(body) as { id: string; payment?: { orderId: string } };
        if (retry) {
          if (booking.id !== retry.bookingId) this.retriesAnsweredOtherwise++;
          return;
        }
        attempt.bookingId = booking.id;
        this.bookingIds.add(booking.id);
        this.booked.push(attempt);
        if (booking.payment && Math.random() < PAID_SHARE)
          this.pay(booking.payment.orderId, attempt.customer);
      },
    };
  }

  /** The customer moves the booking to another time on the booking days (409 when that time is taken). */
  private reschedule(attempt: BookingAttempt): Planned {
    const { shopId, serviceId } = JSON.parse(attempt.body) as { shopId: string; serviceId: string };
    const minutes = this.popular.find((shop) => shop.id === shopId)?.services.find((s) => s.id === serviceId)
      ?.minutes as number;
    return {
      route: ROUTES.reschedule,
      request: {
        method: 'POST',
        path: `/api/v1/bookings/${attempt.bookingId}/reschedule`,
        headers: { ...json, authorization: this.bearer(attempt.customer), 'idempotency-key': randomUUID() },
        body: JSON.stringify({ startsAt: randomStart(minutes) }),
      },
      onAnswer: (status) => {
        if (status === 200) this.rescheduled++;
      },
    };
  }

  /** The customer cancels (an expired hold or a booking already cancelled answers 409). */
  private cancel(attempt: BookingAttempt): Planned {
    return {
      route: ROUTES.cancel,
      request: {
        method: 'POST',
        path: `/api/v1/bookings/${attempt.bookingId}/cancel`,
        headers: { ...json, authorization: this.bearer(attempt.customer) },
        body: JSON.stringify({ reason: 'Plans changed' }),
      },
      onAnswer: (status) => {
        // 409: cancelled already, or an expired hold; either way it is no longer live.
        if (status === 200 || status === 409) attempt.cancelled = true;
        if (status === 200) this.cancelled++;
      },
    };
  }

  private newBooking(): BookingAttempt {
    const shop = pick(this.popular);
    const service = pick(shop.services);
    const startsAt = randomStart(service.minutes);
    const online = Math.random() < ONLINE_SHARE;
    return {
      customer: Math.floor(Math.random() * this.tokens.length),
      key: randomUUID(),
      body: JSON.stringify({
        shopId: shop.id,
        serviceId: service.id,
        startsAt,
        paymentMethod: online ? 'ONLINE' : 'PAY_AT_SHOP',
      }),
      online,
    };
  }

  /** The customer pays at Razorpay Checkout; Razorpay's webhooks and the browser's verification follow. */
  private pay(orderId: string, customer: number): void {
    const payment = async () => {
      const response = await fetch(`${this.standInUrl}/_stand-in/orders/${orderId}/pay`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ deliver: false }),
      });
      if (!response.ok) throw new Error(`The stand-in answered ${response.status} to paying ${orderId}`);
      const paid = (await response.json()) as { paymentId: string; signature: string; events: SignedEvent[] };
      this.paidOrders.set(orderId, paid.paymentId);
      this.deliveries.push(...paid.events);
      if (Math.random() < REDELIVERED_SHARE) this.deliveries.push(paid.events[0]);
      if (Math.random() < VERIFIED_SHARE) {
        this.checkouts.push({ customer, orderId, paymentId: paid.paymentId, signature: paid.signature });
      }
    };
    this.payments.push(payment().catch((error: Error) => void this.failures.push(error)));
  }

  /** Razorpay retries what is not answered 200. */
  private webhook(event: SignedEvent): Planned {
    return {
      route: ROUTES.webhook,
      request: {
        method: 'POST',
        path: '/api/v1/payments/webhooks/razorpay',
        headers: { ...json, 'x-razorpay-signature': event.signature, 'x-razorpay-event-id': event.id },
        body: event.body,
      },
      onAnswer: (status) => {
        if (status === 200) this.deliveredEvents.set(event.id, (this.deliveredEvents.get(event.id) ?? 0) + 1);
        else this.deliveries.push(event);
      },
    };
  }

  private verify(checkout: Checkout): Planned {
    return {
      route: ROUTES.verify,
      request: {
        method: 'POST',
        path: '/api/v1/payments/razorpay/verify',
        headers: { ...json, authorization: this.bearer(checkout.customer) },
        body: JSON.stringify({
          razorpay_order_id: checkout.orderId,
          razorpay_payment_id: checkout.paymentId,
          razorpay_signature: checkout.signature,
        }),
      },
    };
  }

  private bearer(customer: number): string {
    return `Bearer ${this.tokens[customer]}`;
  }
}

/** A start on the 15-minute grid of a booking day where a service of `minutes` fits before closing. */
function randomStart(minutes: number): string {
  const slots = (OPEN_MINUTES - minutes) / 15 + 1;
  return DateTime.fromISO(`${localDate(pick(BOOKING_DAYS))}T10:00`, { zone: ZONE })
    .plus({ minutes: 15 * Math.floor(Math.random() * slots) })
    .toISO() as string;
}

function localDate(daysAhead: number): string {
  return DateTime.now().setZone(ZONE).plus({ days: daysAhead }).toISODate() as string;
}

/** Shops clustered around the cities, each with three services and two to four staff; customers who can log in. */
async function seed(pool: Pool, bcryptCost: number): Promise<Shop[]> {
  const { rows: owners } = await pool.query<{ id: string }>(
    `INSERT INTO users (name, email, password_hash, role) VALUES ('Owner', 'owner@load.bench', 'x', 'shop_owner')
     RETURNING id`,
  );
  await pool.query(
    `INSERT INTO shops (owner_id, name, address, location, timezone, opening_hours, slot_interval_minutes,
                        commission_bps, status, free_cancellation_hours, late_cancellation_fee_bps, no_show_fee_bps)
     SELECT $1, 'Load shop ' || g, 'Bench address ' || g,
            ST_SetSRID(ST_MakePoint(($4::float8[])[1 + g % $5] + (random() - 0.5) * 0.3,
                                    ($3::float8[])[1 + g % $5] + (random() - 0.5) * 0.3), 4326)::geography,
            $6, $7, 15, 1000, 'active', $8, $9, $10
       FROM generate_series(1, $2) g`,
    [
      owners[0].id,
      SHOPS,
      CITIES.map((c) => c.lat),
      CITIES.map((c) => c.lng),
      CITIES.length,
      ZONE,
      HOURS,
      POLICY.freeCancellationHours,
      POLICY.lateCancellationFeeBps,
      POLICY.noShowFeeBps,
    ],
  );
  await pool.query(
    `INSERT INTO services (shop_id, name, duration_minutes, price_paise)
     SELECT s.id, v.name, v.minutes, v.price
       FROM shops s, (VALUES ('Haircut', 30, 30000), ('Beard trim', 15, 15000),
                             ('Haircut and beard', 45, 40000)) v (name, minutes, price)`,
  );
  await pool.query(
    `INSERT INTO staff (shop_id, name)
     SELECT s.id, 'Staff ' || k
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM shops) s, generate_series(1, 2 + s.n::int % 3) k`,
  );
  await pool.query(
    `INSERT INTO users (name, email, password_hash, role)
     SELECT 'Customer ' || g, 'customer' || g || '@load.bench', $1, 'customer' FROM generate_series(1, $2) g`,
    [await bcrypt.hash(PASSWORD, bcryptCost), CUSTOMERS],
  );
  await pool.query('ANALYZE');
  const { rows } = await pool.query<Shop>(
    `SELECT s.id, json_agg(json_build_object('id', sv.id, 'minutes', sv.duration_minutes)) AS services
       FROM shops s JOIN services sv ON sv.shop_id = s.id GROUP BY s.id ORDER BY random()`,
  );
  return rows;
}

/** Every customer logs in through the API. */
async function logIn(apiUrl: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 1; i <= CUSTOMERS; i++) {
    const response = await fetch(`${apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: `customer${i}@load.bench`, password: PASSWORD }),
    });
    if (!response.ok) throw new Error(`POST /auth/login answered ${response.status}`);
    tokens.push(((await response.json()) as { accessToken: string }).accessToken);
  }
  return tokens;
}

/** The ceiling: node:http answering "hello world", a child process like the API. */
async function startHelloWorld(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((request, response) => response.end('hello world'))
         .listen(${port}, '127.0.0.1', () => console.log('listening'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`The hello world exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: stopper(child) };
}

/**
 * Booking creation over HTTP with wrk, the API and a bare Fastify endpoint running the same SERIALIZABLE booking
 * transaction (bench/bare.ts) side by side, in alternating rounds: PAY_AT_SHOP bookings with an Idempotency-Key,
 * each round on its own slice of free slots (the shops nobody else books, days 3-9: no collision with the mix).
 * Ends by checking the database's invariants again (no overlap, the read model equal to the bookings, the outbox
 * rows), whoever booked.
 */
async function bookingCreation(
  api: { url: string; pid: number },
  env: Record<string, string>,
  pool: Pool,
  shops: Shop[],
  tokens: string[],
): Promise<{ compared: Compared; checks: Check[] }> {
  const bare = await startBare('bookings', env);
  try {
    const bodies: Array<{ body: string; customer: number }> = [];
    for (const shop of shops.slice(POPULAR_SHOPS)) {
      const service = shop.services.find((s) => s.minutes === 30) ?? shop.services[0];
      for (let d = 3; d <= 9; d++) {
        for (let minutes = 0; minutes + service.minutes <= OPEN_MINUTES; minutes += 30) {
          const startsAt = DateTime.fromISO(`${localDate(d)}T10:00`, { zone: ZONE })
            .plus({ minutes })
            .toISO();
          const body = JSON.stringify({
            shopId: shop.id,
            serviceId: service.id,
            startsAt,
            paymentMethod: 'PAY_AT_SHOP',
          });
          // Every shop has at least two staff: two bookings of each start.
          for (let k = 0; k < 2; k++)
            bodies.push({ body, customer: Math.floor(Math.random() * tokens.length) });
        }
      }
    }
    for (let i = bodies.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [bodies[i], bodies[j]] = [bodies[j], bodies[i]];
    }
    // Each run gets its own slice, far more than it can book (a few hundred a second at most): wrk reads it at start.
    const slice = Math.min(Math.floor(bodies.length / (2 * BOOKING_ROUNDS + 2)), 1000 * BOOKING_SECONDS);
    const sliceOf = (n: number): WrkRequest[] =>
      bodies.slice(n * slice, (n + 1) * slice).map(({ body, customer }) => ({
        method: 'POST',
        path: '/api/v1/bookings',
        headers: { ...json, authorization: `Bearer ${tokens[customer]}`, 'idempotency-key': randomUUID() },
        body,
      }));
    const options = { connections: CONNECTIONS, countStatuses: true };
    // Warm-up: both sides, on slices of their own (the API's JIT and pools, the tables' pages).
    await wrk(api.url, { ...options, requests: sliceOf(2 * BOOKING_ROUNDS), seconds: 5 });
    await wrk(bare.url, { ...options, requests: sliceOf(2 * BOOKING_ROUNDS + 1), seconds: 5 });
    const compared = await compare(
      { name: 'API', url: api.url, pid: api.pid, requests: (round) => sliceOf(2 * round) },
      { name: 'bare', url: bare.url, pid: bare.pid, requests: (round) => sliceOf(2 * round + 1) },
      { ...options, seconds: BOOKING_SECONDS, rounds: BOOKING_ROUNDS },
    );
    return { compared, checks: await checkInvariants(pool) };
  } finally {
    await bare.stop();
  }
}

/**
 * Waits until the worker has applied every stored webhook event and no hold is left: each one paid, or expired by
 * the worker's sweep. Returns the seconds waited.
 */
async function waitForHolds(pool: Pool): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < (HOLD_TTL_SECONDS + 60) * 1000) {
    const { rows } = await pool.query<{ holds: number; events: number }>(
      `SELECT (SELECT count(*) FROM bookings WHERE status = 'pending_payment')::int AS holds,
              (SELECT count(*) FROM payment_events WHERE processed_at IS NULL)::int AS events`,
    );
    if (rows[0].holds === 0 && rows[0].events === 0) break;
    await sleep(1000);
  }
  return (Date.now() - started) / 1000;
}

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/**
 * The invariants, over the whole bench database: those of any consistent database (test/support/invariants.ts: no
 * overlapping live bookings, the read model equals the live bookings, a balanced ledger with each capture and refund
 * posted once for its amount, each webhook event stored once...), then what this run's mix must have left.
 */
async function check(pool: Pool, mix: Mix, total: RouteStats): Promise<Check[]> {
  const one = async <T>(sql: string, parameters: unknown[] = []) =>
    (await pool.query(sql, parameters)).rows[0] as T;
  const checks: Check[] = await checkInvariants(pool);
  // The money audit, as an operator runs it (npm run audit:ledger): every captured paise accounted for.
  const audit = await auditLedger(async (sql) => (await pool.query(sql)).rows);
  checks.push({
    name: 'money audit: every captured paise refunded, commission, paid out, payable or held',
    pass: audit.balanced,
    detail:
      `captured ${audit.capturedPaise} = refunded ${audit.refundedPaise} + paid out ${audit.paidOutPaise} + ` +
      `commission ${audit.commissionPaise} + payable ${audit.payablePaise} - receivable ${audit.receivablePaise} + ` +
      `held ${audit.heldForCustomersPaise}; ${audit.discrepancies.length} discrepancies` +
      audit.discrepancies
        .slice(0, 5)
        .map((d) => `; ${d.kind} ${d.id ?? ''}: ${d.detail}`)
        .join(''),
  });

  const paid = [...mix.paidOrders];
  const money = await one<Record<string, number>>(
    `WITH paid (order_id, payment_id) AS (SELECT * FROM unnest($1::text[], $2::text[]))
     SELECT (count(*) FILTER (WHERE p.provider_payment_id = paid.payment_id AND p.captured_at IS NOT NULL))::int
              AS captured,
            (count(*) FILTER (WHERE b.status = 'upcoming' AND b.payment_status = 'paid'))::int AS confirmed,
            (count(*) FILTER (WHERE b.payment_status IN ('refund_pending', 'refunded', 'partially_refunded')))::int
              AS refunded,
            (SELECT count(*) FROM payments WHERE captured_at IS NOT NULL)::int AS captures,
            (SELECT count(*) FROM bookings WHERE payment_status <> 'unpaid')::int AS paid_bookings,
            (SELECT count(*) FROM payment_reviews)::int AS reviews
       FROM paid
       LEFT JOIN payments p ON p.provider_order_id = paid.order_id
       LEFT JOIN bookings b ON b.id = p.booking_id`,
    [paid.map(([order]) => order), paid.map(([, payment]) => payment)],
  );
  checks.push({
    name: 'every payment captured exactly once, its booking confirmed (or refunded)',
    pass:
      money.captured === paid.length &&
      money.captures === paid.length &&
      money.paid_bookings === paid.length &&
      money.confirmed + money.refunded === paid.length &&
      money.reviews === 0,
    detail:
      `${paid.length} paid at the stand-in: ${money.captured} captured with that payment, ${money.confirmed} ` +
      `confirmed, ${money.refunded} refunded; ${money.captures} captures and ${money.paid_bookings} paid bookings ` +
      `in all; ${money.reviews} payment reviews`,
  });

  const events = await one<{ stored: number; unapplied: number }>(
    `SELECT count(*)::int AS stored, (count(*) FILTER (WHERE processed_at IS NULL))::int AS unapplied
       FROM payment_events`,
  );
  const deliveries = [...mix.deliveredEvents.values()].reduce((sum, n) => sum + n, 0);
  checks.push({
    name: 'every webhook event delivered stored and applied',
    pass: events.stored === mix.deliveredEvents.size && events.unapplied === 0,
    detail:
      `${mix.deliveredEvents.size} events in ${deliveries} deliveries; ${events.stored} stored, ` +
      `${events.unapplied} not applied`,
  });

  const holds = await one<{ pending: number; unpaid_online: number; expired: number }>(
    `SELECT (count(*) FILTER (WHERE status = 'pending_payment'))::int AS pending,
            (count(*) FILTER (WHERE payment_method = 'ONLINE' AND payment_status = 'unpaid'
                                AND status NOT IN ('expired', 'cancelled')))::int AS unpaid_online,
            (count(*) FILTER (WHERE status = 'expired'))::int AS expired
       FROM bookings`,
  );
  checks.push({
    name: 'every hold resolved: paid, cancelled, or expired by the worker',
    pass: holds.pending === 0 && holds.unpaid_online === 0,
    detail: `${holds.pending} still pending, ${holds.unpaid_online} unpaid online not expired, ${holds.expired} expired`,
  });

  const lifecycle = await one<Record<string, number>>(
    `SELECT (SELECT coalesce(sum(reschedule_count), 0) FROM bookings)::int AS moves,
            (count(*) FILTER (WHERE b.status = 'cancelled'))::int AS cancelled,
            (count(*) FILTER (WHERE b.status = 'cancelled' AND b.charged_paise > 0))::int AS fees,
            (count(*) FILTER (WHERE b.payment_status = 'partially_refunded'))::int AS partial,
            (count(*) FILTER (WHERE b.status = 'cancelled' AND b.payment_method = 'ONLINE'
                                AND b.payment_status <> 'unpaid'
                                AND (NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id
                                                                   AND r.status = 'processed')
                                     OR b.charged_paise + b.refunded_paise <> p.amount_paise)))::int AS unrefunded
       FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id`,
  );
  checks.push({
    name: 'reschedules and cancellations: each paid cancellation refunded less its fee, to the paisa',
    // A cancellation cut off by the end of the run and sent again answers 409 if the first one landed, so only the
    // database counts cancellations; a reschedule sent again replays its Idempotency-Key.
    pass:
      lifecycle.moves === mix.rescheduled &&
      lifecycle.cancelled >= mix.cancelled &&
      lifecycle.unrefunded === 0,
    detail:
      `${lifecycle.moves} moves (${mix.rescheduled} answered 200), ${lifecycle.cancelled} cancelled ` +
      `(${mix.cancelled} answered 200), ${lifecycle.fees} kept a fee, ${lifecycle.partial} partially refunded, ` +
      `${lifecycle.unrefunded} paid cancellations not refunded exactly`,
  });

  const { bookings } = await one<{ bookings: number }>('SELECT count(*)::int AS bookings FROM bookings');
  checks.push({
    name: 'one booking per successful request; retries answered with the original',
    pass: bookings === mix.bookingIds.size && mix.retriesAnsweredOtherwise === 0,
    detail:
      `${bookings} bookings, ${mix.bookingIds.size} answered 201; ${mix.retriedBookings} retries, ` +
      `${mix.retriesAnsweredOtherwise} not answered with the original booking`,
  });

  checks.push({
    name: 'no 5xx, no unanswered request',
    pass: total.errors === 0,
    detail: `${total.errors}`,
  });
  return checks;
}

function row(route: string, stats: RouteStats, seconds: number, ceiling: number) {
  const rps = stats.latencies.length / seconds;
  return {
    route,
    requests: stats.latencies.length,
    'req/s': Math.round(rps),
    'of hello world': `${((100 * rps) / ceiling).toFixed(1)} %`,
    'p50 ms': median(stats.latencies).toFixed(1),
    'p99 ms': quantile(stats.latencies, 0.99).toFixed(1),
    '2xx': stats.ok,
    '409 conflict': stats.conflicts,
    'other 4xx': stats.clientErrors,
    '5xx/errors': stats.errors,
  };
}

async function main(): Promise<void> {
  // The ceiling first, while the machine is quiet.
  let helloStats = new RouteStats();
  let ceiling: Measured = { stats: new Map(), seconds: 1, unanswered: 0, cutOff: [] };
  if (!BOOKINGS_ONLY) {
    const hello = await startHelloWorld();
    const helloPlan = (): Planned => ({ route: HELLO, request: { path: '/' } });
    await drive(hello.url, 2, helloPlan);
    console.log(`node:http hello world: ${CONNECTIONS} connections for ${CEILING_DURATION} s...`);
    ceiling = await drive(hello.url, CEILING_DURATION, helloPlan);
    await hello.stop();
    helloStats = ceiling.stats.get(HELLO) as RouteStats;
  }
  const ceilingRps = helloStats.latencies.length / ceiling.seconds;

  const databaseUrl = await freshBenchDatabase('hairone_bench_load');
  const secrets = {
    keyId: 'rzp_test_load',
    keySecret: randomBytes(16).toString('hex'),
    webhookSecret: randomBytes(16).toString('hex'),
  };
  const standIn = new RazorpayStandIn(secrets);
  const env = benchEnv(databaseUrl, {
    // Only so that the stand-in's plain http URL is accepted (production requires https); nothing else reads it.
    NODE_ENV: 'development',
    RAZORPAY_API_BASE_URL: await standIn.listen(),
    RAZORPAY_KEY_ID: secrets.keyId,
    RAZORPAY_KEY_SECRET: secrets.keySecret,
    RAZORPAY_WEBHOOK_SECRET: secrets.webhookSecret,
    PAYMENT_PENDING_TTL_SECONDS: String(HOLD_TTL_SECONDS),
    HOLD_SWEEP_INTERVAL_SECONDS: '5',
    JWT_ACCESS_TTL_SECONDS: '3600',
    BCRYPT_COST: '4',
  });
  await runMigrations(buildAppConfig(env));
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  console.log(`Seeding ${SHOPS} shops and ${CUSTOMERS} customers...`);
  const shops = await seed(pool, Number(env.BCRYPT_COST));
  const api = await startApi(env);
  const worker = await startWorker(env);
  try {
    const tokens = await logIn(api.url);
    if (!BOOKINGS_ONLY) await mixRun(api, pool, shops, tokens, standIn, ceiling, helloStats, ceilingRps);
    console.log(
      `\nBooking creation over HTTP, POST /api/v1/bookings (PAY_AT_SHOP, Idempotency-Key, many free slots): the ` +
        `API and a bare Fastify endpoint running the same SERIALIZABLE transaction (bench/bare.ts), wrk -t1 ` +
        `-c${CONNECTIONS} -d${BOOKING_SECONDS}s, ${BOOKING_ROUNDS} alternating rounds...`,
    );
    const booking = await bookingCreation(api, env, pool, shops, tokens);
    printTable(comparedRows(booking.compared, 'API', 'bare'));
    for (const { name, pass, detail } of booking.checks) {
      console.log(`${pass ? 'PASS' : 'FAIL'}  after booking creation: ${name}: ${detail}`);
    }
    if (booking.checks.some((c) => !c.pass)) process.exitCode = 1;
    console.log(
      `ratio: ${booking.compared.ratio.toFixed(2)} (booking creation, API req/s / bare req/s; API ` +
        `${Math.round(booking.compared.api.rps)} req/s p99 ${booking.compared.api.p99.toFixed(1)} ms, bare ` +
        `${Math.round(booking.compared.bare.rps)} req/s p99 ${booking.compared.bare.p99.toFixed(1)} ms)`,
    );
  } finally {
    await worker.stop();
    await api.stop();
    await standIn.close();
    await pool.end();
    await dropRedisKeys(env);
  }
}

/** The mix (autocannon: it needs each answer to plan what follows), then its invariants. */
async function mixRun(
  api: Awaited<ReturnType<typeof startApi>>,
  pool: Pool,
  shops: Shop[],
  tokens: string[],
  standIn: RazorpayStandIn,
  ceiling: Measured,
  helloStats: RouteStats,
  ceilingRps: number,
): Promise<void> {
  {
    // The shops come in random order: the popular ones are anywhere.
    const mix = new Mix(shops, shops.slice(0, POPULAR_SHOPS), tokens, standIn.url);
    await mix.settle(api.url, (await drive(api.url, WARM_UP_SECONDS, () => mix.next())).cutOff);
    console.log(`Load: ${CONNECTIONS} connections for ${DURATION} s...`);
    const load = await drive(api.url, DURATION, () => mix.next());
    const resent = await mix.settle(api.url, load.cutOff);
    console.log('Waiting for the worker to apply every webhook and expire every unpaid hold...');
    let waited = await waitForHolds(pool);
    const refundsSettled = await mix.settleRefunds(api.url, pool);
    waited += await waitForHolds(pool);
    const retries = (await api.metrics())
      .split('\n')
      .filter((line) => line.startsWith('db_transaction_retries_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);

    const total = RouteStats.total(load.stats.values(), load.unanswered);
    const totalRps = total.latencies.length / load.seconds;
    console.log(
      `\nMix against the API and worker, ${CONNECTIONS} connections, ${load.seconds} s; ` +
        `node:http hello world ${ceiling.seconds} s, same connections`,
    );
    printTable([
      ...Object.values(ROUTES)
        .filter((route) => load.stats.has(route))
        .map((route) => row(route, load.stats.get(route) as RouteStats, load.seconds, ceilingRps)),
      row('total', total, load.seconds, ceilingRps),
      row(HELLO, helloStats, ceiling.seconds, ceilingRps),
    ]);
    const attempts = [ROUTES.bookOnline, ROUTES.bookAtShop].reduce(
      (sum, route) => sum + (load.stats.get(route)?.latencies.length ?? 0),
      0,
    );
    const failed = total.clientErrors + total.errors;
    console.log(
      `errors: ${failed} of ${total.latencies.length} (${((100 * failed) / total.latencies.length).toFixed(2)} %); ` +
        `409 conflicts apart: ${total.conflicts} (${((100 * total.conflicts) / attempts).toFixed(1)} % of bookings)`,
    );
    console.log(
      `${mix.bookingIds.size} bookings made, ${mix.paidOrders.size} online orders paid; after the load, ${resent} ` +
        `bookings and webhooks cut off or still queued were sent; booking transactions retried after a ` +
        `serialization failure: ${retries}; waited ` +
        `${waited.toFixed(0)} s for the worker (holds of ${HOLD_TTL_SECONDS} s, swept every 5 s); ` +
        `${mix.rescheduled} reschedules and ${mix.cancelled} cancellations answered 200, ${refundsSettled} ` +
        `refunds settled at the stand-in`,
    );

    console.log('\nInvariants');
    const checks = await check(pool, mix, total);
    for (const { name, pass, detail } of checks) console.log(`${pass ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
    console.log(
      `total: ${Math.round(totalRps)} req/s = ${((100 * totalRps) / ceilingRps).toFixed(1)} % of node:http ` +
        `hello-world (${Math.round(ceilingRps)} req/s)`,
    );
    if (checks.some((c) => !c.pass)) process.exitCode = 1;
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
