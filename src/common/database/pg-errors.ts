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

/** Socket-level codes of a database that cannot be reached. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated due to connection timeout',
];

/**
 * True when the database could not be reached or went away (connection refused or cut, server shutting down or
 * starting up): the request may succeed later, so it deserves a 503, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const candidates = [error, error instanceof QueryFailedError ? error.driverError : undefined];
  for (const candidate of candidates) {
    // Duck-typed, not `instanceof Error`: socket errors may come from another realm (Node's core, a test VM).
    if (typeof candidate !== 'object' || candidate === null) continue;
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || /^(08|57P0)/.test(code))) return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((known) => message.includes(known)))
      return true;
  }
  return false;
}
