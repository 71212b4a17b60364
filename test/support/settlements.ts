import { DataSource } from 'typeorm';

import { InvariantOptions } from './invariants';

/** Online bookings of the seed: 30000 paise, commission 3000 (10 %). */
const PRICE = 30_000;
const COMMISSION = 3_000;

/** The invariants that bookings made by `seedSettleableBookings` do not satisfy, and why. */
export const SEEDED_BOOKINGS_SKIP: InvariantOptions['skip'] = {
  'paid-bookings-captured': 'seedSettleableBookings marks online bookings paid without any payment',
  'unsettled-ledger-matches-bookings':
    'seedSettleableBookings completes bookings without posting them to the ledger',
};

/**
 * Many settleable bookings straight into the database (completed two days ago; every other one paid online, the
 * rest paid at the shop), for settlement tests that need more than the API can make quickly. Returns the shops
 * and the net each one is owed.
 */
export async function seedSettleableBookings(
  db: DataSource,
  options: { ownerId: string; customerId: string; shops: number; bookingsPerShop: number },
): Promise<Map<string, number>> {
  const shops: Array<{ id: string }> = await db.query(
    `WITH s AS (
       INSERT INTO shops (owner_id, name, address, location, timezone, commission_bps, status)
       SELECT $1, 'Settlement shop ' || g, 'Somewhere', ST_SetSRID(ST_MakePoint(77.59, 12.97), 4326)::geography,
              'Asia/Kolkata', 1000, 'active'
         FROM generate_series(1, $2) g
       RETURNING id),
     sv AS (INSERT INTO services (shop_id, name, duration_minutes, price_paise)
            SELECT id, 'Cut', 30, ${PRICE} FROM s RETURNING id, shop_id),
     st AS (INSERT INTO staff (shop_id, name) SELECT id, 'Staff' FROM s RETURNING id, shop_id),
     b AS (
       INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                             payment_method, payment_status, amount_paise, commission_bps, commission_paise,
                             charged_paise)
       SELECT $3, sv.shop_id, sv.id, st.id,
              now() - interval '2 days' + g * interval '30 minutes',
              now() - interval '2 days' + g * interval '30 minutes' + interval '30 minutes',
              (now() - interval '2 days')::date, 'completed',
              CASE WHEN g % 2 = 0 THEN 'ONLINE' ELSE 'PAY_AT_SHOP' END,
              CASE WHEN g % 2 = 0 THEN 'paid' ELSE 'unpaid' END,
              ${PRICE}, 1000, ${COMMISSION}, ${PRICE}
         FROM sv JOIN st USING (shop_id) CROSS JOIN generate_series(1, $4) g
       RETURNING 1)
     SELECT id FROM s, (SELECT count(*) FROM b) AS inserted`,
    [options.ownerId, options.shops, options.customerId, options.bookingsPerShop],
  );
  const online = Math.floor(options.bookingsPerShop / 2);
  const atShop = options.bookingsPerShop - online;
  const net = online * (PRICE - COMMISSION) - atShop * COMMISSION;
  return new Map(shops.map((shop) => [shop.id, net]));
}
