/**
 * Answer composition for one structured query: who / when / list from the
 * best task row (with the other documents that assign the same task, newest
 * first), figures from indicator rows or the sentence that states them,
 * guidance from the best section (heading and items, condensed in order),
 * comparisons side by side, and refusals that say what the documents cover
 * nearest. The direct answer comes first, once; documents by short name.
 */
import type { TaskRow } from '../corpus/types.js';
import { bigramSet, contentBigrams } from '../retrieval/analyzer.js';
import { footnoteMark } from '../retrieval/chunks.js';
import type { PassageHit } from '../retrieval/index.js';
import { findPeriods } from '../text/periods.js';
import { fold, squashSpaces } from '../text/vietnamese.js';
import { shortenQuote, type Citation } from './citations.js';
import { brief, describeDeadline, describeLeads, documentLabel, midSentence, shortLabel } from './format.js';
import { MIN_COVERAGE, type RankedRow, type Ranker } from './ranking.js';
import type { Understanding } from './understand.js';

export const MAX_ANSWER_CHARS = 1500;

export interface Draft {
  grounded: boolean;
  answer: string;
  rows: TaskRow[];
  citations: Citation[];
}

/** Composes answers over one ranker (corpus, registry, passages). */
export class Composer {
  /** Rows ranked with key-term coverage, per query: several composition steps read them. */
  private readonly keyedMemo = new WeakMap<Understanding, Array<RankedRow & { raw: number }>>();

  constructor(readonly r: Ranker) {}

  label(docId: string): string {
    return shortLabel(this.r.docById.get(docId), this.r.registry);
  }

  /** Who / when / list: the best-matching assignment, with the other documents that assign the same task. */
  async fromRows(u: Understanding): Promise<Draft> {
    const ranked = this.rankedWithKeys(u);
    const best = ranked[0];
    if (!best || best.coverage < MIN_COVERAGE) return (await this.fromPassages(u)) ?? (await this.refuse(u));
    // The same task in other documents: repeated, changed or superseded instructions.
    // Only rows that say the same thing (the question's numbers, most of its topic or of the best row's words), one per other document.
    const bestWords = contentBigrams(best.row.task);
    const bestSet = this.r.rowBigramsOf(best.row);
    const topic = this.r.topicBigrams(u, ...u.agencies, ...u.partners);
    const numbers = topic.filter((t) => /^\d+$/.test(t) && this.r.rowBigramsOf(best.row).has(t));
    const docs = new Set([best.row.docId]);
    // Asked about an agency that leads the best task: another document's row is the same instruction only if it
    // gives the task to that agency too, not to a group it belongs to.
    const match = this.r.matcherFor(u);
    const direct = (row: TaskRow) => ['lead', 'predecessor', 'successor'].includes(match?.(row)?.via ?? '');
    const sameAgency = (row: TaskRow) => !match || !direct(best.row) || direct(row);
    const same = ranked
      .slice(1)
      .filter((x) => sameAgency(x.row))
      .filter((x) => x.raw >= Math.max(MIN_COVERAGE + 0.1, best.raw - 0.4) && x.coverage >= MIN_COVERAGE)
      .filter((x) => numbers.every((n) => this.r.rowBigramsOf(x.row).has(n)))
      .filter((x) => (x.raw >= best.raw - 0.05 || x.raw >= 0.6) && this.sameTask(best.row, bestWords, bestSet, x.row))
      .filter((x) => !docs.has(x.row.docId) && docs.add(x.row.docId))
      .slice(0, 2);
    const group = [best, ...same].sort((a, b) => this.r.docDate(b.row).localeCompare(this.r.docDate(a.row)));
    const lines: string[] = [];
    const citations: Citation[] = [];
    const head = group[0]!.row;
    lines.push(this.directAnswer(head, u));
    lines.push(...this.sourceLines(head, citations, false, topic));
    if (group.length > 1) {
      lines.push('', `Việc này được nêu trong ${group.length} văn bản; chỉ đạo mới nhất là ${this.label(head.docId)}. Văn bản trước:`);
      for (const g of group.slice(1)) {
        lines.push(`• ${this.label(g.row.docId)}${g.row.section ? `, mục ${g.row.section}` : ''}: ${this.directAnswer(g.row, u, true)}`);
        lines.push(...this.sourceLines(g.row, citations, true));
      }
    }
    const rows = [...group.map((g) => g.row), ...ranked.filter((x) => !group.includes(x)).slice(0, 3).filter((x) => x.coverage >= MIN_COVERAGE).map((x) => x.row)];
    return { grounded: true, answer: fit(lines.join('\n')), rows, citations };
  }

  /**
   * Another row states the same task as the best one: given to the same body ("xây dựng Luật Dữ liệu" in two
   * conclusions), or each row's words mostly the other's.
   */
  private sameTask(best: TaskRow, bestWords: string[], bestSet: ReadonlySet<string>, other: TaskRow): boolean {
    // Same body: it matches the question as well (checked by the caller), so it is the same instruction restated.
    if (other.lead.some((l) => best.lead.includes(l))) return true;
    return this.r.coverage(bestWords, this.r.rowBigramsOf(other)) >= 0.6 && this.r.coverage(this.r.taskWords(other), bestSet) >= 0.5;
  }

  /** Rows ranked with coverage judged on the topic's specific terms too. */
  private rankedWithKeys(u: Understanding): Array<RankedRow & { raw: number }> {
    let ranked = this.keyedMemo.get(u);
    if (ranked) return ranked;
    const topic = this.r.topicBigrams(u, ...u.agencies, ...u.partners);
    ranked = this.r
      .rankRows(u)
      .map((x) => ({ ...x, raw: x.coverage, coverage: topic.length === 0 ? x.coverage : this.r.answerCoverage(topic, this.r.rowBigramsOf(x.row)) }))
      .sort((a, b) => b.score - a.score);
    this.keyedMemo.set(u, ranked);
    return ranked;
  }

  /** First line: who leads and by when — what the official asked for. */
  directAnswer(row: TaskRow, u: Understanding, short = false): string {
    const deadline = `Thời hạn: ${describeDeadline(row, u.now, this.r.laterReport(row, (d) => this.label(d)))}.`;
    if (u.asks.includes('list') && row.lead.length > 1) {
      const kind = row.lead.every((l) => this.r.registry.get(l)?.kind === 'province') ? 'địa phương' : 'cơ quan';
      return `${row.lead.length} ${kind} được giao: ${row.lead.join(', ')}.${short ? '' : ` ${deadline}`}`;
    }
    const who =
      row.lead.length === 0
        ? 'Văn bản không nêu cơ quan chủ trì cụ thể.'
        : `${describeLeads(row)} chủ trì${row.support.length > 0 ? `, phối hợp với ${row.support.map(midSentence).join(', ')}` : ''}.`;
    const line = u.intent === 'when' || (u.asks.includes('when') && !u.asks.includes('who')) ? `${deadline} ${who}` : `${who} ${deadline}`;
    return short ? line : `${line}${this.successions(row)}`;
  }

  /** "Bộ Giao thông vận tải … — nay: từ 01/3/2025 hợp nhất vào Bộ Xây dựng": who holds the work since the 2025 restructuring. */
  successions(row: TaskRow): string {
    const issued = this.r.docDate(row);
    const notes = row.lead
      .map((l) => this.r.registry.get(l)?.succession)
      .filter((x): x is NonNullable<typeof x> => x !== undefined && (issued === '' || issued < x.date))
      .slice(0, 2)
      .map((x) => x.note.replace(/\.+$/, ''));
    return notes.length > 0 ? `\nNay: ${[...new Set(notes)].join('; ')}.` : '';
  }

  /** "Việc: …" when the quote does not say it, and "Nguồn: TB 19/07/2024 (VPCP), mục …: “quote”". */
  sourceLines(row: TaskRow, citations: Citation[], compact = false, topic: string[] = []): string[] {
    const doc = this.r.docById.get(row.docId);
    const { quote, truncated, skipped } = this.focusedQuote(row.quote, compact ? 240 : 420, topic);
    citations.push({ docId: row.docId, title: doc?.title ?? row.docId, ...(row.section && { section: row.section }), quote });
    const lines: string[] = [];
    if (!compact && !squashSpaces(row.quote).startsWith(squashSpaces(row.task).slice(0, 60))) lines.push(`${row.kind === 'indicator' ? 'Chỉ tiêu' : 'Việc'}: ${brief(row.task, 200)}`);
    if (!compact && row.indicator) lines.push(indicatorLine(row));
    const leadIn = compact ? undefined : this.r.leadInOf(row);
    if (leadIn && !squashSpaces(row.quote).includes(leadIn)) {
      lines.push(`Thuộc nội dung: “${leadIn}”`);
      citations.push({ docId: row.docId, title: doc?.title ?? row.docId, ...(row.section && { section: row.section }), quote: leadIn });
    }
    lines.push(`${compact ? '  ' : 'Nguồn: '}${compact ? '' : `${this.label(row.docId)}${row.section ? `, mục ${row.section}` : ''}: `}${skipped ? '[…] ' : ''}“${quote}”${truncated ? ' […]' : ''}`);
    if (!compact) lines.push(...this.footnotes(row.docId, quote, citations, topic));
    return lines;
  }

  /**
   * A long quote shortened around the clause that answers: when the start of the row's text is not
   * what was asked ("… văn bản cam kết gửi về Bộ KH&CN, Bộ Công an và Bộ Nội vụ"), the quote starts at
   * the clause covering the topic best. Always a verbatim substring.
   */
  private focusedQuote(text: string, max: number, topic: string[]): { quote: string; truncated: boolean; skipped: boolean } {
    const whole = text.replace(/\s+/g, ' ').trim();
    const head = shortenQuote(whole, max);
    if (!head.truncated || topic.length === 0) return { ...head, skipped: false };
    const clauses = whole.split(/(?<=[;.:])\s+/);
    let at = 0;
    // The clause that covers the topic best opens the quote, unless the first one does as well.
    let best = { start: 0, cov: -1 };
    for (const c of clauses) {
      const start = whole.indexOf(c, at);
      at = start + c.length;
      const cov = this.r.coverage(topic, bigramSet(c));
      if (cov > best.cov + (best.start === 0 ? 0.1 : 0)) best = { start, cov };
    }
    if (best.start === 0) return { ...head, skipped: false };
    const focused = shortenQuote(whole.slice(best.start), max);
    return { ...focused, skipped: true };
  }

  /** The footnotes a quoted text points at ("66% ²", "[8]"), quoted after it: figures are often explained there. */
  footnotes(docId: string, text: string, citations: Citation[], topic: string[] = []): string[] {
    const marks = [...new Set([...(text.match(/[\u00b9\u00b2\u00b3\u2070-\u2079]+|\[\d{1,3}\]/g) ?? [])])].slice(0, 2);
    const out: string[] = [];
    for (const mark of marks) {
      const note = this.r.passages.chunks.find((c) => c.docId === docId && footnoteMark(c.text) === mark && carriesMarkIn(c.context, text));
      const chunk = note ?? this.r.passages.chunks.find((c) => c.docId === docId && footnoteMark(c.text) === mark);
      if (!chunk) continue;
      let body = chunk.text.trim() === mark ? this.r.passages.chunks[chunk.id + 1]?.text ?? '' : chunk.text;
      // A footnote runs on over the next lines ("“5 đẩy mạnh” …", "“5 bảo đảm” …", "“5 không” …") until the next mark.
      for (let k = chunk.id + 1; k <= chunk.id + 3 && topic.length > 0; k++) {
        const next = this.r.passages.chunks[k];
        if (!next || next.docId !== docId || next.section !== chunk.section || footnoteMark(next.text)) break;
        if (!body.includes(next.text)) body = `${body} ${next.text}`;
      }
      // A long footnote is quoted from the clause the question is about ("“5 không”: …").
      const q = this.focusedQuote(body, topic.length > 0 ? 420 : 300, topic);
      if (!q.quote) continue;
      out.push(`Chú thích ${mark}: ${q.skipped ? '[…] ' : ''}“${q.quote}”${q.truncated ? ' […]' : ''}`);
      citations.push({ docId, title: this.r.docById.get(docId)?.title ?? docId, quote: q.quote });
    }
    return out;
  }

  /** Indicator figures: indicator rows when they cover the question, else the sentence that states the figure. */
  async indicator(u: Understanding): Promise<Draft> {
    const ranked = this.rankedWithKeys(u);
    const indicators = ranked.filter((x) => x.row.kind === 'indicator' || x.row.indicator);
    const best = indicators[0];
    const bestAny = ranked[0];
    const passage = await this.fromPassages(u, true);
    // The same indicator reported in several documents (figures differ between reports): newest first.
    const same = best ? indicators.filter((x) => x !== best && x.coverage >= best.coverage - 0.05 && fold(x.row.task) === fold(best.row.task)) : [];
    const group = best ? [best, ...same].sort((a, b) => this.r.docDate(b.row).localeCompare(this.r.docDate(a.row))) : [];
    // "thực tế đạt bao nhiêu?" of an indicator whose rows give only the target: the result is stated in the text.
    // "năm 2023 đạt bao nhiêu?" asked after 2023 is about what was reached.
    const past = u.years.length > 0 && u.years.every((y) => y.slice(-4) < u.now.slice(0, 4)) && /\bdat (?:duoc )?(?:bao nhieu|khoang)\b/.test(fold(u.question));
    const targetOnly = group.length > 0 && (RESULT_ASKED.test(fold(u.question)) || past) && !/\b(?:muc tieu|chi tieu)\b/.test(fold(u.question)) && group.every((g) => !g.row.indicator?.result);
    const stated = targetOnly ? await this.fromPassages(u, true, new Set(group.map((g) => this.r.chunkOfRow.get(g.row.id)?.id ?? -1))) : null;
    if (stated) return stated;
    if (best && best.coverage >= MIN_COVERAGE && (!bestAny || best.coverage >= bestAny.coverage - 0.1)) {
      const first = group[0]!.row;
      const lines = [`${indicatorLine(first)} ${describeLeads(first)} chủ trì chỉ tiêu «${brief(first.task, 160)}».`];
      const citations: Citation[] = [];
      lines.push(...this.sourceLines(first, citations).filter((l) => !/^(?:Chỉ tiêu|Mục tiêu|Kết quả)/.test(l)));
      if (group.length > 1) {
        lines.push('', `Số liệu khác nhau giữa các văn bản; mới nhất là ${this.label(first.docId)}. Văn bản trước:`);
        for (const g of group.slice(1)) {
          lines.push(`• ${this.label(g.row.docId)}${g.row.section ? `, mục ${g.row.section}` : ''}: ${indicatorLine(g.row)}`);
          lines.push(...this.sourceLines(g.row, citations, true));
        }
      }
      return { grounded: true, answer: fit(lines.join('\n')), rows: group.map((g) => g.row), citations };
    }
    if (passage) {
      // The figure stated in the text; the table row of the same indicator names who leads it.
      const docId = passage.citations[0]?.docId;
      // Table rows often leave the period to the column header: looked up without the years.
      const pool = u.years.length > 0 ? this.rankedWithKeys({ ...u, years: [] }).filter((x) => x.row.kind === 'indicator' || x.row.indicator) : indicators;
      const row = pool.find((x) => x.row.docId === docId && x.coverage >= 0.45 && x.row.lead.length > 0)?.row;
      if (row && !passage.rows.includes(row)) {
        const figure = row.indicator && (row.indicator.target || row.indicator.result) ? ` ${indicatorLine(row)}` : '';
        const lead = `Cơ quan chủ trì chỉ tiêu: ${describeLeads(row)} (${this.label(row.docId)}${row.section ? `, mục ${row.section}` : ''}).${figure}`;
        return { ...passage, answer: fit(`${passage.answer}\n${lead}`), rows: [row, ...passage.rows] };
      }
      return passage;
    }
    const unit = unitAsked(u.folded);
    if (bestAny && bestAny.coverage >= MIN_COVERAGE && (!unit || unit.test(fold(`${bestAny.row.task} ${bestAny.row.quote}`)))) return this.fromRows(u);
    return this.refuse(u);
  }

  /**
   * Guidance and figures from passages: the best sentence (a figure needs a number) and the
   * sentences after it; for guidance whose best passage heads a section, the section's items
   * condensed in order.
   */
  async fromPassages(u: Understanding, wantFigure = false, exclude: ReadonlySet<number> = new Set()): Promise<Draft | null> {
    const topic = this.r.topicBigrams(u);
    if (topic.length === 0) return null;
    const hits = await this.r.searchPassages(u.corrected, this.r.visibleDocs(u));
    // "bao nhiêu tỷ đồng / tài khoản / điểm": a figure answers only in the unit asked.
    const unit = wantFigure ? unitAsked(u.folded) : null;
    let best: { hit: PassageHit; sentence: string; cov: number; rank: number } | null = null;
    // The question's topic words in order (a run of them shared with a sentence says the same thing).
    const topicWords = new Set(topic.flatMap((t) => t.split('_')));
    const asked = (fold(u.corrected).match(/[a-z0-9]+/g) ?? []).map((w) => (topicWords.has(w) ? w : '\u0000'));
    // A term the user puts in quotes (“5 không”) names exactly what to find.
    const quoted = /[“"]([^”"]{2,40})[”"]/u.exec(u.question)?.[1];
    for (const hit of hits) {
      if (exclude.has(hit.chunk.id)) continue;
      const quotes = quoted !== undefined && fold(hit.chunk.text).includes(fold(quoted));
      if (!this.r.mentionsYears(fold(`${hit.chunk.text} ${hit.chunk.context}`), null, u.years, hit.chunk.docId)) continue;
      const sentences = sentencesOf(hit.chunk.text);
      const sets = this.r.passageSets(hit.chunk, sentences);
      for (const [i, s] of sentences.entries()) {
        // A figure is a number other than the years and dates that frame it ("- Giai đoạn 2028-2030" states none).
        if (wantFigure && (!/\d/.test(s.replace(/\b(?:19|20)\d{2}\b|\b\d{1,2}\/\d{1,2}\b/g, '')) || (unit && !unit.test(fold(s))))) continue;
        // A sentence with the one after it: the subject is often named first ("Tổ … phổ cập kỹ năng số. Trước hết, giúp người dân …").
        const own = union(sets.sentences[i]!, sets.context);
        const next = wantFigure ? undefined : sets.sentences[i + 1];
        const cov = Math.max(this.r.answerCoverage(topic, own), next ? this.r.answerCoverage(topic, own, next) - 0.05 : 0) + (quotes && fold(s).includes(fold(quoted!)) ? 0.5 : 0);
        // Ties go to the sentence that says the question's words in the same order ("dịch vụ số thiết yếu").
        // (The run is only worth measuring when it could change the choice: its bonus is at most 0.15.)
        const rank: number = best && cov + 0.15 <= best.rank ? cov : cov + Math.min(0.15, 0.02 * Math.max(0, sharedRun(asked, fold(s).match(/[a-z0-9]+/g) ?? []) - 2));
        if (!best || rank > best.rank + 1e-9) best = { hit, sentence: s, cov, rank };
      }
    }
    if (!best || best.cov < MIN_COVERAGE) return null;
    const chunk = best.hit.chunk;
    const doc = this.r.docById.get(chunk.docId);
    // The best sentence with the sentences that follow it, while they fit: answers often run on ("Trước hết, …").
    const all = sentencesOf(chunk.text);
    let at = all.indexOf(best.sentence);
    // "Trong đó, …", "Theo đó, …": the sentence before says what it is part of.
    if (at > 0 && LEANS_BACK.test(fold(best.sentence))) at--;
    let passageText = all[at] ?? best.sentence;
    for (let i = at + 1; i < all.length && passageText.length + all[i]!.length < 650; i++) passageText += ` ${all[i]}`;
    const { quote, truncated } = shortenQuote(passageText, 700);
    const citations: Citation[] = [{ docId: chunk.docId, title: doc?.title ?? chunk.docId, ...(chunk.section && { section: chunk.section }), quote }];
    const lines = [`Theo ${this.label(chunk.docId)}${chunk.section ? `, mục ${chunk.section}` : ''}:`, `“${quote}”${truncated ? ' […]' : ''}`];
    lines.push(...this.footnotes(chunk.docId, quote, citations, topic));
    // Guidance: the items of the section the passage opens ("… những việc sau: a) …; b) …").
    if (!wantFigure && u.asks.includes('guidance')) {
      const items = this.r.passages.chunks.filter((c) => c.docId === chunk.docId && chunk.section !== '' && c.section.startsWith(`${chunk.section}.`) && c.id !== chunk.id).slice(0, 6);
      for (const c of items) {
        const q = shortenQuote(c.text, 180);
        lines.push(`• “${q.quote}”${q.truncated ? ' […]' : ''}`);
        citations.push({ docId: c.docId, title: doc?.title ?? c.docId, ...(c.section && { section: c.section }), quote: q.quote });
      }
    }
    // The passage may be a task row's own text: its row (deadline, agencies) goes with the answer.
    const rows = this.r.corpus.tasks.filter((row) => this.r.chunkOfRow.get(row.id)?.id === chunk.id && this.r.admits(row, u)).slice(0, 3);
    // The passage's task led by a body restructured in 2025: who holds it now.
    const now = rows[0] ? this.successions(rows[0]) : '';
    if (now) lines.push(now.trim());
    // Asked "khi nào?" of a passage that sets no date: say so rather than leave it unanswered.
    if (u.asks.includes('when') && !rows.some((r) => r.deadline.date) && findPeriods(quote).every((p) => p.kind === 'session')) {
      const who = u.agencies.find((a) => fold(`${chunk.text} ${chunk.context}`).includes(fold(a.name)));
      lines.unshift(`${who ? `${who.name}: văn bản` : 'Văn bản'} không nêu thời hạn cụ thể cho việc này.`);
    }
    return { grounded: true, answer: fit(lines.join('\n')), rows, citations };
  }

  /**
   * Two documents side by side, newest first: each side answered on its own documents (the
   * agency's tasks, the figure, or the matching assignment). Without two named sides, the same
   * task or figure across every document that states it.
   */
  async compare(u: Understanding, sides: string[][]): Promise<Draft> {
    const figure = u.asks.includes('figure') || /\b(?:ty le|bao nhieu|so lieu|chi tieu|muc tieu|%)\b/.test(u.folded);
    if (sides.length < 2) return figure ? this.indicator(u) : this.fromRows(u);
    const ordered = sides.sort((a, b) => (this.r.docById.get(b[0]!)?.date ?? '').localeCompare(this.r.docById.get(a[0]!)?.date ?? ''));
    const lines: string[] = [];
    const citations: Citation[] = [];
    const rows: TaskRow[] = [];
    let answered = 0;
    // "cuối năm 2023" beside one side's reference dates that document; it is not a year every side must name.
    const docYears = new Set(ordered.flat().map((d) => this.r.docById.get(d)?.date?.slice(0, 4)));
    const years = u.years.filter((y) => !docYears.has(y));
    for (const side of ordered.slice(0, 3)) {
      const sub: Understanding = { ...u, years, documents: side, scope: { docIds: side, text: this.label(side[0]!), consumed: u.scope?.consumed ?? [] } };
      const draft = figure ? await this.indicator(sub) : u.agencies.length > 0 ? await this.fromRows({ ...sub, asks: ['what', ...sub.asks] }) : await this.fromRows(sub);
      lines.push('', `${this.label(side[0]!)}:`);
      if (!draft.grounded) {
        lines.push('  không nêu nội dung này.');
        continue;
      }
      answered++;
      lines.push(...draft.answer.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Nay:')).slice(0, 3).map((l) => `  ${clipQuoted(l, 320)}`));
      // Asked about one body: its rows only, not the other rows the side's answer ranked.
      const match = u.agencies.length > 0 ? this.r.matcherFor(u) : null;
      rows.push(...draft.rows.filter((r) => !match || match(r) !== null).slice(0, 2));
      citations.push(...draft.citations.slice(0, 2));
    }
    if (answered === 0) return this.refuse(u);
    lines.unshift(`So sánh giữa ${ordered.length} văn bản, mới nhất trước:`);
    return { grounded: true, answer: fit(lines.join('\n')), rows, citations };
  }

  /** A refusal with a reason and the list of documents, without looking for the nearest passage. */
  refuseSync(u: Understanding, reason: string): Draft {
    void u;
    const docs = this.r.corpus.documents
      .slice()
      .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''))
      .slice(0, 9)
      .map((d) => `• ${shortLabel(d, this.r.registry)}: ${brief(d.title, 90)}`);
    return { grounded: false, answer: fit([reason, '', 'Các văn bản hiện có:', ...docs].join('\n')), rows: [], citations: [] };
  }

  /** Says plainly that the documents do not answer, and what they cover nearest. */
  async refuse(u: Understanding, reason?: string): Promise<Draft> {
    const hits = await this.r.searchPassages(u.corrected, this.r.visibleDocs({ ...u, documents: [] }));
    const near = hits[0]?.chunk;
    const nearLine = near
      ? `Gần nhất, ${this.label(near.docId)}${near.section ? ` (mục ${near.section})` : ''} nói về: «${brief(near.context.split(' › ').slice(1).at(-1) ?? near.text, 120) || brief(near.text, 120)}».`
      : '';
    const docs = this.r.corpus.documents
      .slice()
      .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''))
      .slice(0, 9)
      .map((d) => `• ${shortLabel(d, this.r.registry)}: ${brief(d.title, 90)}`);
    const answer = [
      reason ?? 'Các văn bản hiện có không đề cập đến nội dung này, nên tôi không trả lời để tránh đưa thông tin sai.',
      ...(nearLine ? [nearLine] : []),
      '',
      'Tôi trả lời được về nhiệm vụ, cơ quan chủ trì, thời hạn và chỉ tiêu trong các văn bản:',
      ...docs,
    ].join('\n');
    return { grounded: false, answer: fit(answer), rows: [], citations: [] };
  }
}

/** The longest run of words two texts share in the same order (word lists, folded; "\u0000" never matches). */
export function sharedRun(a: readonly string[], b: readonly string[]): number {
  let best = 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1] && a[i - 1] !== '\u0000') {
        cur[j] = prev[j - 1]! + 1;
        if (cur[j]! > best) best = cur[j]!;
      }
    }
    prev = cur;
  }
  return best;
}

/** A sentence that continues the one before ("Trong đó, …", "Theo đó, …", "Ngoài ra, …"). */
const LEANS_BACK = /^(?:trong do|trong so do|theo do|ngoai ra|dong thoi|cu the|tuy nhien|nhu vay|do do|vi vay)\b/;

/** The footnote's context (the passage it annotates) shares the quoted text's words. */
function carriesMarkIn(context: string, text: string): boolean {
  return context.includes(text.slice(0, 40));
}

export function indicatorLine(row: TaskRow): string {
  const v = row.indicator;
  if (!v) return '';
  const parts = [v.target && `Mục tiêu${v.year ? ` năm ${v.year}` : ''}: ${withUnit(v.target, row.quote)}`, v.result && `Kết quả${v.year ? ` năm ${v.year}` : ''}: ${withUnit(v.result, row.quote)}`, row.status && `tình trạng: ${row.status}`];
  return `${parts.filter(Boolean).join('; ')}.`;
}

/** "≥ 95" in a table whose unit column says "%" (or "% dân số"): "≥ 95%" — the unit as the row writes it. */
function withUnit(value: string, quote: string): string {
  if (!/^[≥≤<>]?\s*\d[\d.,]*$/u.test(value.trim())) return value;
  const escaped = value.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const unit = new RegExp(String.raw`(%(?:\s[\p{L}][\p{L}\s]{0,18}?)?)\s+${escaped}(?![\d.,])`, 'u').exec(squashSpaces(quote))?.[1];
  return unit ? `${value.trim()}${unit.trim()}`.replace(/%(?=\p{L})/u, '% ') : value;
}

/** Asks what was achieved, not what was set ("thực tế đạt", "đã đạt được", "kết quả"). */
const RESULT_ASKED = /\b(?:thuc te|da dat|dat duoc|ket qua|dat khoang|dong gop khoang|da [a-z]+ (?:duoc )?(?:bao nhieu|khoang|tren))\b/;

/** The unit of "bao nhiêu <unit>" (folded), as a pattern a sentence must match: a figure answers only in the unit asked. */
function unitAsked(folded: string): RegExp | null {
  const m = /\bbao nhieu\s+([a-z]+(?:\s+[a-z]+)?)/.exec(folded);
  if (!m) return null;
  const words = m[1]!.split(' ');
  if (/^(?:phan|phan tram)$/.test(words[0]!)) return null;
  // Money: a number followed by a currency ("8.280 tỷ đồng"), not "cộng đồng".
  if ((words[0] === 'ty' && words[1] === 'dong') || /^(?:tien|kinh|von|dong|usd)$/.test(words[0]!)) return /\d[\d.,]*\s*(?:ty|trieu|nghin|ngan)?\s*(?:dong|vnd|usd)\b/;
  if (/^(?:nam|la|vay|a|the|so|ti|ty|thi|con|trong|duoc|nhiem|muc)$/.test(words[0]!)) return null;
  return new RegExp(String.raw`\b${words[0]}\b`);
}

/** A line kept within `max` characters; a cut quotation keeps its closing mark outside the verbatim part. */
function clipQuoted(line: string, max: number): string {
  if (line.length <= max) return line;
  const open = line.indexOf('“');
  if (open < 0 || open > max - 40) return brief(line, max);
  const q = shortenQuote(line.slice(open + 1).replace(/”.*$/, ''), max - open - 8);
  return `${line.slice(0, open + 1)}${q.quote}”${q.truncated ? ' […]' : ''}`;
}

function union(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const out = new Set(a);
  for (const x of b) out.add(x);
  return out;
}

export function sentencesOf(text: string): string[] {
  const parts = text.split(/(?<=[.;!?…])\s+(?=[\p{Lu}\d“"(-])/u).map((s) => s.trim()).filter((s) => s.length > 0);
  return parts.length > 0 ? parts : [text];
}

/**
 * Keeps an answer within a chat message: cuts at a paragraph boundary. A list's
 * "Trang p/n — gõ «tiếp»" footer is kept: the conversation layer pages on it.
 */
export function fit(text: string): string {
  text = text.replace(/^\n+/, '');
  if (text.length <= MAX_ANSWER_CHARS) return text;
  const footer = /\n\n(Trang \d+\/\d+ — gõ «tiếp» để xem thêm\.)$/.exec(text);
  const body = footer ? text.slice(0, footer.index) : text;
  const budget = MAX_ANSWER_CHARS - 40 - (footer ? footer[1]!.length + 2 : 0);
  const cut = Math.max(body.lastIndexOf('\n\n', budget), body.lastIndexOf('\n', budget));
  const kept = `${body.slice(0, cut > 200 ? cut : budget).trimEnd()}\n\n(Còn nữa — gõ /nguon để xem đầy đủ nguồn.)`;
  return footer ? `${kept}\n\n${footer[1]}` : kept;
}

export { documentLabel };
