/**
 * Corrects small typos in questions ("chuểyn đổi sô", "trnog") against the
 * corpus vocabulary: a folded syllable the corpus does not contain is replaced
 * by the most frequent corpus syllable one edit away (insertion, deletion,
 * substitution or swap of neighbours). Lookup uses symmetric deletes, so it
 * stays well under a millisecond per question.
 */
import { fold } from '../text/vietnamese.js';

export class Speller {
  private readonly frequency = new Map<string, number>();
  private readonly deletes = new Map<string, string[]>();

  constructor(texts: Iterable<string>) {
    for (const text of texts) {
      for (const w of fold(text).match(/[\p{L}\p{N}]+/gu) ?? []) this.frequency.set(w, (this.frequency.get(w) ?? 0) + 1);
    }
    for (const w of this.frequency.keys()) {
      if (w.length < 3 || /\d/.test(w)) continue;
      for (const d of deletions(w)) {
        const list = this.deletes.get(d);
        if (list) list.push(w);
        else this.deletes.set(d, [w]);
      }
    }
  }

  /** True when the corpus contains the folded word. */
  knows(word: string): boolean {
    return this.frequency.has(fold(word));
  }

  /** The correction of one folded word, or the word itself when known or nothing is close. */
  correctWord(word: string): string {
    // Short syllables are too often real words the corpus happens not to use ("xong", "nhé").
    if (word.length < 5 || /\d/.test(word) || this.frequency.has(word)) return word;
    const candidates = new Set<string>();
    for (const d of [word, ...deletions(word)]) for (const c of this.deletes.get(d) ?? []) candidates.add(c);
    if (this.frequency.has(word.slice(0, -1))) candidates.add(word.slice(0, -1));
    let best: string | null = null;
    for (const c of candidates) {
      if (osaDistance(word, c) > 1) continue;
      if (!best || this.frequency.get(c)! > this.frequency.get(best)!) best = c;
    }
    return best ?? word;
  }

  /** Folds a text and corrects each unknown syllable. */
  correct(text: string): string {
    return fold(text).replace(/[\p{L}\p{N}]+/gu, (w) => this.correctWord(w));
  }
}

function deletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** Optimal-string-alignment distance: Levenshtein plus swaps of adjacent letters. */
export function osaDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
