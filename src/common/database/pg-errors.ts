import { QueryFailedError } from 'typeorm';

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_EXCLUSION_VIOLATION = '23P01';
export const PG_SERIALIZATION_FAILURE = '40001';
export const PG_DEADLOCK_DETECTED = '40P01';

interface PgDriverError {
  code?: string;
  constraint?: string;
}

/** True when `error` is a PostgreSQL error with the given SQLSTATE (and, if given, on the given constraint). */
export function isPgError(error: unknown, sqlState: string, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as PgDriverError;
  return driverError.code === sqlState && (constraint === undefined || driverError.constraint === constraint);
}
