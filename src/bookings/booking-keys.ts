import type { EntityManager } from 'typeorm';

/**
 * `bookings` is partitioned by local date, and a booking's id alone does not say which partition holds it; the
 * booking directory (`booking_keys`) does. Queries by id first read the local dates there and then name them as
 * parameters, so that the planner prunes to those partitions: a condition it could only resolve while running
 * (a sub-select, a join) would make it plan, and lock, every partition and every index of each.
 */
export async function localDatesOf(
  manager: Pick<EntityManager, 'query'>,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows: Array<{ id: string; local_date: string }> = await manager.query(
    "SELECT id, to_char(local_date, 'YYYY-MM-DD') AS local_date FROM booking_keys WHERE id = ANY($1::uuid[])",
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.local_date]));
}
