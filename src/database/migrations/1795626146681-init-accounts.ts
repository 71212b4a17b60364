import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitAccounts1795626146681 implements MigrationInterface {
  name = 'InitAccounts1795626146681';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await queryRunner.query('CREATE EXTENSION IF NOT EXISTS btree_gist');

    await queryRunner.query(`
      CREATE TABLE users (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL,
        email         text NOT NULL,
        phone         text,
        password_hash text NOT NULL,
        role          text NOT NULL CHECK (role IN ('customer', 'shop_owner', 'admin')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_lowercase CHECK (email = lower(email))
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX users_email_key ON users (email)');
    // Bootstrap asks "is there an admin yet?" at every start-up.
    await queryRunner.query("CREATE INDEX users_admin_idx ON users (id) WHERE role = 'admin'");

    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id      uuid NOT NULL,
        token_hash     text NOT NULL,
        expires_at     timestamptz NOT NULL,
        revoked_at     timestamptz,
        replaced_by_id uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    // Reuse detection revokes a whole family at once.
    await queryRunner.query(
      'CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id) WHERE revoked_at IS NULL',
    );
    await queryRunner.query('CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE refresh_tokens');
    await queryRunner.query('DROP TABLE users');
  }
}
