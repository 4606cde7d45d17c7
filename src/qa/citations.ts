/**
 * Quotes shown to users are verbatim from the cited document. Every quote is
 * checked against the stored text (whitespace-normalised) before it is shown;
 * one that fails is dropped, never shown.
 */
import { nfc, squashSpaces } from '../text/vietnamese.js';

export interface Citation {
  docId: string;
  title: string;
  section?: string;
  quote: string;
}

/**
 * Keeps only citations whose quote occurs verbatim in the cited document.
 * `squashedTextOf` returns the document text with whitespace squashed (cached by the caller).
 */
export function verifyCitations(citations: Citation[], squashedTextOf: (docId: string) => string | undefined): Citation[] {
  return citations.filter((c) => {
    const text = squashedTextOf(c.docId);
    const quote = squashSpaces(nfc(c.quote));
    return text !== undefined && quote !== '' && text.includes(quote);
  });
}

/**
 * Shortens a quote for a chat message without breaking verbatim-ness: the
 * result is a prefix of the quote ending at a sentence or clause boundary.
 * `truncated` tells the caller to mark the cut outside the quotation marks.
 */
export function shortenQuote(quote: string, max = 420): { quote: string; truncated: boolean } {
  const q = quote.replace(/\s+/g, ' ').trim();
  if (q.length <= max) return { quote: q, truncated: false };
  const window = q.slice(0, max);
  const cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('; '));
  if (cut > max * 0.4) return { quote: window.slice(0, cut + 1).trim(), truncated: true };
  const comma = window.lastIndexOf(', ');
  if (comma > max * 0.5) return { quote: window.slice(0, comma).trim(), truncated: true };
  return { quote: window.slice(0, window.lastIndexOf(' ')).trim(), truncated: true };
}
