/**
 * A booking by id. `bookings` is partitioned by local date, and its id alone does not say which partition holds
 * it: the booking directory does, so the query touches one partition instead of probing every one.
 */
export const byId = (alias: string, id: string) =>
  `${alias}.id = ${id} AND ${alias}.local_date = (SELECT local_date FROM booking_keys WHERE id = ${id})`;
