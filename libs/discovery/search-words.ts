/**
 * Words as search sees them, the same in TypeScript and in the database (`search_words()` in the discovery
 * migration): lower-cased, split at every character that is not a letter, a mark or a digit. A query matches a name
 * when every query word begins some word of the name ("bea" finds "Beard trim"; "trim bea" too; "ard" does not).
 */
export const MAX_QUERY_WORDS = 8;
export const MAX_QUERY_LENGTH = 200;

const SEPARATORS = /[^\p{L}\p{M}\p{N}]+/u;

export function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(SEPARATORS)
    .filter((word) => word !== '');
}

/** The distinct words of a query, in their order. */
export function queryWords(query: string): string[] {
  return [...new Set(searchWords(query))];
}

/** Whether every query word begins some word of `text` (several texts: the words of all of them). */
export function matchesWords(words: readonly string[], ...texts: string[]): boolean {
  const nameWords = texts.flatMap(searchWords);
  return words.every((word) => nameWords.some((nameWord) => nameWord.startsWith(word)));
}
