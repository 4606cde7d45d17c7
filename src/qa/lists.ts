/**
 * Lists of tasks: what an agency must do, what falls due, what is past due.
 * Every recognised part of the query filters the list first (role, document,
 * deadline window, years and topic), then the list is paged; a filter that
 * leaves nothing is said plainly, with the nearest task. Tasks given to a
 * group the agency belongs to are summarised in one line.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { TaskRow } from '../corpus/types.js';
import type { TaskMatch } from '../tasks/query.js';
import { addDays, formatVietnameseDate } from '../text/dates.js';
import { fold } from '../text/vietnamese.js';
import { shortenQuote, type Citation } from './citations.js';
import { fit, MAX_ANSWER_CHARS, type Composer, type Draft } from './compose.js';
import { brief, describeDeadline, midSentence } from './format.js';
import { MIN_COVERAGE } from './ranking.js';
import type { Understanding } from './understand.js';

const x_cov = (x: { cov: number }) => x.cov;

/** "Bộ Công an", or "Bộ Công an, Bộ Quốc phòng" when the question names several. */
/** "Bộ Công an", or "Bộ Công an, Bộ Quốc phòng" when the question names several; " (EVN)" when typed short. */
const names = (u: Understanding, registry: AgencyRegistry) =>
  u.agencies
    .slice(0, 3)
    .map((a, i) => {
      const typed = registry.findMentions(u.question, { fuzzy: true }).find((m) => m.name === a.name)?.text;
      const echo = typed && typed.length <= 40 && !fold(a.name).includes(fold(typed)) ? ` (${typed})` : '';
      return `${i === 0 ? a.name : midSentence(a.name)}${echo}`;
    })
    .join(', ');

type Matched = { row: TaskRow; m: Omit<TaskMatch, 'row'> };

const direct = (via: string) => via === 'lead' || via === 'predecessor' || via === 'successor';

export class Lists {
  constructor(private readonly c: Composer) {}

  private get r() {
    return this.c.r;
  }

  /** "trong tháng 3/2024", "theo TB 19/07/2024 (VPCP)", "năm 2022": the filters, as words. */
  private filters(u: Understanding, withPeriod = true): string {
    const parts: string[] = [];
    if (u.scope) parts.push(u.documents.length >= 1 && u.documents.length <= 3 ? `theo ${u.documents.map((d) => this.c.label(d)).join(', ')}` : `theo ${u.scope.text}`);
    if (withPeriod && u.period) parts.push(`có hạn trong ${u.period.text}`);
    if (u.years.length > 0) parts.push(`về năm ${u.years.join(', ')}`);
    return parts.length > 0 ? ` ${parts.join(', ')}` : '';
  }

  /** A list item: the task, then its deadline and short source on one line. */
  private item(r: TaskRow, u: Understanding, i: number, note?: string, who = false, topic: string[] = [], agency?: string): string {
    const lead = who ? `${r.lead.length > 0 ? r.lead.map(midSentence).join(', ') : 'Không nêu cơ quan'}: ` : '';
    // "… toàn diện lĩnh vực: Lào Cai (bệnh viện), Nam Định (trường học)": the agency's own part of a shared line.
    const part = agency ? new RegExp(`${agency.replace(/^(?:Tỉnh|Thành phố) /u, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\(([^)]{2,60})\\)`, 'u').exec(r.quote)?.[1] : undefined;
    return [`${i + 1}. ${lead}${focus(r.task, topic, 150)}${part && !r.task.includes(part) ? ` (${part})` : ''}`, `   Hạn: ${describeDeadline(r, u.now, this.r.laterReport(r, (d) => this.c.label(d)))}${note ? ` — ${note}` : ''} · ${this.c.label(r.docId)}${r.section ? `, mục ${r.section}` : ''}`].join('\n');
  }

  private citation(r: TaskRow): Citation {
    return { docId: r.docId, title: this.r.docById.get(r.docId)?.title ?? r.docId, ...(r.section && { section: r.section }), quote: shortenQuote(r.quote, 200).quote };
  }

  /** What an agency or locality must do: its own tasks (in the role asked), filtered by every part of the query. */
  tasksOf(u: Understanding, page: number): Draft {
    const agency = u.agencies[0]!;
    const match = this.r.matcherFor(u)!;
    const topic = this.r.topicBigrams(u, ...u.agencies);
    // "Sở Khoa học và Công nghệ" asked of Hà Nội's plan: "Sở Khoa học và Công nghệ Hà Nội" is that body itself.
    const mine = (x: Matched) => direct(x.m.via) || (x.m.via === 'member' && x.row.lead.some((l) => l.startsWith(`${agency.name} `)));
    const all: Matched[] = this.r.corpus.tasks.map((row) => ({ row, m: match(row) })).filter((x): x is Matched => x.m !== null);
    // "được giao phối hợp": tasks it supports, and tasks given to it together with others "phối hợp triển khai".
    const inRole = all.filter((x) => (u.role === 'support' ? x.m.via === 'support' || (mine(x) && /phối hợp/iu.test(x.row.quote) && x.row.lead.length > 1) : u.role === 'lead' ? mine(x) : true));
    const admitted = inRole.filter((x) => this.r.admits(x.row, u));
    const roleWord = u.role === 'support' ? 'phối hợp' : u.role === 'lead' ? 'chủ trì' : '';
    if (admitted.length === 0) {
      const what = roleWord ? `nhiệm vụ ${roleWord} nào` : 'nhiệm vụ nào';
      return { grounded: true, answer: `${agency.name} không được giao ${what}${this.filters(u, false)} trong các văn bản hiện có.${this.nearest(inRole.length > 0 ? inRole : all, u)}`, rows: [], citations: [] };
    }
    let pool = admitted;
    let periodMiss = '';
    if (u.period) {
      const within = pool.filter((x) => this.r.inPeriod(x.row, u));
      if (within.length === 0) periodMiss = `${agency.name} không có nhiệm vụ có hạn trong ${u.period.text}${this.filters(u, false)}.${this.nearest(pool, u)}`;
      else pool = within;
    }
    if (periodMiss) return { grounded: true, answer: periodMiss, rows: [], citations: [] };
    const scored = pool.map((x) => ({ ...x, cov: topic.length > 0 ? this.r.answerCoverage(topic, this.r.rowBigramsOf(x.row)) : 0 }));
    // The topic narrows the agency's own tasks when some cover it; shared tasks only when on topic.
    const ownAll = scored.filter((s) => u.role === 'support' || mine(s));
    const onTopicAt = Math.min(MIN_COVERAGE, Math.max(0.3, Math.max(0, ...scored.map((x) => x.cov)) - 0.1));
    const ownOnTopic = ownAll.filter((x) => x.cov >= onTopicAt);
    const sharedOnTopic = scored.filter((s) => !ownAll.includes(s) && (topic.length === 0 || x_cov(s) >= onTopicAt));
    // A specific topic no task of the agency covers is reported as such, not answered with its other tasks.
    const bestCov = Math.max(0, ...scored.map((x) => x.cov));
    // Only for a short, focused topic: a long question carries narrative words no task repeats.
    if (topic.length > 0 && topic.length <= 5 && ownOnTopic.length === 0 && sharedOnTopic.length === 0 && bestCov < 0.3 && this.r.keyTerms(topic).length > 0) {
      return this.notAssigned(u, pool.length);
    }
    // A specific topic ("nền tảng số du lịch") none of the agency's own tasks covers: its other tasks do not answer.
    // "… được giao những nhiệm vụ gì …" asks for the list whatever else it adds; "X được giao Y không?" asks about Y.
    const asksList = /\b(?:nhung (?:nhiem vu|viec)(?: gi)?|nhiem vu gi|viec gi|lam gi|nhung gi)\b/.test(u.folded);
    const specific = !asksList && topic.length > 0 && this.r.keyTerms(topic).length > 0 && ownOnTopic.length === 0;
    // Shared tasks that merely touch the topic, while a task given to others is about it: not this agency's.
    const sharedBest = Math.max(0, ...sharedOnTopic.map((x) => x.cov));
    if (specific && (sharedOnTopic.length === 0 || (sharedBest < 0.7 && this.coveredElsewhere(u, topic) >= sharedBest + 0.25))) return this.notAssigned(u, pool.length);
    const list0 = [...(topic.length > 0 && ownOnTopic.length > 0 ? ownOnTopic : specific ? [] : ownAll), ...sharedOnTopic];
    list0.sort(
      (a, b) =>
        b.cov + (mine(b) ? 0.25 : 0) - (a.cov + (mine(a) ? 0.25 : 0)) ||
        Number(b.row.kind === 'task') - Number(a.row.kind === 'task') ||
        this.r.docDate(b.row).localeCompare(this.r.docDate(a.row)),
    );
    const own = list0.filter((s) => ownAll.includes(s));
    const shared = list0.filter((s) => !own.includes(s));
    const list = own.length > 0 ? own : shared;
    const role = u.role === 'support' ? ' phối hợp' : '';
    const filters = this.filters(u);
    const head =
      own.length > 0
        ? `${names(u, this.r.registry)} được giao ${own.length} nhiệm vụ${role}${filters}:`
        : `${agency.name} không được giao riêng nhiệm vụ nào${filters}; có ${shared.length} nhiệm vụ giao chung cho nhóm có ${agency.name}:`;
    const tailParts: string[] = [];
    if (own.length > 0 && shared.length > 0) {
      const groups = [...new Set(shared.map((s) => s.m.note?.replace(/^giao cho (?:nhóm: )?/, '') ?? ''))].filter(Boolean).slice(0, 2).map(midSentence);
      tailParts.push(`Ngoài ra ${shared.length} nhiệm vụ giao chung (${groups.join('; ')}) — hỏi «nhiệm vụ của ${midSentence(groups[0] ?? 'các bộ, ngành')}» để xem.`);
    }
    if (agency.succession) tailParts.push(`Lưu ý: ${agency.succession.note.replace(/\.+$/, '')}.`);
    // "giao cho Bộ Tài nguyên và Môi trường — Từ ngày 01/3/2025 hợp nhất …": the merger is said once, below the list.
    const inherited = new Map<string, string>();
    const noteOf = (note: string | undefined) => {
      if (!note) return undefined;
      const [who, ...why] = note.split(' — ');
      if (why.length > 0) inherited.set(who!.replace(/^giao cho /, ''), why.join(' — ').replace(/\.+$/, ''));
      return who;
    };
    const items = list.map((s, i) => this.item(s.row, u, i, s.m.via === 'lead' || s.m.via === 'support' ? undefined : noteOf(s.m.note), false, topic, agency.name));
    for (const [who, why] of inherited) tailParts.push(`${who}: ${midSentence(why)}.`);
    const { text, shown } = paginate(head, items, page, tailParts.join('\n'));
    return { grounded: true, answer: text, rows: list.map((s) => s.row).slice(0, 50), citations: shown.map((i) => this.citation(list[i]!.row)) };
  }

  /** How well the best task given to anyone covers the topic. */
  private coveredElsewhere(u: Understanding, topic: string[]): number {
    return Math.max(0, ...this.r.rankRows({ ...u, agencies: [], role: 'any' }).slice(0, 10).map((x) => this.r.answerCoverage(topic, this.r.rowBigramsOf(x.row))));
  }

  /**
   * "Điện Biên được giao nền tảng số du lịch không?": no task of the agency is about it. Says so,
   * and who the documents do give that work to, when a task covers the topic.
   */
  private notAssigned(u: Understanding, others: number): Draft {
    const agency = u.agencies[0]!;
    const topic = this.r.topicBigrams(u, ...u.agencies);
    const elsewhere = this.r
      .rankRows({ ...u, agencies: [], role: 'any' })
      .map((x) => ({ row: x.row, cov: this.r.answerCoverage(topic, this.r.rowBigramsOf(x.row)) }))
      .filter((x) => x.cov >= 0.7 && x.row.lead.length > 0)[0]?.row;
    const given = elsewhere ? ` Việc gần nhất trong văn bản được giao cho ${elsewhere.lead.slice(0, 6).map(midSentence).join(', ')}${elsewhere.lead.length > 6 ? '…' : ''} (${this.c.label(elsewhere.docId)}${elsewhere.section ? `, mục ${elsewhere.section}` : ''}): «${brief(elsewhere.task, 140)}».` : '';
    return {
      grounded: false,
      answer: `Các văn bản hiện có không giao ${agency.name} nhiệm vụ nào về nội dung này${this.filters(u)} (văn bản không đề cập).${given} ${agency.name} được giao ${others} nhiệm vụ khác — hỏi «${agency.name} phải làm gì?» để xem.`,
      rows: [],
      citations: [],
    };
  }

  /** The agency's task with the nearest dated deadline, as "; gần nhất là …". */
  private nearest(pool: Matched[], u: Understanding): string {
    const dated = pool.filter((x) => x.row.kind === 'task' && x.row.deadline.date !== null);
    if (dated.length === 0) return '';
    const target = u.period?.from ?? u.now;
    const dist = (d: string) => Math.abs(Date.parse(d) - Date.parse(target));
    const best = dated.sort((a, b) => dist(a.row.deadline.date!) - dist(b.row.deadline.date!))[0]!.row;
    return ` Gần nhất là: ${brief(best.task, 140)} — hạn ${formatVietnameseDate(best.deadline.date!)} (${this.c.label(best.docId)}).`;
  }

  /** Due soon and/or past due relative to the asking date, filtered by agency, role, documents and topic years. */
  deadlines(u: Understanding, page: number): Draft {
    const wantOverdue = u.asks.includes('overdue');
    const wantDue = u.asks.includes('due_soon') || !wantOverdue;
    const both = wantDue && wantOverdue;
    const agency = u.agencies[0];
    const match = this.r.matcherFor(u);
    const base = this.r.corpus.tasks
      // Indicators with a date count when the question asks about targets ("chỉ tiêu nào đã quá hạn").
      .filter((r) => (r.kind === 'task' || /\bchi tieu\b/.test(u.folded)) && r.deadline.date !== null && this.r.admits(r, u))
      .filter((r) => {
        if (!match) return true;
        const m = match(r);
        return m !== null && (u.role !== 'support' || m.via === 'support');
      });
    // A specific topic ("phiên họp chuyên đề …") narrows a window's list when some of its tasks cover it.
    const topic = this.r.topicBigrams(u, ...u.agencies);
    const narrow = (rows: TaskRow[]) => {
      if (topic.length === 0 || this.r.keyTerms(topic).length === 0) return rows;
      const onTopic = rows.filter((r) => this.r.answerCoverage(topic, this.r.rowBigramsOf(r)) >= MIN_COVERAGE);
      // The question's numbers ("Đề án 06", "Nghị định 13") name what is meant: rows that carry them all, when some do.
      const numbers = topic.filter((t) => /^\d+$/.test(t));
      const named = onTopic.filter((r) => numbers.every((n) => this.r.rowBigramsOf(r).has(n)));
      return named.length > 0 ? named : onTopic.length > 0 ? onTopic : rows;
    };
    // "thủ tục đổi bằng lái xe quá hạn …": a specific topic no dated task comes near is not in the documents.
    const keys = this.r.keyTerms(topic);
    if (keys.length >= 2 && !agency && u.documents.length === 0 && base.length > 0 && Math.max(...base.map((r) => this.r.answerCoverage(topic, this.r.rowBigramsOf(r)))) < MIN_COVERAGE) {
      return { grounded: false, answer: `Các văn bản hiện có không có nhiệm vụ có thời hạn nào về nội dung này (văn bản không đề cập), nên tôi không liệt kê để tránh đưa thông tin sai.`, rows: [], citations: [] };
    }
    // The agency's own tasks before those of groups it belongs to.
    const own = (r: TaskRow) => Number(match !== null && direct(match(r)?.via ?? ''));
    const whose = `${agency ? ` của ${names(u, this.r.registry)}` : ''}${this.filters(u, false)}`;
    const blocks: Array<{ head: string; rows: TaskRow[] }> = [];
    // "các mốc sắp tới về an toàn hệ thống thông tin": with a specific topic and no window, every coming deadline on it.
    const onTopic = !u.period && topic.length > 0 && this.r.keyTerms(topic).length > 0 ? base.filter((r) => r.deadline.date! >= u.now && this.r.answerCoverage(topic, this.r.rowBigramsOf(r)) >= MIN_COVERAGE) : [];
    if (wantDue && onTopic.length > 0) {
      const due = onTopic.sort((a, b) => own(b) - own(a) || a.deadline.date!.localeCompare(b.deadline.date!));
      blocks.push({ head: `Các mốc sắp tới về nội dung này${whose} (tính từ ${formatVietnameseDate(u.now)}): ${due.length} nhiệm vụ${both && due.length > 5 ? ' (5 gần nhất)' : ''}:`, rows: both ? due.slice(0, 5) : due });
    } else if (wantDue) {
      const from = u.period?.from ?? u.now;
      const to = u.period?.to ?? addDays(u.now, 30);
      const due = narrow(base.filter((r) => r.deadline.date! >= from && r.deadline.date! <= to)).sort((a, b) => own(b) - own(a) || a.deadline.date!.localeCompare(b.deadline.date!));
      const range = `từ ${formatVietnameseDate(from)} đến ${formatVietnameseDate(to)}${u.period ? ` (${u.period.text})` : ''}`;
      if (due.length === 0) {
        const next = base.filter((r) => r.deadline.date! > to).sort((a, b) => a.deadline.date!.localeCompare(b.deadline.date!))[0];
        // Nothing in the window: say so, then list every task of the nearest deadline (year-end deadlines come in dozens).
        const nearest = next && (!u.period || u.period.from === u.now) ? narrow(base.filter((r) => r.deadline.date === next.deadline.date)).sort((a, b) => own(b) - own(a)) : [];
        if (nearest.length > 1) {
          blocks.push({ head: `Không có nhiệm vụ nào${whose} có hạn ${range}. Hạn gần nhất tiếp theo là ${formatVietnameseDate(next!.deadline.date!)}, có ${nearest.length} nhiệm vụ:`, rows: both ? nearest.slice(0, 5) : nearest });
        } else {
          blocks.push({ head: `Không có nhiệm vụ nào${whose} có hạn ${range}.${next ? ` Hạn gần nhất tiếp theo: ${formatVietnameseDate(next.deadline.date!)} — ${brief(next.task, 120)} (${this.c.label(next.docId)}).` : ''}`, rows: [] });
        }
      } else blocks.push({ head: `Có ${due.length} nhiệm vụ${whose} đến hạn ${range}${both && due.length > 5 ? ' (5 gần nhất)' : ''}:`, rows: both ? due.slice(0, 5) : due });
    }
    if (wantOverdue) {
      const from = u.period?.from ?? '0000-01-01';
      const to = u.period && u.period.to < u.now ? u.period.to : addDays(u.now, -1);
      const past = narrow(base.filter((r) => r.deadline.date! >= from && r.deadline.date! <= to && r.status !== 'hoàn thành')).sort((a, b) => own(b) - own(a) || b.deadline.date!.localeCompare(a.deadline.date!));
      if (past.length === 0) blocks.push({ head: `Không có nhiệm vụ nào${whose} đã quá hạn tính đến ${formatVietnameseDate(u.now)} theo các văn bản hiện có.`, rows: [] });
      else blocks.push({ head: `Có ${past.length} nhiệm vụ${whose} đã quá hạn tính đến ${formatVietnameseDate(u.now)} theo thời hạn ghi trong văn bản (văn bản không ghi nhận kết quả thực hiện), hạn gần nhất trước${both && past.length > 5 ? ' (5 gần nhất)' : ''}:`, rows: both ? past.slice(0, 5) : past });
    }
    const rows = blocks.flatMap((b) => b.rows);
    if (rows.length === 0) return { grounded: true, answer: blocks.map((b) => b.head).join('\n\n'), rows: [], citations: [] };
    if (both) {
      let n = 0;
      const text = blocks.map((b) => [b.head, ...b.rows.map((r) => this.item(r, u, n++, undefined, true))].join('\n\n')).join('\n\n');
      return { grounded: true, answer: fit(text), rows, citations: rows.slice(0, 10).map((r) => this.citation(r)) };
    }
    const block = blocks[0]!;
    const { text, shown } = paginate(block.head, block.rows.map((r, i) => this.item(r, u, i, undefined, true)), page, '');
    return { grounded: true, answer: text, rows: rows.slice(0, 50), citations: shown.map((i) => this.citation(rows[i]!)) };
  }
}

/** A task description shortened around the part that matches the question's topic. */
function focus(text: string, topic: string[], max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  // A little over the budget reads better whole than cut twice.
  if (t.length <= max * 1.4) return t;
  const folded = fold(t);
  const positions = topic.map((b) => folded.indexOf(b.replace('_', ' '))).filter((i) => i >= 0);
  const at = positions.length > 0 ? Math.min(...positions) : 0;
  if (at < max * 0.6) return brief(t, max);
  const start = t.lastIndexOf(' ', Math.max(0, at - 50));
  return `${brief(t, 60)} … ${brief(t.slice(start + 1), max - 65)}`;
}

/**
 * Splits a numbered list into pages that each fit one chat message (item
 * numbers run on across pages), and returns the requested page with a
 * "Trang p/n — gõ «tiếp»" footer when more follow.
 */
export function paginate(head: string, items: string[], page: number, tail: string): { text: string; shown: number[] } {
  const budget = MAX_ANSWER_CHARS - head.length - tail.length - 60;
  const pages: number[][] = [[]];
  let used = 0;
  items.forEach((item, i) => {
    const len = item.length + 2;
    if (pages.at(-1)!.length > 0 && used + len > budget) {
      pages.push([]);
      used = 0;
    }
    pages.at(-1)!.push(i);
    used += len;
  });
  const p = Math.min(Math.max(1, page), pages.length);
  const shown = pages[p - 1]!;
  const parts = [head, ...shown.map((i) => items[i]!)];
  if (tail) parts.push(tail);
  if (pages.length > p) parts.push(`Trang ${p}/${pages.length} — gõ «tiếp» để xem thêm.`);
  return { text: parts.join('\n\n'), shown };
}
