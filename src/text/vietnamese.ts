/**
 * Vietnamese text primitives shared by every layer: Unicode normalisation,
 * case and diacritic folding, syllable tokens and whitespace-insensitive matching.
 *
 * Folding maps "Bộ Thông tin và Truyền thông" and "bo thong tin va truyen thong"
 * to the same string, so queries typed without diacritics still match.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const SUPERSCRIPT_DIGITS = /[\u00b9\u00b2\u00b3\u2070-\u2079]/g;

/** NFC-normalises text; all stored text and all comparisons start from NFC. */
export function nfc(text: string): string {
  return text.normalize('NFC');
}

/** Lower-cases and strips diacritics (đ→d): "Đắk Lắk" → "dak lak". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .normalize('NFC');
}

/** Collapses every run of whitespace (tabs, newlines, NBSP) to one space and trims. */
export function squashSpaces(text: string): string {
  return text.replace(/[\s\u00a0\u200b]+/g, ' ').trim();
}

/** Removes footnote superscripts such as "7,5% ¹". */
export function stripSuperscripts(text: string): string {
  return text.replace(SUPERSCRIPT_DIGITS, '').replace(/\s+$/, '');
}

/** A token with its position in the source string (UTF-16 offsets). */
export interface Token {
  /** Folded syllable, e.g. "truyen". */
  text: string;
  start: number;
  end: number;
}

const TOKEN_RE = /[\p{L}\p{N}]+/gu;

/**
 * Splits text into folded syllable tokens with offsets. Vietnamese words are
 * written as space-separated syllables, so a syllable is the natural unit.
 */
export function tokenizeWithOffsets(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    tokens.push({ text: foldWord(m[0]), start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/** Folded forms of words seen so far: a language has few distinct syllables, and fold() is costly. */
const foldedWords = new Map<string, string>();

/** fold() for a single word, memoised (bounded). */
export function foldWord(word: string): string {
  let f = foldedWords.get(word);
  if (f === undefined) {
    f = fold(word);
    if (foldedWords.size > 200_000) foldedWords.clear();
    foldedWords.set(word, f);
  }
  return f;
}

/** Folded syllable tokens of a text. */
export function tokenize(text: string): string[] {
  return tokenizeWithOffsets(text).map((t) => t.text);
}

/**
 * True when `needle` occurs in `haystack` once whitespace is squashed in both:
 * the test every quote must pass before it is shown to a user.
 */
export function containsVerbatim(haystack: string, needle: string): boolean {
  const n = squashSpaces(nfc(needle));
  if (n.length === 0) return false;
  return squashSpaces(nfc(haystack)).includes(n);
}

/** True when the folded forms match: case- and diacritic-insensitive containment. */
export function containsFolded(haystack: string, needle: string): boolean {
  return squashSpaces(fold(haystack)).includes(squashSpaces(fold(needle)));
}

/** Levenshtein distance with an early exit once `max` is exceeded. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Lower-case letters of the Vietnamese alphabet that start a clause or a continuation. */
export function startsLowercase(text: string): boolean {
  const ch = text.trimStart().charAt(0);
  return ch !== '' && ch === ch.toLowerCase() && ch !== ch.toUpperCase();
}

/** True for a string whose letters are all capitals, e.g. a heading "B. NHIỆM VỤ". */
export function isAllCaps(text: string): boolean {
  const letters = text.replace(/[^\p{L}]/gu, '');
  return letters.length >= 3 && letters === letters.toUpperCase();
}

/**
 * Folds character by character so that offsets in the result are offsets in
 * the input (true for NFC Vietnamese, whose letters are single code units).
 */
export function foldAligned(text: string): string {
  let out = '';
  for (const ch of text) {
    let f = alignedChars.get(ch);
    if (f === undefined) {
      const folded = fold(ch);
      f = folded.length === ch.length ? folded : ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch;
      // Bounded: hostile text can hold many distinct characters.
      if (alignedChars.size > 10_000) alignedChars.clear();
      alignedChars.set(ch, f);
    }
    out += f;
  }
  return out;
}

/** Per-character results of foldAligned: fold() normalises twice and dominated long documents' extraction time. */
const alignedChars = new Map<string, string>();

/** Shortens text at a word boundary (whitespace squashed), adding "…" when something was left out. */
export function clip(text: string, max: number): string {
  const t = squashSpaces(text);
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/u, '')}…`;
}
