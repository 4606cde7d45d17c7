/**
 * The question-answering core: a question becomes a structured query
 * (./understand.ts), possibly several for a two-part question; each is
 * answered from the task table or the passages (./compose.ts, ./lists.ts)
 * with verified verbatim quotes; when the documents do not answer, it says
 * so and never guesses.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import { loadRegistry } from '../ingestion/ingest.js';
import { Corpus, defaultCorpusDir } from '../corpus/store.js';
import type { TaskRow } from '../corpus/types.js';
import { PassageIndex, type SkippedDocument } from '../retrieval/index.js';
import type { Chunk } from '../retrieval/chunks.js';
import { Speller } from '../retrieval/spelling.js';
import type { Embedder } from '../retrieval/vectors.js';
import { resolveNow } from '../text/dates.js';
import { fold, squashSpaces } from '../text/vietnamese.js';
import { verifyCitations, type Citation } from './citations.js';
import { Composer, fit, type Draft } from './compose.js';
import type { Phraser } from './llm.js';
import type { QueryModel } from './llm-query.js';
import { missingSubject } from './asked-subject.js';
import { refineWithModel } from './query-merge.js';
import { Lists } from './lists.js';
import { Ranker } from './ranking.js';
import { warmUpQuestions } from './warm-up.js';
import { findDocumentScope } from './scope.js';
import { DocumentFacts } from './document-facts.js';
import { REFERS_TO_EARLIER, understand, type Ask, type Intent, type Understanding } from './understand.js';

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
  /** The structured query the answer was built from (one per part of a two-part question). */
  query?: QuerySummary[];
}

/** What was read from the question: shown in `ask --json` so integrators can see why an answer narrowed. */
export interface QuerySummary {
  text: string;
  asks: Ask[];
  agencies: string[];
  role: 'lead' | 'support' | 'any';
  period: { from: string; to: string; text: string } | null;
  documents: string[];
  years: string[];
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
  /** Optional model reading of questions (LLM_QUERY=1): may add what the rules missed, never in extractive mode. */
  queryModel?: QueryModel;
  /** Answers kept for repeated questions (default 1,000; 0 disables the cache). */
  answerCacheSize?: number;
  onProgress?: (message: string) => void;
  /** A stored document left out of the index: reported, the rest is served. */
  onSkip?: (skipped: SkippedDocument) => void;
}

const ANSWER_CACHE_SIZE = 1000;
/** Words of chat and question frames that add nothing to a follow-up part ("có giống nhau không?"). */
const WORDS_OF_A_TOPIC = 3;

export class Assistant {
  private readonly speller: Speller;
  private readonly ranker: Ranker;
  private readonly composer: Composer;
  private readonly lists: Lists;
  /** Recent answers by question, date, page and options (least recently used evicted first). */
  private readonly answerCache = new Map<string, AskResult>();
  /** First lines of each document: meetings are named there ("Phiên họp lần thứ 7"). */
  private readonly heads = new Map<string, string>();
  private readonly facts: DocumentFacts;

  private constructor(
    readonly corpus: Corpus,
    readonly registry: AgencyRegistry,
    readonly passages: PassageIndex,
    private readonly phraser: Phraser | undefined,
    private readonly answerCacheSize: number = ANSWER_CACHE_SIZE,
    private readonly queryModel?: QueryModel,
  ) {
    this.ranker = new Ranker(corpus, registry, passages);
    this.composer = new Composer(this.ranker);
    this.lists = new Lists(this.composer);
    // The speller knows the documents' words and the task table's, plus the words questions are made of.
    this.speller = new Speller(passages.chunks.map((c) => c.text), QUESTION_PHRASES);
    // A stored text that cannot be read was reported and skipped by the index: never a reason not to start.
    const indexed = new Set(passages.chunks.map((c) => c.docId));
    for (const d of corpus.documents) {
      if (!indexed.has(d.docId)) continue;
      const text = corpus.text(d.docId);
      this.heads.set(d.docId, text.slice(0, 1500));
    }
    this.facts = new DocumentFacts(this.composer, this.heads, (q, now) => this.parse(q, now));
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
      ...(opts.onSkip !== undefined && { onSkip: opts.onSkip }),
    });
    return new Assistant(corpus, registry, index, opts.phraser, opts.answerCacheSize ?? ANSWER_CACHE_SIZE, opts.queryModel);
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
    const cacheable = this.answerCacheSize > 0 && ((!this.phraser && !this.queryModel) || opts.extractiveOnly === true);
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

  /**
   * Answers up to `max` made-up questions about the corpus (./warm-up.ts), stopping after `budgetMs`:
   * extractive, uncached, no passages, so no language or embedding model is called and the answer
   * cache keeps only real questions. With a remote embedding model it does nothing (every question
   * would call the model). Returns how many were answered.
   */
  async warmUp(budgetMs: number, max = 120): Promise<number> {
    if (budgetMs <= 0 || this.passages.denseWeight > 0) return 0;
    const until = performance.now() + budgetMs;
    const now = resolveNow(undefined);
    let answered = 0;
    for (const question of warmUpQuestions(this.corpus, max)) {
      if (performance.now() > until) break;
      await this.answer(question, now, { extractiveOnly: true, passages: false });
      answered++;
    }
    return answered;
  }

  /** The structured query of a question (no answer): for tests, tools and the optional model parser. */
  parse(question: string, now?: string): Understanding {
    // A two-word phrase the documents write, or a word they use often: not a misspelt name.
    const common = (phrase: string) => {
      const w = phrase.split(' ');
      return (w.length === 2 && this.speller.pairCount(w[0]!, w[1]!) >= 3) || (w.length === 1 && this.speller.frequencyOf(w[0]!) >= 30);
    };
    return understand(question, resolveNow(now), this.registry, this.corpus.documents, (t) => this.speller.correct(t), (id) => this.heads.get(id) ?? '', common);
  }

  private async answer(question: string, now: string, opts: AskOptions): Promise<AskResult> {
    this.ranker.reset();
    let parts = this.splitParts(question, now);
    // Optional model reading (./query-merge.ts): adds only what the rules missed; never in extractive mode, which eval measures.
    if (this.queryModel && !opts.extractiveOnly) {
      parts = await refineWithModel(parts, question, { model: this.queryModel, registry: this.registry, documents: this.corpus.documents, reparse: (t) => this.parse(t, now) });
    }
    const drafts: Array<{ u: Understanding; draft: Draft }> = [];
    for (const part of parts) drafts.push({ u: part, draft: await this.compose(part, opts.page ?? 1) });
    const u = drafts[0]!.u;
    const draft = drafts.length === 1 ? drafts[0]!.draft : combine(drafts.map((d) => d.draft));
    const citations = verifyCitations(draft.citations, (id) => (this.ranker.docById.has(id) ? this.corpus.squashedText(id) : undefined));
    const passages = opts.passages === false ? [] : await this.topPassages(u, draft.rows);
    let answer = draft.answer;
    if (this.phraser && !opts.extractiveOnly && draft.grounded) {
      const documents = this.corpus.documents.map((d) => ({ docId: d.docId, title: d.title, ...(d.date && { date: d.date }) }));
      const phrased = await this.phraser.phrase({ question: u.question, now, intent: u.intent, draft: answer, rows: draft.rows, passages, citations, documents });
      if (phrased) answer = phrased;
    }
    return {
      question: squashSpaces(question.normalize('NFC')),
      intent: draft.grounded ? u.intent : 'out_of_scope',
      grounded: draft.grounded,
      answer,
      tasks: draft.rows.map(toAnswerTask),
      citations,
      passages,
      query: drafts.map((d) => summarize(d.u)),
    };
  }

  /**
   * A two-part question ("… bao nhiêu? Còn … thì sao?") becomes two queries when each part has
   * its own topic; a part without one ("có giống nhau không?", "hạn khi nào?") adds what it asks
   * to the part before.
   */
  private splitParts(question: string, now: string): Understanding[] {
    const pieces = question
      .split(/(?<=\?)\s+|;\s+|\n+/)
      .flatMap((p) => splitAtConjunction(p, this.registry.findMentions(fold(p), { fuzzy: false }).map((m): [number, number] => [m.start, m.end])))
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    const merged: string[] = [];
    if (pieces.length === 0) pieces.push(question);
    for (const p of pieces) {
      const prev = merged.at(-1);
      const u = this.parse(p, now);
      // A part naming its own document ("… và QĐ phê duyệt chương trình này ký ngày nào?") asks about that document.
      const ownTopic = (this.ranker.topicBigrams(u, ...u.agencies).length >= 1 || (prev !== undefined && u.documents.length > 0)) && fold(p).split(' ').length >= WORDS_OF_A_TOPIC;
      if (prev !== undefined && (!ownTopic || (u.agencies.length > 0 && this.ranker.topicBigrams(u, ...u.agencies).length === 0 && !/\?$/.test(prev)))) {
        merged[merged.length - 1] = `${prev.replace(/[?.!]+$/, '')}, ${p}`;
      } else merged.push(p);
    }
    // "Phủ sóng 5G: NQ 03 … bao nhiêu, còn TB 624 … bao nhiêu?": the heading before the colon is every part's topic.
    const heading = /^([^:?]{3,60}):\s/u.exec(question)?.[1];
    const parts = merged.slice(0, 3).map((p, i) => this.parse(i > 0 && heading && !fold(p).includes(fold(heading)) ? `${heading}: ${p}` : p, now));
    // Later parts keep what the first one pointed at ("Theo công văn …, … và … gửi về đâu?").
    const first = parts[0]!;
    for (const part of parts.slice(1)) {
      if (!part.scope && first.scope) {
        part.scope = first.scope;
        part.documents = first.documents;
      }
      if (first.now !== part.now && part.now === now) part.now = first.now;
      // "… theo Nghị định 63 và đến lúc đó đã có bao nhiêu địa phương hoàn thành?": the later part points
      // back, so the first part's words are its topic too.
      // So does a part whose own words name nothing specific ("các bộ ngành thực tế đạt bao nhiêu?").
      const ownKeys = this.ranker.keyTerms(this.ranker.topicBigrams({ ...part }, ...part.agencies));
      if (POINTS_BACK.test(part.folded) || REFERS_TO_EARLIER.test(part.folded) || ownKeys.length <= 1) part.corrected = `${part.corrected} | ${first.corrected}`;
      // "Bộ GD&ĐT phải xong X trước ngày nào, và Y trong năm nào?": the subject of the first part carries over.
      if (part.agencies.length === 0 && first.agencies.length > 0 && !part.asks.includes('who') && !part.asks.includes('list')) {
        part.agencies = first.agencies;
        part.role = first.role;
      }
    }
    return parts;
  }

  /** The answer to one part, refused when its sources never name the person or province asked about. */
  private async compose(asked: Understanding, page: number): Promise<Draft> {
    const { u, note } = this.successorInScope(asked);
    const found = await this.composeDraft(u, page);
    const draft = note && found.grounded ? { ...found, answer: `${note}\n${found.answer}` } : found;
    const missing = missingSubject(u, draft, { registry: this.registry, issuerOf: (id) => this.ranker.docById.get(id)?.issuer ?? undefined });
    return missing ? this.composer.refuse(u, missing) : draft;
  }

  private async composeDraft(u: Understanding, page: number): Promise<Draft> {
    if (u.scope && u.documents.length === 0) {
      return this.composer.refuse(u, `Không có ${u.scope.text} trong các văn bản hiện có, nên tôi không trả lời để tránh đưa thông tin sai (văn bản không đề cập).`);
    }
    // Facts about a document itself: who signed, who chaired, which document, issued when.
    const fact = this.facts.answer(u);
    if (fact) return fact;
    // Nothing the corpus writes: "giá vàng", "thời tiết" — refused before any source is stretched to fit.
    if (u.documents.length === 0 && !u.asks.includes('due_soon') && !u.asks.includes('overdue') && this.ranker.unknownTopic(this.ranker.topicBigrams(u, ...u.agencies))) {
      return this.composer.refuse(u);
    }
    const mismatch = this.issuerMismatch(u);
    if (mismatch) return mismatch;
    if (u.asks.includes('due_soon') || u.asks.includes('overdue')) return this.lists.deadlines(u, page);
    // Figures for several periods ("giai đoạn 2025-2027 và 2028-2030", "đến 2030, mốc 2028"): one answer per period.
    if (u.years.length >= 2 && (u.asks.includes('figure') || u.asks.includes('compare'))) {
      const parts: Draft[] = [];
      for (const y of u.years.slice(0, 3)) {
        const d = await this.composer.indicator({ ...u, years: [y] });
        // "Mục tiêu năm 2030: …" already says which year.
        parts.push({ ...d, answer: d.answer.startsWith(`Mục tiêu năm ${y}`) ? d.answer : `${y.includes('-') ? 'Giai đoạn' : 'Năm'} ${y}: ${d.answer}` });
      }
      if (parts.some((p) => p.grounded)) return combine(parts.filter((p) => p.grounded));
    }
    // "KQ 2022 theo BC 12/2022 và số mới nhất trong TB 7/2024": a figure asked of two named documents is a comparison.
    if (u.intent === 'indicator' && u.documents.length >= 2) {
      const sides = this.compareSides(u);
      if (sides.length >= 2) return this.composer.compare(u, sides);
    }
    switch (u.intent) {
      case 'compare':
        return this.composer.compare(u, this.compareSides(u));
      case 'tasks_of':
        return u.agencies.length > 0 ? this.lists.tasksOf(u, page) : this.composer.fromRows(u);
      case 'guidance':
        return (await this.composer.fromPassages(u)) ?? this.composer.fromRows(u);
      case 'indicator':
        return this.composer.indicator(u);

      default:
        return this.composer.fromRows(u);
    }
  }

  /**
   * "Trong QĐ 2629 (12/2025), Bộ Thông tin và Truyền thông chủ trì gì?": a ministry merged before every document
   * asked about was issued has no tasks there; its successor holds them. Asked of such documents, the
   * successor is asked instead, and the answer says why.
   */
  private successorInScope(u: Understanding): { u: Understanding; note?: string } {
    if (u.documents.length === 0) return { u };
    const dates = u.documents.map((d) => this.ranker.docById.get(d)?.date ?? '');
    const notes: string[] = [];
    const agencies = u.agencies.map((a) => {
      const next = a.succession && a.kind !== 'province' ? this.registry.get(a.succession.successors[0] ?? '') : undefined;
      if (!next || dates.some((d) => d === '' || d < a.succession!.date)) return a;
      // A document that still names the old body ("Bộ Thông tin và Truyền thông") is answered for it.
      if (this.corpus.tasks.some((r) => u.documents.includes(r.docId) && (r.lead.includes(a.name) || r.support.includes(a.name)))) return a;
      notes.push(`Lưu ý: ${a.name} ${a.succession!.note.replace(/^Từ ngày/u, 'từ ngày').replace(/\.+$/, '')}; các văn bản được hỏi ban hành sau đó nên giao việc cho ${next.name}.`);
      // The name as asked stays an alias, so it is still not read as topic.
      return { ...next, aliases: [...next.aliases, a.name, ...a.aliases] };
    });
    return notes.length === 0 ? { u } : { u: { ...u, agencies }, note: notes.join('\n') };
  }

  /**
   * "Kế hoạch của UBND tỉnh Nghệ An …" when the only such document is Hà Nội's: the province named
   * is not the one whose document the corpus holds, so the question is not answered from it.
   */
  private issuerMismatch(u: Understanding): Draft | null {
    if (u.documents.length === 0) return null;
    const provinces = this.registry
      .findMentions(u.folded, { fuzzy: false })
      .map((m) => this.registry.get(m.name))
      .filter((e) => e?.kind === 'province');
    if (provinces.length === 0) return null;
    const issuers = u.documents.map((d) => this.registry.resolve(this.ranker.docById.get(d)?.issuer ?? ''));
    if (issuers.some((i) => i?.kind !== 'province') || issuers.some((i) => provinces.some((p) => p!.name === i!.name))) return null;
    // Only when the province is named as the document's author ("kế hoạch của tỉnh X", "UBND tỉnh X ban hành").
    const names = provinces.map((p) => p!.name);
    if (!/\b(?:ke hoach|van ban|quyet dinh|cong van)\b.{0,30}\b(?:cua|do)\b/.test(u.folded) && !/\bubnd\b/.test(u.folded)) return null;
    return this.composer.refuseSync(u, `Không có văn bản nào của ${names.join(', ')} trong các văn bản hiện có (văn bản không đề cập); ${u.documents.map((d) => this.composer.label(d)).join(', ')} là của ${issuers.map((i) => i!.name).join(', ')}.`);
  }

  /** The documents on each side of "… so với …": one list per side, when both name documents. */
  private compareSides(u: Understanding): string[][] {
    const cut = /\b(?:so voi|khac voi|khac gi voi|va|con|voi|the)\b|—/g;
    const halves: Array<{ text: string; at: number }> = [];
    let from = 0;
    for (let m = cut.exec(u.folded); m; m = cut.exec(u.folded)) {
      halves.push({ text: u.folded.slice(from, m.index), at: from });
      from = m.index + m[0].length;
    }
    halves.push({ text: u.folded.slice(from), at: from });
    if (halves.length >= 2) {
      const scopes = halves.map((h) => ({ h, scope: findDocumentScope(h.text, this.corpus.documents, (id) => this.heads.get(id) ?? '') }));
      const found = scopes.filter((x) => (x.scope?.docIds.length ?? 0) > 0);
      if (found.length >= 2) {
        // Each side's reference ("phiên họp lần thứ 7 cuối năm 2023") is not topic for any side.
        const consumed = found.flatMap((x) => x.scope!.consumed.map(([s, e]): [number, number] => [s + x.h.at, e + x.h.at]));
        u.scope = { docIds: u.scope?.docIds ?? found.flatMap((x) => x.scope!.docIds), text: u.scope?.text ?? 'các văn bản', consumed: mergeRanges([...(u.scope?.consumed ?? []), ...consumed]) };
        return found.map((x) => x.scope!.docIds);
      }
    }
    return u.documents.length >= 2 ? u.documents.map((d) => [d]) : [];
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
      const c = this.ranker.chunkOfRow.get(r.id);
      if (c) push(c, 1);
    }
    for (const h of await this.ranker.searchPassages(u.corrected, this.ranker.visibleDocs({ ...u, documents: [] }))) push(h.chunk, h.score);
    return out;
  }
}

/** Phrases questions are made of but directives rarely use: their words are never "corrected" into document words. */
const QUESTION_PHRASES = [
  'ai chủ trì', 'khi nào', 'bao giờ', 'thời hạn', 'có thời hạn không', 'hạn hoàn thành', 'bao nhiêu', 'thế nào', 'như thế nào', 'phải làm gì', 'làm những gì', 'có không', 'được chưa', 'rồi nhé',
  'ạ ơi vậy hả', 'hạn chót', 'hạn cuối', 'lúc nào', 'mấy', 'cho mình hỏi', 'cho em hỏi', 'giúp với nha nhỉ', 'xin hỏi', 'được giao những việc gì',
  'giống nhau', 'khác nhau', 'so với', 'còn thì sao', 'chào bạn', 'xin chào', 'cảm ơn bạn', 'bạn ơi', 'chào ad', 'chào anh', 'chào chị', 'sắp đến hạn', 'đến hạn', 'quá hạn', 'hết hạn', 'trễ hạn', 'xử lý', 'ngành nào', 'đâu',
  'nhiệm vụ nào', 'văn bản nào', 'mới nhất', 'thời gian nào', 'ngày nào', 'tháng nào', 'năm nào', 'cơ quan nào', 'đơn vị nào', 'việc gì',
  'thôn bản', 'thôn xóm', 'thôn mình', 'xã mình', 'tổ mình', 'bà con', 'sóng điện thoại', 'vùng lõm sóng',
  'bây giờ', 'hiện nay', 'hôm nay', 'tiếp nhận', 'trước đây', 'lẽ ra đã phải', 'đáng lẽ phải', 'tới hết năm', 'từ giờ đến', 'các mốc sắp tới', 'mốc thời gian', 'thời điểm nào', 'giữa tháng', 'đầu tháng', 'cuối tháng', 'tuần sau', 'tháng sau',
  'được không', 'có không', 'là gì', 'gồm những gì', 'hạn khi nào', 'chỉ đạo', 'trực tiếp chỉ đạo', 'phối hợp', 'chủ trì', 'tỉnh nào', 'bộ nào', 'sao', 'ko', 'dc', 'j', 'ad', 'nhé',
];

/** A part of a question that refers to the part before ("lúc đó", "việc này", "trong số đó"). */
const POINTS_BACK = /\b(?:luc do|khi do|cai do|no)\b/;

/** Question words: a clause holding one asks something of its own. */
const ASKING = /\b(?:nao|gi|dau|ai|bao nhieu|khi nao|bao gio|ra sao|the nao|thu may|may)\b/;

/**
 * "… bao nhiêu điểm, và trong số còn lại bao nhiêu …", "… trước ngày nào và … gửi về đâu?":
 * two questions joined by "và"/"còn" when each side asks something.
 */
function splitAtConjunction(text: string, names: Array<[number, number]> = []): string[] {
  const f = fold(text);
  // "Bộ Thông tin và Truyền thông": never cut inside a name.
  const insideName = (i: number) => names.some(([s, e]) => i > s && i < e);
  // "… là bao nhiêu, các bộ ngành và địa phương thực tế đạt bao nhiêu?": a comma right after a question word.
  // Also a question word a few words before the comma ("trước ngày mấy hằng tháng, địa chỉ web là gì?").
  const comma = /(?:nao|gi|dau|ai|bao nhieu|khi nao|bao gio|ra sao|the nao|khong|chua|(?:ngay|thang|nam|quy) (?:nao|may)(?: [a-z]+){1,2}|bao nhieu(?: [a-z0-9]+){1,6}),\s+(?=\S)/g;
  for (let x = comma.exec(f); x; x = comma.exec(f)) {
    const cut = x.index + x[0].indexOf(',');
    const right = f.slice(x.index + x[0].length);
    if (ASKING.test(right) && right.split(' ').length >= 3) {
      // "…, còn thông báo tháng 11/2025 …": the joining word is not part of the second question.
      const joiner = /^(?:va|con|the con|vay con|dong thoi|ngoai ra)\s+/.exec(right)?.[0].length ?? 0;
      return [text.slice(0, cut), text.slice(x.index + x[0].length + joiner)];
    }
  }
  const m = /,?\s+(?:va|con|dong thoi|ngoai ra)\s+(?=\S)/g;
  for (let x = m.exec(f); x; x = m.exec(f)) {
    const left = f.slice(0, x.index);
    const right = f.slice(x.index + x[0].length);
    // "các bộ ngành và địa phương": a list of names, not two questions.
    const listOfNames = /\b(?:bo|nganh|dia phuong|tinh|thanh pho|co quan|doanh nghiep|nguoi dan)$/.test(left.trim()) && /^(?:cac )?(?:bo|nganh|dia phuong|tinh|thanh pho|co quan|doanh nghiep|nguoi dan)\b/.test(right);
    if (!listOfNames && !insideName(x.index + 1) && ASKING.test(left) && ASKING.test(right) && right.split(' ').length >= 3 && !/^(?:han|thoi han|ai|khi nao|bao gio)\b/.test(right)) {
      return [text.slice(0, x.index), text.slice(x.index + x[0].length)];
    }
  }
  return [text];
}

/** Overlapping [start, end) ranges joined, in order. */
function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Two or three answers in one message: each part's answer, its sources; grounded when any part is. */
function combine(drafts: Draft[]): Draft {
  const grounded = drafts.some((d) => d.grounded);
  // Compared on letters and digits only: "- Cơ quan …" and "Cơ quan …" are the same passage.
  const quotes = drafts.map((d) => d.citations.map((c) => c.quote.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()));
  // A part answered by the same passage as an earlier part points to it instead of quoting it again.
  const sameAs = (i: number) =>
    i === 0 || quotes[i]!.length === 0 ? -1 : quotes.slice(0, i).findIndex((earlier) => quotes[i]!.every((q) => earlier.some((e) => e.includes(q))));
  const texts = drafts.map((d, i) => (!d.grounded ? d.answer.split('\n')[0]! : sameAs(i) >= 0 ? `Cùng đoạn trích ở ý ${sameAs(i) + 1} trên.` : d.answer));
  // The first row of each part leads, so each part's answer is among the first rows.
  const firsts = drafts.map((d) => d.rows[0]).filter((r): r is TaskRow => r !== undefined);
  const rest = drafts.flatMap((d) => d.rows.slice(1));
  return {
    grounded,
    answer: fit(texts.map((t, i) => `${i + 1}) ${t}`).join('\n\n')),
    rows: [...firsts, ...rest],
    citations: drafts.flatMap((d) => d.citations),
  };
}

function summarize(u: Understanding): QuerySummary {
  return {
    text: u.question,
    asks: u.asks,
    agencies: u.agencies.map((a) => a.name),
    role: u.role,
    period: u.period,
    documents: u.documents,
    years: u.years,
  };
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
