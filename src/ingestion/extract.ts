/**
 * Extracts the task table from a parsed document with general rules of
 * Vietnamese administrative writing — no per-document code:
 *
 * - who: "Giao X chủ trì", "X chủ trì, phối hợp với Y", "X, Y phối hợp …",
 *   "Bộ trưởng Bộ X: …", an item headed by an agency ("a) Bộ Tài chính" then
 *   bullets), "…: Bắc Kạn, Bình Thuận, Cà Mau", table columns "Cơ quan chủ trì",
 *   and lists introduced by "đề nghị Quý Cơ quan / yêu cầu X … các nhiệm vụ sau:";
 * - when: deadline phrases in the sentence or in a short sentence right after it
 *   ("Hoàn thành trong Quý I năm 2024."), table columns "Thời hạn"/"Mục tiêu";
 * - what: the assignment's own words, with the verbatim sentence(s) as quote.
 *
 * Sections that report results ("Kết quả", "Tồn tại, hạn chế", "Bài học", "Quan
 * điểm") yield no tasks, except explicit "giao X" and tables.
 */
import type { Deadline, DocumentKind, TaskRow } from '../corpus/types.js';
import { findDeadlines, NO_DEADLINE, parseDeadlineCell, type DeadlineMatch } from './deadlines.js';
import { ancestors, titleOf, type Block, type DocumentStructure } from './structure.js';
import { tableRowDrafts, type RowDraft } from './table-rows.js';
import { fieldRecords, type FieldRecord } from './fields.js';
import { AgencyReader, REPORTING_VERB, skip, type AgencyLookup } from './agency-reader.js';
import { isBareAssignment, pickDeadline, splitAtDeadlines, splitEnumeration, splitSentences, type Clause } from './clauses.js';

export type { AgencyLookup } from './agency-reader.js';
import { fold, foldAligned, isAllCaps, squashSpaces, tokenize } from '../text/vietnamese.js';

export interface ExtractOptions {
  docId: string;
  agencies: AgencyLookup;
  /** Issuing body (canonical name): provincial bodies a provincial document names belong to its province. */
  issuer?: string | null;
  /** Kind of document: a report restates targets, a directive sets them (see fromTable). */
  kind?: DocumentKind;
  /** Year the document was issued: a report's targets for that year or later are still due. */
  year?: number;
}

/** task: every item is a task; explicit: only sentences naming who ("Quan điểm"); report: results, no tasks. */
type Mode = 'task' | 'explicit' | 'report';

const INTRO_CUE = /(?::\s*$|\b(?:nhu sau|sau day|cu the|chu yeu sau|trong tam sau|sau)\s*(?:trong nam \d{4})?\s*:?\s*$)/;
/** Closing and enacting formulas: no work is assigned by them. */
const CLOSING_FORMULA =
  /thong bao de .*biet|biet,? thuc hien|^tran trong|^noi nhan|^trong qua trinh (?:trien khai|thuc hien|to chuc).{0,160}(?:kho khan|vuong mac)|co hieu luc(?: thi hanh)? (?:ke )?tu ngay|chiu trach nhiem thi hanh|^(?:phe duyet|ban hanh) .{0,200}kem theo (?:quyet dinh|nghi quyet|chi thi|thong bao) nay/;
/** An item that ends by announcing its own details ("… để:", "… theo hướng:", "… gồm:"), not a list of tasks. */
const DETAILS_CUE = /\s(?:de|nham|theo huong|gom|bao gom|voi cac noi dung)\s*:\s*$/;
const TASK_TITLE = /\b(?:nhiem vu|giai phap|de xuat|kien nghi|phuong huong|muc tieu|to chuc thuc hien|trach nhiem)\b/;
const REPORT_TITLE = /\b(?:ket qua|tinh hinh|ton tai|han che|bai hoc|nguyen nhan|kho khan|vuong mac|thieu|cham tre|bat cap|yeu kem)\b/;

interface Leads {
  lead: string[];
  support: string[];
}

/** An assignment found in a unit of text, before it becomes a row. */
interface Assignment {
  start: number;
  end: number;
  /** Offsets of the part that is the task (deadline-only sentences excluded). */
  taskEnd: number;
  lead: string[] | null;
  deadlines: DeadlineMatch[];
  viaGiao: boolean;
  reported: boolean;
  /** The subject "đã" did it (past): reported work, even with a date. */
  past?: boolean;
  /** Agencies a following "Giao X phối hợp triển khai" adds when the assignment already has a lead. */
  support?: string[];
}

export function extractTasks(doc: DocumentStructure, opts: ExtractOptions): TaskRow[] {
  const extractor = new Extractor(doc, opts);
  return withoutBodyDuplicates(extractor.run(), extractor.tableRows);
}

/**
 * Canonical leads of an agency phrase as a table cell would name them
 * ("Bộ trưởng, Thủ trưởng cơ quan ngang bộ …, Chủ tịch UBND các tỉnh" → the
 * groups): the same reading the extractor applies to documents, for gold files.
 */
export function readAgencyCell(text: string, opts: ExtractOptions): string[] {
  return new Extractor({ text, blocks: [], roots: [] }, opts).agenciesOfCell(text);
}

/**
 * A programme lists its tasks in the body without agencies and again in an
 * appendix table with them ("chi tiết tại Phụ lục II"): the body copy of a row
 * without a lead is dropped when a row with a lead states the same task.
 */
function withoutBodyDuplicates(rows: TaskRow[], fromTables: ReadonlySet<TaskRow>): TaskRow[] {
  const key = (t: string) => fold(t).replace(/[^a-z0-9]+/g, ' ').trim().slice(0, 60);
  // A body row with a date of its own ("báo cáo … trước ngày 20/11/2025") is another instruction, even when it
  // opens with the same words as the table row ("Ngân hàng Nhà nước Việt Nam và các ngân hàng thương mại …").
  const tableDates = new Map<string, Set<string | null>>();
  for (const r of rows) if (r.lead.length > 0 && fromTables.has(r)) tableDates.set(key(r.task), (tableDates.get(key(r.task)) ?? new Set()).add(r.deadline.date));
  const sameAsTable = (r: TaskRow) => {
    const dates = tableDates.get(key(r.task));
    return dates !== undefined && (r.deadline.date === null || dates.has(r.deadline.date));
  };
  const withLead = new Set(rows.filter((r) => r.lead.length > 0).map((r) => key(r.task)));
  return rows.filter((r) => (fromTables.has(r) || !sameAsTable(r)) && (r.lead.length > 0 || !withLead.has(key(r.task))));
}

class Extractor {
  private readonly rows: TaskRow[] = [];
  /** Rows read from table cells: where the same task is also in the text, the table (with its agencies) wins. */
  readonly tableRows = new Set<TaskRow>();
  private readonly ordinals = new Map<string, number>();
  private readonly text: string;

  /** Reads agency names; "Sở Khoa học và Công nghệ" in a plan of UBND thành phố Hà Nội is Hà Nội's. */
  private readonly read: AgencyReader;
  /** Per enclosing block, the leads its heading or introduction gives (a long list asks the same parent again and again). */
  private readonly blockLeads = new Map<Block, Leads | null>();
  private rootIntros: Array<{ start: number; lead: string[] | null }> | undefined;

  constructor(private readonly doc: DocumentStructure, private readonly opts: ExtractOptions) {
    this.text = doc.text;
    const issuer = opts.issuer ? opts.agencies.resolve?.(opts.issuer) : undefined;
    this.read = new AgencyReader(opts.agencies, opts.agencies.provinceOf?.(opts.issuer) ?? (issuer?.kind === 'province' ? issuer.name : null));
    this.read.addressees = this.findAddressees();
  }

  run(): TaskRow[] {
    let seenItem = false;
    const covered = new Set<Block>();
    for (const block of this.doc.blocks) {
      if (block.kind !== 'item' || block.closing) continue;
      for (const record of fieldRecords(block)) {
        this.fromFieldRecord(record);
        for (const b of record.blocks) covered.add(b);
      }
    }
    // "Sửa đổi Luật … để:" / "… theo hướng:" followed by bullets: the bullets are the aims or parts of that one task.
    for (const block of this.doc.blocks) {
      if (block.kind === 'item' && DETAILS_CUE.test(fold(block.text)) && !this.headingLeads(block)) {
        for (const c of block.children) covered.add(c);
      }
    }
    for (const block of this.doc.blocks) {
      if (block.closing || covered.has(block)) continue;
      if (block.kind === 'item' && block.marker?.rank !== undefined && block.marker.rank < 5) seenItem = true;
      if (block.kind === 'table') {
        this.fromTable(block);
        continue;
      }
      if (block.kind === 'footnote') continue;
      // Paragraphs before the first numbered item are the preamble (meeting, addressees, grounds).
      if (!seenItem && block.parent === null) continue;
      this.fromBlock(block);
    }
    return this.rows;
  }

  // ---------------------------------------------------------------- agencies

  /** The "Kính gửi:" addressees, whom "Quý Cơ quan" refers to. */
  private findAddressees(): string[] {
    const i = this.doc.blocks.findIndex((b) => /^kính gửi\s*:/iu.test(b.text.trim()));
    if (i < 0) return [];
    const names: string[] = [];
    const first = this.doc.blocks[i]!;
    names.push(...this.read.mentions(first.text.replace(/^kính gửi\s*:/iu, '')).map((m) => m.name));
    for (const b of this.doc.blocks.slice(i + 1)) {
      if (b.kind !== 'item' || b.marker?.type !== 'dash') break;
      names.push(...this.read.leadPhrase(b.text.replace(/[;.]$/, ''), 0).names);
    }
    return this.read.normalizeLeads(names);
  }

  // ---------------------------------------------------------------- sections

  private modeOf(block: Block): Mode {
    for (const b of [block, ...ancestors(block)]) {
      if (b.kind !== 'item' || !b.marker || b.marker.type === 'dash' || b.marker.type === 'plus') continue;
      const raw = titleOf(b);
      if (raw.length > 90) continue; // a task sentence, not a section title
      if (!b.text.includes(':') && /[.;]\s*$/.test(b.text)) continue; // "c) Báo cáo kết quả … trước ngày 15/12." is a sentence
      const title = fold(raw).replace(/^ve\s+/, '');
      if (/^(?:ket qua|tinh hinh)/.test(title)) return 'report';
      // Objectives, purposes and requirements state aims; only an explicit "X chủ trì …" there assigns work.
      if (/\bquan diem\b|^(?:cac )?muc (?:tieu|dich)\b|^yeu cau\b|^muc dich,? yeu cau\b/.test(title)) return 'explicit';
      if (REPORT_TITLE.test(title)) return 'report';
      if (TASK_TITLE.test(title)) return 'task';
    }
    return 'task';
  }

  /** Leads inherited from an enclosing item headed by an agency, or from a list introduction. */
  private inherited(block: Block): Leads {
    for (const b of ancestors(block)) {
      const found = this.leadsOf(b);
      if (found) return found;
    }
    // Top-level items of a letter: addressed by the root introduction.
    this.rootIntros ??= this.doc.roots
      .filter((p) => p.kind === 'paragraph' && INTRO_CUE.test(foldAligned(p.text).trim()))
      .map((p) => ({ start: p.span.start, lead: this.read.addresseeIn(p.text, /(?:de nghi|yeu cau|giao cho|giao|chi dao|phan cong cho)\s+/g) }));
    const intro = this.rootIntros.find((p) => p.start <= block.span.start && p.lead !== null);
    return intro ? { lead: intro.lead!, support: [] } : { lead: [], support: [] };
  }

  /** What an enclosing block says about who: its agency heading or its list introduction (computed once per block). */
  private leadsOf(b: Block): Leads | null {
    if (this.blockLeads.has(b)) return this.blockLeads.get(b)!;
    const head = this.headingLeads(b);
    const intro = head ? null : this.introLeads(b);
    const found = head ?? (intro ? { lead: intro, support: [] } : null);
    this.blockLeads.set(b, found);
    return found;
  }

  /** An item whose title is an agency: "a) Bộ Thông tin và Truyền thông", "Bộ Tài chính:", "Bộ trưởng Bộ Y tế: …". */
  private headingLeads(b: Block): Leads | null {
    if (b.kind !== 'item') return null;
    const colon = b.text.indexOf(':');
    // "Các bộ, ngành, địa phương có trách nhiệm:" names who as much as "Bộ Tài chính:".
    const head = (colon > 0 ? b.text.slice(0, colon) : b.text).replace(/\s+(?:có|chịu) trách nhiệm(?: thực hiện)?$|\s+có nhiệm vụ$|\s+thực hiện các nhiệm vụ sau(?: đây)?$/u, '');
    const names = this.read.isOnlyLeadPhrase(head);
    if (!names) return null;
    const rest = colon > 0 ? b.text.slice(colon + 1) : '';
    return { lead: names, support: this.read.supportIn(rest.split(/\(\s*(?:i|1)\s*\)/)[0] ?? '') };
  }

  /** An item that only names an agency ("b) Bộ Kế hoạch và Đầu tư", "Bộ Tài chính:"), its tasks following. */
  private isPureHeading(b: Block): boolean {
    if (b.kind !== 'item' || !this.headingLeads(b)) return false;
    const colon = b.text.indexOf(':');
    return colon < 0 || b.text.slice(colon + 1).trim() === '';
  }

  /** Addressees of an introduction ("… yêu cầu X … các nhiệm vụ sau:") among an item's own paragraphs. */
  private introLeads(b: Block): string[] | null {
    const candidates = [b, ...b.children.filter((c) => c.kind === 'paragraph')];
    for (const p of candidates.reverse()) {
      if (!INTRO_CUE.test(foldAligned(p.text).trim())) continue;
      // "… đề nghị X …: " or "…, các Bộ, … cần … các nhiệm vụ sau đây:" (the agencies as subject).
      const lead = this.read.addresseeIn(p.text, /(?:de nghi|yeu cau|giao cho|giao|chi dao|phan cong cho)\s+/g) ?? this.read.obligedIn(p.text);
      if (lead) return lead;
    }
    return null;
  }

  // ---------------------------------------------------------------- labelled fields

  /** One row from "Nhiệm vụ: … / Đơn vị chủ trì: … / Thời gian thực hiện: …". */
  private fromFieldRecord(r: FieldRecord): void {
    const task = r.task.value !== '' ? r.task.value : r.taskItems.map((b) => b.text.replace(/[;.]\s*$/, '')).join('; ');
    const lead = r.lead.length > 0 ? r.lead.flatMap((f) => this.read.cellAgencies(f.value)) : r.agencies.flatMap((f) => this.read.cellAgencies(f.value));
    const support = r.support.flatMap((f) => this.read.cellAgencies(f.value));
    const timeText = r.time?.value ?? '';
    const deadline = parseDeadlineCell(timeText) ?? (timeText ? pickDeadline(findDeadlines(timeText)) : NO_DEADLINE);
    this.addRow({
      path: r.owner.path, task, lead: this.read.normalizeLeads(lead), support, deadline,
      quoteStart: r.start, quoteEnd: r.end,
    });
  }

  // ---------------------------------------------------------------- text units

  private fromBlock(block: Block): void {
    const text = block.text;
    const folded = foldAligned(text).trim();
    if (CLOSING_FORMULA.test(folded)) return;
    const mode = this.modeOf(block);
    const isIntro = INTRO_CUE.test(folded) && (block.kind === 'paragraph' || block.children.length > 0);
    if (isIntro) return;

    // Notes such as "(Chi tiết tại Phụ lục I)" under an item do not make it a section heading.
    const hasItemChildren =
      !DETAILS_CUE.test(fold(block.text)) && block.children.some((c) => c.kind === 'item' || (c.kind === 'paragraph' && !/^\(.*\)\.?$/.test(c.text.trim())));
    const heading = this.headingLeads(block);
    const inherited = heading ?? this.inherited(block);
    let body = text;
    let bodyOffset = 0;
    if (heading) {
      const colon = text.indexOf(':');
      if (colon < 0) return; // a pure heading; its items inherit the agency
      bodyOffset = colon + 1;
      body = text.slice(bodyOffset);
      if (body.trim() === '') return;
    }
    // Paragraphs directly under an agency heading ("b) Bộ Kế hoạch và Đầu tư") are that agency's tasks.
    const underHeading = block.kind === 'paragraph' && block.parent !== null && this.isPureHeading(block.parent);
    const leaf = (block.kind === 'item' && !hasItemChildren && !looksLikeHeading(block.text)) || underHeading;
    // "Bộ trưởng Bộ Công an: Đề án …": the heading is part of the sentence that assigns the task.
    const quoteFrom = heading ? block.textStart : undefined;
    // "Bộ trưởng Bộ X: <task>": the heading names who, so the body is an assignment.
    this.fromUnit(block, body, block.textStart + bodyOffset, heading ?? inherited, { mode, leaf: leaf || heading !== null, path: block.path, quoteFrom });
  }

  /**
   * Extracts rows from a run of text (an item body, a paragraph or one piece of
   * an inline "(i) … (ii) …" enumeration).
   */
  private fromUnit(block: Block, text: string, offset: number, context: Leads, o: { mode: Mode; leaf: boolean; path: string; quoteFrom?: number }): void {
    // Inline enumeration: "Chủ trì, phối hợp với …: (i) …; (ii) …" or "Bộ Công an: (1) …; (2) …".
    const pieces = splitEnumeration(text);
    const prefixText = pieces ? text.slice(0, pieces[0]!.start) : '';
    // Only an enumeration of assignments is split ("Bộ Công an: (1) …", "Chủ trì, phối hợp …: (i) …"), not a list of themes.
    const assigns =
      pieces !== null &&
      (this.read.isOnlyLeadPhrase(prefixText.replace(/[:(\s]+$/, '')) !== null ||
        (context.lead.length > 0 && tokenize(prefixText).length < 4) ||
        /chu tri|phoi hop|giao/.test(foldAligned(prefixText)) ||
        // "…: (1) Thanh tra Chính phủ ban hành …; (2) Bộ Công an chủ trì …": each piece names its own agency.
        pieces.filter((p) => this.read.subjectAt(text.slice(p.start, p.end)) !== null).length * 2 >= pieces.length);
    if (pieces && assigns) {
      const prefix = prefixText;
      const prefixLead = this.read.isOnlyLeadPhrase(prefix.replace(/[:(\s]+$/, ''));
      const ctx: Leads = {
        lead: prefixLead ?? context.lead,
        support: [...new Set([...context.support, ...this.read.supportIn(prefix)])],
      };
      for (const p of pieces) {
        this.fromUnit(block, text.slice(p.start, p.end), offset + p.start, ctx, { mode: o.mode, leaf: true, path: `${o.path}.(${p.label})` });
      }
      return;
    }

    // Locality list at the end: "Tổ chức triển khai …: Bắc Kạn, Bình Thuận, Cà Mau."
    const list = this.localityList(text);
    if (list) {
      const head = text.slice(0, list.colon);
      const dl = pickDeadline(findDeadlines(head));
      this.addRow({
        path: o.path, task: head, lead: list.names, support: this.read.supportIn(head), deadline: dl,
        quoteStart: o.quoteFrom ?? offset + leadingSpace(text), quoteEnd: offset + trimEndIndex(text),
      });
      return;
    }

    const assignments = this.assignments(text);
    // "Bộ X chủ trì A, hoàn thành …; hướng dẫn B, hoàn thành …": the subject carries over to the next clauses.
    let carried: string[] | null = null;
    for (const a of assignments) {
      if (a.lead !== null && a.lead.length > 0) carried = a.lead;
      else if (carried && !a.reported) a.lead = carried;
      // "Bộ X đã tổng hợp … trong năm 2022": past work with its date is a report, not a deadline.
      if (a.reported && (a.deadlines.length === 0 || a.past)) continue;
      const unitText = text.slice(a.start, a.end);
      // "… đạt tối thiểu 65% (Văn phòng UBND thành phố theo dõi, đánh giá).": who answers for it, in brackets.
      if (a.lead === null || a.lead.length === 0) a.lead = this.read.bracketLead(unitText) ?? a.lead;
      const explicit = a.lead !== null && a.lead.length > 0;
      // "II. CHỈ TIÊU CHỦ YẾU NĂM 2026": the items under it are that year's targets.
      const target = a.deadlines.length === 0 ? targetYearOf(block) : null;
      const deadline = target ? target.deadline : pickDeadline(a.deadlines);
      if (o.mode === 'report') {
        const futureDeadline = deadline.date !== null && /(?<![\p{L}])(?:sẽ|phải|cần)(?![\p{L}])/iu.test(unitText);
        if (!a.viaGiao && !futureDeadline) continue;
      } else if (o.mode === 'explicit' && !explicit) {
        continue;
      } else if (!explicit && deadline.text === null && !(o.leaf && assignments.length === 1) && !(o.leaf && a === assignments[0])) {
        continue;
      }
      const lead = explicit ? a.lead! : context.lead;
      const support = [...new Set([...this.read.supportIn(unitText), ...(a.support ?? []), ...(explicit ? [] : context.support)])].filter((s) => !lead.includes(s));
      this.addRow({
        path: o.path, task: text.slice(a.start, a.taskEnd), lead, support, deadline,
        quoteStart: a === assignments[0] && o.quoteFrom !== undefined ? o.quoteFrom : offset + a.start, quoteEnd: offset + a.end,
        ...(target && { kind: 'indicator' as const }),
      });
    }
  }

  /** A trailing "…: A, B, C." whose every part names a locality (or agency). */
  private localityList(text: string): { colon: number; names: string[] } | null {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return null;
    const tail = text.slice(colon + 1).replace(/[.;]\s*$/, '').replace(/\([^)]*\)/g, ' ');
    const parts = tail.split(/,|\bvà\b/u).map((p) => p.trim()).filter((p) => p !== '');
    if (parts.length === 0 || tokenize(text.slice(0, colon)).length < 3) return null;
    const names: string[] = [];
    for (const part of parts) {
      const m = this.read.mentions(part);
      const covered = m.reduce((n, x) => n + (x.end - x.start), 0);
      const letters = part.replace(/^(?:tỉnh|thành phố|tp\.?)\s+/iu, '').length;
      if (m.length !== 1 || covered < letters * 0.75) return null;
      names.push(m[0]!.name);
    }
    return { colon, names };
  }

  /** Splits a unit into sentences and groups them into assignments. */

  /** Clauses, also cut at a ";" after which another agency is the subject ("…; Bộ Công an tổng hợp …"). */
  private clausesOf(text: string): Clause[] {
    const out: Clause[] = [];
    for (const [s, e] of splitSentences(text)) {
      let from = s;
      for (const m of text.slice(s, e).matchAll(/;\s+/g)) {
        const at = s + m.index + m[0].length;
        const next = text.slice(at, e);
        if (!/^\p{Lu}|^các\s/u.test(next) || this.read.subjectAt(next) === null) continue;
        out.push(...splitAtDeadlines(text, from, s + m.index, from > s));
        from = at;
      }
      out.push(...splitAtDeadlines(text, from, e, from > s));
    }
    return out;
  }

  private assignments(text: string): Assignment[] {
    const out: Assignment[] = [];
    for (const s of this.clausesOf(text)) {
      const sentence = text.slice(s.start, s.end);
      const folded = foldAligned(sentence).trim();
      if (CLOSING_FORMULA.test(folded)) continue;
      const deadlines = findDeadlines(sentence).map((d) => ({ ...d, start: d.start + s.start, end: d.end + s.start }));
      const giao = this.read.addresseeIn(sentence, /\b(?:giao cho|giao|de nghi|yeu cau)\s+/g);
      const subject = this.read.leadPhrase(sentence, skip(foldAligned(sentence), 0, /^[\s\-–+]+/));
      const after = foldAligned(sentence.slice(subject.end)).trim();
      const subjectLead = subject.names.length > 0 && after !== '' && !after.startsWith(':') ? subject.names : null;
      // "Bộ X báo cáo …" reports in minutes, but "… báo cáo kết quả … định kỳ hằng quý / trước ngày …" is a duty.
      const duty = /^bao cao\b/.test(after) && (deadlines.length > 0 || /\b(?:dinh ky|hang (?:thang|quy|nam))\b/.test(after));
      // "Thành phố Hà Nội là đơn vị đi đầu …" describes; "Bộ X là cơ quan thường trực, chủ trì …" assigns.
      const describes = /^la\b/.test(after) && !/^la (?:co quan|don vi) (?:thuong truc|chu tri|dau moi)/.test(after);
      const reported = subjectLead !== null && (REPORTING_VERB.test(after) || describes) && !giao && !duty;
      const lead = giao ?? (reported ? null : subjectLead) ?? this.read.obligedIn(sentence);
      const current = out.at(-1);
      const deadlineOnly = deadlines.length === 1 && tokenize(sentence.slice(0, deadlines[0]!.start - s.start) + sentence.slice(deadlines[0]!.end - s.start)).length <= 3;
      if (current && deadlineOnly && current.deadlines.length === 0) {
        current.deadlines.push(...deadlines);
        current.end = s.end;
        continue;
      }
      // "Giao Bộ A, Bộ B phối hợp triển khai.": who does the work named just before.
      if (current && giao && deadlines.length === 0 && isBareAssignment(this.read.withoutAgencies(sentence))) {
        if (current.lead === null || current.lead.length === 0) current.lead = giao;
        else current.support = [...(current.support ?? []), ...giao];
        current.end = s.end;
        current.viaGiao = true;
        continue;
      }
      const startsNew = !current || lead !== null || (deadlines.length > 0 && current.deadlines.length > 0) || s.forcedBreak;
      if (startsNew) {
        out.push({ start: s.start, end: s.end, taskEnd: s.end, lead, deadlines, viaGiao: giao !== null, reported, past: reported && /^da\b/.test(after) });
      } else if (current.deadlines.length === 0) {
        current.end = current.taskEnd = s.end;
        current.deadlines.push(...deadlines);
      }
      // Description after an assignment's deadline is not part of it.
    }
    return out;
  }

  // ---------------------------------------------------------------- tables

  private fromTable(block: Block): void {
    for (const draft of tableRowDrafts(block, this.read, this.opts)) {
      const before = this.rows.length;
      this.addRow(draft);
      if (this.rows.length > before) this.tableRows.add(this.rows.at(-1)!);
    }
  }

  /** {@link readAgencyCell}. */
  agenciesOfCell(text: string): string[] {
    return this.read.cellAgencies(text);
  }

  // ---------------------------------------------------------------- rows

  private addRow(r: RowDraft): void {
    const quote = squashSpaces(this.text.slice(r.quoteStart, r.quoteEnd)).replace(/[;,]$/, '').trim();
    const task = squashSpaces(r.task).replace(/^[-–+•]\s*/, '').replace(/[;:,]$/, '').trim();
    // "CHỈ TIÊU ĐẾN HẾT NĂM 2026": a section heading in capitals names no work.
    if (task === '' || quote === '' || (task.length <= 90 && isAllCaps(task) && r.lead.length === 0)) return;
    const path = r.path || '0';
    const n = (this.ordinals.get(path) ?? 0) + 1;
    this.ordinals.set(path, n);
    const row: TaskRow = {
      id: `${this.opts.docId}/${path}#${n}`,
      docId: this.opts.docId,
      section: r.path,
      task,
      lead: r.lead,
      support: r.support.filter((s) => !r.lead.includes(s)),
      deadline: r.deadline,
      kind: r.kind ?? 'task',
      quote,
    };
    if (r.indicator && Object.keys(r.indicator).length > 0) row.indicator = r.indicator;
    if (r.status) row.status = r.status;
    this.rows.push(row);
  }
}

// ---------------------------------------------------------------- helpers

/** The year of a targets section above a block: "II. CHỈ TIÊU CHỦ YẾU NĂM 2026" → due 31/12/2026. */
function targetYearOf(block: Block): { deadline: Deadline } | null {
  for (const b of ancestors(block)) {
    if (b.kind !== 'item') continue;
    const title = titleOf(b);
    const m = /^(?:cac )?chi tieu\b.*\bnam (\d{4})$/.exec(fold(title).trim());
    if (m) return { deadline: { date: `${m[1]}-12-31`, text: title.trim(), precision: 'year' } };
  }
  return null;
}

/** A section title rather than a task: short, without a sentence ending, or in capitals, or "Về …". */
function looksLikeHeading(text: string): boolean {
  const t = text.trim();
  if (/^(?:về|ve)\s/iu.test(t) && t.length < 100) return true;
  if (t.length > 3 && t === t.toUpperCase()) return true;
  return t.length < 70 && !/[.;!?…]$/.test(t);
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}

function trimEndIndex(text: string): number {
  return text.trimEnd().length;
}


