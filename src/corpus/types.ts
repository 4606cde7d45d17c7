/**
 * The shapes stored under corpus/: document metadata, the task table and the
 * agency registry. Every other layer reads these; only ingestion writes them.
 */

/** Kinds of directive document, as named on the document itself. */
export type DocumentKind =
  | 'báo cáo'
  | 'thông báo kết luận'
  | 'công văn'
  | 'kế hoạch'
  | 'quyết định'
  | 'chỉ thị'
  | 'nghị quyết'
  | 'văn bản';

/** One row of corpus/documents.json. */
export interface DocumentMeta {
  /** Short readable slug; the text lives at corpus/documents/<docId>.txt. */
  docId: string;
  title: string;
  kind: DocumentKind;
  issuer: string | null;
  /** "Số: 5406/BTTTT-CĐSQG" → "5406/BTTTT-CĐSQG"; null when the document leaves it blank. */
  number: string | null;
  /** YYYY-MM-DD, or YYYY-MM / YYYY when the document leaves the day or month blank. */
  date: string | null;
  originalFile: string;
  format: 'txt' | 'pdf' | 'docx';
  /** sha256 of the normalised text: re-ingesting the same content is a no-op. */
  hash: string;
  chars: number;
  ingestedAt: string;
}

export type DeadlinePrecision = 'day' | 'month' | 'quarter' | 'year' | 'none';

export interface Deadline {
  /** Last day of the stated period (YYYY-MM-DD), or null when the text gives no date. */
  date: string | null;
  /** The phrase as written, e.g. "Hoàn thành trong Quý I năm 2024"; null when there is none. */
  text: string | null;
  precision: DeadlinePrecision;
}

export type TaskStatus = 'hoàn thành' | 'chưa hoàn thành' | 'đang triển khai';

/** Target and/or reported result of an indicator row ("chỉ tiêu"). */
export interface IndicatorValues {
  target?: string;
  result?: string;
  year?: number;
}

/** One assignment: who must do what by when, with the sentence that says so. */
export interface TaskRow {
  /** Stable id: `<docId>/<section>#<n>`; corrections in corpus/overrides.json refer to it. */
  id: string;
  docId: string;
  /** Section path in the document, e.g. "B.II.2.c". */
  section: string;
  /** The task in the document's words. */
  task: string;
  /** Canonical names (agency registry) of whoever leads or is assigned. */
  lead: string[];
  /** Canonical names of whoever supports ("phối hợp"). */
  support: string[];
  deadline: Deadline;
  kind: 'task' | 'indicator';
  indicator?: IndicatorValues;
  status?: TaskStatus;
  /** Verbatim sentence(s) of the document that make the assignment. */
  quote: string;
  /** Set when a person corrected the row through corpus/overrides.json. */
  corrected?: boolean;
}

export type AgencyKind =
  | 'ministry'
  | 'ministry-level'
  | 'government-agency'
  | 'province'
  | 'corporation'
  | 'judicial'
  | 'committee'
  | 'other'
  /** A body that every province has (a Sở, Công an tỉnh, Văn phòng UBND …), see {@link AgencyEntry.perProvince}. */
  | 'provincial'
  | 'group';

/** The 2025 restructuring: who inherited an agency's tasks. */
export interface Succession {
  /** Date the change took effect (YYYY-MM-DD). */
  date: string;
  /**
   * Canonical names of the successor(s); the first inherits the main functions. Empty
   * when the body was abolished without a direct successor (UBND cấp huyện, 01/07/2025).
   */
  successors: string[];
  /** Vietnamese note shown to users, e.g. "hợp nhất vào Bộ Khoa học và Công nghệ". */
  note: string;
}

/** One entry of corpus/agencies.json. */
export interface AgencyEntry {
  /** Canonical name as written in 2022–2024 documents. */
  name: string;
  kind: AgencyKind;
  /** Other spellings and abbreviations: "BTTTT", "Bộ TT&TT", "Thừa Thiên - Huế" … */
  aliases: string[];
  /** For groups: member kinds ("các bộ, ngành, địa phương" = ministries, agencies, provinces). */
  memberKinds?: AgencyKind[];
  /** For groups: explicitly named members (canonical names) in addition to memberKinds. */
  members?: string[];
  /** Set for agencies dissolved or merged in the 2025 restructuring. */
  succession?: Succession;
  /** Set for entries created in the 2025 restructuring (not found in 2022–2024 documents). */
  since?: string;
  /**
   * A body every province has ("Sở Khoa học và Công nghệ", "Công an tỉnh, thành phố",
   * "Các sở, ban, ngành"): the entry itself is the unscoped form (a central document,
   * a question naming no province), and the registry generates one scoped entry per
   * province ("Sở Khoa học và Công nghệ Hà Nội"). The value is the scoped name pattern:
   * "{short}" is the province's short name ("Hà Nội", "Ninh Bình"), "{unit}" the way
   * it is addressed ("thành phố Hà Nội", "tỉnh Ninh Bình"), "{name}" the entry's name;
   * "=province" makes the scoped form the province entry itself (UBND tỉnh).
   */
  perProvince?: string;
  /**
   * Aliases of a per-province body that only count when a province is named right
   * after them ("Công an" in "Công an tỉnh Ninh Bình", not "lực lượng Công an").
   */
  scopedAliases?: string[];
  /** Since 2025 part of this body (canonical name): Bảo hiểm xã hội Việt Nam → Bộ Tài chính. Shown, not used for matching. */
  parent?: string;
  /** Generated scoped entries: the province (canonical name) the body belongs to. */
  province?: string;
  /** Generated scoped entries: the per-province entry they were made from. */
  template?: string;
}

export interface AgencyFile {
  version: number;
  agencies: AgencyEntry[];
}

/** A person's correction of one task row, kept across re-ingestion. */
export interface TaskOverride {
  lead?: string[];
  support?: string[];
  deadline?: Deadline;
  task?: string;
  status?: TaskStatus;
  kind?: TaskRow['kind'];
  /** Removes a wrongly extracted row. */
  delete?: boolean;
  /** Why the row was corrected, and by whom. */
  note?: string;
}

export interface OverridesFile {
  version: number;
  overrides: Record<string, TaskOverride>;
}
