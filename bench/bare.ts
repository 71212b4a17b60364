/**
 * Bare baselines for the benchmarks: the same question as an API route, answered by a minimal Fastify endpoint with
 * `pg` and `ioredis` and nothing else (no Nest, no guards, no interceptors, no validation library, no logging, no
 * metrics). Run as a child process beside the API (`startBare` in support.ts):
 *
 *   node -r ts-node/register/transpile-only bench/bare.ts <slots|bookings|search>
 *
 * with DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, JWT_SECRET, PORT (and the booking rules' variables) in its
 * environment. It prints `listening` once it answers. Not part of the production build (bench/ is excluded).
 *
 * - slots: GET /api/v1/shops/:id/slots?date&serviceId with the API's never-stale cache semantics: both versions
 *   read from PostgreSQL with one indexed query (the same SQL as AvailabilityRepository.versions), then a GET from
 *   Redis under the key that carries them, the value read as the API stores it, and starts that came too close
 *   dropped. A miss answers 503 (the bench warms the cache first; the miss path is not what is compared).
 * - search: GET /api/v1/shops?lat&lng (the plain nearest-first search of issue 22): active shops within 10 km,
 *   the nearest 20 (+1 to know whether a next page exists) by PostGIS `<->` on geography, as one static statement
 *   (`ST_DWithin` with a metre of slack to narrow the index scan, `<->` <= radius as the exact cut, `ORDER BY <->
 *   LIMIT 21`, with the search function's `enable_bitmapscan = off`), answered with the same JSON fields as the
 *   API (ShopDto + distanceMeters, nextCursor). No tie handling at the page's end (the API's extra step when the
 *   20th and 21st shops are at exactly the same distance, which random points never hit).
 * - bookings: POST /api/v1/bookings (PAY_AT_SHOP, optional Idempotency-Key): the bearer token verified, then the
 *   same SERIALIZABLE transaction as BookingsService.create, statement for statement (shop context, the day's rules,
 *   the locked read-model row, stale holds expired, the insert under the no-overlap constraint, the read model
 *   written back, the outbox rows, the idempotency key), retried on serialization failures like the API.
 */
import { createHash } from 'node:crypto';

import Fastify from 'fastify';
import Redis from 'ioredis';
import { verify } from 'jsonwebtoken';
import { Pool, PoolClient } from 'pg';

import { commissionPaise } from '../libs/money/money';
import { BusyMap, toIntervals, withBooking, withoutBookings } from '../libs/slots/busy-map';
import { DayClock, formatInstant } from '../libs/slots/day-clock';
import { DayPlan, freeStaff, localDateOf } from '../libs/slots/slot-engine';
import { STAFF_RULES_SQL, StaffRow, toStaffRules } from '../src/scheduling/schedule-rules.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MINUTE_MS = 60_000;

const env = process.env;
const prefix = env.REDIS_KEY_PREFIX ?? '';
const minNoticeMinutes = Number(env.BOOKING_MIN_NOTICE_MINUTES ?? 60);
const horizonDays = Number(env.BOOKING_HORIZON_DAYS ?? 60);
const reminderLeadMinutes = Number(env.REMINDER_LEAD_MINUTES ?? 120);
const pool = new Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DATABASE_POOL_SIZE ?? 10),
  application_name: 'hairone-bench-bare',
  // The search function's own planner setting (SET enable_bitmapscan = off, see the discovery migration): left to
  // itself the planner takes a bitmap of every shop in the radius and a sort (hundreds of ms in a dense city)
  // instead of the nearest-first index scan.
  ...(process.argv[2] === 'search' ? { options: '-c enable_bitmapscan=off' } : {}),
});
const app = Fastify({ logger: false });
// Unexpected failures are a bug of the baseline: said on stderr, answered 500.
app.setErrorHandler((error, _request, reply) => {
  console.error(`bare: ${(error as Error).stack ?? String(error)}`);
  void reply.code(500).send({ code: 'INTERNAL' });
});

interface CachedSlots {
  date: string;
  timezone: string;
  slots: Array<{ startsAt: string; endsAt: string; availableStaff: number }>;
}

function slots(): void {
  const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', { enableOfflineQueue: false });
  app.get('/api/v1/shops/:id/slots', async (request, reply) => {
    const { id } = request.params as { id: string };
    const { date, serviceId } = request.query as { date?: string; serviceId?: string };
    if (!UUID.test(id) || !serviceId || !UUID.test(serviceId) || !date || !DATE.test(date)) {
      return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    }
    const { rows } = await pool.query<{ config_version: number; day_version: string | null }>(
      `SELECT s.config_version, a.version AS day_version
         FROM shops s LEFT JOIN availability_days a ON a.shop_id = s.id AND a.local_date = $2
        WHERE s.id = $1`,
      [id, date],
    );
    if (!rows[0]) return reply.code(404).send({ code: 'SHOP_NOT_FOUND' });
    const key = `${prefix}slots:${id}:${date}:${serviceId}:c${rows[0].config_version}:d${Number(rows[0].day_version ?? 0)}`;
    // The key as the API stores it (its store namespaces keys with `keyv::`).
    const stored = await redis.get(`keyv::${key}`);
    if (stored === null) return reply.code(503).send({ code: 'BARE_CACHE_MISS' });
    const parsed = JSON.parse(stored) as { value?: CachedSlots } & CachedSlots;
    const cached = parsed.value ?? parsed;
    const earliest = Date.now() + minNoticeMinutes * MINUTE_MS;
    return { ...cached, slots: cached.slots.filter((slot) => Date.parse(slot.startsAt) >= earliest) };
  });
}

const NUMBER = /^-?\d+(\.\d+)?$/;

interface SearchRow {
  id: string;
  owner_id: string;
  name: string;
  address: string;
  lat: number;
  lng: number;
  timezone: string;
  opening_hours: Array<{ weekday: number; opens: string; closes: string }>;
  slot_interval_minutes: number;
  commission_bps: number;
  status: string;
  created_at: Date;
  updated_at: Date;
  free_cancellation_hours: number;
  late_cancellation_fee_bps: number;
  no_show_fee_bps: number;
  rating_count: number;
  rating_average: string | null;
  distance: number;
}

function search(): void {
  const page = 20;
  const radiusKm = 10;
  app.get('/api/v1/shops', async (request, reply) => {
    const query = request.query as { lat?: string; lng?: string };
    const lat = Number(query.lat);
    const lng = Number(query.lng);
    if (
      !NUMBER.test(query.lat ?? '') ||
      !NUMBER.test(query.lng ?? '') ||
      Math.abs(lat) > 90 ||
      Math.abs(lng) > 180
    )
      return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    const { rows } = await pool.query<SearchRow>(
      `SELECT s.id, s.owner_id, s.name, s.address, ST_Y(s.location::geometry) AS lat,
              ST_X(s.location::geometry) AS lng, s.timezone, s.opening_hours, s.slot_interval_minutes,
              s.commission_bps, s.status, s.created_at, s.updated_at, s.free_cancellation_hours,
              s.late_cancellation_fee_bps, s.no_show_fee_bps, s.rating_count, s.rating_average,
              s.location <-> o.origin AS distance
         FROM shops s, (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS origin) AS o
        WHERE s.status = 'active'
          AND ST_DWithin(s.location, o.origin, $3 + 1, false)
          AND s.location <-> o.origin <= $3
        ORDER BY s.location <-> o.origin
        LIMIT $4`,
      [lng, lat, radiusKm * 1000, page + 1],
    );
    const items = rows.slice(0, page).map((row) => ({
      id: row.id,
      ownerId: row.owner_id,
      name: row.name,
      address: row.address,
      location: { lat: row.lat, lng: row.lng },
      timezone: row.timezone,
      openingHours: row.opening_hours.map(({ weekday, opens, closes }) => ({ weekday, opens, closes })),
      slotIntervalMinutes: row.slot_interval_minutes,
      commissionBps: row.commission_bps,
      cancellationPolicy: {
        freeCancellationHours: row.free_cancellation_hours,
        lateCancellationFeeBps: row.late_cancellation_fee_bps,
        noShowFeeBps: row.no_show_fee_bps,
      },
      status: row.status,
      ratingAverage: row.rating_average === null ? null : Number(row.rating_average),
      ratingCount: row.rating_count,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      distanceMeters: row.distance,
    }));
    const last = rows.length > page ? rows[page - 1] : undefined;
    return {
      items,
      nextCursor: last
        ? Buffer.from(JSON.stringify([lat, lng, radiusKm, last.distance, last.id])).toString('base64url')
        : null,
    };
  });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

const retryable = (error: unknown) =>
  ['40001', '40P01', '23P01'].includes((error as { code?: string }).code ?? '') ||
  (error as Error).message === 'day created concurrently';

async function serializable<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } catch (error) {
      if (!retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    } finally {
      client.release();
    }
  }
  throw new HttpError(409, 'SLOT_UNAVAILABLE');
}

interface BookingBody {
  shopId?: string;
  serviceId?: string;
  startsAt?: string;
  staffId?: string;
  paymentMethod?: string;
}

/** The outbox rows of a confirmed booking (NotificationsOutbox.bookingConfirmed). */
async function bookingConfirmed(client: PoolClient, bookingId: string): Promise<void> {
  const { rows } = await client.query<{ local_date: string }>(
    "SELECT id, to_char(local_date, 'YYYY-MM-DD') AS local_date FROM booking_keys WHERE id = ANY($1::uuid[])",
    [[bookingId]],
  );
  await client.query(
    `WITH b AS (
       SELECT b.id, b.customer_id, b.starts_at, s.owner_id, u.phone
         FROM bookings b JOIN shops s ON s.id = b.shop_id JOIN users u ON u.id = b.customer_id
        WHERE b.id = $1 AND b.local_date = $3)
     INSERT INTO notifications (user_id, channel, template, booking_id, send_after, dedupe_key)
     SELECT customer_id, 'email', 'booking_confirmed', id, now(), 'booking_confirmed:email:' || id FROM b
     UNION ALL
     SELECT customer_id, 'sms', 'booking_confirmed', id, now(), 'booking_confirmed:sms:' || id FROM b
      WHERE phone IS NOT NULL
     UNION ALL
     SELECT owner_id, 'email', 'new_booking', id, now(), 'new_booking:email:' || id FROM b
     UNION ALL
     SELECT customer_id, 'email', 'booking_reminder', id, starts_at - make_interval(mins => $2),
            'booking_reminder:email:' || id || ':' || extract(epoch FROM starts_at)::bigint
       FROM b WHERE starts_at - make_interval(mins => $2) > now()
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [bookingId, reminderLeadMinutes, rows[0]?.local_date ?? null],
  );
}

/** The outbox rows of expired holds (NotificationsOutbox.bookingsExpired). */
async function bookingsExpired(client: PoolClient, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await client.query<{ local_date: string }>(
    "SELECT id, to_char(local_date, 'YYYY-MM-DD') AS local_date FROM booking_keys WHERE id = ANY($1::uuid[])",
    [ids],
  );
  await client.query(
    `INSERT INTO notifications (user_id, channel, template, booking_id, dedupe_key)
     SELECT b.customer_id, c.channel, $2, b.id, $2 || ':' || c.channel || ':' || b.id
       FROM bookings b JOIN users u ON u.id = b.customer_id
      CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel)
      WHERE b.id = ANY($1) AND b.local_date = ANY($3::date[]) AND (c.channel = 'email' OR u.phone IS NOT NULL)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [ids, 'booking_expired', [...new Set(rows.map((row) => row.local_date))]],
  );
}

function bookings(): void {
  const secret = env.JWT_SECRET ?? '';
  app.post('/api/v1/bookings', async (request, reply) => {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    let customerId: string;
    try {
      const payload = verify(token ?? '', secret, {
        algorithms: ['HS256'],
        issuer: 'hairone-api',
        audience: 'hairone-clients',
      }) as { sub: string; role: string };
      if (scheme?.toLowerCase() !== 'bearer' || payload.role !== 'customer')
        throw new Error('not a customer');
      customerId = payload.sub;
    } catch {
      return reply.code(401).send({ code: 'INVALID_ACCESS_TOKEN' });
    }
    const dto = request.body as BookingBody;
    const startsAt = Date.parse(dto.startsAt ?? '');
    if (
      !UUID.test(dto.shopId ?? '') ||
      !UUID.test(dto.serviceId ?? '') ||
      (dto.staffId !== undefined && !UUID.test(dto.staffId)) ||
      Number.isNaN(startsAt) ||
      dto.paymentMethod !== 'PAY_AT_SHOP'
    ) {
      return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    }
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    const hash = createHash('sha256')
      .update(JSON.stringify([dto.shopId, dto.serviceId, startsAt, dto.staffId ?? null, dto.paymentMethod]))
      .digest('hex');
    try {
      if (idempotencyKey) {
        const { rows } = await pool.query<{ request_hash: string; booking_id: string }>(
          `SELECT request_hash, booking_id FROM idempotency_keys
            WHERE customer_id = $1 AND key = $2 AND created_at > now() - interval '24 hours'`,
          [customerId, idempotencyKey],
        );
        if (rows[0]) {
          if (rows[0].request_hash !== hash) throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED');
          return reply.code(201).send({ id: rows[0].booking_id });
        }
      }
      const booking = await serializable((client) =>
        book(client, customerId, dto, startsAt, idempotencyKey, hash),
      );
      return reply.code(201).send(booking);
    } catch (error) {
      if (error instanceof HttpError) return reply.code(error.status).send({ code: error.code });
      throw error;
    }
  });
}

async function book(
  client: PoolClient,
  customerId: string,
  dto: BookingBody,
  startsAt: number,
  idempotencyKey: string | undefined,
  hash: string,
) {
  const shopId = dto.shopId as string;
  const serviceId = dto.serviceId as string;
  const { rows: shops } = await client.query(
    `SELECT s.status, s.timezone, s.opening_hours, s.slot_interval_minutes, s.commission_bps, s.owner_id,
            s.free_cancellation_hours, s.late_cancellation_fee_bps, s.no_show_fee_bps, sv.duration_minutes, sv.price_paise,
            sv.buffer_minutes,
            ARRAY(SELECT st.id FROM staff st WHERE st.shop_id = s.id ORDER BY st.created_at, st.id) AS staff_ids
       FROM shops s LEFT JOIN services sv ON sv.id = $2 AND sv.shop_id = s.id
      WHERE s.id = $1`,
    [shopId, serviceId],
  );
  const shop = shops[0];
  if (!shop || shop.status !== 'active') throw new HttpError(422, 'SHOP_NOT_BOOKABLE');
  if (shop.duration_minutes === null || shop.price_paise === null)
    throw new HttpError(422, 'INVALID_SERVICE');
  if (dto.staffId && !(shop.staff_ids as string[]).includes(dto.staffId))
    throw new HttpError(422, 'INVALID_STAFF');
  const now = Date.now();
  if (startsAt < now + minNoticeMinutes * MINUTE_MS || startsAt > now + horizonDays * 24 * 60 * MINUTE_MS) {
    throw new HttpError(422, 'OUTSIDE_BOOKING_WINDOW');
  }
  const localDate = localDateOf(startsAt, shop.timezone);
  const clock = DayClock.of(localDate, shop.timezone);
  if (!clock) throw new HttpError(422, 'OUTSIDE_OPENING_HOURS');
  const { rows: ruleRows } = await client.query<{ override: null; staff: StaffRow[] }>(
    `SELECT (SELECT o.opening_hours FROM shop_date_overrides o WHERE o.shop_id = $1 AND o.local_date = $4) AS override,
            (${STAFF_RULES_SQL('$1', '$2', '$3')}) AS staff`,
    [shopId, clock.start, clock.end, localDate],
  );
  const staffRules = (ruleRows[0]?.staff ?? []).map(toStaffRules);
  const service = {
    id: serviceId,
    durationMinutes: shop.duration_minutes,
    bufferMinutes: shop.buffer_minutes ?? 0,
    pricePaise: shop.price_paise,
  };
  const plan = DayPlan.of(
    localDate,
    {
      timezone: shop.timezone,
      openingHours: shop.opening_hours,
      slotIntervalMinutes: shop.slot_interval_minutes,
      dateOverride: ruleRows[0]?.override ?? null,
    },
    service,
    staffRules,
  );
  const slot = plan.candidateAt(startsAt);
  if (!slot) throw new HttpError(422, 'OUTSIDE_OPENING_HOURS');

  // The shop-day's read-model row, locked (created by the day's first booking).
  let busy: BusyMap;
  const locked = await client.query<{ busy: BusyMap }>(
    'SELECT busy FROM availability_days WHERE shop_id = $1 AND local_date = $2 FOR UPDATE',
    [shopId, localDate],
  );
  if (locked.rows[0]) busy = locked.rows[0].busy;
  else {
    const created = await client.query<{ busy: BusyMap }>(
      'INSERT INTO availability_days (shop_id, local_date) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING busy',
      [shopId, localDate],
    );
    if (!created.rows[0]) throw new Error('day created concurrently');
    busy = created.rows[0].busy;
  }
  const { rows: expired } = await client.query<{ id: string }>(
    `UPDATE bookings SET status = 'expired', charged_paise = 0, commission_paise = 0, updated_at = now()
      WHERE shop_id = $1 AND local_date = $2 AND status = 'pending_payment' AND expires_at <= now()
      RETURNING id`,
    [shopId, localDate],
  );
  const expiredIds = expired.map((row) => row.id);
  await bookingsExpired(client, expiredIds);
  if (expiredIds.length > 0) busy = withoutBookings(busy, expiredIds);

  const working = plan.workingStaff(slot).filter((id) => !dto.staffId || id === dto.staffId);
  const blocked = { start: slot.start, end: slot.blockedUntil };
  const load = (staffId: string) => busy[staffId]?.length ?? 0;
  const staffId = freeStaff(blocked, working, toIntervals(busy)).sort((a, b) => load(a) - load(b))[0];
  if (!staffId) throw new HttpError(409, 'SLOT_UNAVAILABLE');

  const amountPaise = service.pricePaise;
  const { rows } = await client.query(
    `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                           payment_method, amount_paise, commission_bps, commission_paise, expires_at,
                           charged_paise, free_cancellation_hours, late_cancellation_fee_bps, no_show_fee_bps,
                           blocked_until)
     VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0), $7, $8, $9, $10, $11, $12,
             to_timestamp($13 / 1000.0), $14, $15, $16, $17, to_timestamp($18 / 1000.0))
     RETURNING id, customer_id, shop_id, service_id, staff_id, starts_at, ends_at, blocked_until,
               to_char(local_date, 'YYYY-MM-DD') AS local_date, status, payment_method, payment_status,
               amount_paise, commission_bps, commission_paise, charged_paise, refunded_paise, reschedule_count,
               free_cancellation_hours, late_cancellation_fee_bps, no_show_fee_bps,
               settlement_status, expires_at, cancel_reason, created_at`,
    [
      customerId,
      shopId,
      serviceId,
      staffId,
      slot.start,
      slot.end,
      localDate,
      'upcoming',
      'PAY_AT_SHOP',
      amountPaise,
      shop.commission_bps,
      commissionPaise(amountPaise, shop.commission_bps),
      null,
      amountPaise,
      shop.free_cancellation_hours,
      shop.late_cancellation_fee_bps,
      shop.no_show_fee_bps,
      slot.blockedUntil,
    ],
  );
  const row = rows[0];
  busy = withBooking(busy, staffId, row.id, blocked);
  await client.query(
    'UPDATE availability_days SET busy = $3, version = version + 1 WHERE shop_id = $1 AND local_date = $2',
    [shopId, localDate, JSON.stringify(busy)],
  );
  await bookingConfirmed(client, row.id);
  if (idempotencyKey) {
    const saved = await client.query(
      `INSERT INTO idempotency_keys (customer_id, key, request_hash, booking_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, booking_id = EXCLUDED.booking_id, created_at = now()
        WHERE idempotency_keys.created_at <= now() - interval '24 hours'
       RETURNING key`,
      [customerId, idempotencyKey, hash, row.id],
    );
    if (saved.rowCount !== 1) throw new HttpError(409, 'IDEMPOTENCY_KEY_TAKEN');
  }
  return {
    id: row.id,
    customerId: row.customer_id,
    shopId: row.shop_id,
    serviceId: row.service_id,
    staffId: row.staff_id,
    startsAt: formatInstant(row.starts_at.getTime(), shop.timezone),
    endsAt: formatInstant(row.ends_at.getTime(), shop.timezone),
    status: row.status,
    paymentMethod: row.payment_method,
    paymentStatus: row.payment_status,
    amountPaise: row.amount_paise,
    commissionPaise: row.commission_paise,
    chargedPaise: row.charged_paise,
    refundedPaise: row.refunded_paise,
    rescheduleCount: row.reschedule_count,
    settlementStatus: row.settlement_status,
    cancelReason: row.cancel_reason,
    createdAt: row.created_at.toISOString(),
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === 'slots') slots();
  else if (mode === 'bookings') bookings();
  else if (mode === 'search') search();
  else throw new Error('bench/bare.ts <slots|bookings|search>');
  await app.listen({ port: Number(env.PORT), host: '127.0.0.1' });
  // A clean exit on SIGTERM (so that --cpu-prof writes its profile).
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  console.log('listening');
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
