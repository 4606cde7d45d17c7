/**
 * Layout of text copied from legal-document websites, turned into the one line
 * model the rest of ingestion reads: a paragraph per line and a table row per
 * line with tab-separated cells.
 *
 * - Markdown headings ("# NGHỊ QUYẾT") lose their hashes.
 * - Markdown pipe tables ("| TT | Nhiệm vụ |", a "|---|" separator row) become tab rows.
 * - Tables flattened one cell per line, each cell closed by a line holding only
 *   "|" and each row by one more "|", become tab rows once a header row names
 *   the columns (TT/STT, Nhiệm vụ, Cơ quan chủ trì …); a cell's wrapped lines are joined.
 * - Every other "|" line (the two-column letterhead "CHÍNH PHỦ | CỘNG HÒA …")
 *   is a paragraph break, and rules ("-------") are dropped.
 *
 * Only layout is removed here, never words: quotes are checked against the result.
 */
import { fold } from '../text/vietnamese.js';

const SEPARATOR_ROW = /^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const RULE = /^\s*[-–_=]{3,}\s*\|?\s*$/;
const PIPE_ONLY = /^\s*\|\s*$/;
/** Words of column titles in task and indicator tables (folded). */
const COLUMN_WORDS =
  /^(?:s?tt|so tt|chi tieu|nhiem vu|noi dung|ten|co quan|don vi|san pham|hinh thuc|thoi han|thoi gian|tien do|ket qua|muc tieu|ghi chu|van ban|lo trinh|kinh phi|nguon)/;
/** A row's first cell in a numbered table: "1", "1.", "I", "I.1", "A", "a", "-" or empty. */
const ROW_NUMBER = /^(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVX]{1,5}(?:\.\d{1,3})*\.?|[A-ZĐ]\.?|[a-zđ]\)?|[-–+])$/u;

/** True when a markdown or flattened cell reads as a column title. */
function isColumnTitle(cell: string): boolean {
  const f = fold(cell).trim();
  return f.length > 0 && f.length <= 70 && COLUMN_WORDS.test(f);
}

/** A header row: at least three cells, most of them column titles, the first "TT"/"STT" or a title. */
export function isHeaderRow(cells: string[]): boolean {
  const filled = cells.filter((c) => c.trim() !== '');
  if (filled.length < 3) return false;
  if (!isColumnTitle(cells[0]!)) return false;
  const titles = filled.filter(isColumnTitle).length;
  return titles >= Math.max(2, Math.ceil(filled.length * 0.6));
}

function cellText(lines: string[]): string {
  return lines.map((l) => l.trim()).filter((l) => l !== '').join(' ').replace(/\t/g, ' ').trim();
}

/** "| a | b |" → ["a", "b"]; null when the line is not a markdown table row. */
function markdownCells(line: string): string[] | null {
  const t = line.trim();
  if (!t.startsWith('|') || t.length < 3) return null;
  const inner = t.endsWith('|') ? t.slice(1, -1) : t.slice(1);
  const cells = inner.split('|').map((c) => c.trim());
  return cells.length >= 2 ? cells : null;
}

/**
 * Converts markdown tables and flattened tables to tab rows and removes the
 * remaining pipe layout. Lines are already tidied (markup removed).
 */
export function unflattenLayout(lines: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      out.push(heading[1]!.trim());
      i++;
      continue;
    }
    if (SEPARATOR_ROW.test(line) && line.includes('|')) {
      i++;
      continue;
    }
    const md = markdownCells(line);
    if (md && (isHeaderRow(md) || SEPARATOR_ROW.test(lines[i + 1] ?? '') || markdownCells(lines[i - 1] ?? '') !== null)) {
      out.push(md.join('\t'));
      i++;
      continue;
    }
    if (PIPE_ONLY.test(line)) {
      const table = readFlattenedTable(lines, i);
      if (table) {
        out.push('', ...table.rows, '');
        i = table.end;
        continue;
      }
      out.push('');
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push('');
      i++;
      continue;
    }
    // "Độc lập - Tự do - Hạnh phúc |": a cell border left at the end of a letterhead line.
    out.push(line.replace(/\s+\|\s*$/, ''));
    i++;
  }
  return out;
}

interface FlatCell {
  text: string;
  /** Pipe lines that follow the cell (1: next cell; more: empty cells and/or a row break). */
  pipes: number;
  /** Index of the line after the pipes. */
  next: number;
}

/** Reads one cell at `i` (content lines up to the next "|" line) and the pipes after it. */
function readCell(lines: string[], i: number): FlatCell | null {
  const content: string[] = [];
  let j = i;
  while (j < lines.length && !PIPE_ONLY.test(lines[j]!)) {
    if (lines[j]!.trim() !== '' && !RULE.test(lines[j]!)) content.push(lines[j]!);
    j++;
    // A cell is a few lines at most; a long run without "|" is running text after the table.
    if (content.length > 40) return null;
  }
  if (j >= lines.length) return null;
  let pipes = 0;
  // A blank line between two pipes is an empty cell ("** **" tidied), so only adjacent pipes are counted.
  while (j < lines.length && PIPE_ONLY.test(lines[j]!)) {
    pipes++;
    j++;
  }
  return { text: cellText(content), pipes, next: j };
}

/**
 * A flattened table starting at the "|" line `start`: a header row of column
 * titles, then rows. Returns the tab rows and the index after the table, or
 * null when what follows is not a table (a letterhead, a signature block).
 */
function readFlattenedTable(lines: string[], start: number): { rows: string[]; end: number } | null {
  let i = start;
  while (i < lines.length && (PIPE_ONLY.test(lines[i]!) || lines[i]!.trim() === '')) i++;
  // Header: cells until a run of two or more pipes.
  const header: string[] = [];
  for (;;) {
    const cell = readCell(lines, i);
    if (!cell) return null;
    header.push(cell.text);
    i = cell.next;
    if (cell.pipes >= 2 || header.length > 12) break;
  }
  if (!isHeaderRow(header)) return null;
  const width = header.length;
  const numbered = /^(?:s?tt|so tt)$/.test(fold(header[0]!).trim());
  const rows = [header.join('\t')];
  let end = i;
  let row: string[] = [];
  const flush = () => {
    if (row.some((c) => c !== '')) rows.push(row.join('\t'));
    row = [];
  };
  while (i < lines.length) {
    if (row.length >= width) flush();
    const cell = readCell(lines, i);
    if (!cell) break;
    // A row of a numbered table opens with its number: other text is what follows the table.
    if (row.length === 0 && numbered && cell.text !== '' && !ROW_NUMBER.test(cell.text)) break;
    row.push(cell.text);
    // Pipes after a cell: the first closes it; of the rest, the last closes the row
    // when the row is complete or the next cell opens a new row, others are empty cells.
    let extra = cell.pipes - 1;
    while (extra > 0) {
      const nextText = readCell(lines, cell.next)?.text ?? '';
      const rowEnds = row.length >= width || (extra === 1 && (!numbered || ROW_NUMBER.test(nextText) || nextText === ''));
      if (extra === 1 && rowEnds) break;
      row.push('');
      extra--;
    }
    i = cell.next;
    end = i;
    if (cell.pipes >= 2 && (extra === 1 || row.length >= width)) flush();
  }
  flush();
  return rows.length > 1 ? { rows, end } : null;
}
