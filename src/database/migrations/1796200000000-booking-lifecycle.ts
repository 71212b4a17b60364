import { MigrationInterface, QueryRunner } from 'typeorm';

/** The nearby search's function, returning a shop's cancellation policy too (`withPolicy`) or as before. */
function nearbyFunction(withPolicy: boolean): string {
  const policy = withPolicy
    ? ', free_cancellation_hours integer, late_cancellation_fee_bps integer, no_show_fee_bps integer'
    : '';
  const policyColumns = withPolicy
    ? ', s.free_cancellation_hours, s.late_cancellation_fee_bps, s.no_show_fee_bps'
    : '';
  return `
    CREATE FUNCTION nearby_active_shops(
      p_lng float8, p_lat float8, p_radius_m float8, p_after_distance float8, p_after_id uuid, p_rows integer)
    RETURNS TABLE (
      id uuid, owner_id uuid, name text, address text, lat float8, lng float8, timezone text,
      opening_hours jsonb, slot_interval_minutes integer, commission_bps integer, status text,
      config_version integer, created_at timestamptz, updated_at timestamptz,
      distance_meters float8, sort_distance float8${policy})
    LANGUAGE plpgsql STABLE
    ROWS 50
    SET enable_bitmapscan = off
    SET jit = off
    AS $$
    DECLARE
      origin geography := ST_SetSRID(ST_MakePoint(p_lng, p_lat), 4326)::geography;
    BEGIN
      RETURN QUERY
      SELECT s.id, s.owner_id, s.name, s.address,
             ST_Y(s.location::geometry), ST_X(s.location::geometry),
             s.timezone, s.opening_hours, s.slot_interval_minutes, s.commission_bps, s.status,
             s.config_version, s.created_at, s.updated_at,
             ST_Distance(s.location, origin), s.location <-> origin${policyColumns}
        FROM shops s
       WHERE s.status = 'active'
         AND ST_DWithin(s.location, origin, p_radius_m)
         AND (p_after_distance IS NULL OR (s.location <-> origin, s.id) > (p_after_distance, p_after_id))
       ORDER BY s.location <-> origin
       LIMIT p_rows;
    END
    $$`;
}
const DROP_NEARBY = 'DROP FUNCTION nearby_active_shops(float8, float8, float8, float8, uuid, integer)';

/**
 * The booking lifecycle: each shop's cancellation policy, snapshotted on every booking when it is made; what a
 * booking finally costs (`charged_paise`) and what was given back (`refunded_paise`); how often it was moved; the
 * amount a payment's refund asks for (a late cancellation or a no-show refunds less than was paid); and the
 * settlement's condition, which now takes cancellations and no-shows that kept a fee.
 */
export class BookingLifecycle1796200000000 implements MigrationInterface {
  name = 'BookingLifecycle1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    const policyColumns = `
      ADD COLUMN free_cancellation_hours integer NOT NULL DEFAULT 24
        CHECK (free_cancellation_hours BETWEEN 0 AND 168),
      ADD COLUMN late_cancellation_fee_bps integer NOT NULL DEFAULT 0
        CHECK (late_cancellation_fee_bps BETWEEN 0 AND 10000),
      ADD COLUMN no_show_fee_bps integer NOT NULL DEFAULT 10000 CHECK (no_show_fee_bps BETWEEN 0 AND 10000)`;
    await q(`ALTER TABLE shops ${policyColumns}`);
    await q(DROP_NEARBY);
    await q(nearbyFunction(true));
    // Bookings made before policies existed get the defaults, which is what every shop had.
    await q(`ALTER TABLE bookings ${policyColumns},
      ADD COLUMN charged_paise integer NOT NULL DEFAULT 0 CHECK (charged_paise >= 0),
      ADD COLUMN refunded_paise integer NOT NULL DEFAULT 0 CHECK (refunded_paise >= 0),
      ADD COLUMN reschedule_count integer NOT NULL DEFAULT 0 CHECK (reschedule_count >= 0),
      ADD CONSTRAINT bookings_charged_within_amount CHECK (charged_paise <= amount_paise)`);
    // Until now a confirmed or completed booking cost its amount, a paid no-show kept all of it, anything else
    // (an unpaid hold, a cancellation, an expiry, an unpaid no-show) nothing.
    await q(`
      UPDATE bookings SET charged_paise = amount_paise
       WHERE status IN ('upcoming', 'completed') OR (status = 'no_show' AND payment_status = 'paid')`);
    await q(`UPDATE bookings SET refunded_paise = amount_paise WHERE payment_status = 'refunded'`);
    await q('ALTER TABLE bookings DROP CONSTRAINT bookings_payment_status_check');
    await q(`
      ALTER TABLE bookings ADD CONSTRAINT bookings_payment_status_check
        CHECK (payment_status IN ('unpaid', 'paid', 'refund_pending', 'refunded', 'partially_refunded'))`);

    await q('ALTER TABLE payments ADD COLUMN refund_amount_paise integer CHECK (refund_amount_paise > 0)');
    await q(`UPDATE payments SET refund_amount_paise = amount_paise WHERE refund_status IS NOT NULL`);
    await q(`
      ALTER TABLE payments ADD CONSTRAINT payments_refund_within_capture
        CHECK (refund_amount_paise IS NULL OR refund_amount_paise <= amount_paise)`);

    await q('DROP INDEX bookings_settleable_idx');
    await q(`
      CREATE INDEX bookings_settleable_idx ON bookings (shop_id, ends_at)
       WHERE settlement_status = 'unsettled'
         AND (status = 'completed' OR (status IN ('no_show', 'cancelled') AND charged_paise > 0))`);

    await q('ALTER TABLE notifications DROP CONSTRAINT notifications_template_check');
    await q(`
      ALTER TABLE notifications ADD CONSTRAINT notifications_template_check
        CHECK (template IN ('booking_confirmed', 'booking_cancelled', 'booking_expired', 'booking_reminder',
                            'new_booking', 'settlement_statement', 'booking_rescheduled', 'shop_booking_rescheduled'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(
      `DELETE FROM notifications WHERE template IN ('booking_rescheduled', 'shop_booking_rescheduled')`,
    );
    await q('ALTER TABLE notifications DROP CONSTRAINT notifications_template_check');
    await q(`
      ALTER TABLE notifications ADD CONSTRAINT notifications_template_check
        CHECK (template IN ('booking_confirmed', 'booking_cancelled', 'booking_expired', 'booking_reminder',
                            'new_booking', 'settlement_statement'))`);
    await q('DROP INDEX bookings_settleable_idx');
    await q(`
      CREATE INDEX bookings_settleable_idx ON bookings (shop_id, ends_at)
       WHERE settlement_status = 'unsettled' AND (status = 'completed' OR (status = 'no_show' AND payment_status = 'paid'))`);
    await q('ALTER TABLE payments DROP COLUMN refund_amount_paise');
    await q(`UPDATE bookings SET payment_status = 'refunded' WHERE payment_status = 'partially_refunded'`);
    await q('ALTER TABLE bookings DROP CONSTRAINT bookings_payment_status_check');
    await q(`
      ALTER TABLE bookings ADD CONSTRAINT bookings_payment_status_check
        CHECK (payment_status IN ('unpaid', 'paid', 'refund_pending', 'refunded'))`);
    await q(`ALTER TABLE bookings DROP CONSTRAINT bookings_charged_within_amount,
      DROP COLUMN charged_paise, DROP COLUMN refunded_paise, DROP COLUMN reschedule_count,
      DROP COLUMN free_cancellation_hours, DROP COLUMN late_cancellation_fee_bps, DROP COLUMN no_show_fee_bps`);
    await q(DROP_NEARBY);
    await q(nearbyFunction(false));
    await q(`ALTER TABLE shops DROP COLUMN free_cancellation_hours, DROP COLUMN late_cancellation_fee_bps,
      DROP COLUMN no_show_fee_bps`);
  }
}
