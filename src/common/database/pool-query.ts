import type { Pool, PoolClient } from 'pg';
import { DataSource, QueryFailedError, TypeORMError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Rows of one statement on the primary, straight through the data source's pg pool: for the hottest one-row reads
 * (the slot cache's versions), without a TypeORM query runner around a single statement. It behaves as
 * `dataSource.query` does: a connection that cannot be had fails as pg reports it, a failing statement throws a
 * QueryFailedError carrying pg's error, and a connection that reports an error while held is not reused.
 */
export async function poolQuery<T>(dataSource: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool | undefined;
  if (!pool) throw new TypeORMError('Driver not Connected');
  const client: PoolClient = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    return (await client.query(sql, params)).rows as T[];
  } catch (error) {
    throw new QueryFailedError(sql, params, error as Error);
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
