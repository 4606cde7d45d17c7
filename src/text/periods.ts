/**
 * Finds calendar periods written in Vietnamese — "ngày 16 tháng 8 năm 2024",
 * "30/5/2023", "Quý II/2024", "tháng 01 năm 2024", "6 tháng đầu năm 2024",
 * "năm 2024", "kỳ họp thứ 8" — with or without diacritics. Used for deadlines in
 * documents and for periods in questions, so both read dates the same way.
 */
import { daysInMonth, isoDate, isValidDate } from './dates.js';
import { foldAligned } from './vietnamese.js';

export type PeriodKind = 'day' | 'month' | 'quarter' | 'half' | 'year' | 'session';

export interface PeriodMatch {
  kind: PeriodKind;
  /** First day of the period (YYYY-MM-DD); null for a parliamentary session. */
  from: string | null;
  /** Last day of the period; null for a parliamentary session ("kỳ họp thứ 8" has no date). */
  to: string | null;
  /** Offsets of the period expression in the input. */
  start: number;
  end: number;
  /** The expression as written. */
  text: string;
}

const ROMAN: Record<string, number> = { i: 1, ii: 2, iii: 3, iv: 4 };

/** The number of a quarter written "III", "iii" or "3". */
export function quarterNumber(token: string): number {
  return ROMAN[token.toLowerCase()] ?? Number(token);
}
const SEP = String.raw`\s*(?:[\/.\-]|,?\s*nam)\s*`;

interface Pattern {
  kind: PeriodKind;
  re: RegExp;
  /** Builds [from, to] from the match, or undefined when the date is impossible. */
  build(m: RegExpExecArray): [string | null, string | null] | undefined;
}

const PATTERNS: Pattern[] = [
  {
    kind: 'day',
    re: new RegExp(String.raw`(?<![\p{L}\p{N}/.])(?:ngay\s+)?(\d{1,2})\s*(?:thang\s*|[\/.\-])\s*(\d{1,2})${SEP}(\d{4})(?![\p{N}])`, 'gu'),
    build(m) {
      const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (!isValidDate(y, mo, d)) return undefined;
      const iso = isoDate(y, mo, d);
      return [iso, iso];
    },
  },
  {
    kind: 'quarter',
    re: new RegExp(String.raw`(?<![\p{L}])quy\s+(iv|i{1,3}|[1-4])(?![\p{L}\p{N}])${SEP}(\d{4})(?![\p{N}])`, 'gu'),
    build(m) {
      const q = quarterNumber(m[1]!);
      const y = Number(m[2]);
      if (!(q >= 1 && q <= 4) || !isValidDate(y, 1, 1)) return undefined;
      return [isoDate(y, q * 3 - 2, 1), isoDate(y, q * 3, daysInMonth(y, q * 3))];
    },
  },
  {
    kind: 'half',
    re: new RegExp(String.raw`(?<![\p{L}\p{N}])(?:(?:6|sau)\s+thang\s+(dau|cuoi)|nua\s+(dau|cuoi))\s+nam\s+(\d{4})(?![\p{N}])`, 'gu'),
    build(m) {
      const first = (m[1] ?? m[2]) === 'dau';
      const y = Number(m[3]);
      if (!isValidDate(y, 1, 1)) return undefined;
      return first ? [isoDate(y, 1, 1), isoDate(y, 6, 30)] : [isoDate(y, 7, 1), isoDate(y, 12, 31)];
    },
  },
  {
    kind: 'month',
    re: new RegExp(String.raw`(?<![\p{L}])thang\s+(\d{1,2})${SEP}(\d{4})(?![\p{N}])`, 'gu'),
    build(m) {
      const [mo, y] = [Number(m[1]), Number(m[2])];
      if (!isValidDate(y, mo, 1)) return undefined;
      return [isoDate(y, mo, 1), isoDate(y, mo, daysInMonth(y, mo))];
    },
  },
  {
    // "2025-2026", "năm 2025 - 2030", "giai đoạn 2025–2027": a range ends with its last year.
    kind: 'year',
    re: new RegExp(String.raw`(?<![\p{L}\p{N}/.\-])(?:nam\s+|giai doan\s+)?(\d{4})\s*[-–]\s*(\d{4})(?![\p{N}/\-])`, 'gu'),
    build(m) {
      const [a, b] = [Number(m[1]), Number(m[2])];
      if (!isValidDate(a, 1, 1) || !isValidDate(b, 1, 1) || b < a || b - a > 30) return undefined;
      return [isoDate(a, 1, 1), isoDate(b, 12, 31)];
    },
  },
  {
    // "6/2025", "tháng 06/2026" written without the word: a month (not "số 13/2023/NĐ-CP").
    kind: 'month',
    re: new RegExp(String.raw`(?<![\p{L}\p{N}/.\-]|so\s|so:\s)(\d{1,2})\s*\/\s*(\d{4})(?![\p{N}/\-])`, 'gu'),
    build(m) {
      const [mo, y] = [Number(m[1]), Number(m[2])];
      if (!isValidDate(y, mo, 1)) return undefined;
      return [isoDate(y, mo, 1), isoDate(y, mo, daysInMonth(y, mo))];
    },
  },
  {
    // "Kỳ họp thứ 9 (5/2025)", "kỳ họp tháng 10/2026": the month in brackets dates the session.
    kind: 'month',
    re: new RegExp(String.raw`(?<![\p{L}])ky\s+hop\s+(?:thu\s+(?:\d{1,2}|[ivx]{1,5})\s*)?\(?\s*(?:thang\s+)?(\d{1,2})\s*[\/.\-]\s*(\d{4})\s*\)?`, 'gu'),
    build(m) {
      const [mo, y] = [Number(m[1]), Number(m[2])];
      if (!isValidDate(y, mo, 1)) return undefined;
      return [isoDate(y, mo, 1), isoDate(y, mo, daysInMonth(y, mo))];
    },
  },
  {
    kind: 'year',
    // "năm 2024", and a bare year after "trong"/"hết"/"đến" ("hoàn thành trong 2024").
    re: new RegExp(String.raw`(?<![\p{L}])(?:nam\s+|(?<=(?:trong|het|den)\s+))(\d{4})(?![\p{N}/\-]|\.\d)`, 'gu'),
    build(m) {
      const y = Number(m[1]);
      if (!isValidDate(y, 1, 1)) return undefined;
      return [isoDate(y, 1, 1), isoDate(y, 12, 31)];
    },
  },
  {
    kind: 'session',
    re: /(?<![\p{L}])ky\s+hop\s+thu\s+(\d{1,2}|[ivx]{1,5})(?![\p{L}\p{N}])/gu,
    build: () => [null, null],
  },
];

const SPECIFICITY: Record<PeriodKind, number> = { day: 6, quarter: 5, half: 4, month: 3, year: 2, session: 1 };

/** Every period expression in the text, left to right, without overlaps. */
export function findPeriods(text: string): PeriodMatch[] {
  // foldAligned keeps offsets: a match in the folded text is at the same place in the original.
  const folded = foldAligned(text);
  const found: PeriodMatch[] = [];
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(folded); m; m = p.re.exec(folded)) {
      const range = p.build(m);
      if (!range) continue;
      const start = m.index;
      const end = m.index + m[0].length;
      found.push({ kind: p.kind, from: range[0], to: range[1], start, end, text: text.slice(start, end) });
    }
  }
  // Keep the longest, most specific expression where two overlap ("ngày 16 tháng 8 năm 2024" over "năm 2024").
  found.sort((a, b) => b.end - b.start - (a.end - a.start) || SPECIFICITY[b.kind] - SPECIFICITY[a.kind]);
  const kept: PeriodMatch[] = [];
  for (const f of found) {
    if (kept.every((k) => f.end <= k.start || f.start >= k.end)) kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start);
}
