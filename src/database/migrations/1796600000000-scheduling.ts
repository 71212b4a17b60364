import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 18, scheduling a real salon: staff hours and skills, time off, date overrides, buffers.
 *
 * A booking blocks its staff member from its start to `blocked_until` (the end of the service plus the service's
 * buffer), and the per-partition no-overlap constraint now covers that range, so no-overlap stays exact at the
 * database with buffers. `ends_at` stays the end of the service (what the customer is told). A booking and its
 * buffer end by closing, so the blocked range still never crosses the shop's local midnight: one partition each.
 * Existing partitions are switched over, and `ensure_booking_partitions` creates future ones the same way.
 */
export class Scheduling1796600000000 implements MigrationInterface {
  name = 'Scheduling1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);

    await q('ALTER TABLE staff ADD COLUMN working_hours jsonb, ADD COLUMN service_ids uuid[]');
    await q(`
      ALTER TABLE services ADD COLUMN buffer_minutes integer NOT NULL DEFAULT 0
        CONSTRAINT services_buffer_minutes_range CHECK (buffer_minutes BETWEEN 0 AND 120)`);

    await q('ALTER TABLE bookings ADD COLUMN blocked_until timestamptz');
    await q('UPDATE bookings SET blocked_until = ends_at');
    await q('ALTER TABLE bookings ALTER COLUMN blocked_until SET NOT NULL');
    await q(
      `ALTER TABLE bookings ADD CONSTRAINT bookings_blocked_after_end CHECK (blocked_until >= ends_at)`,
    );
    // A writer that does not know of buffers (a script, an old fixture) gets none: blocked until the service ends.
    await q(`
      CREATE FUNCTION bookings_blocked_until_default() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.blocked_until IS NULL OR NEW.blocked_until < NEW.ends_at THEN
          NEW.blocked_until := NEW.ends_at;
        END IF;
        RETURN NEW;
      END
      $$`);
    await q(`
      CREATE TRIGGER bookings_blocked_until_default BEFORE INSERT OR UPDATE OF ends_at, blocked_until ON bookings
        FOR EACH ROW EXECUTE FUNCTION bookings_blocked_until_default()`);

    const partitions: Array<{ name: string }> = await queryRunner.query(`
      SELECT c.relname AS name FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'bookings' ORDER BY c.relname`);
    for (const { name } of partitions) {
      await q(`ALTER TABLE ${name} DROP CONSTRAINT IF EXISTS ${name}_no_overlap`);
      await q(`
        ALTER TABLE ${name} ADD CONSTRAINT ${name}_no_overlap EXCLUDE USING gist
          (staff_id WITH =, tstzrange(starts_at, blocked_until) WITH &&)
          WHERE (status IN ('pending_payment', 'upcoming'))`);
    }
    await q(ensurePartitions('blocked_until'));

    await q(`
      CREATE TABLE staff_time_off (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        staff_id   uuid NOT NULL REFERENCES staff (id),
        shop_id    uuid NOT NULL REFERENCES shops (id),
        starts_at  timestamptz NOT NULL,
        ends_at    timestamptz NOT NULL,
        reason     text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT staff_time_off_positive CHECK (ends_at > starts_at)
      )`);
    await q(
      'CREATE INDEX staff_time_off_staff_idx ON staff_time_off USING gist (staff_id, tstzrange(starts_at, ends_at))',
    );
    await q('CREATE INDEX staff_time_off_shop_idx ON staff_time_off (shop_id, starts_at)');

    await q(`
      CREATE TABLE shop_date_overrides (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop_id       uuid NOT NULL REFERENCES shops (id),
        local_date    date NOT NULL,
        opening_hours jsonb NOT NULL,
        reason        text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT shop_date_overrides_one_per_date UNIQUE (shop_id, local_date)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q('DROP TABLE shop_date_overrides');
    await q('DROP TABLE staff_time_off');
    const partitions: Array<{ name: string }> = await queryRunner.query(`
      SELECT c.relname AS name FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'bookings'`);
    for (const { name } of partitions) {
      await q(`ALTER TABLE ${name} DROP CONSTRAINT IF EXISTS ${name}_no_overlap`);
      await q(`
        ALTER TABLE ${name} ADD CONSTRAINT ${name}_no_overlap EXCLUDE USING gist
          (staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
          WHERE (status IN ('pending_payment', 'upcoming'))`);
    }
    await q(ensurePartitions('ends_at'));
    await q('DROP TRIGGER bookings_blocked_until_default ON bookings');
    await q('DROP FUNCTION bookings_blocked_until_default()');
    await q('ALTER TABLE bookings DROP CONSTRAINT bookings_blocked_after_end');
    await q('ALTER TABLE bookings DROP COLUMN blocked_until');
    await q('ALTER TABLE services DROP COLUMN buffer_minutes');
    await q('ALTER TABLE staff DROP COLUMN service_ids, DROP COLUMN working_hours');
  }
}

/** `ensure_booking_partitions` (see PartitionedBookings1796100000000), its no-overlap range ending at `end`. */
const ensurePartitions = (end: 'blocked_until' | 'ends_at') => `
  CREATE OR REPLACE FUNCTION ensure_booking_partitions(p_from date, p_to date) RETURNS integer
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
          '(staff_id WITH =, tstzrange(starts_at, ${end}) WITH &&) '
          'WHERE (status IN (''pending_payment'', ''upcoming''))',
          part, part || '_no_overlap');
        created := created + 1;
      END IF;
      month := (month + interval '1 month')::date;
    END LOOP;
    RETURN created;
  END
  $$`;
