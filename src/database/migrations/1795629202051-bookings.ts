import { MigrationInterface, QueryRunner } from 'typeorm';

export class Bookings1795629202051 implements MigrationInterface {
  name = 'Bookings1795629202051';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE bookings (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id       uuid NOT NULL REFERENCES users (id),
        shop_id           uuid NOT NULL REFERENCES shops (id),
        service_id        uuid NOT NULL REFERENCES services (id),
        staff_id          uuid NOT NULL REFERENCES staff (id),
        starts_at         timestamptz NOT NULL,
        ends_at           timestamptz NOT NULL,
        local_date        date NOT NULL,
        status            text NOT NULL CHECK (status IN
                            ('pending_payment', 'upcoming', 'completed', 'cancelled', 'no_show', 'expired')),
        payment_method    text NOT NULL CHECK (payment_method IN ('ONLINE', 'PAY_AT_SHOP')),
        payment_status    text NOT NULL DEFAULT 'unpaid'
                            CHECK (payment_status IN ('unpaid', 'paid', 'refund_pending', 'refunded')),
        amount_paise      integer NOT NULL CHECK (amount_paise >= 0),
        commission_bps    integer NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
        commission_paise  integer NOT NULL CHECK (commission_paise >= 0),
        settlement_status text NOT NULL DEFAULT 'unsettled' CHECK (settlement_status IN ('unsettled', 'settled')),
        expires_at        timestamptz,
        cancel_reason     text,
        created_at        timestamptz(3) NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT bookings_ends_after_start CHECK (ends_at > starts_at),
        CONSTRAINT bookings_hold_has_expiry CHECK (status <> 'pending_payment' OR expires_at IS NOT NULL),
        -- The last line of defence: whatever the application does, one staff member never has two live bookings
        -- at overlapping times.
        CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
          staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&
        ) WHERE (status IN ('pending_payment', 'upcoming'))
      )`);
    // A shop's bookings by time (owners' lists, the legacy slot computation the benchmark compares against).
    await queryRunner.query('CREATE INDEX bookings_shop_start_idx ON bookings (shop_id, starts_at, id)');
    // A customer's bookings by time.
    await queryRunner.query(
      'CREATE INDEX bookings_customer_start_idx ON bookings (customer_id, starts_at, id)',
    );
    // The sweeper and the lazy expiry look for unpaid holds by expiry.
    await queryRunner.query(
      "CREATE INDEX bookings_pending_expiry_idx ON bookings (expires_at) WHERE status = 'pending_payment'",
    );
    // Lazy expiry inside a booking transaction looks at one shop-day.
    await queryRunner.query(
      "CREATE INDEX bookings_pending_shop_day_idx ON bookings (shop_id, local_date) WHERE status = 'pending_payment'",
    );

    // The availability read model: per shop and shop-local day, every staff member's busy intervals and a version
    // that every booking change increments (slot caches are keyed by it). Written in the same transaction as the
    // booking change, so reading slots never scans bookings.
    await queryRunner.query(`
      CREATE TABLE availability_days (
        shop_id    uuid NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
        local_date date NOT NULL,
        version    bigint NOT NULL DEFAULT 0,
        busy       jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (shop_id, local_date)
      )`);

    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        customer_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key          text NOT NULL,
        request_hash text NOT NULL,
        booking_id   uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, key)
      )`);
    await queryRunner.query('CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE idempotency_keys');
    await queryRunner.query('DROP TABLE availability_days');
    await queryRunner.query('DROP TABLE bookings');
  }
}
