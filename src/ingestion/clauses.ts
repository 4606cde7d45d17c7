/**
 * Sentences and clauses of directive text, and the deadline that governs one:
 * a sentence with two actions and two deadlines is two clauses ("…trong tháng 9
 * năm 2024, triển khai … trong tháng 12 năm 2024"); inline enumerations
 * ("(1) …; (2) …", "a) …; b) …") are pieces; a bare "Giao A, B phối hợp triển
 * khai." adds no work of its own.
 */
import type { Deadline, DeadlinePrecision } from '../corpus/types.js';
import { findDeadlines, NO_DEADLINE, type DeadlineMatch } from './deadlines.js';
import { tokenize } from '../text/vietnamese.js';

const PRECISION_RANK: Record<DeadlinePrecision, number> = { day: 4, month: 3, quarter: 2, year: 1, none: 0 };

/** One deadline for an assignment: the most precise, then the earliest; among undated ones, the most specific wording. */
export function pickDeadline(found: DeadlineMatch[]): Deadline {
  if (found.length === 0) return NO_DEADLINE;
  return [...found].sort(
    (a, b) =>
      PRECISION_RANK[b.deadline.precision] - PRECISION_RANK[a.deadline.precision] ||
      (a.deadline.date ?? '9999').localeCompare(b.deadline.date ?? '9999') ||
      Number(/\d/.test(b.deadline.text ?? '')) - Number(/\d.*\d/.test(a.deadline.text ?? '') ? 1 : /\d/.test(a.deadline.text ?? '') ? 1 : 0) ||
      (b.deadline.text?.length ?? 0) - (a.deadline.text?.length ?? 0),
  )[0]!.deadline;
}

/** "Giao Bộ A, Bộ B phối hợp triển khai.": a sentence that only says who, with no work of its own. */
export function isBareAssignment(sentence: string): boolean {
  const words = tokenize(sentence);
  const generic = new Set(['giao', 'cho', 'cac', 'chu', 'tri', 'phoi', 'hop', 'trien', 'khai', 'thuc', 'hien', 'to', 'chuc', 'theo', 'doi', 'va', 'cung', 'voi', 'nhiem', 'vu', 'nay', 'tren', 'bo', 'nganh', 'dia', 'phuong', 'lien', 'quan', 'co']);
  return words.every((w) => generic.has(w));
}

export interface Clause {
  start: number;
  end: number;
  /** A second action with its own deadline inside one sentence. */
  forcedBreak: boolean;
}

/**
 * Sentences of a unit; a sentence that gives two deadlines for two actions
 * ("…chậm nhất trong tháng 9 năm 2024, triển khai … chậm nhất trong tháng 12
 * năm 2024") is split into two clauses at the separator before the second.
 */
export function splitClauses(text: string): Clause[] {
  return splitSentences(text).flatMap(([s, e]) => splitAtDeadlines(text, s, e, false));
}

/** Sentence spans of a unit (a full stop followed by a capital, a digit or a bracket). */
export function splitSentences(text: string): Array<[number, number]> {
  const sentences: Array<[number, number]> = [];
  const re = /(?<![A-ZĐ]|\bTP|\bTp|\bv\.v)(?:[.!?]|…)+["”’)]?\s+(?=[\p{Lu}“"(\d])/gu;
  let start = 0;
  for (const m of text.matchAll(re)) {
    const end = m.index + m[0].trimEnd().length;
    sentences.push([start, end]);
    start = m.index + m[0].length;
  }
  if (start < text.length) sentences.push([start, text.length]);
  return sentences;
}

/** A timing that repeats rather than falls on a date ("định kỳ hằng năm", "trước ngày 15 tháng 12"). */
function isRecurring(d: DeadlineMatch): boolean {
  return d.deadline.date === null && /định kỳ|h[ằà]ng\s|thường xuyên|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?!.*năm)/iu.test(d.deadline.text ?? '');
}

/** Cuts text[s, e) before a second deadline that belongs to a second action. */
export function splitAtDeadlines(text: string, s: number, e: number, forced: boolean): Clause[] {
  const out: Clause[] = [];
  const sentence = text.slice(s, e);
  const deadlines = findDeadlines(sentence);
  let clauseStart = 0;
  for (let k = 1; k < deadlines.length; k++) {
    const prev = deadlines[k - 1]!;
    const cur = deadlines[k]!;
    const between = sentence.slice(prev.end, cur.start);
    // "trong Quý II/2023, hoàn thành trước 30/5/2023": one action, refined — unless a ";" separates two actions.
    if (tokenize(between).length <= 2 && !between.includes(';')) continue;
    // "định kỳ hằng năm gửi báo cáo … trước ngày 15 tháng 12": two undated timings of one recurring duty.
    if (isRecurring(prev) && isRecurring(cur) && !between.includes(';')) continue;
    // A ";" right after the first action ends it ("…, nhiệm vụ thường xuyên; nghiên cứu …, hoàn thành trước …").
    // "… ngay trong tháng 12 năm 2025, số hoá 100% dữ liệu văn bằng, chứng chỉ trong năm 2026": a deadline that ends
    // an action is followed by the comma that ends it; a deadline that opens one ("Trong năm 2024, hoàn thành A, …")
    // is not, and the last comma before the next deadline starts the next action.
    const endsAction = /^\s*,/.test(between) && tokenize(sentence.slice(clauseStart, prev.start)).length >= 3;
    const sep = between.includes(';') ? between.indexOf(';') : endsAction ? between.indexOf(',') : between.lastIndexOf(',');
    const cut = sep >= 0 ? prev.end + sep + 1 : prev.end;
    out.push({ start: s + clauseStart, end: s + (sep >= 0 ? prev.end + sep : prev.end), forcedBreak: forced || clauseStart > 0 });
    clauseStart = cut + (/^\s*(?:và\s+)?/u.exec(sentence.slice(cut))?.[0].length ?? 0);
  }
  out.push({ start: s + clauseStart, end: e, forcedBreak: forced || clauseStart > 0 });
  return out.filter((c) => c.end > c.start && text.slice(c.start, c.end).trim() !== '');
}

/** Inline "(i) … (ii) …" or "(1) … (2) …" enumeration with at least two items in sequence. */
export function splitEnumeration(text: string): Array<{ label: string; start: number; end: number }> | null {
  // "…: a) Là cơ quan thường trực …; b) Tổ chức sơ kết …": lettered items written inline.
  const letters = [...text.matchAll(/(?:^|[:;.]\s+)([a-zđ])\)\s+/gu)];
  const abc = 'abcdđeghiklmnopqrstuvxy';
  const run = letters.filter((m, i) => m[1] === abc[i]);
  if (run.length >= 2 && run[0]![1] === 'a') {
    return run.map((m, i) => ({ label: m[1]!, start: m.index + m[0].length, end: i + 1 < run.length ? run[i + 1]!.index + (/^[:;.]/.test(run[i + 1]![0]) ? 1 : 0) : text.length }));
  }
  const marks = [...text.matchAll(/\((i{1,3}|iv|v|vi{1,3}|ix|x|\d{1,2})\)\s*/g)];
  if (marks.length < 2) return null;
  const roman = ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x'];
  const seq = marks.filter((m, i) => {
    const want = roman.includes(marks[0]![1]!) ? roman[i] : String(i + 1);
    return m[1] === want;
  });
  if (seq.length < 2 || seq[0]![1] !== marks[0]![1] || !(seq[0]![1] === 'i' || seq[0]![1] === '1')) return null;
  return seq.map((m, i) => ({
    label: m[1]!,
    start: m.index + m[0].length,
    end: i + 1 < seq.length ? seq[i + 1]!.index : text.length,
  }));
}
