/**
 * Passages for retrieval, cut along the document's own structure: one numbered
 * item (with the titles of the sections above it as context), one paragraph,
 * one table row (with the table header as context), one footnote. Long items
 * are split at sentence boundaries into windows of at most ~1,000 characters.
 * A passage's `text` is verbatim document text, so it can be quoted.
 */
import type { DocumentMeta } from '../corpus/types.js';
import { ancestors, parseStructure, titleOf, type Block } from '../ingestion/structure.js';

export interface Chunk {
  /** Stable within one index build. */
  id: number;
  docId: string;
  section: string;
  /** Verbatim text (a table row: its line(s)). */
  text: string;
  /** Headings above it, the table header and the document title: indexed, not quoted. */
  context: string;
  /** Offset of the text in the stored document (first line for table rows). */
  start: number;
}

export const MAX_CHUNK_CHARS = 1000;

/** Splits long text at sentence ends into windows ≤ max chars, overlapping by one sentence. */
export function windows(text: string, max = MAX_CHUNK_CHARS): Array<{ start: number; end: number }> {
  if (text.length <= max) return [{ start: 0, end: text.length }];
  const ends: number[] = [];
  for (const m of text.matchAll(/[.;!?…](?=\s+\S)/g)) ends.push(m.index + 1);
  ends.push(text.length);
  const out: Array<{ start: number; end: number }> = [];
  let start = 0;
  while (start < text.length) {
    let end = ends.find((e) => e > start && e - start > max * 0.5 && e - start <= max) ?? -1;
    for (const e of ends) if (e > start && e - start <= max) end = Math.max(end, e);
    if (end <= start) end = Math.min(text.length, start + max); // one very long sentence
    out.push({ start, end });
    if (end >= text.length) break;
    // Overlap: restart at the last sentence boundary inside the window (if it leaves progress).
    const back = ends.filter((e) => e > start && e < end).at(-1);
    start = back !== undefined && back > start + max * 0.3 ? back : end;
    while (text[start] === ' ') start++;
  }
  return out;
}

function headingContext(block: Block, doc: DocumentMeta): string {
  const titles = ancestors(block).reverse().map((b) => titleOf(b));
  return [doc.title, ...titles].join(' › ');
}

/** Chunks of one stored document. */
export function chunkDocument(doc: DocumentMeta, text: string, firstId: number): Chunk[] {
  const structure = parseStructure(text);
  const chunks: Chunk[] = [];
  const push = (c: Omit<Chunk, 'id' | 'docId'>) => chunks.push({ id: firstId + chunks.length, docId: doc.docId, ...c });
  for (const block of structure.blocks) {
    // The recipients and signature are not content; appendices after them are, and so are the notes
    // printed after the signature ("[8] 11 địa phương …", "“5 không”: (1) …") — long lines, not list items.
    if (block.closing && !(block.kind !== 'table' && isNote(block.span.text))) continue;
    if (block.kind === 'table') {
      const header = block.table!.header.join(' | ');
      for (const row of block.table!.rows) {
        const cells = row.cells.filter((c) => c !== '').join('\t');
        const line = row.line.text.trim();
        // A row continued after a page break: the merged cells follow the first line.
        const text = cells.replace(/\s+/g, ' ') === line.replace(/\s+/g, ' ') ? line : `${line}\n${cells}`;
        push({ section: row.number ? `${block.path ? `${block.path}.` : ''}${row.number}` : block.path, text, context: `${headingContext(block, doc)} › ${header}${row.group ? ` › ${row.group}` : ''}`, start: row.line.start });
      }
      continue;
    }
    const line = block.span.text.trim();
    if (line === '') continue;
    const lineStart = block.span.start + (block.span.text.length - block.span.text.trimStart().length);
    const context = headingContext(block, doc);
    for (const w of windows(line)) {
      push({ section: block.path, text: line.slice(w.start, w.end), context, start: lineStart + w.start });
    }
  }
  linkFootnotes(chunks);
  return chunks;
}

const SUPERSCRIPT = /[\u00b9\u00b2\u00b3\u2070-\u2079]+/g;

/** A note after the signature: a long line that is neither a recipient ("- Lưu: VT") nor a heading. */
function isNote(text: string): boolean {
  const t = text.trim();
  return t.length >= 80 && !/^[-–•+]/u.test(t) && !/^nơi nhận/iu.test(t);
}

/** The mark a footnote starts with ("²", "[8]"), or undefined for ordinary text. */
export function footnoteMark(text: string): string | undefined {
  return /^\s*([\u00b9\u00b2\u00b3\u2070-\u2079]+|\[\d{1,3}\])(?=\s|$)/.exec(text)?.[1];
}

/** True when the text carries a footnote mark ("… 66% ²", "… Quốc gia [8].") inside it. */
export function carriesMark(text: string, mark: string): boolean {
  if (mark.startsWith('[')) return text.slice(1).includes(mark);
  return ((text.match(SUPERSCRIPT) ?? []) as string[]).includes(mark);
}

/**
 * A footnote ("² Số liệu Quý II năm 2022 do …") and the passage carrying its mark ("… 66% ²")
 * describe each other: each gets the other's text as context, so a question about either finds
 * both. Marks are matched to the nearest earlier passage carrying them.
 */
function linkFootnotes(chunks: Chunk[]): void {
  for (const [i, c] of chunks.entries()) {
    const mark = footnoteMark(c.text);
    if (!mark) continue;
    for (let j = i - 1; j >= 0 && j >= i - 80; j--) {
      const marked = chunks[j]!;
      if (footnoteMark(marked.text) || !carriesMark(marked.text, mark)) continue;
      c.context = `${c.context} › ${marked.text.replace(/\s+/g, ' ').slice(0, 300)}`;
      marked.context = `${marked.context} › ${c.text.replace(/\s+/g, ' ').slice(0, 300)}`;
      break;
    }
  }
}
