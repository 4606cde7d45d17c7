/**
 * Corrects typos in questions against the corpus vocabulary, before retrieval,
 * refusal and entity matching alike. Two kinds of error are handled:
 *  - the confusions Vietnamese typists make (s/x, ch/tr, d/gi/r, l/n, ng/ngh,
 *    c/k, final -n/-ng, -c/-t, -nh/-n, i/y; hỏi/ngã and "qúa" disappear once
 *    folded): a syllable is replaced by a confusion variant when the variant
 *    makes a word the corpus uses with a neighbouring syllable and the
 *    original does not ("sử lý" → "xử lý", "đến hạng" → "đến hạn");
 *  - other small typos in unknown syllables of five letters or more: the most
 *    frequent corpus syllable one edit away (symmetric deletes, well under a
 *    millisecond per question).
 */
import { fold } from '../text/vietnamese.js';

const INITIALS: Array<[RegExp, string[]]> = [
  [/^ngh/, ['ng']],
  [/^ng(?!h)/, ['ngh', 'n']],
  [/^gh/, ['g']],
  [/^g(?![hi])/, ['gh']],
  [/^gi/, ['d', 'r']],
  [/^ch/, ['tr']],
  [/^tr/, ['ch']],
  [/^s/, ['x']],
  [/^x/, ['s']],
  [/^d/, ['gi', 'r']],
  [/^r/, ['d', 'gi']],
  [/^l/, ['n']],
  [/^n(?!g|h)/, ['l']],
  [/^k/, ['c']],
  [/^c(?!h)/, ['k']],
];
const FINALS: Array<[RegExp, string[]]> = [
  [/ng$/, ['n']],
  [/nh$/, ['n']],
  [/(?<![gh])n$/, ['ng', 'nh']],
  [/ch$/, ['t', 'c']],
  [/(?<!c)h?c$/, ['t']],
  [/t$/, ['c']],
  [/y$/, ['i']],
  [/i$/, ['y']],
];

/** Confusion variants of one folded syllable (initial or final swapped). */
export function confusions(word: string): string[] {
  const out = new Set<string>();
  for (const [re, subs] of INITIALS) {
    const m = re.exec(word);
    if (m) for (const s of subs) out.add(s + word.slice(m[0].length));
  }
  for (const [re, subs] of FINALS) {
    const m = re.exec(word);
    if (m) for (const s of subs) out.add(word.slice(0, m.index) + s);
  }
  out.delete(word);
  return [...out];
}

/** Words that carry the question itself ("hạn", "nào", "gì"): never swapped for a document word. */
const QUESTION_WORDS = new Set(['xong', 'han', 'nao', 'gi', 'ai', 'khi', 'bao', 'gio', 'sao', 'dau', 'lam', 'phai', 'co', 'khong', 'duoc', 'nhieu', 'may', 'chua', 'roi', 'con', 'the', 'thi']);

/** Function words: next to anything, so they say nothing about which variant of a word is meant. */
const GLUE = new Set(['va', 'cac', 'cua', 'cho', 'voi', 'la', 'co', 'duoc', 'nhung', 'mot', 've', 'thi', 'ma', 'hoac', 'khong', 'chua', 'roi', 'nao', 'gi']);

export class Speller {
  private readonly frequency = new Map<string, number>();
  private readonly bigrams = new Map<string, number>();
  private readonly deletes = new Map<string, string[]>();

  /**
   * `texts`: the corpus. `phrases`: how questions are worded ("sắp đến hạn", "xử lý"); their
   * words are known and their word pairs count as well attested.
   */
  constructor(texts: Iterable<string>, phrases: readonly string[] = []) {
    for (const p of phrases) {
      const words = fold(p).match(/[\p{L}\p{N}]+/gu) ?? [];
      words.forEach((w, i) => {
        this.frequency.set(w, (this.frequency.get(w) ?? 0) + 1);
        if (i > 0) this.bigrams.set(`${words[i - 1]} ${w}`, (this.bigrams.get(`${words[i - 1]} ${w}`) ?? 0) + 5);
      });
    }
    for (const text of texts) {
      const words = fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
      for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        this.frequency.set(w, (this.frequency.get(w) ?? 0) + 1);
        if (i > 0) {
          const b = `${words[i - 1]} ${w}`;
          this.bigrams.set(b, (this.bigrams.get(b) ?? 0) + 1);
        }
      }
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

  /** How often the corpus writes these two folded words in a row ("quan tri"). */
  pairCount(first: string, second: string): number {
    return this.bigrams.get(`${first} ${second}`) ?? 0;
  }

  /** How often the corpus uses the folded word. */
  frequencyOf(word: string): number {
    return this.frequency.get(fold(word)) ?? 0;
  }

  /** True when the corpus contains the folded word. */
  knows(word: string): boolean {
    return this.frequency.has(fold(word));
  }

  /** The correction of one folded word on its own, or the word itself when known or nothing is close. */
  correctWord(word: string): string {
    // Telex keystrokes left in the text ("tieens ddooj" for "tiến độ").
    const telex = untelex(word);
    if (telex !== word && this.frequency.has(telex)) return telex;
    // Short syllables are too often real words the corpus happens not to use ("xong", "nhé").
    if (word.length < 5 || /\d/.test(word) || this.frequency.has(word)) return word;
    const candidates = new Set<string>();
    for (const d of [word, ...deletions(word)]) for (const c of this.deletes.get(d) ?? []) candidates.add(c);
    for (const d of deletions(word)) if (this.frequency.has(d)) candidates.add(d);
    let best: string | null = null;
    for (const c of candidates) {
      if (osaDistance(word, c) > 1) continue;
      if (!best || this.frequency.get(c)! > this.frequency.get(best)!) best = c;
    }
    return best ?? word;
  }

  /** How often the word is used next to its neighbours in the corpus. */
  private context(prev: string | undefined, word: string, next: string | undefined): number {
    return (prev ? this.bigrams.get(`${prev} ${word}`) ?? 0 : 0) + (next ? this.bigrams.get(`${word} ${next}`) ?? 0 : 0);
  }

  /** Folds a text and corrects each syllable that a confusion or a small typo explains better. */
  correct(text: string): string {
    const folded = fold(text);
    const words = [...folded.matchAll(/[\p{L}\p{N}]+/gu)];
    if (words.length === 0) return folded;
    const out = words.map((m) => m[0]);
    for (let i = 0; i < out.length; i++) {
      const w = out[i]!;
      // "TC", "CP": two consonants are an abbreviation, too short to tell a typo from another one.
      if (/\d/.test(w) || w.length < 2 || (w.length === 2 && !/[aeiouy]/.test(w))) continue;
      const prev = out[i - 1];
      const next = words[i + 1]?.[0];
      if (QUESTION_WORDS.has(w)) {
        // "lõm xóng": a question word only yields when neither neighbour pairs with it and its content word before
        // is known to precede the variant ("công bố khi nào" stays: "khi nào" is a question phrase).
        if (prev && !GLUE.has(prev) && this.context(prev, w, next) === 0) {
          const variant = confusions(w).find((c) => this.context(prev, c, undefined) >= 3);
          if (variant) out[i] = variant;
        }
        continue;
      }
      // A word the corpus has once or twice may be one of its own typos ("nghành"): a far more frequent variant wins.
      const freq = this.frequency.get(w) ?? 0;
      const known = freq > 2 || (freq > 0 && !confusions(w).some((c) => (this.frequency.get(c) ?? 0) >= 10 * freq + 10));
      // A known word is judged on its content neighbours only: "và triển" is common, yet
      // "và chiến lược" is no typo of it; nor is "đặt hạn" one of "rất hạn (chế)": "hạn" asks.
      const content = (x: string | undefined) => (x && !GLUE.has(x) && !QUESTION_WORDS.has(x) ? x : undefined);
      const [p, n] = known ? [content(prev), content(next)] : [prev, next];
      const here = this.context(p, w, n);
      let best = w;
      let bestScore = here;
      for (const c of confusions(w)) {
        if (!this.frequency.has(c)) continue;
        const score = this.context(p, c, n);
        // A known syllable is only replaced when it never occurs beside its content neighbours and the variant
        // often does ("thời hạng không" → "thời hạn"; "văn bằng" stays: the corpus writes it).
        // A pair met once ("trì đạo" split across a clause) does not outweigh one met dozens of times ("chỉ đạo").
        if (score > bestScore && (!known || (here === 0 && score >= 3) || score >= 20 * here + 3)) {
          best = c;
          bestScore = score;
        }
      }
      // A rare word the documents write beside these very neighbours ("song ngữ tiếng Việt") is no typo.
      if (best === w && !known && !(freq > 0 && here > 0)) {
        // An unknown word with a known confusion variant ("nghành" → "ngành"): the most frequent variant.
        const variant = confusions(w).filter((c) => this.frequency.has(c)).sort((a, b) => this.frequency.get(b)! - this.frequency.get(a)!)[0];
        best = variant ?? this.correctWord(w);
        // A short word with a dropped or extra letter ("thág mấy", "ban hàn"): only a variant its neighbours confirm.
        if (best === w && w.length <= 4) {
          const near = [...(this.deletes.get(w) ?? []), ...deletions(w).filter((d) => this.frequency.has(d))];
          const confirmed = near.map((c) => ({ c, n: this.context(prev, c, next) })).filter((x) => x.n >= 3).sort((a, b) => b.n - a.n)[0];
          if (confirmed) best = confirmed.c;
        }
        if (best === w && freq > 0) best = confusions(w).sort((a, b) => (this.frequency.get(b) ?? 0) - (this.frequency.get(a) ?? 0))[0] ?? w;
      }
      out[i] = best;
    }
    let k = 0;
    return folded.replace(/[\p{L}\p{N}]+/gu, () => out[k++]!);
  }
}

/**
 * A syllable typed with Telex whose keys were not converted: "dd" → "d", doubled vowels "aa/ee/oo",
 * "w" after a vowel, and a final tone key (s, f, r, x, j) after a vowel — folded, so marks vanish.
 */
export function untelex(word: string): string {
  if (!/^[a-z]{3,8}$/.test(word)) return word;
  const v = word.search(/[aeiouy]/);
  if (v < 0) return word;
  // After the first vowel a Vietnamese syllable has only vowels and c, m, n, p, t, ch, ng, nh: s f r x j w are keys.
  return (word.slice(0, v) + word.slice(v).replace(/[sfrxjw]/g, '')).replace(/dd/g, 'd').replace(/([aeo])\1/g, '$1');
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
