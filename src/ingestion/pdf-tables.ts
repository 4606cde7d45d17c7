/**
 * Ruled tables of a PDF page as tab-separated rows. pdf-parse finds the tables
 * from the drawn grid (PDFParse.getTable) and fills their cells with the text
 * inside; its text layer (getText) has the same words laid out line by line. The
 * lines a table occupies are replaced by its rows — only when both hold the same
 * letters, so nothing is ever lost or invented when the grid and the text disagree.
 */
import { fold } from '../text/vietnamese.js';

type Cells = string[][];

/** Letters of a text, folded and sorted: two layouts of the same words compare equal. */
function letterKey(text: string): string {
  return [...fold(text).replace(/[^\p{L}\p{N}]/gu, '')].sort().join('');
}

/**
 * Every word of every cell occurs in the text layer, and the rows come in reading
 * order: the grid did not glue a wrapped line of one cell onto the next row's
 * text ("thông tinSố hóa …"), a layout pdf.js gets wrong.
 */
function cellsAgree(region: string, rows: Cells): boolean {
  const flat = region.replace(/\s+/g, '');
  let rowAt = 0;
  for (const row of rows) {
    const first = row.find((c) => c !== '')!.replace(/\s+/g, '');
    const found = flat.indexOf(first, rowAt);
    if (found < 0) return false;
    rowAt = found + first.length;
    for (const word of row.join(' ').split(/\s+/)) if (word !== '' && !flat.includes(word)) return false;
  }
  return true;
}

/** First few folded words of a text, to find where it starts in the page. */
function words(text: string, n: number): string[] {
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '').slice(0, n);
}

function lineHas(line: string, wanted: string[]): boolean {
  const have = words(line, 200);
  let i = 0;
  for (const w of have) if (w === wanted[i]) i++;
  return i === wanted.length;
}

/**
 * Replaces the lines of each table in `pageText` by the table's rows (cells
 * joined by tabs, a cell's line breaks by spaces). Tables whose lines cannot be
 * found with the same letters are left as text.
 */
export function withTables(pageText: string, tables: readonly Cells[]): string {
  let lines = pageText.split('\n');
  for (const table of tables) {
    const rows = table.map((r) => r.map((c) => c.replace(/\s+/g, ' ').trim())).filter((r) => r.some((c) => c !== ''));
    if (rows.length < 2) continue;
    const head = words(rows[0]!.join(' '), 3);
    const lastCell = [...rows.at(-1)!].reverse().find((c) => c !== '')!;
    const tail = words(lastCell, 200).slice(-2);
    const start = lines.findIndex((l) => lineHas(l, head));
    if (start < 0) continue;
    let end = -1;
    for (let i = start; i < lines.length && i < start + rows.length * 8; i++) {
      if (lineHas(lines[i]!, tail)) {
        end = i;
        break;
      }
    }
    if (end < 0) continue;
    const region = lines.slice(start, end + 1).join(' ');
    if (letterKey(region) !== letterKey(rows.flat().join(' ')) || !cellsAgree(region, rows)) continue;
    lines = [...lines.slice(0, start), ...rows.map((r) => r.join('\t')), ...lines.slice(end + 1)];
  }
  return lines.join('\n');
}
