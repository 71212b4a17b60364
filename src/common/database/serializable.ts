import { DataSource, EntityManager } from 'typeorm';

import { isPgError, PG_DEADLOCK_DETECTED, PG_SERIALIZATION_FAILURE } from './pg-errors';

export interface RetryOptions {
  attempts: number;
  /** Other failures worth another attempt (e.g. an exclusion violation that a fresh look may avoid). */
  retryOn?: (error: unknown) => boolean;
  /** Told of every failed attempt that will be retried (for metrics). */
  onRetry?: (error: unknown) => void;
}

/** Thrown when every attempt failed with a retryable error; the caller turns it into its domain error. */
export class RetriesExhaustedError extends Error {
  constructor(readonly lastError: unknown) {
    super('Transaction retries exhausted');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in a SERIALIZABLE transaction, again from the start when PostgreSQL reports a serialization failure
 * or a deadlock (or `retryOn` matches), with jittered exponential backoff, at most `attempts` times.
 */
export async function inSerializableTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    try {
      return await dataSource.transaction('SERIALIZABLE', work);
    } catch (error) {
      const retryable =
        isPgError(error, PG_SERIALIZATION_FAILURE) ||
        isPgError(error, PG_DEADLOCK_DETECTED) ||
        (options.retryOn?.(error) ?? false);
      if (!retryable) throw error;
      lastError = error;
      options.onRetry?.(error);
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
  throw new RetriesExhaustedError(lastError);
}
