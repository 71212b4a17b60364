import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, everything owed is paid: a payout pays a shop's whole payable balance, and an admin may pay it at any
 * time, so a payout need not come from a settlement. A settlement still has at most one payout (its key is the
 * settlement id, as before); a payout of the balance has its own id as its key, and the admin's Idempotency-Key,
 * once per shop, returns the same payout on a repeat.
 */
export class PayoutsOfBalance1796500000000 implements MigrationInterface {
  name = 'PayoutsOfBalance1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE payouts ALTER COLUMN settlement_id DROP NOT NULL');
    await queryRunner.query('ALTER TABLE payouts ADD COLUMN request_key text');
    await queryRunner.query(`
      ALTER TABLE payouts
        ADD CONSTRAINT payouts_request_once UNIQUE (shop_id, request_key),
        ADD CONSTRAINT payouts_request_not_of_settlement CHECK (request_key IS NULL OR settlement_id IS NULL)`);
    // A payout without a settlement is keyed by its own id; one of a settlement by the settlement's.
    await queryRunner.query(`
      ALTER TABLE payouts ADD CONSTRAINT payouts_idempotency_key_form
        CHECK (idempotency_key = coalesce(settlement_id, id)::text)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Refuses (NOT NULL) while payouts without a settlement exist: they and their ledger entries must stay.
    await queryRunner.query('ALTER TABLE payouts DROP CONSTRAINT payouts_idempotency_key_form');
    await queryRunner.query('ALTER TABLE payouts DROP CONSTRAINT payouts_request_not_of_settlement');
    await queryRunner.query('ALTER TABLE payouts DROP CONSTRAINT payouts_request_once');
    await queryRunner.query('ALTER TABLE payouts DROP COLUMN request_key');
    await queryRunner.query('ALTER TABLE payouts ALTER COLUMN settlement_id SET NOT NULL');
  }
}
