/**
 * Judges answers by the rules of tests/fixtures/eval/README.md: leads named,
 * deadlines among the first tasks, required phrases, out-of-scope refusal,
 * verbatim citations, and evidence recall@5 of the retrieved passages.
 */
import { containsFolded, containsVerbatim, fold, squashSpaces } from '../text/vietnamese.js';
import type { AskResult } from './assistant.js';

/** One QA item (JSON line of the QA file). */
export interface QaItem {
  id: string;
  q: string;
  kind: string;
  lead?: string[];
  deadline?: string;
  deadlines_all?: string[];
  contains?: string[];
  contains_any?: string[];
  now?: string;
  doc?: string;
  evidence?: string | string[];
}

export interface Judgement {
  id: string;
  kind: string;
  correct: boolean;
  failures: string[];
  citationsValid: boolean;
  citations: number;
  /** null when the item has no evidence passage. */
  evidenceAt5: boolean | null;
  evidenceRank: number | null;
}

/** "Bộ Công an" = "bo cong an"; prefixes "Bộ", "Tỉnh", "Thành phố" ignored. */
function normName(name: string): string {
  return fold(name)
    .replace(/[-–,.]/g, ' ')
    .replace(/^(?:bo|tinh|thanh pho|tp)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function dayBefore(iso: string): string {
  const t = new Date(Date.parse(`${iso}T00:00:00Z`) - 86_400_000);
  return t.toISOString().slice(0, 10);
}

export function judge(item: QaItem, result: AskResult, textOf: (docId: string) => string | undefined): Judgement {
  const failures: string[] = [];
  const first3 = result.tasks.slice(0, 3);
  if (item.kind === 'out_of_scope') {
    if (result.grounded) failures.push('không từ chối câu hỏi ngoài phạm vi');
    if (result.tasks.length > 0) failures.push('trả về nhiệm vụ cho câu hỏi ngoài phạm vi');
  } else {
    if (!result.grounded) failures.push('không trả lời (grounded=false)');
    for (const lead of item.lead ?? []) {
      const n = normName(lead);
      const inTasks = first3.some((t) => t.lead.some((l) => normName(l) === n));
      if (!inTasks && !containsFolded(result.answer, lead) && !fold(result.answer).includes(n)) failures.push(`thiếu cơ quan: ${lead}`);
    }
    if (item.deadline) {
      const ok = first3.some((t) => t.deadline === item.deadline || (/^trước ngày/iu.test(t.deadlineText ?? '') && t.deadline === dayBefore(item.deadline!)));
      if (!ok) failures.push(`sai thời hạn: cần ${item.deadline}, có ${first3.map((t) => t.deadline).join(', ') || '—'}`);
    }
    for (const d of item.deadlines_all ?? []) if (!result.tasks.some((t) => t.deadline === d)) failures.push(`thiếu thời hạn ${d}`);
    for (const c of item.contains ?? []) if (!containsFolded(result.answer, c)) failures.push(`câu trả lời thiếu «${c}»`);
    if (item.contains_any && !item.contains_any.some((c) => containsFolded(result.answer, c))) failures.push(`thiếu một trong ${item.contains_any.join(' / ')}`);
  }
  const badCitations = result.citations.filter((c) => {
    const text = textOf(c.docId);
    return text === undefined || !containsVerbatim(text, c.quote);
  });
  if (badCitations.length > 0) failures.push(`${badCitations.length} trích dẫn không nguyên văn`);
  let evidenceRank: number | null = null;
  if (item.evidence) {
    // A comparison may give one excerpt per document: any of them found counts.
    const evs = (Array.isArray(item.evidence) ? item.evidence : [item.evidence]).map((e) => squashSpaces(e));
    const i = result.passages.findIndex((p) => evs.some((ev) => squashSpaces(p.text).includes(ev)));
    evidenceRank = i >= 0 ? i + 1 : null;
  }
  return {
    id: item.id,
    kind: item.kind,
    correct: failures.length === 0,
    failures,
    citationsValid: badCitations.length === 0,
    citations: result.citations.length,
    evidenceAt5: item.evidence ? evidenceRank !== null && evidenceRank <= 5 : null,
    evidenceRank,
  };
}
