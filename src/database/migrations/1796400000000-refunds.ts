import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds of any amount, from anywhere: a payment may be refunded several times (the refund its cancellation asks
 * for, an admin's goodwill refund, one made in the Razorpay dashboard), each a row of its own with its amount, its
 * idempotency key and what it did to the booking's charge, posted to the ledger under its own id.
 *
 * The refund a payment had (at most one, in the payment's columns until now) moves here with the payment's id as its
 * own, so its ledger entry (`refund`, ref = that id) and a queued refund job (keyed by the payment id) still find it.
 */
export class Refunds1796400000000 implements MigrationInterface {
  name = 'Refunds1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE refunds (
        id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        payment_id           uuid NOT NULL REFERENCES payments (id),
        provider             text NOT NULL,
        amount_paise         integer NOT NULL CHECK (amount_paise > 0),
        -- cancellation: what a cancellation or a no-show gives back under the policy; late_payment: a capture that
        -- came after its booking was gone; admin: a goodwill refund; provider: one made outside the API.
        reason               text NOT NULL CHECK (reason IN ('cancellation', 'late_payment', 'admin', 'provider')),
        status               text NOT NULL CHECK (status IN ('requested', 'pending', 'processed', 'failed')),
        provider_refund_id   text,
        idempotency_key      text NOT NULL UNIQUE,
        -- An admin's Idempotency-Key, so that a repeated request makes one refund.
        request_key          text,
        note                 text,
        requested_by         uuid REFERENCES users (id),
        -- What applying it did to the booking: the part that came out of what the booking was charged (and so of the
        -- shop's share and the commission), and whether the booking had been settled then (recovered from payouts).
        charge_reduction_paise     integer NOT NULL DEFAULT 0 CHECK (charge_reduction_paise >= 0),
        commission_reduction_paise integer NOT NULL DEFAULT 0 CHECK (commission_reduction_paise >= 0),
        after_settlement     boolean NOT NULL DEFAULT false,
        requested_at         timestamptz NOT NULL DEFAULT now(),
        processed_at         timestamptz,
        updated_at           timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT refunds_provider_refund_unique UNIQUE (provider, provider_refund_id),
        CONSTRAINT refunds_request_key_unique UNIQUE (requested_by, request_key)
      )`);
    await q('CREATE INDEX refunds_payment_idx ON refunds (payment_id)');
    await q(
      `CREATE INDEX refunds_open_idx ON refunds (requested_at) WHERE status IN ('requested', 'pending')`,
    );
    // A cancellation (or a late payment) gives back once per payment, whatever retries and races happen.
    await q(`
      CREATE UNIQUE INDEX refunds_one_policy_refund ON refunds (payment_id)
       WHERE reason IN ('cancellation', 'late_payment')`);
    await q(`
      INSERT INTO refunds (id, payment_id, provider, amount_paise, reason, status, provider_refund_id,
                           idempotency_key, requested_at, processed_at)
      SELECT id, id, provider, coalesce(refund_amount_paise, amount_paise), 'cancellation', refund_status,
             provider_refund_id, 'refund-' || id, coalesce(refund_requested_at, now()),
             CASE WHEN refund_status = 'processed' THEN updated_at END
        FROM payments WHERE refund_status IS NOT NULL`);
    await q('DROP INDEX payments_refund_open_idx');
    await q(`
      ALTER TABLE payments DROP CONSTRAINT payments_refund_needs_payment,
        DROP CONSTRAINT payments_refund_within_capture, DROP CONSTRAINT payments_refund_unique,
        DROP COLUMN refund_status, DROP COLUMN provider_refund_id, DROP COLUMN refund_requested_at,
        DROP COLUMN refund_amount_paise`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      ALTER TABLE payments
        ADD COLUMN refund_status text CHECK (refund_status IN ('requested', 'pending', 'processed', 'failed')),
        ADD COLUMN provider_refund_id text, ADD COLUMN refund_requested_at timestamptz,
        ADD COLUMN refund_amount_paise integer CHECK (refund_amount_paise > 0)`);
    // Only one refund per payment fits the old columns: the policy refund, or else the first.
    await q(`
      UPDATE payments p SET refund_status = r.status, provider_refund_id = r.provider_refund_id,
                            refund_requested_at = r.requested_at, refund_amount_paise = r.amount_paise
        FROM (SELECT DISTINCT ON (payment_id) * FROM refunds
               ORDER BY payment_id, (reason IN ('cancellation', 'late_payment')) DESC, requested_at) r
       WHERE r.payment_id = p.id`);
    await q(`
      ALTER TABLE payments
        ADD CONSTRAINT payments_refund_needs_payment CHECK (refund_status IS NULL OR provider_payment_id IS NOT NULL),
        ADD CONSTRAINT payments_refund_within_capture
          CHECK (refund_amount_paise IS NULL OR refund_amount_paise <= amount_paise),
        ADD CONSTRAINT payments_refund_unique UNIQUE (provider, provider_refund_id)`);
    await q(`CREATE INDEX payments_refund_open_idx ON payments (refund_requested_at)
              WHERE refund_status IN ('requested', 'pending')`);
    await q('DROP TABLE refunds');
  }
}
