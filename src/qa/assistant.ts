/**
 * The question-answering core. Who/when/list/tasks-of/upcoming/overdue are
 * answered from the task table, with retrieval picking the rows; indicators
 * from indicator rows, else passages; guidance from passages. Every answer
 * starts with the direct answer, then its sources with verified verbatim
 * quotes; when the documents do not answer, it says so and never guesses.
 */
import MiniSearch from 'minisearch';
import type { AgencyRegistry } from '../corpus/agencies.js';
import { loadRegistry } from '../ingestion/ingest.js';
import { Corpus, defaultCorpusDir } from '../corpus/store.js';
import type { AgencyEntry, DocumentMeta, TaskRow } from '../corpus/types.js';
import { PassageIndex, type PassageHit } from '../retrieval/index.js';
import { analyze, bigramSet, contentBigrams, expandAbbreviations } from '../retrieval/analyzer.js';
import type { Chunk } from '../retrieval/chunks.js';
import { Speller } from '../retrieval/spelling.js';
import type { Embedder } from '../retrieval/vectors.js';
import { agencyMatcher } from '../tasks/query.js';
import { addDays, formatVietnameseDate, resolveNow } from '../text/dates.js';
import { fold, squashSpaces } from '../text/vietnamese.js';
import { findPeriods } from '../text/periods.js';
import { shortenQuote, verifyCitations, type Citation } from './citations.js';
import { brief, describeDeadline, describeLeads, documentLabel } from './format.js';
import type { Phraser } from './llm.js';
import { understand, type Intent, type Understanding } from './understand.js';

/** One task row as returned to callers (the `ask --json` contract). */
export interface AnswerTask {
  id: string;
  task: string;
  lead: string[];
  support: string[];
  deadline: string | null;
  deadlineText: string | null;
  status?: string;
  docId: string;
  section: string;
}

export interface AnswerPassage {
  docId: string;
  section?: string;
  text: string;
  score: number;
}

/** The answer to one question: the JSON contract of `npm run ask -- --json`. */
export interface AskResult {
  id?: string;
  question: string;
  intent: Intent;
  grounded: boolean;
  /** The exact text a chat user gets. */
  answer: string;
  tasks: AnswerTask[];
  citations: Citation[];
  passages: AnswerPassage[];
}

export interface AskOptions {
  /** Asking date (YYYY-MM-DD); default ASSISTANT_NOW, else today in Asia/Ho_Chi_Minh. */
  now?: string;
  id?: string;
  /** Page of a long list (1-based). */
  page?: number;
  /** Skip LLM phrasing even when configured (e.g. benchmarks). */
  extractiveOnly?: boolean;
  /** Return the top five retrieved passages (default true). Chat replies do not need them. */
  passages?: boolean;
}

export interface AssistantOptions {
  corpusDir?: string;
  /** Where the index cache lives (DATA_DIR); omitted → in memory. */
  dataDir?: string;
  embedder?: Embedder;
  /** Optional LLM phrasing of answers. */
  phraser?: Phraser;
  /** Answers kept for repeated questions (default 1,000; 0 disables the cache). */
  answerCacheSize?: number;
  onProgress?: (message: string) => void;
}

const MAX_ANSWER_CHARS = 1500;
const ANSWER_CACHE_SIZE = 1000;
/** A row or passage covering less of the question's topic than this does not answer it. */
const MIN_COVERAGE = 0.5;

/**
 * Phrases (folded) that only say what kind of answer is wanted; removed from a
 * question before its topic is read. Whole phrases, not single syllables, so
 * "hội nghị" goes but "nghị định" stays.
 */
const QUESTION_FRAME = [
  'co quan nao', 'don vi nao', 'bo nao', 'nganh nao', 'tinh nao', 'dia phuong nao', 'thanh pho nao', 'nhung tinh nao', 'cac tinh nao',
  'chiu trach nhiem', 'phu trach', 'chu tri', 'khi nao', 'bao gio', 'thoi han', 'han chot', 'han cuoi', 'thoi gian nao', 'truoc ngay nao',
  'ngay nao', 'cham nhat', 'muon nhat', 'phai xong', 'hoan thanh', 'nhiem vu', 'cong viec', 'duoc giao', 'giao cho', 'phai lam', 'lam gi',
  'la gi', 'nhung gi', 'bao nhieu', 'the nao', 'nhu the nao', 'theo ket luan', 'ket luan', 'hoi nghi', 'phien hop', 'sap den han', 'den han',
  'qua han', 'co nhiem vu', 'trien khai', 'thuc hien', 'cho biet', 'xin hoi', 'cho hoi', 'la ai', 'do ai', 'muc tieu', 'chi tieu', 'ket qua',
  'ty le', 'dat duoc', 'nhom nhiem vu', 'nam', 'thang', 'quy', 'han',
].sort((a, b) => b.length - a.length);
const FRAME_RE = new RegExp(`(?<![\\p{L}\\p{N}])(?:${QUESTION_FRAME.join('|')})(?![\\p{L}\\p{N}])`, 'gu');

interface RowDoc {
  id: string;
  text: string;
}

export class Assistant {
  private readonly rowIndex: MiniSearch<RowDoc>;
  private readonly rowById: Map<string, TaskRow>;
  private readonly rowBigrams = new Map<string, Set<string>>();
  /** In how many rows each index term occurs. */
  private readonly rowTermFrequency = new Map<string, number>();
  private readonly chunkOfRow = new Map<string, Chunk>();
  private readonly docById: Map<string, DocumentMeta>;
  /** Inverse document frequency of terms over passages: a question's rare words weigh most. */
  private readonly idf = new Map<string, number>();
  private readonly unseenIdf: number;
  private readonly speller: Speller;
  /** Recent answers by question, date, page and options (least recently used evicted first). */
  private readonly answerCache = new Map<string, AskResult>();
  /** Passage searches of the question being answered (several steps ask the same). */
  private readonly searchMemo = new Map<string, Promise<PassageHit[]>>();

  private constructor(
    readonly corpus: Corpus,
    readonly registry: AgencyRegistry,
    readonly passages: PassageIndex,
    private readonly phraser: Phraser | undefined,
    private readonly answerCacheSize: number = ANSWER_CACHE_SIZE,
  ) {
    this.docById = new Map(corpus.documents.map((d) => [d.docId, d]));
    const df = new Map<string, number>();
    for (const c of passages.chunks) for (const t of bigramSet(c.text)) df.set(t, (df.get(t) ?? 0) + 1);
    const n = passages.chunks.length;
    for (const [t, d] of df) this.idf.set(t, Math.log((n + 1) / (d + 0.5)));
    this.unseenIdf = Math.log((n + 1) / 0.5);
    this.speller = new Speller(passages.chunks.map((c) => c.text));
    this.rowById = new Map(corpus.tasks.map((r) => [r.id, r]));
    this.rowIndex = new MiniSearch<RowDoc>({
      fields: ['text'],
      // Rows name agencies in full; only questions need aliases expanded (done when the query is analysed).
      tokenize: (text: string) => analyze(text),
      processTerm: (t: string) => t,
      searchOptions: { combineWith: 'OR' },
    });
    this.rowIndex.addAll(corpus.tasks.map((r) => ({ id: r.id, text: `${r.task} ${r.quote}` })));
    for (const r of corpus.tasks) for (const t of new Set(analyze(`${r.task} ${r.quote}`))) this.rowTermFrequency.set(t, (this.rowTermFrequency.get(t) ?? 0) + 1);
    const chunksByDoc = new Map<string, Array<{ chunk: Chunk; squashed: string }>>();
    for (const c of passages.chunks) {
      const list = chunksByDoc.get(c.docId) ?? [];
      list.push({ chunk: c, squashed: squashSpaces(c.text) });
      chunksByDoc.set(c.docId, list);
    }
    for (const r of corpus.tasks) {
      const head = squashSpaces(r.quote).slice(0, 80);
      const chunk = chunksByDoc.get(r.docId)?.find((c) => c.squashed.includes(head))?.chunk;
      if (chunk) this.chunkOfRow.set(r.id, chunk);
      // The headings above a row ("… trực tiếp chỉ đạo") describe it too.
      const context = chunk?.context.split(' › ').slice(1).join(' ') ?? '';
      this.rowBigrams.set(r.id, bigramSet(`${r.task} ${r.quote} ${r.indicator?.target ?? ''} ${r.indicator?.result ?? ''} ${context}`));
    }
  }

  /** Loads the corpus and opens (or builds) the passage index. */
  static async open(opts: AssistantOptions = {}): Promise<Assistant> {
    const root = opts.corpusDir ?? defaultCorpusDir();
    const corpus = Corpus.load(root);
    const registry = loadRegistry(root);
    const index = await PassageIndex.open({
      corpus,
      registry,
      ...(opts.dataDir !== undefined && { dataDir: opts.dataDir }),
      ...(opts.embedder !== undefined && { embedder: opts.embedder }),
      ...(opts.onProgress !== undefined && { onProgress: opts.onProgress }),
    });
    return new Assistant(corpus, registry, index, opts.phraser, opts.answerCacheSize ?? ANSWER_CACHE_SIZE);
  }

  /**
   * Answers one question. Never throws for bad input: empty or odd text gets a Vietnamese
   * explanation. Answers are cached (the corpus of one Assistant never changes), so the
   * questions many officials ask alike cost a lookup.
   */
  async ask(question: string, opts: AskOptions = {}): Promise<AskResult> {
    const now = resolveNow(opts.now);
    const key = JSON.stringify([squashSpaces(question), now, opts.page ?? 1, opts.extractiveOnly === true, opts.passages !== false]);
    // With a language model the answer may differ between calls (or be a timeout fallback): never cached.
    const cacheable = this.answerCacheSize > 0 && (!this.phraser || opts.extractiveOnly === true);
    const cached = cacheable ? this.answerCache.get(key) : undefined;
    if (cached) {
      this.answerCache.delete(key);
      this.answerCache.set(key, cached);
      return { ...(opts.id !== undefined && { id: opts.id }), ...cached };
    }
    const result = await this.answer(question, now, opts);
    if (cacheable) {
      this.answerCache.set(key, result);
      if (this.answerCache.size > this.answerCacheSize) this.answerCache.delete(this.answerCache.keys().next().value!);
    }
    return { ...(opts.id !== undefined && { id: opts.id }), ...result };
  }

  private async answer(question: string, now: string, opts: AskOptions): Promise<AskResult> {
    this.searchMemo.clear();
    const u = understand(question, now, this.registry, this.corpus.documents, (t) => this.speller.correct(t));
    const draft = await this.compose(u, opts.page ?? 1);
    const citations = verifyCitations(draft.citations, (id) => (this.docById.has(id) ? this.corpus.squashedText(id) : undefined));
    const passages = opts.passages === false ? [] : await this.topPassages(u, draft.rows);
    let answer = draft.answer;
    if (this.phraser && !opts.extractiveOnly && draft.grounded) {
      const documents = this.corpus.documents.map((d) => ({ docId: d.docId, title: d.title, ...(d.date && { date: d.date }) }));
      const phrased = await this.phraser.phrase({ question: u.question, now, intent: u.intent, draft: answer, rows: draft.rows, passages, citations, documents });
      if (phrased) answer = phrased;
    }
    return {
      question: u.question,
      intent: draft.grounded ? u.intent : 'out_of_scope',
      grounded: draft.grounded,
      answer,
      tasks: draft.rows.map(toAnswerTask),
      citations,
      passages,
    };
  }

  // ------------------------------------------------------------------ composition

  private async compose(u: Understanding, page: number): Promise<Draft> {
    switch (u.intent) {
      case 'upcoming':
      case 'overdue':
        return this.answerDeadlines(u, page);
      case 'tasks_of':
        return u.agencies.length > 0 ? this.answerTasksOf(u, page) : this.answerFromRows(u);
      case 'guidance':
        return (await this.answerFromPassages(u)) ?? this.answerFromRows(u);
      case 'indicator':
        return this.answerIndicator(u);
      default:
        return this.answerFromRows(u);
    }
  }

  /** Who / when / list: the best-matching assignment, with the other documents that assign the same task. */
  private async answerFromRows(u: Understanding): Promise<Draft> {
    const ranked = this.rankRows(u);
    const best = ranked[0];
    if (!best || best.coverage < MIN_COVERAGE) {
      return (await this.answerFromPassages(u)) ?? this.refuse(u);
    }
    // The same task in other documents: repeated, changed or superseded instructions.
    const same = ranked
      .slice(1)
      .filter((r) => r.coverage >= Math.max(MIN_COVERAGE + 0.1, best.coverage - 0.4) && r.row.docId !== best.row.docId)
      .slice(0, 2);
    const group = [best, ...same].sort((a, b) => this.docDate(b.row).localeCompare(this.docDate(a.row)));
    const lines: string[] = [];
    const citations: Citation[] = [];
    const head = group[0]!.row;
    lines.push(this.directAnswer(head, u));
    if (group.length > 1) {
      lines.push('');
      lines.push(`Việc này được nêu trong ${group.length} văn bản; chỉ đạo mới nhất là ${documentLabel(this.docById.get(head.docId))}.`);
    }
    for (const [i, r] of group.entries()) {
      lines.push('');
      if (group.length > 1) lines.push(`${i + 1}. ${this.directAnswer(r.row, u, true)}`);
      lines.push(...this.sourceLines(r.row, citations));
    }
    const rows = [...group.map((g) => g.row), ...ranked.filter((r) => !group.includes(r)).slice(0, 3).filter((r) => r.coverage >= MIN_COVERAGE).map((r) => r.row)];
    return { grounded: true, answer: fit(lines.join('\n')), rows, citations };
  }

  /** First line: who leads and by when — what the official asked for. */
  private directAnswer(row: TaskRow, u: Understanding, short = false): string {
    const deadline = `Thời hạn: ${describeDeadline(row, u.now)}.`;
    if (u.intent === 'list' && row.lead.length > 1) {
      return `${row.lead.length} ${row.lead.every((l) => this.registry.get(l)?.kind === 'province') ? 'địa phương' : 'cơ quan'} được giao: ${row.lead.join(', ')}.${short ? '' : ` ${deadline}`}`;
    }
    const who = row.lead.length === 0 ? 'Văn bản không nêu cơ quan chủ trì cụ thể.' : `${describeLeads(row)} chủ trì${row.support.length > 0 ? `, phối hợp với ${row.support.join(', ')}` : ''}.`;
    return u.intent === 'when' ? `${deadline} ${who}` : `${who} ${deadline}`;
  }

  /** "Nhiệm vụ: …" and "Nguồn: …, mục …: “quote”". */
  private sourceLines(row: TaskRow, citations: Citation[]): string[] {
    const doc = this.docById.get(row.docId);
    const { quote, truncated } = shortenQuote(row.quote);
    citations.push({ docId: row.docId, title: doc?.title ?? row.docId, ...(row.section && { section: row.section }), quote });
    const lines: string[] = [];
    if (!squashSpaces(row.quote).startsWith(squashSpaces(row.task).slice(0, 60))) lines.push(`${row.kind === 'indicator' ? 'Chỉ tiêu' : 'Nhiệm vụ'}: ${brief(row.task, 300)}`);
    if (row.indicator) lines.push(indicatorLine(row));
    lines.push(`Nguồn: ${documentLabel(doc)}${row.section ? `, mục ${row.section}` : ''}:`);
    lines.push(`“${quote}”${truncated ? ' […]' : ''}`);
    return lines;
  }

  /** What an agency or locality must do, its own tasks first, then those given to groups it belongs to. */
  private answerTasksOf(u: Understanding, page: number): Draft {
    const agency = u.agencies[0]!;
    const match = agencyMatcher(agency, this.registry, false, u.now);
    const topic = this.topicBigrams(u, agency);
    const scored = this.corpus.tasks
      .map((row) => ({ row, m: match(row) }))
      .filter((x): x is { row: TaskRow; m: NonNullable<ReturnType<typeof match>> } => x.m !== null)
      .filter((x) => u.documents.length === 0 || u.documents.includes(x.row.docId))
      .map((x) => ({ ...x, cov: this.coverage(topic, this.rowBigrams.get(x.row.id)!) + (this.inPeriod(x.row, u) ? 0.3 : 0) }));
    const direct = (v: string) => v === 'lead' || v === 'predecessor' || v === 'successor';
    // Rows on the asked topic first (own before shared), then the agency's own rows.
    const key = (x: { m: { via: string }; cov: number }) => x.cov + (direct(x.m.via) ? 0.25 : 0);
    scored.sort(
      (a, b) =>
        key(b) - key(a) ||
        Number(b.row.kind === 'task') - Number(a.row.kind === 'task') ||
        this.docDate(b.row).localeCompare(this.docDate(a.row)),
    );
    if (scored.length === 0) return this.refuse(u, `Các văn bản hiện có không giao nhiệm vụ nào cho ${agency.name}.`);
    const own = scored.filter((s) => direct(s.m.via));
    const shared = scored.length - own.length;
    const list = own.length > 0 ? own : scored;
    const scope = u.documents.length > 0 ? ` theo ${documentLabel(this.docById.get(u.documents[0]!))}` : '';
    const head = own.length > 0 ? `${agency.name} được giao ${own.length} nhiệm vụ${scope}${shared > 0 ? ` (ngoài ra ${shared} nhiệm vụ giao chung cho nhóm có ${agency.name})` : ''}:` : `${agency.name} không được giao riêng nhiệm vụ nào${scope}; có ${shared} nhiệm vụ giao chung:`;
    const tail = agency.succession ? `Lưu ý: ${agency.succession.note}.` : '';
    const items = list.map((s, i) => {
      const r = s.row;
      const doc = this.docById.get(r.docId);
      return [
        `${i + 1}. ${focus(r.task, topic, 240)}`,
        `   Thời hạn: ${describeDeadline(r, u.now)}${s.m.note ? ` — ${s.m.note}` : ''}.`,
        `   Nguồn: ${documentLabel(doc)}${r.section ? `, mục ${r.section}` : ''}.`,
      ].join('\n');
    });
    const { text, shown } = paginate(head, items, page, tail);
    const citations = shown.map((i) => this.listCitation(list[i]!.row));
    return { grounded: true, answer: text, rows: list.map((s) => s.row).slice(0, 50), citations };
  }

  /** Upcoming or overdue tasks relative to the asking date. */
  private answerDeadlines(u: Understanding, page: number): Draft {
    const overdue = u.intent === 'overdue';
    const from = overdue ? (u.period?.from ?? '0000-01-01') : (u.period?.from ?? u.now);
    const to = overdue ? (u.period && u.period.to < u.now ? u.period.to : addDays(u.now, -1)) : (u.period?.to ?? addDays(u.now, 30));
    const match = u.agencies[0] ? agencyMatcher(u.agencies[0], this.registry, true, u.now) : null;
    const rows = this.corpus.tasks
      .filter((r) => r.kind === 'task' && r.deadline.date !== null && r.deadline.date >= from && r.deadline.date <= to)
      .filter((r) => !overdue || r.status !== 'hoàn thành')
      .filter((r) => !match || match(r) !== null)
      .sort((a, b) => (overdue ? b.deadline.date!.localeCompare(a.deadline.date!) : a.deadline.date!.localeCompare(b.deadline.date!)));
    const whose = u.agencies[0] ? ` của ${u.agencies[0].name}` : '';
    const range = `từ ${formatVietnameseDate(from === '0000-01-01' ? rows.at(-1)?.deadline.date ?? u.now : from)} đến ${formatVietnameseDate(to)}`;
    if (rows.length === 0) {
      const next = this.corpus.tasks.filter((r) => r.kind === 'task' && r.deadline.date !== null && r.deadline.date > to).sort((a, b) => a.deadline.date!.localeCompare(b.deadline.date!))[0];
      const answer = overdue
        ? `Không có nhiệm vụ nào${whose} đã quá hạn tính đến ${formatVietnameseDate(u.now)} theo các văn bản hiện có.`
        : `Không có nhiệm vụ nào${whose} có hạn ${range}.${next ? ` Hạn gần nhất tiếp theo: ${formatVietnameseDate(next.deadline.date!)} — ${brief(next.task, 120)}.` : ''}`;
      return { grounded: true, answer, rows: [], citations: [] };
    }
    const head = overdue
      ? `Có ${rows.length} nhiệm vụ${whose} đã quá hạn tính đến ${formatVietnameseDate(u.now)} (văn bản không ghi nhận đã hoàn thành), mới quá hạn nhất trước:`
      : `Có ${rows.length} nhiệm vụ${whose} đến hạn ${range}:`;
    const items = rows.map((r, i) => {
      const doc = this.docById.get(r.docId);
      return [
        `${i + 1}. ${describeDeadline(r, u.now)}`,
        `   ${r.lead.length > 0 ? r.lead.join(', ') : 'Không nêu cơ quan'}: ${brief(r.task, 200)}`,
        `   Nguồn: ${documentLabel(doc)}${r.section ? `, mục ${r.section}` : ''}.`,
      ].join('\n');
    });
    const { text, shown } = paginate(head, items, page, '');
    const citations = shown.map((i) => this.listCitation(rows[i]!));
    return { grounded: true, answer: text, rows: rows.slice(0, 50), citations };
  }

  /** Indicator figures: indicator rows when they cover the question, else the passage that states the figure. */
  private async answerIndicator(u: Understanding): Promise<Draft> {
    const ranked = this.rankRows(u);
    const indicators = ranked.filter((r) => r.row.kind === 'indicator' || r.row.indicator);
    const best = indicators[0];
    const bestAny = ranked[0];
    const passage = await this.answerFromPassages(u, true);
    if (best && best.coverage >= MIN_COVERAGE && (!bestAny || best.coverage >= bestAny.coverage - 0.1)) {
      // The same indicator reported in several documents (figures differ between reports): newest first.
      const same = indicators.filter((r) => r !== best && r.coverage >= best.coverage - 0.05 && fold(r.row.task) === fold(best.row.task));
      const group = [best, ...same].sort((a, b) => this.docDate(b.row).localeCompare(this.docDate(a.row)));
      const lines = [`${describeLeads(group[0]!.row)} chủ trì chỉ tiêu «${brief(group[0]!.row.task, 200)}». ${indicatorLine(group[0]!.row)}`];
      if (group.length > 1) lines.push('', `Số liệu khác nhau giữa các văn bản; mới nhất là ${documentLabel(this.docById.get(group[0]!.row.docId))}:`);
      const citations: Citation[] = [];
      for (const [i, g] of group.entries()) {
        lines.push('');
        if (group.length > 1) lines.push(`${i + 1}. ${indicatorLine(g.row)}`);
        lines.push(...this.sourceLines(g.row, citations).filter((l) => !l.startsWith('Chỉ tiêu') && !l.startsWith('Mục tiêu') && !l.startsWith('Kết quả')));
      }
      return { grounded: true, answer: fit(lines.join('\n')), rows: group.map((g) => g.row), citations };
    }
    if (passage) return passage;
    if (bestAny && bestAny.coverage >= MIN_COVERAGE) return this.answerFromRows(u);
    return this.refuse(u);
  }

  /** Guidance: the sentences of the best passages that answer the question, quoted. */
  private async answerFromPassages(u: Understanding, wantFigure = false): Promise<Draft | null> {
    const topic = this.topicBigrams(u);
    if (topic.length === 0) return null;
    const hits = await this.searchPassages(u.corrected, u.documents);
    let best: { hit: PassageHit; sentence: string; cov: number } | null = null;
    for (const hit of hits) {
      for (const sentence of sentencesOf(hit.chunk.text)) {
        if (wantFigure && !/\d/.test(sentence)) continue;
        const cov = this.coverage(topic, bigramSet(`${sentence} ${hit.chunk.context}`));
        if (!best || cov > best.cov + 1e-9) best = { hit, sentence, cov };
      }
    }
    if (!best || best.cov < MIN_COVERAGE) return null;
    const doc = this.docById.get(best.hit.chunk.docId);
    // The best sentence with the sentences that follow it, while they fit: answers often run on ("Trước hết, …").
    const all = sentencesOf(best.hit.chunk.text);
    const at = all.indexOf(best.sentence);
    let passageText = best.sentence;
    for (let i = at + 1; i < all.length && passageText.length + all[i]!.length < 650; i++) passageText += ` ${all[i]}`;
    const { quote, truncated } = shortenQuote(passageText, 700);
    const section = best.hit.chunk.section;
    const answer = [`Theo ${documentLabel(doc)}${section ? `, mục ${section}` : ''}:`, `“${quote}”${truncated ? ' […]' : ''}`].join('\n');
    return {
      grounded: true,
      answer: fit(answer),
      rows: [],
      citations: [{ docId: best.hit.chunk.docId, title: doc?.title ?? best.hit.chunk.docId, ...(section && { section }), quote }],
    };
  }

  /** Says plainly that the documents do not answer, and what they do cover. */
  private refuse(u: Understanding, reason?: string): Draft {
    const topics = this.corpus.documents
      .slice()
      .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''))
      .slice(0, 5)
      .map((d) => `• ${documentLabel(d)}`);
    const answer = [
      reason ?? 'Các văn bản hiện có không đề cập đến nội dung này, nên tôi không trả lời để tránh đưa thông tin sai.',
      '',
      'Tôi trả lời được về nhiệm vụ, cơ quan chủ trì, thời hạn và chỉ tiêu trong các văn bản:',
      ...topics,
      '',
      'Ví dụ: «Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?», «Bộ Y tế phải làm gì?», «Nhiệm vụ nào đến hạn tháng này?»',
    ].join('\n');
    void u;
    return { grounded: false, answer: fit(answer), rows: [], citations: [] };
  }

  // ------------------------------------------------------------------ ranking

  /** Topic of the question: content bigrams without question words or the agencies' own names. */
  private topicBigrams(u: Understanding, ...exclude: AgencyEntry[]): string[] {
    let text = expandAbbreviations(u.corrected);
    for (const m of this.registry.findMentions(text, { fuzzy: true })) {
      if (exclude.length === 0 || exclude.some((e) => e.name === m.name)) text = text.replace(m.text, ' | ');
    }
    // Exact dates in a question name a meeting or a document, matched through u.documents.
    for (const p of findPeriods(text).filter((x) => x.kind === 'day').reverse()) text = `${text.slice(0, p.start)} | ${text.slice(p.end)}`;
    return fold(text).replace(FRAME_RE, ' | ').split('|').flatMap((part) => contentBigrams(part));
  }

  /** Task rows ranked for a question: topic coverage, lexical score, agency, partner and document agreement. */
  private rankRows(u: Understanding): Array<{ row: TaskRow; score: number; coverage: number }> {
    const topic = this.topicBigrams(u, ...u.agencies, ...u.partners);
    // As for passages: a frequent syllable whose bigram is indexed adds cost, not ranking.
    const analyzed = analyze(u.corrected, { registry: this.registry, query: true });
    const paired = new Set(analyzed.filter((t) => t.includes('_') && this.rowTermFrequency.has(t)).flatMap((t) => t.split('_')));
    const common = this.corpus.tasks.length * 0.05;
    const terms = analyzed.filter((t) => t.includes('_') || !paired.has(t) || (this.rowTermFrequency.get(t) ?? 0) < common);
    const hits = this.rowIndex.search({ queries: [...new Set(terms)], combineWith: 'OR' }, { tokenize: (t: string) => [t] });
    const top = hits[0]?.score ?? 1;
    const lexical = new Map(hits.slice(0, 60).map((h) => [h.id as string, h.score / top]));
    const matchers = u.agencies.map((a) => agencyMatcher(a, this.registry, true, u.now));
    const years = [...u.folded.matchAll(/\b(20\d\d)\b/g)].map((m) => m[1]!);
    const out: Array<{ row: TaskRow; score: number; coverage: number }> = [];
    for (const [id, lex] of lexical) {
      const row = this.rowById.get(id)!;
      const cov = topic.length === 0 ? (matchers.length > 0 ? 0.6 : 0) : this.coverage(topic, this.rowBigrams.get(id)!);
      let score = 0.55 * cov + 0.3 * lex;
      if (matchers.length > 0) {
        const m = matchers.map((f) => f(row)).find((x) => x !== null);
        score += !m ? -0.15 : m.via === 'lead' || m.via === 'predecessor' || m.via === 'successor' ? 0.25 : m.via === 'support' ? 0.05 : 0.12;
      }
      if (u.partners.some((p) => row.support.includes(p.name))) score += 0.1;
      if (u.documents.includes(row.docId)) score += 0.15;
      if (years.length > 0 && years.some((y) => row.deadline.date?.startsWith(y) || this.docDate(row).startsWith(y))) score += 0.05;
      if (u.intent === 'list' && row.lead.length > 1) score += 0.05;
      if ((u.intent === 'when' || u.intent === 'upcoming') && row.deadline.date) score += 0.05;
      out.push({ row, score, coverage: cov });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /** A short verbatim citation for one item of a list. */
  private listCitation(r: TaskRow): Citation {
    const doc = this.docById.get(r.docId);
    return { docId: r.docId, title: doc?.title ?? r.docId, ...(r.section && { section: r.section }), quote: shortenQuote(r.quote, 200).quote };
  }

  /** The row's deadline or its document's date falls in the question's period ("trong năm 2023"). */
  private inPeriod(row: TaskRow, u: Understanding): boolean {
    if (!u.period) return false;
    const { from, to } = u.period;
    const d = row.deadline.date;
    const doc = this.docDate(row);
    return (d !== null && d >= from && d <= to) || (doc !== '' && doc >= from.slice(0, doc.length) && doc <= to);
  }

  private searchPassages(query: string, docIds: string[]): Promise<PassageHit[]> {
    const key = `${docIds.join(',')}|${query}`;
    let hits = this.searchMemo.get(key);
    if (!hits) {
      hits = this.passages.search(query, { k: 8, ...(docIds.length > 0 && { docIds: new Set(docIds) }) });
      this.searchMemo.set(key, hits);
    }
    return hits;
  }

  /** IDF-weighted share of the question's topic present in a source: missing a rare word costs most. */
  private coverage(topic: string[], source: ReadonlySet<string>): number {
    let total = 0;
    let hit = 0;
    for (const b of topic) {
      const w = this.idf.get(b) ?? this.unseenIdf;
      total += w;
      if (source.has(b)) hit += w;
    }
    return total === 0 ? 0 : hit / total;
  }

  private docDate(row: TaskRow): string {
    return this.docById.get(row.docId)?.date ?? '';
  }

  /** Top five passages: those holding the answer's rows first, then retrieval. */
  private async topPassages(u: Understanding, rows: TaskRow[]): Promise<AnswerPassage[]> {
    const out: AnswerPassage[] = [];
    const seen = new Set<number>();
    const push = (c: Chunk, score: number) => {
      if (seen.has(c.id) || out.length >= 5) return;
      seen.add(c.id);
      out.push({ docId: c.docId, ...(c.section && { section: c.section }), text: c.text, score: Number(score.toFixed(4)) });
    };
    for (const r of rows.slice(0, 3)) {
      const c = this.chunkOfRow.get(r.id);
      if (c) push(c, 1);
    }
    for (const h of await this.searchPassages(u.corrected, [])) push(h.chunk, h.score);
    return out;
  }
}

interface Draft {
  grounded: boolean;
  answer: string;
  rows: TaskRow[];
  citations: Citation[];
}

function toAnswerTask(r: TaskRow): AnswerTask {
  return {
    id: r.id,
    task: r.task,
    lead: r.lead,
    support: r.support,
    deadline: r.deadline.date,
    deadlineText: r.deadline.text,
    ...(r.status && { status: r.status }),
    docId: r.docId,
    section: r.section,
  };
}

function indicatorLine(row: TaskRow): string {
  const v = row.indicator;
  if (!v) return '';
  const parts = [v.target && `Mục tiêu${v.year ? ` năm ${v.year}` : ''}: ${v.target}`, v.result && `Kết quả${v.year ? ` năm ${v.year}` : ''}: ${v.result}`, row.status && `tình trạng: ${row.status}`];
  return `${parts.filter(Boolean).join('; ')}.`;
}


/** A task description shortened around the part that matches the question's topic. */
function focus(text: string, topic: string[], max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const folded = fold(t);
  const positions = topic.map((b) => folded.indexOf(b.replace('_', ' '))).filter((i) => i >= 0);
  const at = positions.length > 0 ? Math.min(...positions) : 0;
  if (at < max * 0.6) return brief(t, max);
  const start = t.lastIndexOf(' ', Math.max(0, at - 60));
  return `${brief(t, 80)} … ${brief(t.slice(start + 1), max - 90)}`;
}

function sentencesOf(text: string): string[] {
  const parts = text.split(/(?<=[.;!?…])\s+(?=[\p{Lu}\d“"(-])/u).map((s) => s.trim()).filter((s) => s.length > 0);
  return parts.length > 0 ? parts : [text];
}

/**
 * Splits a numbered list into pages that each fit one chat message (item
 * numbers run on across pages), and returns the requested page with a
 * "Trang p/n — gõ «tiếp»" footer when more follow.
 */
function paginate(head: string, items: string[], page: number, tail: string): { text: string; shown: number[] } {
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

/**
 * Keeps an answer within a chat message: cuts at a paragraph boundary. A list's
 * "Trang p/n — gõ «tiếp»" footer is kept: the conversation layer pages on it.
 */
function fit(text: string): string {
  if (text.length <= MAX_ANSWER_CHARS) return text;
  const footer = /\n\n(Trang \d+\/\d+ — gõ «tiếp» để xem thêm\.)$/.exec(text);
  const body = footer ? text.slice(0, footer.index) : text;
  const budget = MAX_ANSWER_CHARS - 40 - (footer ? footer[1]!.length + 2 : 0);
  const cut = body.lastIndexOf('\n\n', budget);
  const kept = `${body.slice(0, cut > 200 ? cut : budget).trimEnd()}\n\n(Còn nữa — gõ /nguon để xem đầy đủ nguồn.)`;
  return footer ? `${kept}\n\n${footer[1]}` : kept;
}


