import { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1795900000000 implements MigrationInterface {
  name = 'Notifications1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The outbox and the record of every message: written in the transaction of the change that causes it, moved
    // to the Bull queue by the worker's relay (relayed_at), sent by the worker (status). dedupe_key makes a retried
    // transaction write a message once.
    await queryRunner.query(`
      CREATE TABLE notifications (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id       uuid NOT NULL REFERENCES users (id),
        channel       text NOT NULL CHECK (channel IN ('email', 'sms')),
        template      text NOT NULL CHECK (template IN ('booking_confirmed', 'booking_cancelled', 'booking_expired',
                                                         'booking_reminder', 'new_booking', 'settlement_statement')),
        booking_id    uuid REFERENCES bookings (id),
        settlement_id uuid REFERENCES settlements (id),
        dedupe_key    text NOT NULL UNIQUE,
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts      integer NOT NULL DEFAULT 0,
        last_error    text,
        send_after    timestamptz NOT NULL DEFAULT now(),
        relayed_at    timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        sent_at       timestamptz,
        CONSTRAINT notifications_subject CHECK (booking_id IS NOT NULL OR settlement_id IS NOT NULL)
      )`);
    // The relay's work list: messages not yet handed to the queue.
    await queryRunner.query(
      'CREATE INDEX notifications_unrelayed_idx ON notifications (created_at) WHERE relayed_at IS NULL',
    );
    // A user's messages, newest first; the admin's list by status.
    await queryRunner.query('CREATE INDEX notifications_user_idx ON notifications (user_id, created_at, id)');
    await queryRunner.query(
      'CREATE INDEX notifications_status_idx ON notifications (status, created_at, id)',
    );
    // Reminders of a booking, removed when it is cancelled.
    await queryRunner.query(
      'CREATE INDEX notifications_booking_idx ON notifications (booking_id) WHERE booking_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE notifications');
  }
}
