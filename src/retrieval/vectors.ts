/**
 * Dense vectors. The offline default needs no model download: hashed
 * character n-grams of folded syllables (robust to typos and missing
 * diacritics) plus syllable bigrams, signed-hashed into a fixed dimension and
 * L2-normalised. When an OpenAI-compatible embeddings endpoint is configured,
 * its vectors are used instead (see embeddings.ts).
 */
import { tokenize } from '../text/vietnamese.js';

export const HASH_DIMENSIONS = 1024;

/** 32-bit FNV-1a. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Feature strings of a text: "#word", char 3-grams of " word ", "word_next". */
function features(text: string): string[] {
  const words = tokenize(text);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    out.push(`#${w}`);
    const padded = ` ${w} `;
    for (let j = 0; j + 3 <= padded.length; j++) out.push(padded.slice(j, j + 3));
    if (i + 1 < words.length) out.push(`${w}_${words[i + 1]}`);
  }
  return out;
}

/** Hashed n-gram vector of a text, L2-normalised (all zeros for empty text). */
export function hashedVector(text: string, dimensions = HASH_DIMENSIONS): number[] {
  const counts = new Map<number, number>();
  for (const f of features(text)) {
    const h = fnv1a(f);
    const index = h % dimensions;
    const sign = h & 0x80000000 ? -1 : 1;
    counts.set(index, (counts.get(index) ?? 0) + sign);
  }
  const v = new Array<number>(dimensions).fill(0);
  for (const [i, c] of counts) v[i] = Math.sign(c) * Math.log1p(Math.abs(c));
  const norm = Math.hypot(...v);
  return norm === 0 ? v : v.map((x) => x / norm);
}

/** Produces vectors for texts: the hashed default, or a remote embeddings model. */
export interface Embedder {
  /** Identifies the vector space; a change invalidates the cached index. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<number[][]>;
}

export const hashedEmbedder: Embedder = {
  id: `hashed-ngrams-${HASH_DIMENSIONS}-v1`,
  dimensions: HASH_DIMENSIONS,
  embed: async (texts) => texts.map((t) => hashedVector(t)),
};
