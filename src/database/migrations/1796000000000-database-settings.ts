import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Session settings the application needs, kept by the database instead of sent by every connection: a connection
 * pooler in transaction mode (PgBouncer) refuses the `options` startup parameter, and a setting sent with it would
 * not follow a server connection from one client to the next anyway.
 */
export class DatabaseSettings1796000000000 implements MigrationInterface {
  name = 'DatabaseSettings1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Short OLTP queries: JIT compilation (triggered by PostGIS's high declared costs) only adds latency. Applies to
    // new sessions. Without the right to alter the database, the owner of a managed database sets it instead.
    await queryRunner.query(`
      DO $$
      BEGIN
        EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'Could not set jit = off for this database: run ALTER DATABASE ... SET jit = off as its owner';
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
      END $$`);
  }
}
