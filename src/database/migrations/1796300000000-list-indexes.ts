import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index for every list's ORDER BY where a list could be asked for without the filter its other indexes start
 * with: the admin's lists of all bookings (by start), all shops and all messages (by creation), and a settlement
 * run's settlements. With LIMIT, each is read in order from its index instead of sorting the whole table.
 */
export class ListIndexes1796300000000 implements MigrationInterface {
  name = 'ListIndexes1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // On the partitioned parent: built on every partition, and on each one ensure_booking_partitions() creates.
    // The plan is a Merge Append of one ordered index scan per partition.
    await queryRunner.query('CREATE INDEX bookings_start_idx ON bookings (starts_at, id)');
    await queryRunner.query('CREATE INDEX shops_created_idx ON shops (created_at, id)');
    await queryRunner.query('CREATE INDEX notifications_created_idx ON notifications (created_at, id)');
    await queryRunner.query(
      'CREATE INDEX settlements_run_created_idx ON settlements (run_id, created_at, id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX settlements_run_created_idx');
    await queryRunner.query('DROP INDEX notifications_created_idx');
    await queryRunner.query('DROP INDEX shops_created_idx');
    await queryRunner.query('DROP INDEX bookings_start_idx');
  }
}
