import { MigrationInterface, QueryRunner } from 'typeorm';

/** Months of partitions kept behind and ahead of today when the table is converted (the worker keeps them ahead). */
export const PARTITION_MONTHS_BEHIND = 12;
export const PARTITION_MONTHS_AHEAD = 13;

/**
 * Bookings partitioned by month of their shop-local date (declarative RANGE partitioning on `local_date`).
 *
 * Why `local_date`: a booking never crosses its shop's local midnight (a service must end by closing, at 24:00 at
 * the latest), and one staff member works for one shop, so two bookings in different partitions can never overlap:
 * the no-overlap exclusion constraint, which PostgreSQL 15 cannot declare on a partitioned table, is exact when each
 * partition carries its own. And the booking path always knows the shop-day, so its queries prune to one partition.
 *
 * A partitioned table's unique keys must contain the partition key, so `bookings.id` alone can no longer be
 * referenced. `booking_keys (id, local_date)` is the directory of every booking: tables that point at a booking
 * (payments, reviews, notifications, idempotency keys) reference it, a trigger keeps it in step with every insert
 * (and with a change of local date, which moves the row to another partition), and lookups by id read the local
 * date there first so that they touch one partition.
 *
 * The migration path for an existing table: rename it, create the partitioned table like it, create the partitions
 * its rows need, copy, drop the old table, then build keys and indexes on the partitions. That holds a lock on
 * bookings for the length of the copy; for a table too large for that, docs/SCALING.md describes the online way.
 */
export class PartitionedBookings1796100000000 implements MigrationInterface {
  name = 'PartitionedBookings1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);

    await q(`
      CREATE TABLE booking_keys (
        id         uuid PRIMARY KEY,
        local_date date NOT NULL
      )`);
    await q('INSERT INTO booking_keys (id, local_date) SELECT id, local_date FROM bookings');
    for (const [table, onDelete] of [
      ['payments', ''],
      ['payment_reviews', ''],
      ['notifications', ''],
      ['idempotency_keys', ' ON DELETE CASCADE'],
    ]) {
      await q(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_booking_id_fkey`);
      await q(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_booking_id_fkey
           FOREIGN KEY (booking_id) REFERENCES booking_keys (id)${onDelete}`,
      );
    }

    await q('ALTER TABLE bookings RENAME TO bookings_unpartitioned');
    // Columns, defaults, NOT NULL and CHECK constraints as they are; keys and indexes follow once the rows are in.
    await q(`
      CREATE TABLE bookings (LIKE bookings_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
        PARTITION BY RANGE (local_date)`);

    // One partition per month, each with its own no-overlap constraint. Serialised, idempotent: the worker calls
    // it every day for the months ahead, and any number of workers may do so at once.
    await q(`
      CREATE FUNCTION ensure_booking_partitions(p_from date, p_to date) RETURNS integer
      LANGUAGE plpgsql AS $$
      DECLARE
        month   date := date_trunc('month', p_from)::date;
        created integer := 0;
        part    text;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('hairone:booking-partitions'));
        WHILE month <= p_to LOOP
          part := format('bookings_%s', to_char(month, 'YYYY_MM'));
          IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF bookings FOR VALUES FROM (%L) TO (%L)',
                           part, month, (month + interval '1 month')::date);
            EXECUTE format(
              'ALTER TABLE %I ADD CONSTRAINT %I EXCLUDE USING gist '
              '(staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&) '
              'WHERE (status IN (''pending_payment'', ''upcoming''))',
              part, part || '_no_overlap');
            created := created + 1;
          END IF;
          month := (month + interval '1 month')::date;
        END LOOP;
        RETURN created;
      END
      $$`);
    await q(`
      SELECT ensure_booking_partitions(
        least((SELECT min(local_date) FROM bookings_unpartitioned),
              (current_date - interval '${PARTITION_MONTHS_BEHIND} months')::date),
        greatest((SELECT max(local_date) FROM bookings_unpartitioned),
                 (current_date + interval '${PARTITION_MONTHS_AHEAD} months')::date))`);

    // The directory follows every insert and every change of local date (which moves the row to another partition).
    await q(`
      CREATE FUNCTION booking_keys_follow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO booking_keys (id, local_date) VALUES (NEW.id, NEW.local_date)
          ON CONFLICT (id) DO UPDATE SET local_date = EXCLUDED.local_date;
        RETURN NEW;
      END
      $$`);
    await q(`
      CREATE TRIGGER bookings_keys_follow BEFORE INSERT OR UPDATE OF id, local_date ON bookings
        FOR EACH ROW EXECUTE FUNCTION booking_keys_follow()`);

    await q('INSERT INTO bookings SELECT * FROM bookings_unpartitioned');
    await q('DROP TABLE bookings_unpartitioned');

    await q('ALTER TABLE bookings ADD CONSTRAINT bookings_pkey PRIMARY KEY (id, local_date)');
    await q(
      'ALTER TABLE bookings ADD CONSTRAINT bookings_id_fkey FOREIGN KEY (id) REFERENCES booking_keys (id)',
    );
    await q(
      'ALTER TABLE bookings ADD CONSTRAINT bookings_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES users (id)',
    );
    await q(
      'ALTER TABLE bookings ADD CONSTRAINT bookings_shop_id_fkey FOREIGN KEY (shop_id) REFERENCES shops (id)',
    );
    await q(
      'ALTER TABLE bookings ADD CONSTRAINT bookings_service_id_fkey FOREIGN KEY (service_id) REFERENCES services (id)',
    );
    await q(
      'ALTER TABLE bookings ADD CONSTRAINT bookings_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff (id)',
    );
    await q(`
      ALTER TABLE bookings ADD CONSTRAINT bookings_settlement_id_fkey
        FOREIGN KEY (settlement_id) REFERENCES settlements (id) DEFERRABLE INITIALLY DEFERRED`);
    // The indexes of the unpartitioned table, now one per partition (created on the parent, built on each).
    await q('CREATE INDEX bookings_shop_start_idx ON bookings (shop_id, starts_at, id)');
    await q('CREATE INDEX bookings_customer_start_idx ON bookings (customer_id, starts_at, id)');
    await q(
      "CREATE INDEX bookings_pending_expiry_idx ON bookings (expires_at) WHERE status = 'pending_payment'",
    );
    await q(
      "CREATE INDEX bookings_pending_shop_day_idx ON bookings (shop_id, local_date) WHERE status = 'pending_payment'",
    );
    await q(`
      CREATE INDEX bookings_settleable_idx ON bookings (shop_id, ends_at)
       WHERE settlement_status = 'unsettled' AND (status = 'completed' OR (status = 'no_show' AND payment_status = 'paid'))`);
    await q('ANALYZE bookings');
  }

  async down(): Promise<void> {
    // Going back would mean copying every booking into one table again: restore the backup taken before upgrading.
    throw new Error(
      'PartitionedBookings1796100000000 cannot be reverted; restore the pre-upgrade backup instead',
    );
  }
}
