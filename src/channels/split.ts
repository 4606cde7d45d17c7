/**
 * Splitting long answers into messages that fit a platform's length limit
 * (Telegram 4096, Zalo 2000). Lengths are counted in UTF-16 code units
 * (`string.length`), which is never less than the number of characters, so a
 * part that fits here fits on either platform.
 */

export interface SplitOptions {
  /** Prefix every part with "(i/n) " when there is more than one part; the prefix counts toward the limit. */
  numberParts?: boolean;
}

/** Separators tried in order: blank lines, line breaks, sentence ends, whitespace. Each captures the separator. */
const LEVELS: readonly RegExp[] = [
  /(\n[ \t]*\n\s*)/, // paragraphs (blank line, possibly with spaces)
  /([ \t]*\n\s*)/, // lines
  /(?<=[.!?…]["'”’»)\]]*)(\s+)/, // sentences: after . ! ? … and closing quotes/brackets
  /(\s+)/, // words
];

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Splits `text` into parts of at most `maxLength` UTF-16 code units, breaking at
 * paragraph boundaries first, then lines, sentences and words; a word is cut
 * only when it alone exceeds the limit, and then between grapheme clusters
 * (never inside an emoji, a surrogate pair or a letter with combining marks).
 * Whitespace at the cut points is dropped; `\r\n` becomes `\n`; the whole text
 * is trimmed. Returns `[]` for blank text.
 *
 * With `numberParts`, multi-part results get a "(1/3) " prefix, included in the limit.
 *
 * @throws RangeError when `maxLength` is too small to hold any text (and the prefix).
 */
export function splitMessage(text: string, maxLength: number, opts: SplitOptions = {}): string[] {
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }
  const clean = text.replace(/\r\n?/g, '\n').trim();
  if (clean === '') return [];
  if (clean.length <= maxLength) return [clean];
  if (!opts.numberParts) return splitAt(clean, maxLength, 0);

  // The prefix "(i/n) " is at most 2 * digits(n) + 4 long; grow the reserve until the count fits.
  for (let digits = 1; ; digits++) {
    const room = maxLength - (2 * digits + 4);
    if (room < 1) throw new RangeError(`maxLength ${maxLength} is too small for numbered parts`);
    const parts = splitAt(clean, room, 0);
    if (String(parts.length).length <= digits) {
      return parts.map((part, i) => `(${i + 1}/${parts.length}) ${part}`);
    }
  }
}

/** Greedily packs the pieces of `text` (split at LEVELS[level]) into parts of at most `limit`. */
function splitAt(text: string, limit: number, level: number): string[] {
  if (text.length <= limit) return [text];
  const separator = LEVELS[level];
  if (separator === undefined) return cutGraphemes(text, limit);

  // split() with a capturing group alternates content and separators: [c0, s0, c1, s1, c2 ...].
  const pieces = text.split(separator);
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < pieces.length; i += 2) {
    const content = pieces[i] ?? '';
    if (content === '') continue;
    const sep = i > 0 ? (pieces[i - 1] ?? ' ') : '';
    if (current !== '' && current.length + sep.length + content.length <= limit) {
      current += sep + content;
      continue;
    }
    if (current !== '') parts.push(current);
    if (content.length <= limit) {
      current = content;
    } else {
      const sub = splitAt(content, limit, level + 1);
      current = sub.pop() ?? '';
      parts.push(...sub);
    }
  }
  if (current !== '') parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Last resort for a single over-long "word": cut between grapheme clusters (code points if one cluster is too long). */
function cutGraphemes(text: string, limit: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const { segment } of graphemes.segment(text)) {
    const units = segment.length <= limit ? [segment] : Array.from(segment);
    for (const unit of units) {
      if (current.length + unit.length > limit && current !== '') {
        parts.push(current);
        current = '';
      }
      // A lone code point longer than the limit (limit 1, astral char) cannot be split without breaking it.
      if (unit.length > limit) throw new RangeError(`maxLength ${limit} cannot hold the character ${JSON.stringify(unit)}`);
      current += unit;
    }
  }
  if (current !== '') parts.push(current);
  return parts;
}
