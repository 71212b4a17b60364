import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

import { exactTimestamp, Keyed } from './pagination';

/**
 * Runs a one-table list query (no joins) ordered by `(created_at, id)` and keys every entity with its exact
 * `created_at` as the database holds it (see `exactTimestamp`), not as the entity's Date rounds it.
 */
export async function withKeys<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  alias: string,
): Promise<Array<Keyed<T>>> {
  query.addSelect(exactTimestamp(`${alias}.created_at`), 'cursor_at');
  const { entities, raw } = await query.getRawAndEntities<{ cursor_at: string } & Record<string, unknown>>();
  const keys = new Map(raw.map((row) => [row[`${alias}_id`] as string, row.cursor_at]));
  return entities.map((entity) => {
    const at = keys.get(entity.id);
    if (at === undefined) throw new Error(`No page key read for ${alias} ${entity.id}`);
    return { item: entity, key: [at, entity.id] };
  });
}
