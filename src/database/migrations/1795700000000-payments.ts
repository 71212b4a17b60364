import { MigrationInterface, QueryRunner } from 'typeorm';

export class Payments1795700000000 implements MigrationInterface {
  name = 'Payments1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One provider order per ONLINE booking, with what the provider said about it. The unique constraints are the
    // guarantees: one order per booking, and a provider payment or refund is attached to at most one booking.
    await queryRunner.query(`
      CREATE TABLE payments (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        booking_id          uuid NOT NULL UNIQUE REFERENCES bookings (id),
        provider            text NOT NULL,
        key_id              text NOT NULL,
        provider_order_id   text NOT NULL,
        amount_paise        integer NOT NULL CHECK (amount_paise > 0),
        currency            text NOT NULL,
        provider_payment_id text,
        captured_at         timestamptz,
        refund_status       text CHECK (refund_status IN ('requested', 'pending', 'processed', 'failed')),
        provider_refund_id  text,
        refund_requested_at timestamptz,
        next_reconcile_at   timestamptz,
        reconcile_until     timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT payments_order_unique UNIQUE (provider, provider_order_id),
        CONSTRAINT payments_payment_unique UNIQUE (provider, provider_payment_id),
        CONSTRAINT payments_refund_unique UNIQUE (provider, provider_refund_id),
        CONSTRAINT payments_refund_needs_payment CHECK (refund_status IS NULL OR provider_payment_id IS NOT NULL)
      )`);
    // The reconciler's work list: unpaid orders whose hold is about to expire or expired recently.
    await queryRunner.query(
      'CREATE INDEX payments_reconcile_idx ON payments (next_reconcile_at) WHERE next_reconcile_at IS NOT NULL',
    );
    // Refunds asked for but not yet accepted by the provider (retried by the reconciler).
    await queryRunner.query(
      `CREATE INDEX payments_refund_open_idx ON payments (refund_requested_at)
        WHERE refund_status IN ('requested', 'pending')`,
    );

    // The webhook inbox: every signed event is stored before it is answered, once per provider event id, and
    // processed afterwards by the worker.
    await queryRunner.query(`
      CREATE TABLE payment_events (
        provider     text NOT NULL,
        event_id     text NOT NULL,
        event_type   text NOT NULL,
        payload      jsonb NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        attempts     integer NOT NULL DEFAULT 0,
        processed_at timestamptz,
        outcome      text,
        PRIMARY KEY (provider, event_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX payment_events_unprocessed_idx ON payment_events (received_at) WHERE processed_at IS NULL',
    );

    // Money the platform could not apply automatically (a mismatched amount, a second payment, a failed refund).
    await queryRunner.query(`
      CREATE TABLE payment_reviews (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider            text NOT NULL,
        reason              text NOT NULL,
        booking_id          uuid REFERENCES bookings (id),
        provider_order_id   text,
        provider_payment_id text,
        detail              jsonb NOT NULL DEFAULT '{}',
        resolved_at         timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX payment_reviews_open_idx ON payment_reviews (created_at) WHERE resolved_at IS NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE payment_reviews');
    await queryRunner.query('DROP TABLE payment_events');
    await queryRunner.query('DROP TABLE payments');
  }
}
