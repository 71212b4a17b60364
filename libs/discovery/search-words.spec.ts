import fc from 'fast-check';

import { matchesWords, queryWords, searchWords } from './search-words';

describe('search words', () => {
  it('lower-cases and splits at anything that is not a letter, a mark or a digit', () => {
    expect(searchWords('Sharp Cuts-Studio (MG Road), 2nd floor')).toEqual([
      'sharp',
      'cuts',
      'studio',
      'mg',
      'road',
      '2nd',
      'floor',
    ]);
    expect(searchWords('  ')).toEqual([]);
    // Devanagari vowel signs are marks: the word stays whole.
    expect(searchWords('बाल कटाई')).toEqual(['बाल', 'कटाई']);
    expect(searchWords('Café')).toEqual(['café']);
    // A virama and a nukta are marks inside a word, not separators; decomposed accents compose first.
    expect(searchWords('ट्रिम दाढ़ी')).toEqual(['ट्रिम', 'दाढ़ी']);
    expect(searchWords('cafe\u0301')).toEqual(['café']);
    expect(searchWords('a+b $5 x|y')).toEqual(['a', 'b', '5', 'x', 'y']);
  });

  it('takes each distinct query word once, in order', () => {
    expect(queryWords('Beard beard  TRIM')).toEqual(['beard', 'trim']);
  });

  it('matches when every query word begins a word of the names', () => {
    expect(matchesWords(['bea'], 'Beard trim')).toBe(true);
    expect(matchesWords(['trim', 'bea'], 'Beard trim')).toBe(true);
    expect(matchesWords(['ard'], 'Beard trim')).toBe(false);
    expect(matchesWords(['sharp', 'col'], 'Sharp Cuts', 'Hair colour')).toBe(true);
    expect(matchesWords(['sharp', 'col'], 'Sharp Cuts', 'Beard trim')).toBe(false);
    expect(matchesWords([], 'anything')).toBe(true);
  });

  it('a name always matches its own words and any of their prefixes, in any case', () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), fc.nat(), (words, pick) => {
        const name = words.map((w, i) => (i % 2 ? w.toUpperCase() : w)).join(' - ');
        const chosen = words[pick % words.length];
        const prefix = chosen.slice(0, 1 + (pick % chosen.length));
        expect(matchesWords(queryWords(prefix.toUpperCase()), name)).toBe(true);
        expect(matchesWords(queryWords(words.join(' ')), name)).toBe(true);
      }),
    );
  });

  it('a word that begins no word of the name never matches', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-m]{1,6}$/), { minLength: 1, maxLength: 5 }), (words) => {
        expect(matchesWords(['n'], words.join(' '))).toBe(false);
      }),
    );
  });
});
