/**
 * Rows of a raw query with RETURNING. TypeORM answers UPDATE and DELETE with `[rows, rowCount]` and every other
 * statement with the rows themselves; this hides the difference.
 */
export async function queryReturning<T>(
  manager: { query: (sql: string, params?: unknown[]) => Promise<unknown> },
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await manager.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
