/**
 * The order of a shop search: nearest first (`distance`), or highest rating first with unrated shops last, then
 * nearest (`rating`); equal keys in id order, so the order is total and a cursor (a key) is an exact position.
 */
export const SEARCH_SORTS = ['distance', 'rating'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** A position in a search's order: the rating (used when sorted by it), the distance in metres, the id. */
export interface SearchKey {
  rating: number | null;
  distance: number;
  id: string;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareKeys(sort: SearchSort, a: SearchKey, b: SearchKey): number {
  if (sort === 'rating' && a.rating !== b.rating) {
    if (a.rating === null) return 1;
    if (b.rating === null) return -1;
    return b.rating - a.rating;
  }
  return a.distance - b.distance || byId(a.id, b.id);
}

/** Whether two keys differ only in their id: a tie that the index (which does not order by id) leaves open. */
export function tied(sort: SearchSort, a: SearchKey, b: SearchKey): boolean {
  return compareKeys(sort, { ...a, id: '' }, { ...b, id: '' }) === 0;
}
