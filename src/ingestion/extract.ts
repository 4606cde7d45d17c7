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
import type { AgencyMention } from '../corpus/agencies.js';
import type { Deadline, DeadlinePrecision, DocumentKind, TaskRow, TaskStatus } from '../corpus/types.js';
import { findDeadlines, NO_DEADLINE, parseDeadlineCell, type DeadlineMatch } from './deadlines.js';
import { ancestors, titleOf, type Block, type DocumentStructure, type TableRow } from './structure.js';
import { recogniseColumns } from './table-columns.js';
import { fieldRecords, type FieldRecord } from './fields.js';
import { fold, foldAligned, squashSpaces, stripSuperscripts, tokenize } from '../text/vietnamese.js';

/** What the extractor needs from the agency registry. */
export interface AgencyLookup {
  findMentions(text: string, opts?: { caseSensitive?: boolean; province?: string }): AgencyMention[];
  get(name: string): { kind: string } | undefined;
  /** The province whose organs issued a document (canonical name), or null for a central body. */
  provinceOf?(issuer: string | null | undefined): string | null;
}

export interface ExtractOptions {
  docId: string;
  agencies: AgencyLookup;
  /** Issuing body (canonical name): provincial bodies a provincial document names belong to its province. */
  issuer?: string | null;
  /** Kind of document: a report restates targets, a directive sets them (see fromTable). */
  kind?: DocumentKind;
}

const ALL = 'Các bộ, ngành, địa phương';
const MINISTRIES = 'Các bộ, ngành';
const PROVINCES = 'Các địa phương';

/** task: every item is a task; explicit: only sentences naming who ("Quan điểm"); report: results, no tasks. */
type Mode = 'task' | 'explicit' | 'report';

/** Words that may precede an agency name in the subject position (folded). */
const SUBJECT_PREFIX = new RegExp(
  '^(?:' +
    [
      'giao cho', 'giao', 'de nghi', 'kinh de nghi', 'tran trong de nghi', 'yeu cau', 'cac dong chi', 'dong chi', 'cac', 'bo truong',
      'thu truong', 'chu nhiem', 'chu tich', 'thong doc', 'tong giam doc', 'giam doc', 'lanh dao', 'nhiem vu cua', 'ban chi dao chuyen doi so cua',
      'ban chi dao chuyen doi so', 'ban chi dao cua', 'de xuat, kien nghi', 'de xuat kien nghi', 'kien nghi', 'doi voi',
    ].join('|') +
    ')(?=[\\s,:]|$)[\\s,]*',
);

/** "Bộ trưởng, Trưởng ngành" / "Chủ tịch Ủy ban nhân dân các cấp": groups named by their heads. */
const ROLE_GROUPS: Array<[RegExp, string]> = [
  [/^bo truong,?\s+(?:truong nganh|thu truong(?: co quan ngang bo,? co quan thuoc chinh phu| cac bo,? nganh)?)/, MINISTRIES],
  [/^chu tich uy ban nhan dan cac (?:cap|tinh(?:,? thanh pho)?(?: truc thuoc trung uong)?)/, PROVINCES],
  [/^bo truong(?=,\s*(?!\s|chu nhiem))/, MINISTRIES],
];

/** Verbs after a subject that report rather than assign. */
const REPORTING_VERB = /^(?:da|dang|duoc|de xuat|kinh de nghi|bao cao|thong bao|ghi nhan|danh gia cao|tran trong)\b/;
const INTRO_CUE = /(?::\s*$|\b(?:nhu sau|sau day|cu the|chu yeu sau|trong tam sau|sau)\s*(?:trong nam \d{4})?\s*:?\s*$)/;
const CLOSING_FORMULA = /thong bao de .*biet|biet,? thuc hien|^tran trong|^noi nhan/;
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
  /** Agencies a following "Giao X phối hợp triển khai" adds when the assignment already has a lead. */
  support?: string[];
}

export function extractTasks(doc: DocumentStructure, opts: ExtractOptions): TaskRow[] {
  return withoutBodyDuplicates(new Extractor(doc, opts).run());
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
function withoutBodyDuplicates(rows: TaskRow[]): TaskRow[] {
  const key = (t: string) => fold(t).replace(/[^a-z0-9]+/g, ' ').trim().slice(0, 60);
  const withLead = new Set(rows.filter((r) => r.lead.length > 0).map((r) => key(r.task)));
  return rows.filter((r) => r.lead.length > 0 || !withLead.has(key(r.task)));
}

class Extractor {
  private readonly rows: TaskRow[] = [];
  private readonly ordinals = new Map<string, number>();
  private readonly addressees: string[];
  private readonly text: string;

  /** "Sở Khoa học và Công nghệ" in a plan of UBND thành phố Hà Nội is Hà Nội's. */
  private readonly province: string | null;

  constructor(private readonly doc: DocumentStructure, private readonly opts: ExtractOptions) {
    this.text = doc.text;
    this.province = opts.agencies.provinceOf?.(opts.issuer) ?? null;
    this.addressees = this.findAddressees();
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

  private mentions(text: string): AgencyMention[] {
    return this.opts.agencies.findMentions(text, { caseSensitive: true, ...(this.province && { province: this.province }) });
  }

  /** Collapses "Các bộ, ngành" + "Các địa phương" into the whole group, and removes duplicates. */
  private normalizeLeads(names: string[]): string[] {
    const set = [...new Set(names)];
    if (set.includes(MINISTRIES) && set.includes(PROVINCES)) {
      return [ALL, ...set.filter((n) => n !== MINISTRIES && n !== PROVINCES && n !== ALL)];
    }
    return set;
  }

  /** The "Kính gửi:" addressees, whom "Quý Cơ quan" refers to. */
  private findAddressees(): string[] {
    const i = this.doc.blocks.findIndex((b) => /^kính gửi\s*:/iu.test(b.text.trim()));
    if (i < 0) return [];
    const names: string[] = [];
    const first = this.doc.blocks[i]!;
    names.push(...this.mentions(first.text.replace(/^kính gửi\s*:/iu, '')).map((m) => m.name));
    for (const b of this.doc.blocks.slice(i + 1)) {
      if (b.kind !== 'item' || b.marker?.type !== 'dash') break;
      names.push(...this.leadPhrase(b.text.replace(/[;.]$/, ''), 0).names);
    }
    return this.normalizeLeads(names);
  }

  /**
   * Reads a run of agency names at `from` in `text`, allowing titles before
   * them ("Bộ trưởng", "Ban Chỉ đạo chuyển đổi số của") and commas, "và", "-"
   * between them. Returns the names and where the run ends.
   */
  private leadPhrase(text: string, from: number): { names: string[]; end: number } {
    const folded = foldAligned(text);
    const mentions = this.mentions(text).filter((m) => m.start >= from);
    const names: string[] = [];
    let pos = from;
    let end = from;
    for (let guard = 0; guard < 24; guard++) {
      pos = skip(folded, pos, /^[\s,]+/);
      const role = ROLE_GROUPS.find(([re]) => re.test(folded.slice(pos)));
      if (role) {
        const m = role[0].exec(folded.slice(pos))!;
        names.push(role[1]);
        pos += m[0].length;
        end = pos;
      } else if (/^quy co quan\b/.test(folded.slice(pos))) {
        names.push(...this.addressees);
        pos += 'quý cơ quan'.length;
        end = pos;
      } else {
        const m = mentions.find((x) => x.start === pos) ?? genericAgencyAt(text, pos);
        if (!m) {
          const prefix = SUBJECT_PREFIX.exec(folded.slice(pos));
          if (prefix && prefix[0].length > 0) {
            pos += prefix[0].length;
            continue;
          }
          break;
        }
        names.push(m.name);
        pos = m.end;
        end = pos;
        // "(Tổng Cục thuế)" after a name qualifies it.
        const paren = /^\s*\([^)]{0,60}\)/.exec(text.slice(pos));
        if (paren) pos = end = pos + paren[0].length;
        // "- Phó Chủ tịch Ủy ban …" is the person's other role, not another assignee.
        const role2 = /^\s*-\s*(?:pho chu tich|chu tich|thanh vien|uy vien)\b[^:,;]*/.exec(folded.slice(pos));
        if (role2) pos = end = pos + role2[0].length;
      }
      const conn = /^\s*(?:,|và|cùng|-|–)\s*/u.exec(text.slice(pos));
      if (!conn) break;
      pos += conn[0].length;
    }
    return { names: this.normalizeLeads(names), end };
  }

  /** True when the text up to `end` is nothing but a lead phrase (a heading such as "a) Bộ Tài chính"). */
  private isOnlyLeadPhrase(text: string): string[] | null {
    const t = text.replace(/[:.;\s]+$/, '');
    if (t === '') return null;
    const { names, end } = this.leadPhrase(t, 0);
    return names.length > 0 && t.slice(end).trim() === '' ? names : null;
  }

  /** Agencies after "phối hợp với", "phối hợp và thống nhất với", "cùng với". */
  private supportIn(text: string): string[] {
    const folded = foldAligned(text);
    const out: string[] = [];
    const re = /phoi hop(?: va thong nhat)? (?:voi|cung)\s+|cung voi\s+|thong nhat voi\s+/g;
    for (const m of folded.matchAll(re)) {
      out.push(...this.leadPhrase(text, m.index + m[0].length).names);
    }
    return [...new Set(out)];
  }

  /** "Giao (cho) X", "đề nghị X", "yêu cầu X": the last such addressee in the text. */
  private addresseeIn(text: string, verbs: RegExp): string[] | null {
    const folded = foldAligned(text);
    let found: string[] | null = null;
    for (const m of folded.matchAll(verbs)) {
      const { names } = this.leadPhrase(text, m.index + m[0].length);
      if (names.length > 0) found = names;
    }
    return found;
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
      if (/\bquan diem\b/.test(title)) return 'explicit';
      if (REPORT_TITLE.test(title)) return 'report';
      if (TASK_TITLE.test(title)) return 'task';
    }
    return 'task';
  }

  /** Leads inherited from an enclosing item headed by an agency, or from a list introduction. */
  private inherited(block: Block): Leads {
    for (const b of ancestors(block)) {
      const head = this.headingLeads(b);
      if (head) return head;
      const intro = this.introLeads(b);
      if (intro) return { lead: intro, support: [] };
    }
    // Top-level items of a letter: addressed by the root introduction.
    const root = this.doc.roots.filter((b) => b.kind === 'paragraph');
    for (const p of root) {
      if (p.span.start > block.span.start) break;
      if (INTRO_CUE.test(foldAligned(p.text).trim())) {
        const lead = this.addresseeIn(p.text, /(?:de nghi|yeu cau|giao cho|giao|chi dao|phan cong cho)\s+/g);
        if (lead) return { lead, support: [] };
      }
    }
    return { lead: [], support: [] };
  }

  /** An item whose title is an agency: "a) Bộ Thông tin và Truyền thông", "Bộ Tài chính:", "Bộ trưởng Bộ Y tế: …". */
  private headingLeads(b: Block): Leads | null {
    if (b.kind !== 'item') return null;
    const colon = b.text.indexOf(':');
    const head = colon > 0 ? b.text.slice(0, colon) : b.text;
    const names = this.isOnlyLeadPhrase(head);
    if (!names) return null;
    const rest = colon > 0 ? b.text.slice(colon + 1) : '';
    return { lead: names, support: this.supportIn(rest.split(/\(\s*(?:i|1)\s*\)/)[0] ?? '') };
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
      const lead = this.addresseeIn(p.text, /(?:de nghi|yeu cau|giao cho|giao|chi dao|phan cong cho)\s+/g);
      if (lead) return lead;
    }
    return null;
  }

  // ---------------------------------------------------------------- labelled fields

  /** One row from "Nhiệm vụ: … / Đơn vị chủ trì: … / Thời gian thực hiện: …". */
  private fromFieldRecord(r: FieldRecord): void {
    const task = r.task.value !== '' ? r.task.value : r.taskItems.map((b) => b.text.replace(/[;.]\s*$/, '')).join('; ');
    const lead = r.lead.length > 0 ? r.lead.flatMap((f) => this.cellAgencies(f.value)) : r.agencies.flatMap((f) => this.cellAgencies(f.value));
    const support = r.support.flatMap((f) => this.cellAgencies(f.value));
    const timeText = r.time?.value ?? '';
    const deadline = parseDeadlineCell(timeText) ?? (timeText ? pickDeadline(findDeadlines(timeText)) : NO_DEADLINE);
    this.addRow({
      path: r.owner.path, task, lead: this.normalizeLeads(lead), support, deadline,
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
    const hasItemChildren = block.children.some((c) => c.kind === 'item' || (c.kind === 'paragraph' && !/^\(.*\)\.?$/.test(c.text.trim())));
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
      (this.isOnlyLeadPhrase(prefixText.replace(/[:(\s]+$/, '')) !== null ||
        context.lead.length > 0 ||
        /chu tri|phoi hop|giao/.test(foldAligned(prefixText)) ||
        // "…: (1) Thanh tra Chính phủ ban hành …; (2) Bộ Công an chủ trì …": each piece names its own agency.
        pieces.filter((p) => this.subjectAt(text.slice(p.start, p.end)) !== null).length * 2 >= pieces.length);
    if (pieces && assigns) {
      const prefix = prefixText;
      const prefixLead = this.isOnlyLeadPhrase(prefix.replace(/[:(\s]+$/, ''));
      const ctx: Leads = {
        lead: prefixLead ?? context.lead,
        support: [...new Set([...context.support, ...this.supportIn(prefix)])],
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
        path: o.path, task: head, lead: list.names, support: this.supportIn(head), deadline: dl,
        quoteStart: o.quoteFrom ?? offset + leadingSpace(text), quoteEnd: offset + trimEndIndex(text),
      });
      return;
    }

    const assignments = this.assignments(text);
    for (const a of assignments) {
      if (a.reported && a.deadlines.length === 0) continue;
      const explicit = a.lead !== null && a.lead.length > 0;
      const deadline = pickDeadline(a.deadlines);
      const unitText = text.slice(a.start, a.end);
      if (o.mode === 'report') {
        const futureDeadline = deadline.date !== null && /(?<![\p{L}])(?:sẽ|phải|cần)(?![\p{L}])/iu.test(unitText);
        if (!a.viaGiao && !futureDeadline) continue;
      } else if (o.mode === 'explicit' && !explicit) {
        continue;
      } else if (!explicit && deadline.text === null && !(o.leaf && assignments.length === 1) && !(o.leaf && a === assignments[0])) {
        continue;
      }
      const lead = explicit ? a.lead! : context.lead;
      const support = [...new Set([...this.supportIn(unitText), ...(a.support ?? []), ...(explicit ? [] : context.support)])].filter((s) => !lead.includes(s));
      this.addRow({
        path: o.path, task: text.slice(a.start, a.taskEnd), lead, support, deadline,
        quoteStart: a === assignments[0] && o.quoteFrom !== undefined ? o.quoteFrom : offset + a.start, quoteEnd: offset + a.end,
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
      const m = this.mentions(part);
      const covered = m.reduce((n, x) => n + (x.end - x.start), 0);
      const letters = part.replace(/^(?:tỉnh|thành phố|tp\.?)\s+/iu, '').length;
      if (m.length !== 1 || covered < letters * 0.75) return null;
      names.push(m[0]!.name);
    }
    return { colon, names };
  }

  /** "…; thời gian tới, các bộ, ngành, địa phương phải tập trung …": a subject after an opening phrase. */
  private obligedIn(sentence: string): string[] | null {
    for (const m of this.mentions(sentence)) {
      if (m.start === 0 || !/[,;:]\s*$/.test(sentence.slice(0, m.start))) continue;
      const { names, end } = this.leadPhrase(sentence, m.start);
      if (names.length > 0 && /^\s*(?:phai|can|khan truong|chu tri|co trach nhiem)\b/.test(foldAligned(sentence.slice(end)))) return names;
    }
    return null;
  }

  /** Splits a unit into sentences and groups them into assignments. */
  /** Agencies that open a clause as its subject ("Bộ Công an chủ trì …"), or null. */
  private subjectAt(clause: string): string[] | null {
    const start = skip(foldAligned(clause), 0, /^[\s\-–+]+/);
    const subject = this.leadPhrase(clause, start);
    if (subject.names.length === 0) return null;
    const after = foldAligned(clause.slice(subject.end)).trim();
    return after !== '' && !after.startsWith(':') && !REPORTING_VERB.test(after) ? subject.names : null;
  }

  /** Clauses, also cut at a ";" after which another agency is the subject ("…; Bộ Công an tổng hợp …"). */
  private clausesOf(text: string): Clause[] {
    const out: Clause[] = [];
    for (const [s, e] of splitSentences(text)) {
      let from = s;
      for (const m of text.slice(s, e).matchAll(/;\s+/g)) {
        const at = s + m.index + m[0].length;
        const next = text.slice(at, e);
        if (!/^\p{Lu}|^các\s/u.test(next) || this.subjectAt(next) === null) continue;
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
      const giao = this.addresseeIn(sentence, /\b(?:giao cho|giao|de nghi|yeu cau)\s+/g);
      const subject = this.leadPhrase(sentence, skip(foldAligned(sentence), 0, /^[\s\-–+]+/));
      const after = foldAligned(sentence.slice(subject.end)).trim();
      const subjectLead = subject.names.length > 0 && after !== '' && !after.startsWith(':') ? subject.names : null;
      // "Bộ X báo cáo …" reports in minutes, but "… báo cáo kết quả … định kỳ hằng quý / trước ngày …" is a duty.
      const duty = /^bao cao\b/.test(after) && (deadlines.length > 0 || /\b(?:dinh ky|hang (?:thang|quy|nam))\b/.test(after));
      const reported = subjectLead !== null && REPORTING_VERB.test(after) && !giao && !duty;
      const lead = giao ?? (reported ? null : subjectLead) ?? this.obligedIn(sentence);
      const current = out.at(-1);
      const deadlineOnly = deadlines.length === 1 && tokenize(sentence.slice(0, deadlines[0]!.start - s.start) + sentence.slice(deadlines[0]!.end - s.start)).length <= 3;
      if (current && deadlineOnly && current.deadlines.length === 0) {
        current.deadlines.push(...deadlines);
        current.end = s.end;
        continue;
      }
      // "Giao Bộ A, Bộ B phối hợp triển khai.": who does the work named just before.
      if (current && giao && deadlines.length === 0 && isBareAssignment(sentence)) {
        if (current.lead === null || current.lead.length === 0) current.lead = giao;
        else current.support = [...(current.support ?? []), ...giao];
        current.end = s.end;
        current.viaGiao = true;
        continue;
      }
      const startsNew = !current || lead !== null || (deadlines.length > 0 && current.deadlines.length > 0) || s.forcedBreak;
      if (startsNew) {
        out.push({ start: s.start, end: s.end, taskEnd: s.end, lead, deadlines, viaGiao: giao !== null, reported });
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
    const table = block.table!;
    const cols = recogniseColumns(table.header, table.rows.map((r) => r.cells));
    if (!cols) return;
    const cell = (row: TableRow, i: number) => (i >= 0 ? stripSuperscripts(row.cells[i] ?? '').trim() : '');
    // "Các nhiệm vụ … quá hạn chưa hoàn thành": a status stated by the heading above the table.
    const headingStatus = statusOfText(block.parent ? titleOf(block.parent) : '');
    let previousLead: string[] = [];
    let previousGroup: string | null = null;
    for (const row of table.rows) {
      const name = cell(row, cols.name);
      if (name === '') continue;
      if (row.group !== previousGroup) previousLead = [];
      previousGroup = row.group;
      const leadCell = cell(row, cols.lead);
      let lead = leadCell === '' ? previousLead : this.cellAgencies(leadCell);
      // "Nhiệm vụ giao Bộ trưởng Bộ Công an chỉ đạo": a group row that names whom its rows are for.
      if (lead.length === 0 && row.group) lead = this.mentions(row.group).map((m) => m.name);
      previousLead = lead;
      const support = this.cellAgencies(cell(row, cols.support));
      const target = cell(row, cols.target);
      const result = cell(row, cols.result);
      // "Đến năm 2030", "Giai đoạn 2025-2027": a group row that dates the rows under it.
      const groupDeadline = [...row.groups].reverse().map((g) => parseDeadlineCell(g) ?? pickDeadline(findDeadlines(g))).find((d) => d.date !== null) ?? NO_DEADLINE;
      const targetDeadline = parseDeadlineCell(target);
      // "Mục tiêu 2026" over a directive's indicators: the target is due by the end of that year (a report only restates it).
      const yearDeadline: Deadline | undefined =
        cols.indicators && cols.targetYear && this.opts.kind !== 'báo cáo'
          ? { date: `${cols.targetYear}-12-31`, text: table.header[cols.target]!, precision: 'year' }
          : undefined;
      const deadline =
        parseDeadlineCell(cell(row, cols.deadline)) ?? targetDeadline ?? (groupDeadline.date !== null ? groupDeadline : undefined) ?? yearDeadline;
      // "Mục tiêu năm 2023: Tháng 12/2023" in a list of indicators is a task with a deadline.
      const isIndicator = cols.indicators && targetDeadline === undefined;
      const path = row.number ? (block.path ? `${block.path}.${row.number}` : row.number) : block.path;
      const year = cols.targetYear ?? (deadline?.precision === 'year' && deadline.date ? Number(deadline.date.slice(0, 4)) : undefined);
      this.addRow({
        path, task: name, lead: this.normalizeLeads(lead), support, deadline: deadline ?? NO_DEADLINE,
        quoteStart: row.line.start, quoteEnd: row.line.end,
        kind: isIndicator ? 'indicator' : 'task',
        indicator: isIndicator ? { ...(target && { target }), ...(result && { result }), ...(year && { year }) } : undefined,
        status: statusOfText(cell(row, cols.status)) ?? statusOf(row) ?? headingStatus,
      });
    }
  }

  /** {@link readAgencyCell}. */
  agenciesOfCell(text: string): string[] {
    return this.cellAgencies(text);
  }

  /** Agencies named in a table cell; "Bộ, ngành, địa phương" is the whole group. */
  private cellAgencies(cell: string): string[] {
    const text = cell.replace(/\s+/g, ' ').trim();
    if (text === '') return [];
    const whole = this.leadPhrase(text, 0);
    const names = whole.names.length > 0 ? [...whole.names] : [];
    for (const m of this.mentions(text)) if (m.start >= whole.end) names.push(m.name);
    // Cells also name bodies the registry does not list ("Sở Nội vụ; UBND cấp huyện").
    let offset = 0;
    for (const part of text.split(/[;,]/)) {
      const at = text.indexOf(part, offset);
      offset = at + part.length;
      const lead = part.length - part.trimStart().length;
      if (at + lead < whole.end) continue;
      const g = genericAgencyAt(text, at + lead);
      if (g && !this.mentions(part).length) names.push(g.name);
    }
    return this.normalizeLeads(names);
  }

  // ---------------------------------------------------------------- rows

  private addRow(r: {
    path: string; task: string; lead: string[]; support: string[]; deadline: Deadline;
    quoteStart: number; quoteEnd: number; kind?: TaskRow['kind']; indicator?: TaskRow['indicator']; status?: TaskStatus;
  }): void {
    const quote = squashSpaces(this.text.slice(r.quoteStart, r.quoteEnd)).replace(/[;,]$/, '').trim();
    const task = squashSpaces(r.task).replace(/^[-–+•]\s*/, '').replace(/[;:,]$/, '').trim();
    if (task === '' || quote === '') return;
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

/** Head words of Vietnamese public bodies, for agencies the registry does not list (a province's departments …). */
const ORG_HEAD = /^(?:Sở|Công an|Ủy ban nhân dân|UBND|Cục|Tổng cục|Vụ|Kho bạc Nhà nước|Ban Quản lý|Ban quản lý|Trung tâm|Văn phòng|Đài|Thanh tra|Viện|Bệnh viện|Trường|Bộ Chỉ huy|Bộ đội Biên phòng|Hội|Liên đoàn|Tỉnh đoàn|Thành đoàn)\s+(?=\S)/u;
/** Where a body's name ends: the verb or connective that follows it. */
const ORG_END = /\s+(?:chủ trì|phối hợp|khẩn trương|tham mưu|hoàn thành|triển khai|rà soát|xây dựng|tổ chức|thực hiện|theo dõi|có trách nhiệm|chịu trách nhiệm|tiếp tục|đẩy mạnh|nghiên cứu|chỉ đạo|hướng dẫn|cân đối|bố trí|báo cáo|ban hành|trình|và các|cùng|để|đôn đốc|tăng cường|bảo đảm|đảm bảo|quản lý|cung cấp|kiểm tra|giám sát)(?!\p{L})|[,;:.()\t]|\s+-\s/u;

/** An agency-like name at `pos` that the registry does not know, e.g. "Sở Khoa học và Công nghệ". */
function genericAgencyAt(text: string, pos: number): AgencyMention | undefined {
  const rest = text.slice(pos);
  const head = ORG_HEAD.exec(rest);
  if (!head) return undefined;
  const end = ORG_END.exec(rest.slice(head[0].length));
  const length = head[0].length + (end ? end.index : rest.length - head[0].length);
  const name = rest.slice(0, length).trim();
  const words = name.split(/\s+/).length;
  if (words < 2 || words > 10) return undefined;
  return { name, start: pos, end: pos + name.length, text: name };
}

/** "Giao Bộ A, Bộ B phối hợp triển khai.": a sentence that only says who, with no work of its own. */
function isBareAssignment(sentence: string): boolean {
  const words = tokenize(sentence.replace(/\p{Lu}[\p{L}&]*(?:\s+(?:\p{Lu}[\p{L}&]*|và|và\s+\p{Lu}[\p{L}&]*))*/gu, ' '));
  const generic = new Set(['giao', 'cho', 'cac', 'chu', 'tri', 'phoi', 'hop', 'trien', 'khai', 'thuc', 'hien', 'to', 'chuc', 'theo', 'doi', 'va', 'cung', 'voi', 'nhiem', 'vu', 'nay', 'tren', 'bo', 'nganh', 'dia', 'phuong', 'lien', 'quan', 'co']);
  return words.every((w) => generic.has(w));
}

/** A section title rather than a task: short, without a sentence ending, or in capitals, or "Về …". */
function looksLikeHeading(text: string): boolean {
  const t = text.trim();
  if (/^(?:về|ve)\s/iu.test(t) && t.length < 100) return true;
  if (t.length > 3 && t === t.toUpperCase()) return true;
  return t.length < 70 && !/[.;!?…]$/.test(t);
}

function skip(folded: string, pos: number, re: RegExp): number {
  const m = re.exec(folded.slice(pos));
  return m ? pos + m[0].length : pos;
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}

function trimEndIndex(text: string): number {
  return text.trimEnd().length;
}

const PRECISION_RANK: Record<DeadlinePrecision, number> = { day: 4, month: 3, quarter: 2, year: 1, none: 0 };

/** One deadline for an assignment: the most precise, then the earliest. */
function pickDeadline(found: DeadlineMatch[]): Deadline {
  if (found.length === 0) return NO_DEADLINE;
  return [...found].sort(
    (a, b) =>
      PRECISION_RANK[b.deadline.precision] - PRECISION_RANK[a.deadline.precision] ||
      (a.deadline.date ?? '9999').localeCompare(b.deadline.date ?? '9999'),
  )[0]!.deadline;
}

function statusOf(row: TableRow): TaskStatus | undefined {
  return statusOfText(row.group ?? '');
}

/** "Đã hoàn thành (quá hạn)", "Đang thực hiện", "… quá hạn chưa hoàn thành": a status the document states. */
function statusOfText(text: string): TaskStatus | undefined {
  const g = fold(text);
  if (/chua hoan thanh|qua han/.test(g) && !/da hoan thanh/.test(g)) return 'chưa hoàn thành';
  if (/dang (?:trien khai|thuc hien)/.test(g)) return 'đang triển khai';
  if (/(?:^|da )hoan thanh/.test(g)) return 'hoàn thành';
  return undefined;
}

interface Clause {
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

/** Cuts text[s, e) before a second deadline that belongs to a second action. */
function splitAtDeadlines(text: string, s: number, e: number, forced: boolean): Clause[] {
  const out: Clause[] = [];
  const sentence = text.slice(s, e);
  const deadlines = findDeadlines(sentence);
  let clauseStart = 0;
  for (let k = 1; k < deadlines.length; k++) {
    const prev = deadlines[k - 1]!;
    const cur = deadlines[k]!;
    const between = sentence.slice(prev.end, cur.start);
    if (tokenize(between).length <= 2) continue; // "trong Quý II/2023, hoàn thành trước 30/5/2023": one action, refined
    const sep = Math.max(between.lastIndexOf(','), between.lastIndexOf(';'));
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
