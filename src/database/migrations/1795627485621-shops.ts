import { MigrationInterface, QueryRunner } from 'typeorm';

export class Shops1795627485621 implements MigrationInterface {
  name = 'Shops1795627485621';

  // created_at is timestamptz(3): list cursors carry it as a JavaScript date (milliseconds), so the stored value
  // must have exactly that precision for keyset pagination to neither repeat nor skip a row.
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE shops (
        id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id              uuid NOT NULL REFERENCES users (id),
        name                  text NOT NULL,
        address               text NOT NULL,
        location              geography(Point, 4326) NOT NULL,
        timezone              text NOT NULL,
        opening_hours         jsonb NOT NULL DEFAULT '[]',
        slot_interval_minutes integer NOT NULL DEFAULT 15 CHECK (slot_interval_minutes BETWEEN 5 AND 60),
        commission_bps        integer NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
        status                text NOT NULL DEFAULT 'pending_approval'
                              CHECK (status IN ('pending_approval', 'active', 'suspended')),
        config_version        integer NOT NULL DEFAULT 1,
        created_at            timestamptz(3) NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT shops_opening_hours_is_array CHECK (jsonb_typeof(opening_hours) = 'array')
      )`);
    // Nearby search only ever looks at active shops: KNN (<->) ordering and ST_DWithin both use this index.
    await queryRunner.query(
      "CREATE INDEX shops_active_location_gist ON shops USING gist (location) WHERE status = 'active'",
    );
    // An owner's shops (listing, and the owner's view of bookings and settlements).
    await queryRunner.query('CREATE INDEX shops_owner_idx ON shops (owner_id, created_at, id)');
    // The admin's approval queue: shops by status, oldest first.
    await queryRunner.query('CREATE INDEX shops_status_idx ON shops (status, created_at, id)');

    await queryRunner.query(`
      CREATE TABLE services (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop_id          uuid NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
        name             text NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
        price_paise      integer NOT NULL CHECK (price_paise >= 100),
        created_at       timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX services_shop_idx ON services (shop_id, created_at, id)');

    await queryRunner.query(`
      CREATE TABLE staff (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop_id    uuid NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
        name       text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX staff_shop_idx ON staff (shop_id, created_at, id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE staff');
    await queryRunner.query('DROP TABLE services');
    await queryRunner.query('DROP TABLE shops');
  }
}
