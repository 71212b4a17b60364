import { DataSource, EntityManager } from 'typeorm';

import { isPgError, PG_DEADLOCK_DETECTED, PG_SERIALIZATION_FAILURE } from './pg-errors';

export interface RetryOptions {
  attempts: number;
  /** Other failures worth another attempt (e.g. an exclusion violation that a fresh look may avoid). */
  retryOn?: (error: unknown) => boolean;
  /** Told of every failed attempt that will be retried, before the retry (metrics, repairs). */
  onRetry?: (error: unknown) => void | Promise<void>;
}

/** Thrown when every attempt failed with a retryable error; the caller turns it into its domain error. */
export class RetriesExhaustedError extends Error {
  constructor(readonly lastError: unknown) {
    super('Transaction retries exhausted');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One attempt: BEGIN with the isolation level in the same statement (one round trip fewer than TypeORM's). */
async function serializableOnce<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    try {
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that broke mid-transaction has released its runner already (TypeORM hands it back to the pool
      // as broken) and the server ended the transaction with it: the error to report is the one that broke it.
      if (!runner.isReleased) await runner.query('ROLLBACK');
      throw error;
    }
  } finally {
    await runner.release();
  }
}

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
      return await serializableOnce(dataSource, work);
    } catch (error) {
      const retryable =
        isPgError(error, PG_SERIALIZATION_FAILURE) ||
        isPgError(error, PG_DEADLOCK_DETECTED) ||
        (options.retryOn?.(error) ?? false);
      if (!retryable) throw error;
      lastError = error;
      await options.onRetry?.(error);
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
  throw new RetriesExhaustedError(lastError);
}
