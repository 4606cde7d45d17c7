/**
 * Turns extracted pages into the text stored at corpus/documents/<docId>.txt:
 * NFC, one paragraph or table row per line, hard line breaks inside sentences
 * joined, stray page numbers and running headers dropped, conversion markup
 * (**bold**, <i>…</i>) removed, tables kept as tab-separated rows.
 *
 * Every quote shown to users is checked against this text, so the rules here
 * only ever remove layout, never words.
 */
import { isAllCaps, nfc, startsLowercase } from '../text/vietnamese.js';
import { unflattenLayout } from './layout.js';
import { startsWithMarker } from './structure.js';

const PAGE_NUMBER = /^\s*(?:trang\s+)?[-–]?\s*\d{1,3}\s*[-–]?(?:\s*\/\s*\d{1,3})?\s*$/i;
/** Words a Vietnamese sentence cannot end on: connectives, and head nouns that need a name after them. */
const DANGLING_END = /(?:^|\s)(?:của|và|với|các|cho|về|trong|tại|theo|để|từ|đến|là|những|do|hoặc|cùng|như|thuộc|vào|gồm|phối hợp|chủ trì|nhằm|bảo đảm|đảm bảo)$/u;
const DANGLING_NOUN = /(?:^|\s)(?:Bộ|Sở|Ban|Ủy ban|Văn phòng|Thủ tướng|Chủ tịch|Tập đoàn|Ngân hàng|Trung tâm)$/u;
const TERMINAL = /[.!?…:;]["”’)\]]*$/u;

/** Removes markdown/HTML emphasis left by document converters; keeps the words. */
function stripMarkup(line: string): string {
  return line
    .replace(/<\/?(?:i|b|u|em|strong|sup|sub)>/gi, '')
    .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
    .replace(/\*\*/g, '')
    .replace(/(^|[\s(“"])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s)”".,;:])/g, '$1$2')
    // Emphasis opened on one line and closed on a later one ("*Hà Nội, ngày 01" … "tháng 12 năm 2025*").
    .replace(/^(\s*)\*(?=[\p{L}\p{N}(])(?!.*\*)/u, '$1')
    .replace(/(?<=[\p{L}\p{N}.;:,)])\*(\s*)$/u, '$1');
}

/** Tidies one physical line: markup, non-breaking spaces, repeated spaces (tabs are kept: they separate table cells). */
function tidyLine(line: string): string {
  return stripMarkup(line.replace(/[\u00a0\u2007\u202f]/g, ' '))
    .replace(/ {2,}/g, ' ')
    .replace(/ *\t */g, '\t')
    .replace(/ +$/, '') // trailing tabs stay: they mark empty cells
    .replace(/^\*\(/, '(')
    .replace(/\)\*$/, ')');
}

/**
 * Letterheads and titles copied from web pages break capitalised lines after
 * a single word ("VĂN" / "PHÒNG CHÍNH PHỦ", "THỦ TƯỚNG CHÍNH" / "PHỦ", "KẾT" /
 * "LUẬN PHIÊN HỌP …"): a lone capitalised word joins the next capitalised line,
 * or the previous one when no capitalised line follows.
 */
function joinSplitCapitals(lines: string[]): string[] {
  const out: string[] = [];
  const loneWord = (l: string) => /^\p{Lu}{2,7}$/u.test(l.trim());
  const capsLine = (l: string | undefined) => l !== undefined && l.trim() !== '' && !l.includes('\t') && isAllCaps(l.trim()) && /\p{Lu}{2}/u.test(l);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (loneWord(line) && capsLine(lines[i + 1])) {
      lines[i + 1] = `${line.trim()} ${lines[i + 1]!.trim()}`;
      continue;
    }
    if (loneWord(line) && capsLine(out.at(-1)) && !/[.:;]$/.test(out.at(-1)!.trim())) {
      out[out.length - 1] = `${out.at(-1)!.trim()} ${line.trim()}`;
      continue;
    }
    out.push(line);
  }
  return out;
}

/** Cells of a tab-separated line that hold text. */
function filledCells(line: string): number {
  return line.split('\t').filter((c) => c.trim() !== '').length;
}

/** Lines repeated at the top or bottom of most pages: running headers and footers. */
function runningLines(pages: string[][]): Set<string> {
  const repeated = new Set<string>();
  if (pages.length < 2) return repeated;
  const counts = new Map<string, number>();
  const key = (l: string) => l.replace(/\d+/g, '#').trim();
  for (const lines of pages) {
    const content = lines.filter((l) => l.trim() !== '');
    const edges = new Set([...content.slice(0, 2), ...content.slice(-2)].map(key));
    for (const k of edges) if (k !== '') counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const needed = Math.max(2, Math.ceil(pages.length * 0.5));
  for (const [k, n] of counts) if (n >= needed) repeated.add(k);
  return repeated;
}

/**
 * Estimates the width a hard-wrapped document was wrapped at, from lines that
 * certainly continue (the next line starts in lower case). Undefined when the
 * document is not hard-wrapped.
 */
function wrapWidth(lines: string[]): number | undefined {
  const widths: number[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const cur = lines[i]!;
    if (cur.includes('\t') || cur.trim() === '') continue;
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    if (j < lines.length && startsLowercase(lines[j]!) && !TERMINAL.test(cur.trim())) widths.push(cur.trim().length);
  }
  if (widths.length < 5) return undefined;
  widths.sort((a, b) => a - b);
  const median = widths[Math.floor(widths.length / 2)]!;
  // Paragraph-per-line documents also have a few broken lines; their lengths scatter widely.
  const near = widths.filter((w) => Math.abs(w - median) <= 15).length;
  return near / widths.length >= 0.6 && median <= 120 ? median : undefined;
}

/** A line that is a heading: short, or all capitals, or a marker with a short title. */
function isHeadingLine(line: string): boolean {
  const t = line.trim();
  return isAllCaps(t) || (startsWithMarker(t) && t.length < 60);
}

/**
 * Decides whether `next` continues the paragraph that ends with `cur`.
 * `blankBetween`: a page break or blank line separates them.
 */
function continues(cur: string, next: string, width: number | undefined, blankBetween: boolean): boolean {
  const c = cur.trim();
  const n = next.trim();
  if (c.includes('\t') || next.includes('\t')) return false;
  if (/^[-–]\s+\p{Ll}/u.test(n) && !TERMINAL.test(c)) return true; // "lao động \n– thương binh": a wrapped dash, not a bullet
  if (startsWithMarker(n) || /^[¹²³⁴⁵⁶⁷⁸⁹⁰]/u.test(n) || /^\[\d+\]/.test(n)) return false;
  if (/[.!?…]["”’)\]]*$/u.test(c) && !/\b(?:TP|Tp|v\.v)\.$/.test(c)) return false;
  if (startsLowercase(n)) return true;
  // "… trước ngày" / "15 tháng 12 …": a sentence wrapped before a number.
  if (/^\d/.test(n) && !blankBetween && !TERMINAL.test(c) && !isHeadingLine(c)) return true;
  // "… phối hợp với Bộ" / "Khoa học và Công nghệ …": no sentence ends on a connective or a head noun.
  if (!blankBetween && !TERMINAL.test(c) && !isAllCaps(c) && DANGLING_END.test(c)) return true;
  if (!blankBetween && !TERMINAL.test(c) && !isHeadingLine(c) && DANGLING_NOUN.test(c)) return true;
  // "III. NHIỆM VỤ, GIẢI PHÁP TRỌNG" / "TÂM, CỤ THỂ": a numbered capitalised heading wrapped.
  if (!blankBetween && startsWithMarker(c) && isAllCaps(c) && isAllCaps(n) && !TERMINAL.test(c)) return true;
  // "II. VỀ TỒN TẠI, HẠN CHẾ VÀ" / "NGUYÊN NHÂN CHỦ YẾU": a capitalised heading wrapped after a connective.
  if (isAllCaps(c) && isAllCaps(n) && !blankBetween && /(?:,|\s(?:VÀ|CỦA|VỀ|CHO|TRONG|VỚI|CÁC|THEO|ĐỐI VỚI|NĂM))$/u.test(c)) return true;
  if (/[,;–-]$/.test(c) && !blankBetween) return !isAllCaps(c);
  if (c.endsWith(':')) return false;
  // Upper-case start: only a hard-wrapped document continues mid-sentence onto a capitalised word,
  // and not across a blank line (that is a paragraph break).
  // A bullet's first line wrapped mid-phrase (it ends on a lowercase word; a list item ends with ";" or "."): it continues.
  if (!blankBetween && c.length >= 40 && c.length <= 100 && /^[-–+•]\s/.test(c) && /\s\p{Ll}+$/u.test(c) && !isAllCaps(n)) return true;
  if (width === undefined || blankBetween || isHeadingLine(c)) return false;
  return c.length >= width * 0.8 && c.length <= width * 1.3;
}

/**
 * Normalises extracted pages into stored document text.
 * @param pages text of each page in order (a TXT file is one page; form feeds also split pages)
 */
export function normalizeDocument(pages: string[]): string {
  const pageLines = pages
    .flatMap((p) => nfc(p.replace(/^\uFEFF/, '')).replace(/\r\n?/g, '\n').split('\f'))
    .map((p) => joinSplitCapitals(unflattenLayout(p.split('\n').map(tidyLine))));
  const running = runningLines(pageLines);
  const lines: string[] = [];
  for (const page of pageLines) {
    for (const line of page) {
      if (running.has(line.replace(/\d+/g, '#').trim())) continue;
      lines.push(line);
    }
    lines.push('');
  }

  // Drop stray page numbers (a lone number between blank lines or at a page edge).
  const kept = lines.filter((line, i) => {
    if (!PAGE_NUMBER.test(line) || line.trim() === '') return true;
    const prev = lines[i - 1]?.trim() ?? '';
    const next = lines[i + 1]?.trim() ?? '';
    return !(prev === '' || next === '');
  });

  const width = wrapWidth(kept);
  const out: Paragraphs = { lines: [], tails: [] };
  let tableContext = false;
  let pendingBlank = false;
  for (const raw of kept) {
    if (raw.trim() === '') {
      pendingBlank = true;
      continue;
    }
    const isTabRow = raw.includes('\t');
    // A tab-laid-out letterhead line with one filled cell is not a table row, unless it continues a table.
    if (isTabRow && filledCells(raw) <= 1 && !tableContext) {
      const flat = raw.replace(/\t+/g, ' ').trim();
      pushParagraph(out, flat, width, pendingBlank);
    } else if (isTabRow) {
      out.lines.push(raw.replace(/^ +/, ''));
      out.tails.push(raw);
      tableContext = true;
    } else {
      if (!/^[¹²³⁴⁵⁶⁷⁸⁹⁰]/u.test(raw.trim())) tableContext = false;
      pushParagraph(out, raw.trim(), width, pendingBlank);
    }
    pendingBlank = false;
  }
  return out.lines.join('\n') + '\n';
}

/** Paragraphs built so far, with the last physical line of each (wrapping is judged on that line). */
interface Paragraphs {
  lines: string[];
  tails: string[];
}

function pushParagraph(out: Paragraphs, line: string, width: number | undefined, blankBetween: boolean): void {
  const i = out.lines.length - 1;
  if (i >= 0 && !out.lines[i]!.includes('\t') && continues(out.tails[i]!, line, width, blankBetween)) {
    out.lines[i] = `${out.lines[i]!.trimEnd()} ${line}`;
    out.tails[i] = line;
  } else {
    out.lines.push(line);
    out.tails.push(line);
  }
}
