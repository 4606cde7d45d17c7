/**
 * Facts a language model's answer may only repeat, never invent: years, days
 * and months written without a year, quarters, amounts of money, web addresses,
 * people's titles (with their names) and quoted spans in every quote style.
 * Each finder returns normalised keys, so the same fact written differently in
 * the answer and in the sources compares equal ("quý IV/2026" = "quý 4 năm 2026").
 * Used by validatePhrased (llm.ts).
 */
import { quarterNumber } from '../text/periods.js';
import { fold, nfc, squashSpaces } from '../text/vietnamese.js';

/** Four-digit years 1900–2099 ("năm 2027", "2021-2025", "12/2024"). */
export function yearsIn(text: string): string[] {
  return [...nfc(text).matchAll(/(?<![\p{N}])((?:19|20)\d{2})(?![\p{N}])/gu)].map((m) => m[1]!);
}

/** Day and month written without a year ("30/6", "ngày 15 tháng 9"), as "D/M". */
export function dayMonthsIn(text: string): string[] {
  const t = nfc(text);
  const out: string[] = [];
  const push = (d: string, m: string) => {
    const day = Number(d);
    const month = Number(m);
    if (day >= 1 && day <= 31 && month >= 1 && month <= 12) out.push(`${day}/${month}`);
  };
  for (const m of t.matchAll(/(?<![\p{N}/.-])(\d{1,2})[/-](\d{1,2})(?![\p{N}]|[/-]\d)/gu)) push(m[1]!, m[2]!);
  for (const m of t.matchAll(/ngày\s+(\d{1,2})\s*(?:tháng\s*|\/|-|\.)(\d{1,2})(?!\d)/giu)) push(m[1]!, m[2]!);
  return out;
}

/** Day-month pairs of full dates too, so that "30/6" in an answer is licensed by "30/6/2024" in a source. */
export function allDayMonthsIn(text: string): string[] {
  const out = dayMonthsIn(text);
  for (const m of nfc(text).matchAll(/(?<![\p{N}])(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}/gu)) out.push(`${Number(m[1])}/${Number(m[2])}`);
  for (const m of nfc(text).matchAll(/(?<![\p{N}])\d{4}-(\d{2})-(\d{2})(?![\p{N}])/gu)) out.push(`${Number(m[2])}/${Number(m[1])}`);
  return out;
}

/** Months named in words, with or without a year ("tháng 9", "tháng 12/2024"), as the month number. */
export function monthNumbersIn(text: string): string[] {
  return [...nfc(text).matchAll(/tháng\s+(\d{1,2})(?!\d)/giu)].map((m) => String(Number(m[1]))).filter((m) => Number(m) >= 1 && Number(m) <= 12);
}

/** Month numbers of full dates and "MM/YYYY" months too (license "tháng 6" in an answer). */
export function allMonthNumbersIn(text: string): string[] {
  const out = monthNumbersIn(text);
  for (const m of nfc(text).matchAll(/(?<![\p{N}])(?:\d{1,2}[/.-])?(\d{1,2})[/.-]\d{4}/gu)) out.push(String(Number(m[1])));
  for (const m of nfc(text).matchAll(/(?<![\p{N}])\d{4}-(\d{2})(?:-\d{2})?(?![\p{N}])/gu)) out.push(String(Number(m[1])));
  return out;
}

/**
 * Quarters ("quý IV/2026", "quý 4 năm 2026", "Q2/2025", "quý II"), as "4/2026" or "4/*" when
 * no year is written.
 */
export function quartersIn(text: string): string[] {
  const out: string[] = [];
  const t = nfc(text);
  for (const m of t.matchAll(/(?<![\p{L}])(?:quý|qúy|quí)\s+(IV|I{1,3}|[1-4])(?![\p{L}\p{N}])(?:\s*(?:\/|-|năm)\s*(\d{4}))?/giu)) {
    const n = quarterNumber(m[1]!);
    out.push(`${n}/${m[2] ?? '*'}`);
  }
  for (const m of t.matchAll(/(?<![\p{L}\p{N}])Q([1-4])\s*[/-]\s*(\d{4})/gu)) out.push(`${m[1]}/${m[2]}`);
  return out;
}

const MAGNITUDE = '(?:nghìn\\s+tỷ|ngàn\\s+tỷ|tỷ|triệu|nghìn|ngàn|trăm)';
const CURRENCY = '(?:đồng|VNĐ|VND|USD|đô\\s*la|euro|EUR)';
const AMOUNT = new RegExp(
  `(?<![\\p{N}.,])(\\d{1,3}(?:\\.\\d{3})+(?:,\\d+)?|\\d+(?:,\\d+)?)(?:\\s*(${MAGNITUDE}))?(?:\\s*(${CURRENCY}))?(?![\\p{L}\\p{N}])`,
  'giu',
);

/**
 * Amounts: a number with a magnitude or a currency ("3.000 tỷ đồng", "2 triệu USD") or with
 * thousands separators ("10.000"), as "<value> <magnitude> <currency>" (folded).
 */
export function amountsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of nfc(text).matchAll(AMOUNT)) {
    const [, num, magnitude, currency] = m;
    if (!magnitude && !currency && !num!.includes('.')) continue;
    const value = String(Number(num!.replace(/\./g, '').replace(',', '.')));
    out.push(fold([value, magnitude ?? '', currency ?? ''].join(' ').replace(/\s+/g, ' ').trim()));
  }
  return out;
}

/** Web addresses ("https://…", "www.…", "dichvucong.gov.vn/…"), lower-case without the scheme. */
export function urlsIn(text: string): string[] {
  const re = /(?:https?:\/\/|www\.)[^\s<>"'«»“”‘’()]+|(?<![\p{L}\p{N}@.])(?:[a-z0-9-]+\.)+(?:gov\.vn|com\.vn|org\.vn|edu\.vn|net\.vn|vn|com|org|net|gov|io)(?![\p{L}\p{N}])(?:\/[^\s<>"'«»“”‘’()]*)?/giu;
  return [...nfc(text).matchAll(re)].map((m) => m[0].toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/[.,;:!?/]+$/, ''));
}

const TITLES = [
  'Phó Thủ tướng', 'Thủ tướng', 'Tổng Bí thư', 'Phó Bí thư', 'Bí thư', 'Phó Chủ tịch', 'Chủ tịch', 'Thứ trưởng', 'Bộ trưởng',
  'Phó Chủ nhiệm', 'Chủ nhiệm', 'Tổng Giám đốc', 'Phó Giám đốc', 'Giám đốc', 'Phó Trưởng ban', 'Trưởng ban', 'Chánh Văn phòng',
  'Đại tướng', 'Thượng tướng', 'Trung tướng', 'Thiếu tướng', 'Đồng chí', 'Giáo sư', 'Tiến sĩ', 'GS.TS.', 'PGS.TS.', 'TS.', 'Ông', 'Bà',
];
const TITLE_RE = new RegExp(
  `(?<![\\p{L}])(${TITLES.map((t) => t.replace(/\./g, '\\.')).join('|')})(?![\\p{L}])((?:\\s+\\p{Lu}[\\p{L}]*){0,4})`,
  'giu',
);

/**
 * People's titles, with the capitalised name that follows ("Phó Thủ tướng Trần Lưu Quang"), folded.
 * "ông"/"bà" count only before a name (they are ordinary words too).
 */
export function personTitlesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of nfc(text).matchAll(TITLE_RE)) {
    const title = m[1]!;
    const name = m[2]!.trim();
    // Lower-case titles are ordinary words ("thủ tướng" in running text still names a person).
    if (/^(ông|bà)$/i.test(title) && name === '') continue;
    out.push(squashSpaces(fold(`${title} ${name}`)));
  }
  return out;
}

/** Spans inside quote marks of every style: “…”, «…», "…", ‘…’, „…“, ‹…›, '…' (≥ 2 words). */
export function quotedSpansIn(text: string): string[] {
  const t = nfc(text);
  const out: string[] = [];
  const patterns = [/“([^”“]+)”/g, /«([^»]+)»/g, /"([^"]+)"/g, /‘([^’]+)’/g, /„([^“”]+)[“”]/g, /‹([^›]+)›/g, /(?<![\p{L}])'([^'\n]+\s[^'\n]+)'(?![\p{L}])/gu];
  for (const re of patterns) for (const m of t.matchAll(re)) if (m[1]!.trim() !== '') out.push(m[1]!);
  return out;
}
