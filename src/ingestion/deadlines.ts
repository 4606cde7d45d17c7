/**
 * Deadlines in directive sentences. A date only counts as a deadline when a
 * trigger word introduces it ("Hoàn thành trong …", "trước ngày …", "chậm nhất
 * trong …", "đến hết …"): dates of cited documents, report cut-offs ("tính đến
 * ngày …"), start dates ("từ ngày …") and programme titles ("… đến năm 2025,
 * định hướng đến năm 2030", anything inside quotation marks) are not deadlines.
 */
import type { Deadline, DeadlinePrecision } from '../corpus/types.js';
import { findPeriods, type PeriodMatch } from '../text/periods.js';
import { fold, tokenize } from '../text/vietnamese.js';

export interface DeadlineMatch {
  deadline: Deadline;
  /** Offsets of the whole phrase (trigger words included) in the input. */
  start: number;
  end: number;
}

const PRECISION: Record<PeriodMatch['kind'], DeadlinePrecision> = {
  day: 'day',
  month: 'month',
  half: 'month',
  quarter: 'quarter',
  year: 'year',
  session: 'none',
};

/** Words that may form the lead-in of a deadline phrase, walking backwards. */
const LEAD_IN = new Set(['thoi', 'han', 'chot', 'hoan', 'thanh', 'trong', 'truoc', 'cham', 'muon', 'nhat', 'la', 'den', 'het', 'vao', 'ngay', 'to', 'chuc', 'thu', 'nghiem', 'cuoi', 'xong', 'tai']);

function toDeadline(p: PeriodMatch, text: string): Deadline {
  return { date: p.to, text, precision: PRECISION[p.kind] };
}

/** Spans inside “…” or "…" quotation marks (titles of strategies and schemes). */
function quotedSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(/“[^”]*”|"[^"]*"/g)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/**
 * Decides whether the words before a period introduce a deadline. `before` is
 * the folded text preceding the period expression.
 */
function isTriggered(before: string, period: PeriodMatch): boolean {
  let words = tokenize(before).slice(-6);
  // "chậm nhất là ngày …", "thời hạn là …": the copula does not change the trigger.
  if (words.at(-1) === 'la' && ['nhat', 'han', 'chot'].includes(words.at(-2) ?? '')) words = words.slice(0, -1);
  const last = words.at(-1);
  const prev = words.at(-2);
  if (period.kind === 'session' || /^ky\s+hop/.test(fold(period.text))) return true; // "tại kỳ họp thứ 8 (10/2026)" is always a time reference
  // "… báo cáo Chính phủ tại Phiên họp Chính phủ thường kỳ tháng 12/2026": the meeting dates the duty.
  if (/\btai (?:phien hop|ky hop|hoi nghi)\b/.test(tokenize(before).slice(-8).join(' '))) return true;
  if (!last) return false;
  const tail = words.join(' ');
  // Report cut-offs ("tính đến hết ngày …", "tính đến cuối năm …") and programme horizons are not deadlines.
  if (/(?:^| )(?:tinh den|dinh huong den|tam nhin den)(?: |$)/.test(tail) || /(?:^| )den nay$/.test(tail)) return false;
  if (/(?:^| )tu$/.test(tail)) return false; // "từ ngày 01/01/2024": a start date
  switch (last) {
    case 'trong':
    case 'truoc':
    case 'het':
    case 'vao':
    case 'xong':
    case 'cuoi':
      return true;
    case 'den':
      return prev !== 'tinh';
    case 'nhat':
      return prev === 'cham' || prev === 'muon';
    case 'chot':
      return prev === 'han';
    case 'han':
      return !['trung', 'dai', 'ngan', 'gia'].includes(prev ?? ''); // "thời hạn", "hạn" — not "trung hạn", "dài hạn"
    case 'thanh':
      return prev === 'hoan';
    case 'nghiem':
      return words.join(' ').includes('hoan thanh');
    default:
      return false;
  }
}

/** Offset where the lead-in ("Thời hạn hoàn thành trước") of a period begins. */
function leadInStart(text: string, periodStart: number): number {
  let start = periodStart;
  const re = /[\p{L}\p{N}]+\s*$/u;
  for (let steps = 0; steps < 5; steps++) {
    const head = text.slice(0, start).replace(/\s+$/, '');
    const m = re.exec(head);
    if (!m || !LEAD_IN.has(fold(m[0].trim()))) break;
    start = m.index;
  }
  return start;
}

/** "…, nhiệm vụ thường xuyên;" "Thực hiện thường xuyên.": the clause states its timing, without a date. */
/** Also a recurring date: "trước ngày 20 hằng tháng", "định kỳ 6 tháng", "trước ngày 15 tháng 6" with no year (each year). */
const STANDING =
  /(?<![\p{L}])(?:(?:(?:là\s+)?nhiệm vụ|thực hiện|triển khai)\s+thường xuyên|định kỳ\s+h[ằà]ng\s+(?:tháng|quý|năm)|(?:trước|chậm nhất|vào)\s+ngày\s+\d{1,2}\s+h[ằà]ng\s+(?:tháng|quý|năm)|định kỳ\s+(?:\d{1,2}|sáu|ba)\s+tháng|(?:trước|chậm nhất|vào)\s+ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?:\s+(?:và|,)\s+(?:trước\s+|chậm nhất\s+)?(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2})*(?!\s*(?:năm|\/|-|\d)))(?![\p{L}])/giu;

/** Deadline phrases in a sentence or clause, left to right. */
export function findDeadlines(sentence: string): DeadlineMatch[] {
  const quotes = quotedSpans(sentence);
  const out: DeadlineMatch[] = [];
  for (const m of sentence.matchAll(STANDING)) {
    out.push({ deadline: { date: null, text: m[0], precision: 'none' }, start: m.index, end: m.index + m[0].length });
  }
  for (const p of findPeriods(sentence)) {
    if (quotes.some(([a, b]) => p.start >= a && p.end <= b)) continue;
    const after = fold(sentence.slice(p.end, p.end + 16));
    if (/^\s*,?\s*(?:dinh huong|tam nhin)/.test(after)) continue;
    // A range "từ (ngày) 01/6/2022 đến (ngày) 22/12/2022" is a reporting window, not a deadline.
    const before = sentence.slice(Math.max(0, p.start - 48), p.start);
    if (/\btu\s+(?:ngay\s+|thang\s+|quy\s+|nam\s+)?[\w/.\s]{1,24}?\s+den\s*(?:ngay|thang|het)?\s*$/.test(fold(before))) continue;
    if (!isTriggered(fold(before), p)) continue;
    const start = leadInStart(sentence, p.start);
    const text = sentence.slice(start, p.end).replace(/\s+/g, ' ').trim();
    out.push({ deadline: toDeadline(p, text), start, end: p.end });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Recurring or open-ended timing: a stated time, but no date ("Thường xuyên", "Hằng năm", "Theo lộ trình …"). */
const UNDATED = /\b(?:thuong xuyen|hang nam|hang quy|hang thang|dinh ky|lien tuc|theo lo trinh|theo tien do|theo ke hoach)\b/;

/**
 * A table cell or labelled field that is itself a time ("Tháng 12/2023",
 * "Quý I/2023", "6/2025", "2025", "Năm 2025-2026", "Kỳ họp thứ 9 (5/2025)",
 * "Hoàn thành thử nghiệm Quý I/2023"): no trigger word is needed, and a range
 * ends with its last period. "Thường xuyên", "Hằng năm" and the like give a
 * deadline without a date. Returns undefined for "Trên 30%" and other values.
 */
export function parseDeadlineCell(cell: string): Deadline | undefined {
  const text = cell.replace(/\s+/g, ' ').trim().replace(/[.;,]$/, '');
  if (text === '' || /%/.test(text)) return undefined;
  const bareYear = /^(?:năm\s+)?(\d{4})$/iu.exec(text);
  if (bareYear && Number(bareYear[1]) >= 1990 && Number(bareYear[1]) <= 2100) {
    return { date: `${bareYear[1]}-12-31`, text, precision: 'year' };
  }
  const found = findPeriods(text);
  // "Kỳ họp thứ 8": a time stated without a date.
  if (found.length > 0 && found.every((p) => p.kind === 'session')) return { date: null, text, precision: 'none' };
  const periods = found.filter((p) => p.to !== null);
  // "Bắt đầu triển khai từ năm 2026": when the work starts, not when it is due.
  if (periods.length > 0 && /\b(?:tu|bat dau)\s+(?:nam\s+|thang\s+|quy\s+|ngay\s+)?$/.test(fold(text.slice(0, periods[0]!.start)))) {
    return { date: null, text, precision: 'none' };
  }
  if (periods.length === 0) return UNDATED.test(fold(text)) ? { date: null, text, precision: 'none' } : undefined;
  // The cell must be mostly the period(s) itself, possibly with a short lead-in.
  let rest = text;
  for (const p of [...periods].reverse()) rest = rest.slice(0, p.start) + rest.slice(p.end);
  if (tokenize(rest).length > 6) return undefined;
  const last = periods.reduce((a, b) => ((b.to ?? '') > (a.to ?? '') ? b : a));
  return toDeadline(last, text);
}

/** No deadline stated: date null, precision none. */
export const NO_DEADLINE: Deadline = Object.freeze({ date: null, text: null, precision: 'none' }) as Deadline;
