/**
 * The web chat's view of an answer (the JSON contract of `ask --json`): the
 * direct answer, task cards for the page on screen (agency, deadline
 * dd/mm/yyyy, status), sources as verbatim quotes with a link to the document
 * view at their section, and the paging state. The page renders it with
 * textContent only.
 */
import type { AnswerTask, AskResult } from '../../qa/assistant.js';
import { formatVietnameseDate, resolveNow } from '../../text/dates.js';

/** A task of the answer as a card: the contract's row with the date as readers write it. */
export interface TaskCard extends Omit<AnswerTask, 'deadline' | 'status'> {
  /** dd/mm/yyyy, or null when the document gives no date. */
  deadline: string | null;
  /** As written in the document, else derived from the deadline and today. */
  status: string;
  overdue: boolean;
  href: string;
}

export interface SourceView {
  docId: string;
  title: string;
  section: string | null;
  quote: string;
  href: string;
}

export interface AnswerView {
  question: string;
  intent: string;
  grounded: boolean;
  /** The answer's opening paragraphs (the whole text when there is no task list). */
  direct: string;
  tasks: TaskCard[];
  sources: SourceView[];
  /** "Trang 1/2": the user types «tiếp» (or taps the button) for the next page. */
  page: { current: number; total: number } | null;
}

/**
 * Link to the document view at a section; with a quote, the page highlights it
 * and the link lands on the highlight (#trich), the section named in ?muc=.
 */
export function documentHref(docId: string, section: string | null | undefined, quote?: string): string {
  const path = `/van-ban/${encodeURIComponent(docId)}`;
  if (quote) return `${path}?${section ? `muc=${encodeURIComponent(section)}&` : ''}trich=${encodeURIComponent(quote.slice(0, 400))}#trich`;
  return `${path}${section ? `#muc-${encodeURIComponent(section)}` : ''}`;
}

export function answerView(result: AskResult, now?: string): AnswerView {
  const today = resolveNow(now ?? null);
  const text = result.answer;
  const pageMatch = /Trang (\d+)\/(\d+)/.exec(text);
  const paragraphs = text.split(/\n\s*\n/).filter((p) => !/^Trang \d+\/\d+/.test(p.trim()));
  const firstItem = paragraphs.findIndex((p) => /^\d+\. /.test(p.trim()));
  // Only the rows cited on this page of the text (the contract lists every row).
  const onPage = result.tasks.filter((t) => text.includes(`mục ${t.section}`));
  const listed = result.tasks.length > 0 && firstItem > 0;
  // A list becomes cards; a single answer ("Thời hạn: … Nguồn: …") keeps its text and gets the cards of the rows it cites.
  const tasks = listed ? (onPage.length > 0 ? onPage : result.tasks.slice(0, 10)) : onPage;
  const hasCards = listed;
  return {
    question: result.question,
    intent: result.intent,
    grounded: result.grounded,
    direct: (hasCards ? paragraphs.slice(0, firstItem) : paragraphs).join('\n\n').trim(),
    tasks: tasks.map((t) => {
      const overdue = t.deadline !== null && t.deadline < today && t.status !== 'hoàn thành';
      return {
        id: t.id,
        task: t.task,
        lead: t.lead,
        support: t.support,
        deadline: t.deadline ? formatVietnameseDate(t.deadline) : null,
        deadlineText: t.deadlineText,
        status: t.status ?? (t.deadline === null ? (t.deadlineText ? 'không có ngày cụ thể' : 'không nêu thời hạn') : overdue ? 'đã quá hạn' : 'chưa đến hạn'),
        overdue,
        docId: t.docId,
        section: t.section,
        href: documentHref(t.docId, t.section),
      };
    }),
    sources: result.citations.map((c) => ({ docId: c.docId, title: c.title, section: c.section ?? null, quote: c.quote, href: documentHref(c.docId, c.section, c.quote) })),
    page: pageMatch ? { current: Number(pageMatch[1]), total: Number(pageMatch[2]) } : null,
  };
}
