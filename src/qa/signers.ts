/**
 * Who signed a document: after the recipients ("Nơi nhận:"), the signing authority is
 * written in capitals ("KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG") and the signer's name follows
 * on its own line ("Nguyễn Chí Dũng"). Read from the stored text, never guessed.
 */
import { isAllCaps } from '../text/vietnamese.js';

export interface Signer {
  /** "KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG", as written. */
  title: string;
  /** The name line, verbatim. */
  name: string;
}

/** A person's name: two to five capitalised words, no digits or punctuation. */
const NAME = /^(?:\p{Lu}\p{Ll}*)(?:\s+\p{Lu}\p{Ll}*){1,4}$/u;

/** The signer of a document, or null when its text does not show one. */
export function signerOf(text: string): Signer | null {
  const at = text.search(/Nơi nhận\s*:/u);
  if (at < 0) return null;
  const lines = text.slice(at).split('\n').map((l) => l.trim().replace(/^\*+|\*+$/g, '').trim()).slice(0, 60);
  const title: string[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('-')) continue;
    if (isAllCaps(line) && !/[;:]/.test(line)) {
      title.push(line);
      continue;
    }
    if (title.length > 0 && NAME.test(line) && !isAllCaps(line)) return { title: title.join(' '), name: line };
    if (title.length > 0) title.length = 0;
  }
  return null;
}
