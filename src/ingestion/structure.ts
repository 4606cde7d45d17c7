/**
 * Document structure of normalised text: numbered items (A./B., I./II.,
 * 1./1.1., a)/b)/đ), (i)/(ii), "Một là,", bullets), the paragraphs under them,
 * footnotes, and tables with their header row, group rows ("I  Các chỉ tiêu đã
 * hoàn thành") and rows continued after a page break.
 *
 * Nesting follows the conventional rank of Vietnamese administrative numbering
 * (A > I > 1 > 1.1 > a > (i) > – > +), not the order of appearance, so a
 * document that skips a level still nests correctly.
 */
import { fold, isAllCaps } from '../text/vietnamese.js';
import { isHeaderRow } from './layout.js';

export type MarkerType = 'appendix' | 'article' | 'upper' | 'roman' | 'arabic' | 'lower' | 'paren' | 'ordinal' | 'dash' | 'plus';

export interface Marker {
  type: MarkerType;
  /** Label used in section paths: "B", "II", "2", "1.1", "a", "(i)", "1" (Một là). Empty for bullets. */
  label: string;
  rank: number;
  /** Length of the marker text including the following space. */
  length: number;
}

/** A span of the normalised document text. */
export interface Span {
  start: number;
  end: number;
  text: string;
}

export interface TableRow {
  /** Cells after merging continuation lines (a row continued after a page break). */
  cells: string[];
  /** "TT" cell, e.g. "25"; null for an unnumbered sub-row. */
  number: string | null;
  /** Title of the group row above ("Các chỉ tiêu đã hoàn thành", "Xã hội số"), if any. */
  group: string | null;
  /** Titles of every enclosing group row, outermost first ("Giai đoạn 2025-2027", then "Cung cấp dịch vụ số …"). */
  groups: string[];
  /** The row's first physical line (verbatim). */
  line: Span;
}

export interface Table {
  header: string[];
  rows: TableRow[];
  span: Span;
}

export type BlockKind = 'item' | 'paragraph' | 'footnote' | 'table';

/** A unit of the document: a numbered item, a paragraph, a footnote or a table. */
export interface Block {
  kind: BlockKind;
  marker: Marker | null;
  /** Text without the marker. */
  text: string;
  /** Offset in the document where `text` starts. */
  textStart: number;
  /** The whole line(s). */
  span: Span;
  /** Enclosing item, or null at top level. For an item, its parent item. */
  parent: Block | null;
  /** Items and paragraphs nested under this item, in order. */
  children: Block[];
  /** Section path, e.g. "B.II.2.c". */
  path: string;
  table?: Table;
  /** True after the "Nơi nhận:" line: distribution list and signature. */
  closing: boolean;
}

export interface DocumentStructure {
  text: string;
  blocks: Block[];
  /** Top-level blocks. */
  roots: Block[];
}

const ROMAN_RE = /^(?=[IVX])(X{0,3})(IX|IV|V?I{0,3})$/;
const LOWER_LETTERS = 'a|b|c|d|đ|e|g|h|i|k|l|m|n|o|p|q|r|s|t|u|v|x|y';
const ORDINALS = ['một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín', 'mười'];

/** Recognises an item marker at the start of a line. */
export function parseMarker(line: string): Marker | null {
  let m: RegExpExecArray | null;
  // "Điều 1. Phê duyệt …": an article of a decision or resolution, above every numbered level.
  if ((m = /^Điều\s+(\d{1,3})\s*[.:]\s*(?=\S)/u.exec(line))) return { type: 'article', label: `Đ${m[1]}`, rank: -1, length: m[0].length };
  if ((m = /^([A-Z])\.\s+(?=\S)/.exec(line)) && !ROMAN_RE.test(m[1]!)) return { type: 'upper', label: m[1]!, rank: 0, length: m[0].length };
  if ((m = /^([IVX]{1,5})\.\s+(?=\S)/.exec(line)) && ROMAN_RE.test(m[1]!)) return { type: 'roman', label: m[1]!, rank: 1, length: m[0].length };
  if ((m = /^(\d{1,2}(?:\.\d{1,2}){0,3})\.\s+(?=\S)/.exec(line)) || (m = /^(\d{1,2}(?:\.\d{1,2}){1,3})\s+(?=\p{Lu})/u.exec(line))) {
    const depth = m[1]!.split('.').length - 1;
    return { type: 'arabic', label: m[1]!, rank: 2 + depth * 0.1, length: m[0].length };
  }
  if ((m = new RegExp(`^(${LOWER_LETTERS})\\)\\s+(?=\\S)`, 'u').exec(line))) return { type: 'lower', label: m[1]!, rank: 3, length: m[0].length };
  if ((m = /^\((\d{1,2}|[ivx]{1,5})\)\s+(?=\S)/.exec(line))) return { type: 'paren', label: `(${m[1]})`, rank: 4, length: m[0].length };
  if ((m = /^([\p{L}]+)\s+là\s*,\s*/u.exec(line))) {
    const i = ORDINALS.indexOf(m[1]!.toLowerCase());
    if (i >= 0) return { type: 'ordinal', label: String(i + 1), rank: 4, length: m[0].length };
  }
  if ((m = /^[-–—•·●▪]\s+(?=\S)/.exec(line))) return { type: 'dash', label: '', rank: 5, length: m[0].length };
  if ((m = /^\+\s+(?=\S)/.exec(line))) return { type: 'plus', label: '', rank: 6, length: m[0].length };
  return null;
}

/** True when a line opens with an item marker. */
export function startsWithMarker(line: string): boolean {
  return parseMarker(line.trimStart()) !== null;
}

const FOOTNOTE_RE = /^(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\[\d{1,3}\])\s*/u;
/** Closing formulas after which a paragraph belongs to the document, not to the last item. */
const CLOSING_PARAGRAPH = /^(?:căn cứ (?:các )?nội dung trên|trong quá trình (?:triển khai|thực hiện)|trân trọng|văn phòng chính phủ thông báo|[\p{L} ]{0,40} thông báo để)/iu;

interface RawLine {
  text: string;
  start: number;
  end: number;
}

function splitLines(text: string): RawLine[] {
  const out: RawLine[] = [];
  let pos = 0;
  for (const line of text.split('\n')) {
    out.push({ text: line, start: pos, end: pos + line.length });
    pos += line.length + 1;
  }
  return out.filter((l) => l.text.trim() !== '');
}

function cellsOf(line: string): string[] {
  return line.split('\t').map((c) => c.trim());
}

function sameHeader(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => fold(c) === fold(b[i] ?? ''));
}

function looksLikeHeader(cells: string[]): boolean {
  const first = fold(cells[0] ?? '');
  return first === 'tt' || first === 'stt' || first === 'so tt' || isHeaderRow(cells);
}

/** Group row: "I\tCác chỉ tiêu đã hoàn thành\t\t" or "II Các nhiệm vụ chưa hoàn thành\t\t". */
function groupTitle(cells: string[]): string | null {
  const filled = cells.filter((c) => c !== '');
  const first = cells[0] ?? '';
  const joined = /^([IVX]{1,4})\.?\s+(\S.*)$/.exec(first);
  if (joined && ROMAN_RE.test(joined[1]!) && filled.length === 1) return joined[2]!;
  // "I", "I.", "I.1", "II.2": a group or sub-group row of a numbered table.
  // "\tNhiệm vụ giao Bộ trưởng Bộ Công an chỉ đạo\t\t": an unnumbered row holding only a title.
  if (first === '' && filled.length === 1 && (cells[1] ?? '') !== '' && /^\p{Lu}/u.test(cells[1]!)) return cells[1]!;
  // "A | Chỉ tiêu", "B | Nhiệm vụ": a lettered part of a table.
  if (/^[A-ZĐ]\.?$/u.test(first) && !ROMAN_RE.test(first.replace('.', '')) && filled.length === 2 && (cells[1] ?? '') !== '') return cells[1]!;
  const number = /^([IVX]{1,4})(?:\.\d{1,2})*\.?$/.exec(first);
  // Other filled cells of a group row can only be stray fragments ("năm tiếp theo"), never a name.
  const strays = cells.slice(2).filter((c) => c !== '');
  if (number && ROMAN_RE.test(number[1]!) && (cells[1] ?? '') !== '' && strays.every((c) => /^\p{Ll}/u.test(c))) return cells[1]!;
  return null;
}

/** A row continued after a page break: empty number cell, the rest starting in lower case. */
function isContinuation(cells: string[]): boolean {
  if ((cells[0] ?? '') !== '') return false;
  const filled = cells.filter((c) => c !== '');
  return filled.length > 0 && filled.every((c) => {
    const ch = c.charAt(0);
    return ch === ch.toLowerCase() && ch !== ch.toUpperCase();
  });
}

/** Parses normalised document text into blocks. */
export function parseStructure(text: string): DocumentStructure {
  const lines = splitLines(text);
  const blocks: Block[] = [];
  const roots: Block[] = [];
  const stack: Block[] = []; // open items, outermost first
  let closing = false;
  let lastTable: Block | null = null;
  const groups = new Map<Table, Array<{ label: string; title: string }>>(); // open group rows of each table, outermost first

  const attach = (block: Block): void => {
    const parent = block.parent;
    if (parent) parent.children.push(block);
    else roots.push(block);
    blocks.push(block);
  };
  const pathOf = (parent: Block | null, marker: Marker | null): string => {
    const base = parent?.path ?? '';
    if (!marker || marker.label === '') return base;
    let label = marker.label;
    // "1.2" under "1" replaces it rather than nesting: IV.1.2, not IV.1.1.2.
    if (parent?.marker?.type === 'arabic' && marker.type === 'arabic' && label.startsWith(`${parent.marker.label}.`)) {
      return parent.path.slice(0, parent.path.length - parent.marker.label.length) + label;
    }
    if (marker.type === 'ordinal') label = `(${label})`;
    return base ? `${base}.${label}` : label;
  };

  for (const [index, line] of lines.entries()) {
    const trimmed = line.text.trim();
    const span: Span = { start: line.start, end: line.end, text: line.text };
    if (/^nơi nhận\s*:/iu.test(trimmed)) closing = true;
    const appendix = appendixLabel(lines, index, closing);
    if (appendix !== null) {
      // An attached document ("PHỤ LỤC II", a programme "kèm theo" the resolution) opens a new tree.
      closing = false;
      stack.length = 0;
      lastTable = null;
      const marker: Marker = { type: 'appendix', label: appendix, rank: -2, length: 0 };
      const block: Block = { kind: 'item', marker, text: trimmed, textStart: line.start + line.text.indexOf(trimmed), span, parent: null, children: [], path: appendix, closing };
      attach(block);
      stack.push(block);
      continue;
    }

    if (line.text.includes('\t')) {
      const cells = cellsOf(line.text);
      if (lastTable?.table && isContinuation(cells) && lastTable.table.rows.length > 0) {
        const row = lastTable.table.rows.at(-1)!;
        cells.forEach((c, i) => {
          if (c !== '') row.cells[i] = row.cells[i] ? `${row.cells[i]} ${c}` : c;
        });
        lastTable.span = { ...lastTable.span, end: line.end };
        continue;
      }
      if (lastTable?.table && sameHeader(lastTable.table.header, cells)) continue; // header repeated after a page break
      const group = groupTitle(cells);
      if (!lastTable || (group === null && looksLikeHeader(cells))) {
        const parent = stack.at(-1) ?? null;
        const isHeader = group === null && looksLikeHeader(cells);
        lastTable = {
          kind: 'table', marker: null, text: line.text, textStart: line.start, span, parent, children: [],
          path: parent?.path ?? '', table: { header: isHeader ? cells : [], rows: [], span }, closing,
        };
        attach(lastTable);
        if (isHeader) continue;
      }
      const table = lastTable.table!;
      if (group !== null) {
        // "I.1" nests under "I"; "II" or an unnumbered group row closes the groups before it.
        const label = (cells[0] ?? '').replace(/\.$/, '');
        const open = (groups.get(table) ?? []).filter((g) => label !== '' && g.label !== '' && label.startsWith(`${g.label}.`));
        groups.set(table, [...open, { label, title: group }]);
        continue;
      }
      const number = cells[0] ? cells[0].replace(/\.$/, '') : null;
      const open = groups.get(table) ?? [];
      table.rows.push({ cells, number, group: open.at(-1)?.title ?? null, groups: open.map((g) => g.title), line: span });
      lastTable.span = { ...lastTable.span, end: line.end };
      continue;
    }

    const footnote = FOOTNOTE_RE.exec(trimmed);
    if (footnote) {
      const block: Block = {
        kind: 'footnote', marker: null, text: trimmed.slice(footnote[0].length), textStart: line.start + line.text.indexOf(trimmed) + footnote[0].length,
        span, parent: null, children: [], path: '', closing,
      };
      attach(block);
      continue;
    }
    lastTable = null; // a table continues across footnotes and page breaks, not across text

    const marker = parseMarker(trimmed);
    const lead = line.text.length - line.text.trimStart().length;
    if (marker) {
      while (stack.length > 0 && stack.at(-1)!.marker!.rank >= marker.rank) stack.pop();
      const parent = stack.at(-1) ?? null;
      const block: Block = {
        kind: 'item', marker, text: trimmed.slice(marker.length), textStart: line.start + lead + marker.length,
        span, parent, children: [], path: pathOf(parent, marker), closing,
      };
      attach(block);
      stack.push(block);
    } else {
      if (CLOSING_PARAGRAPH.test(trimmed) || closing) stack.length = 0;
      // A bullet is one paragraph: text after it belongs to the enclosing numbered item.
      while (stack.length > 0 && stack.at(-1)!.marker!.rank >= 5) stack.pop();
      const parent = stack.at(-1) ?? null;
      attach({
        kind: 'paragraph', marker: null, text: trimmed, textStart: line.start + lead, span, parent, children: [],
        path: parent?.path ?? '', closing,
      });
    }
  }
  return { text, blocks, roots };
}

/**
 * "PHỤ LỤC II" (→ "PLII"), or the capitalised title of a document attached
 * after the signature, recognised by the "(Kèm theo …)" or "(Ban hành kèm theo …)" line under it (→ "PL").
 * Null for any other line.
 */
function appendixLabel(lines: RawLine[], index: number, closing: boolean): string | null {
  const t = lines[index]!.text.trim();
  const pl = /^PHỤ LỤC(?:\s+(?:SỐ\s+)?([IVX]{1,5}|\d{1,2}))?\s*[.:]?$/u.exec(t) ?? /^Phụ lục(?:\s+(?:số\s+)?([IVX]{1,5}|\d{1,2}))?\s*[.:]?$/u.exec(t);
  if (pl) return `PL${pl[1] ?? ''}`;
  if (!closing || !isAllCaps(t)) return null;
  for (let k = index + 1; k < Math.min(lines.length, index + 4); k++) {
    // "(Kèm theo …)", "(Ban hành kèm theo Quyết định số …)".
    if (/^\(?\s*(?:ban hành\s+)?kèm theo\b/iu.test(lines[k]!.text.trim())) return 'PL';
  }
  return null;
}

/** Ancestors of a block, nearest first. */
export function ancestors(block: Block): Block[] {
  const out: Block[] = [];
  for (let p = block.parent; p; p = p.parent) out.push(p);
  return out;
}

/** The title of an item: its text up to the first colon, or the whole text when short. */
export function titleOf(block: Block): string {
  const colon = block.text.indexOf(':');
  return colon > 0 ? block.text.slice(0, colon) : block.text.slice(0, 160);
}
