/**
 * Where a path of the agency trie really names the agency: the case it is written in,
 * the words around it and its place in a clause or list. Used by agency-trie.ts.
 */

import type { Token } from '../text/vietnamese.js';

/**
 * Characters that, between two tokens, mark the start of a clause or of a table cell.
 * Not "*": the seeds use "**63/63** địa phương" for bold figures.
 */
const CLAUSE_BREAK = /[\n\t.:;!?()[\]•]/;
/** Separators allowed between two items of a list of agencies. */
const LIST_SEPARATOR = /^[\s,;]+$/;
/** Two words of one name: spaces only (not a tab, i.e. a table cell, or a line break). */
export const SAME_NAME_GAP = /^ +$/;
const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/g;
/** Same syllable pattern as tokenizeWithOffsets (src/text/vietnamese.ts). */
const SYLLABLE = /[\p{L}\p{N}]+/gu;
const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Documents only. 0: any case; 1: the written name starts with a capital; 2: all
 * capitals (acronyms); 3: a proper name whose every word is capitalised in the
 * registry ("Hòa Bình", "Bộ Công Thương"): it starts with a capital and at least one
 * more word is capitalised, so a sentence opening "Hòa bình là …" is not the province.
 */
export type CaseRule = 0 | 1 | 2 | 3;

function isUpper(ch: string): boolean {
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

/**
 * Lower-cased syllable with its tone mark moved to the end, so that the old and new
 * tone placements ("hoà"/"hòa") compare equal while "Huế" and "Huệ" do not.
 */
export function toneKey(syllable: string): string {
  const d = syllable.toLowerCase().normalize('NFD');
  const tones = d.match(TONE_MARKS)?.join('') ?? '';
  return `${d.replace(TONE_MARKS, '').normalize('NFC')}|${tones}`;
}

/** The case rule a registry spelling imposes on documents (see {@link CaseRule}). */
export function caseRuleOf(written: string): CaseRule {
  const letters = written.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 2 && letters === letters.toUpperCase()) return 2;
  if (letters.length === 0 || !isUpper(letters.charAt(0))) return 0;
  const words = written.match(SYLLABLE) ?? [];
  return words.length >= 2 && words.every((w) => isUpper(w.charAt(0))) ? 3 : 1;
}

/** The written tokens [from, to) satisfy a case rule (see {@link CaseRule}). */
export function caseAccepts(text: string, toks: Token[], from: number, to: number, rule: CaseRule): boolean {
  if (rule === 0) return true;
  if (!isUpper(text.charAt(toks[from]!.start))) return false;
  if (rule === 1) return true;
  if (rule === 2) {
    for (let k = from; k < to; k++) {
      const w = text.slice(toks[k]!.start, toks[k]!.end);
      if (w !== w.toUpperCase()) return false;
    }
    return true;
  }
  for (let k = from + 1; k < to; k++) if (isUpper(text.charAt(toks[k]!.start))) return true;
  return false;
}

/**
 * A capitalised word right before or after the name, in the same run of words:
 * "Nguyễn Hòa Bình" (a person), "Thái Bình Dương" (the Pacific), "Thị Huế". A
 * heading in capitals is not a proper name around the province: its words are all capitals.
 */
export function insideProperName(text: string, toks: Token[], from: number, end: number): boolean {
  const capitalised = (t: Token): boolean => {
    const w = text.slice(t.start, t.end);
    return isUpper(w.charAt(0)) && w !== w.toUpperCase();
  };
  const prev = toks[from - 1];
  if (prev && SAME_NAME_GAP.test(text.slice(prev.end, toks[from]!.start)) && capitalised(prev)) return true;
  const next = toks[end];
  return next !== undefined && SAME_NAME_GAP.test(text.slice(toks[end - 1]!.end, next.start)) && capitalised(next);
}

/** "5406/BTTTT-CĐSQG", "1034/QĐ-BTTTT": an acronym glued into a document number. */
export function insideCode(text: string, start: number, end: number): boolean {
  const before = text.charAt(start - 1);
  if (before === '/' || (before === '-' && ALNUM.test(text.charAt(start - 2)))) return true;
  const after = text.charAt(end);
  return (after === '-' || after === '/') && ALNUM.test(text.charAt(end + 1));
}

/** The token starts a clause or cell, or continues a list right after another mention. */
export function clauseOrListPosition(text: string, toks: Token[], i: number, lastEnd: number): boolean {
  if (i === 0) return true;
  const prev = toks[i - 1]!;
  const sep = text.slice(prev.end, toks[i]!.start);
  if (CLAUSE_BREAK.test(sep)) return true;
  if (lastEnd === i && LIST_SEPARATOR.test(sep)) return true;
  // "Bộ Công an và doanh nghiệp nhà nước"
  if (lastEnd === i - 1 && prev.text === 'va' && /^[\s,]*$/.test(text.slice(toks[i - 2]!.end, prev.start))) {
    return true;
  }
  return false;
}
