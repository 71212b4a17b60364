/**
 * Words as search sees them, the same in TypeScript and in the database (`search_words()` in the discovery
 * migration): in Unicode NFC, lower-cased, split at white space and punctuation (an explicit set, the same in
 * both), so that letters, combining marks (a Devanagari virama or nukta) and digits stay inside their word. A query matches a name
 * when every query word begins some word of the name ("bea" finds "Beard trim"; "trim bea" too; "ard" does not).
 */
export const MAX_QUERY_WORDS = 8;
export const MAX_QUERY_LENGTH = 200;

/** White space, ASCII punctuation and symbols, Latin-1's, general and CJK punctuation, the Devanagari dandas. */
export const SEARCH_SEPARATORS =
  /[\s\u0021-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007e\u00a0-\u00bf\u2000-\u206f\u3000-\u303f\u0964\u0965]+/u;

export function searchWords(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(SEARCH_SEPARATORS)
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
