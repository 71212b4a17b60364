import { MigrationInterface, QueryRunner } from 'typeorm';

export class Settlements1795800000000 implements MigrationInterface {
  name = 'Settlements1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The double-entry ledger. Entries are immutable; each records one thing (a capture, a settleable booking, a
    // settlement, a payout...) at most once; its lines (debit positive, credit negative) sum to zero, which a
    // deferred constraint trigger checks at commit, whatever code wrote them.
    await queryRunner.query(`
      CREATE TABLE journal_entries (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind       text NOT NULL CHECK (kind IN ('capture', 'refund', 'booking_settleable', 'settlement', 'payout',
                                                 'payout_reversal')),
        ref_id     uuid NOT NULL,
        shop_id    uuid REFERENCES shops (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT journal_entries_once UNIQUE (kind, ref_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE journal_lines (
        entry_id     bigint NOT NULL REFERENCES journal_entries (id),
        line_no      smallint NOT NULL,
        account      text NOT NULL CHECK (account IN ('provider_cash', 'customer_funds', 'shop_unsettled',
                                                      'shop_payable', 'commission_revenue')),
        shop_id      uuid REFERENCES shops (id),
        amount_paise bigint NOT NULL CHECK (amount_paise <> 0),
        PRIMARY KEY (entry_id, line_no),
        CONSTRAINT journal_lines_shop_accounts
          CHECK ((account IN ('shop_unsettled', 'shop_payable')) = (shop_id IS NOT NULL))
      )`);
    // A shop's balances (GET /shops/:id/balance, payout amounts) sum its lines by account.
    await queryRunner.query(
      'CREATE INDEX journal_lines_shop_idx ON journal_lines (shop_id, account) INCLUDE (amount_paise) WHERE shop_id IS NOT NULL',
    );
    await queryRunner.query(`
      CREATE FUNCTION journal_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END $$`);
    for (const table of ['journal_entries', 'journal_lines']) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION journal_immutable()`,
      );
    }
    await queryRunner.query(`
      CREATE FUNCTION journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE total numeric; lines integer;
      BEGIN
        SELECT coalesce(sum(amount_paise), 0), count(*) INTO total, lines FROM journal_lines WHERE entry_id = NEW.id;
        IF lines < 2 OR total <> 0 THEN
          RAISE EXCEPTION 'journal entry % does not balance (% lines, sum %)', NEW.id, lines, total
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_balanced()`);

    // Settlement runs: one per cron tick or admin request; one settlement per shop per run.
    await queryRunner.query(`
      CREATE TABLE settlement_runs (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        cutoff      timestamptz NOT NULL,
        trigger     text NOT NULL CHECK (trigger IN ('cron', 'admin')),
        shops_total integer NOT NULL DEFAULT 0,
        shops_done  integer NOT NULL DEFAULT 0,
        created_at  timestamptz NOT NULL DEFAULT now(),
        started_at  timestamptz,
        finished_at timestamptz,
        CONSTRAINT settlement_runs_progress CHECK (shops_done BETWEEN 0 AND shops_total)
      )`);
    await queryRunner.query('CREATE INDEX settlement_runs_created_idx ON settlement_runs (created_at, id)');
    // The shops a run must settle; a row is done once its shop's job committed (re-enqueued until then).
    await queryRunner.query(`
      CREATE TABLE settlement_run_shops (
        run_id  uuid NOT NULL REFERENCES settlement_runs (id),
        shop_id uuid NOT NULL REFERENCES shops (id),
        done_at timestamptz,
        PRIMARY KEY (run_id, shop_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX settlement_run_shops_open_idx ON settlement_run_shops (run_id) WHERE done_at IS NULL',
    );
    await queryRunner.query(`
      CREATE TABLE settlements (
        id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id                 uuid NOT NULL REFERENCES settlement_runs (id),
        shop_id                uuid NOT NULL REFERENCES shops (id),
        cutoff                 timestamptz NOT NULL,
        booking_count          integer NOT NULL CHECK (booking_count > 0),
        online_collected_paise bigint NOT NULL CHECK (online_collected_paise >= 0),
        commission_paise       bigint NOT NULL CHECK (commission_paise >= 0),
        net_payable_paise      bigint NOT NULL,
        status                 text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT settlements_once_per_run UNIQUE (run_id, shop_id),
        CONSTRAINT settlements_net CHECK (net_payable_paise = online_collected_paise - commission_paise)
      )`);
    // A shop's settlements, newest first (owners and admins list them); a run's settlements.
    await queryRunner.query('CREATE INDEX settlements_shop_idx ON settlements (shop_id, created_at, id)');
    await queryRunner.query('CREATE INDEX settlements_created_idx ON settlements (created_at, id)');

    await queryRunner.query(
      'ALTER TABLE bookings ADD COLUMN settlement_id uuid REFERENCES settlements (id) DEFERRABLE INITIALLY DEFERRED',
    );
    await queryRunner.query(`
      ALTER TABLE bookings ADD CONSTRAINT bookings_settled_has_settlement
        CHECK ((settlement_status = 'settled') = (settlement_id IS NOT NULL))`);
    // What a settlement claims: settleable bookings no settlement has taken, per shop up to a cutoff. Partial,
    // so it only holds the (small) unsettled tail, not the whole history.
    await queryRunner.query(`
      CREATE INDEX bookings_settleable_idx ON bookings (shop_id, ends_at)
        WHERE settlement_status = 'unsettled'
          AND (status = 'completed' OR (status = 'no_show' AND payment_status = 'paid'))`);

    // Payouts: the shop's Razorpay Route linked account is a shop setting; one payout per settlement.
    await queryRunner.query('ALTER TABLE shops ADD COLUMN payout_account_id text');
    await queryRunner.query(`
      CREATE TABLE payouts (
        id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        settlement_id        uuid NOT NULL UNIQUE REFERENCES settlements (id),
        shop_id              uuid NOT NULL REFERENCES shops (id),
        provider             text NOT NULL,
        account_id           text NOT NULL,
        amount_paise         bigint NOT NULL CHECK (amount_paise > 0),
        idempotency_key      text NOT NULL UNIQUE,
        status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
        provider_transfer_id text,
        failure_reason       text,
        attempts             integer NOT NULL DEFAULT 0,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT payouts_transfer_unique UNIQUE (provider, provider_transfer_id)
      )`);
    await queryRunner.query("CREATE INDEX payouts_open_idx ON payouts (updated_at) WHERE status = 'pending'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE payouts');
    await queryRunner.query('ALTER TABLE shops DROP COLUMN payout_account_id');
    await queryRunner.query('DROP INDEX bookings_settleable_idx');
    await queryRunner.query('ALTER TABLE bookings DROP CONSTRAINT bookings_settled_has_settlement');
    await queryRunner.query('ALTER TABLE bookings DROP COLUMN settlement_id');
    await queryRunner.query('DROP TABLE settlements');
    await queryRunner.query('DROP TABLE settlement_run_shops');
    await queryRunner.query('DROP TABLE settlement_runs');
    await queryRunner.query('DROP TABLE journal_lines');
    await queryRunner.query('DROP TABLE journal_entries');
    await queryRunner.query('DROP FUNCTION journal_entry_balanced');
    await queryRunner.query('DROP FUNCTION journal_immutable');
  }
}
