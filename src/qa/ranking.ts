/**
 * Ranking for question answering: the topic of a structured query (its content
 * bigrams, without question words, agency names or document references), task
 * rows ranked by topic coverage and lexical score, passages searched once per
 * question, and the hard constraints every source must meet (document scope,
 * years named in the topic, the role asked about).
 */
import MiniSearch from 'minisearch';
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { Corpus } from '../corpus/store.js';
import type { AgencyEntry, DocumentMeta, TaskRow } from '../corpus/types.js';
import { analyze, bigramSet, contentBigrams, expandAbbreviations } from '../retrieval/analyzer.js';
import type { Chunk } from '../retrieval/chunks.js';
import type { PassageHit, PassageIndex } from '../retrieval/index.js';
import { agencyMatcher, type TaskMatch } from '../tasks/query.js';

/** How a row concerns the agencies asked about. */
export type MatchResult = Omit<TaskMatch, 'row'>;
import { addDays } from '../text/dates.js';
import { findPeriods } from '../text/periods.js';
import { fold, squashSpaces } from '../text/vietnamese.js';
import { KIND_WORDS } from './scope.js';
import type { Understanding } from './understand.js';

/** A row or passage covering less of the question's topic than this does not answer it. */
export const MIN_COVERAGE = 0.5;

/**
 * Phrases (folded) that only say what kind of answer is wanted; removed from a
 * question before its topic is read. Whole phrases, not single syllables, so
 * "hội nghị" goes but "nghị định" stays.
 */
const QUESTION_FRAME = [
  'co quan nao', 'don vi nao', 'bo nao', 'nganh nao', 'tinh nao', 'dia phuong nao', 'thanh pho nao', 'nhung tinh nao', 'cac tinh nao',
  'chiu trach nhiem', 'phu trach', 'chu tri', 'khi nao', 'bao gio', 'luc nao', 'thoi han', 'han chot', 'han cuoi', 'thoi gian nao', 'truoc ngay nao',
  'ngay nao', 'thang nao', 'nam nao', 'cham nhat', 'muon nhat', 'phai xong', 'hoan thanh', 'nhiem vu', 'cong viec', 'duoc giao', 'giao cho', 'phai lam(?= (?:gi|nhung gi|sao|the nao|nhu the nao)\\b)', 'thoi diem nao', 'truoc thoi diem nao', 'moi bo', 'moi co quan', 'moi don vi', 'som hon', 'muon hon', 'dung cuoi', 'cuoi quy', 'cuoi thang', 'dau quy', 'dau thang', 'lam gi',
  'la gi', 'nhung gi', 'nhung viec gi', 'viec gi', 'bao nhieu', 'the nao', 'nhu the nao', 'ra sao', 'theo ket luan', 'ket luan', 'hoi nghi', 'phien hop', 'sap den han', 'den han',
  'qua han', 'co nhiem vu', 'trien khai', 'thuc hien', 'cho biet', 'xin hoi', 'cho hoi', 'de lam', 'sep hoi', 'xep hoi', 'sep bao', 'xep bao', 'minh hoi', 'em hoi', 'cho minh hoi', 'cho em hoi', 'cho e hoi', 'cho toi hoi', 'cho hoi', 'hoi(?: nam)? \\d{4}', 'gop', 'gop vao', 'nhap vao', 'sap xep', 'la ai', 'do ai', 'muc tieu', 'chi tieu', 'ket qua',
  'ty le', 'dat duoc', 'nhom nhiem vu', 'so voi', 'khac gi', 'khac nhau', 'co giong', 'giong nhau', 'co khac', 'thay doi', 'so sanh', 'moi nhat', 'gan nhat',
  'van ban nao', 'van ban', 'phoi hop', 'nam', 'han', 'phan tram', 'bao nhieu phan tram', 'vay', 'a', 'nhi', 'nhe', 'oi', 'co', 'phai', 'theo(?! doi| sat)', 'trong(?! (?:tam|diem|yeu|so)\\b)', 've', 'tai', 'thong bao ket luan', 'thong bao',
  'doi voi', 'lien quan', 'ke thua', 'duoc khong', 'hay khong', 'ad', 'ko', 'gi', 'nao', 'dc', 'khi', 'thi', 'hom nay', 'hien nay', 'bay gio', 'hien tai', 'gio', 'truoc day', 'truoc kia', 'nay la', 'sau sap nhap', 'sap nhap',
  'hop nhat', 'tiep nhan', 'nhung viec', 'cac viec', 'viec', 'z', 'vay', 'ha', 'ak', 'nhi', 'muon', 'lam sao', 'phai lam sao',
  'nhu nao', 'xu ly sao', 'xu ly the nao', 'xu ly nhu the nao', 'luc do', 'khi do', 'yeu cau', 'de nghi', 'moi gom', 'gom ca', 'gop ca', 'hoi truoc', 'dia phuong nay', 'tinh nay', 'bo nay', 'roi', 'quy may', 'thang may', 'nam may', 'chao ban', 'xin chao', 'cam on',
  'truoc ngay may', 'ngay may', 'ca nuoc', 'tong cong', 'moc thoi gian', 'co moc', 'moc', 'ai lo', 'ben nao lo', 'duoc de xuat', 'ai theo doi', 'do ai theo doi', 'chi xet', 'o moi lan', 'moi lan', 'bon minh', 'chung minh', 'chung toi', 'may(?= (?:dich vu|viec|nhiem vu|van ban|chi tieu|dia phuong|loai|nhom|muc|noi dung|buoc|he thong|co quan|don vi|thon|xa|ban)\\b)', 'bo truong(?=\\s*(?:bo\\b|\\|))', 'ma(?= (?:bao cao|van ban|ke hoach|thong bao|ket luan|nghi quyet|quyet dinh))', 'the con', 'vay con', 'giao them', 'them', 'thuc te', 'tren thuc te', 'cuoi cung', 'dat han', 'dat ra han', 'dat khoang', 'khoang(?= bao nhieu)', 'cuoi nam', 'dau nam', 'giua nam', 'con lai(?= bao nhieu)',
  'ban oi', 'chao ad', 'chao anh', 'chao chi', 'moi tinh', 'tinh cu', 'tinh moi', 'moi gom', 'mn', 'moi nguoi',
].sort((a, b) => b.length - a.length);
const FRAME_RE = new RegExp(`(?<![\\p{L}\\p{N}])(?:${QUESTION_FRAME.join('|')})(?![\\p{L}\\p{N}])`, 'gu');

/** Folded text without calendar dates and months ("03/11/2022", "tháng 02/2023"): what remains are years as such. */
export function withoutDates(folded: string): string {
  return folded
    .replace(/\b(?:ngay\s+)?\d{1,2}\s*(?:thang\s*|[/.-])\s*\d{1,2}\s*(?:[/.-]|,?\s*nam)\s*\d{4}\b/g, ' ')
    .replace(/\bthang\s+\d{1,2}\s*(?:[/.-]|nam)\s*\d{4}\b/g, ' ')
    .replace(/\b(?:0?[1-9]|1[0-2])\s*\/\s*\d{4}\b/g, ' ');
}

/**
 * The text names the year ("năm 2026") or the range ("2026-2030") asked about: a single year
 * is not satisfied by a range that merely starts or ends with it ("giai đoạn 2026 - 2030").
 */
export function namesYear(foldedText: string, year: string): boolean {
  const range = /^(\d{4})-(\d{4})$/.exec(year);
  if (range) return new RegExp(String.raw`${range[1]}\s*[-–]\s*${range[2]}`).test(foldedText);
  return new RegExp(String.raw`(?<!\d\s*[-–]\s*)(?<!\d)${year}(?!\d)(?!\s*[-–]\s*\d{4})`).test(foldedText);
}

/**
 * Words users type for what directives write otherwise ("xong" for "hoàn thành", "điện thoại" for
 * "di động"): a source writing either covers the question's word. Pairs only, both ways.
 */
const SAME_MEANING = (() => {
  const pairs: Array<[string, string]> = [
    ['dien_thoai', 'di_dong'], ['lam_xong', 'hoan_thanh'], ['nguoi_dan', 'cong_dan'], ['dinh_danh', 'can_cuoc'], ['mang_internet', 'bang_rong'],
    ['kinh_phi', 'ngan_sach'], ['phan_mem', 'ung_dung'], ['truc_tuyen', 'dien_tu'], ['tap_huan', 'boi_duong'], ['dao_tao', 'boi_duong'],
    ['lien_thong', 'ket_noi'], ['chia_se', 'ket_noi'], ['email', 'thu_dien'], ['ba_con', 'nguoi_dan'], ['thu_tien', 'thu_phi'], ['nguoi_dan', 'dan_cu'], ['ky_nang', 'nang_luc'], ['bon_minh', 'chung_toi'],
  ];
  const map = new Map<string, string[]>();
  for (const [a, b] of pairs) {
    map.set(a, [...(map.get(a) ?? []), b]);
    map.set(b, [...(map.get(b) ?? []), a]);
  }
  return map;
})();

/** "những tỉnh nào", "các địa phương nào", "bao nhiêu tỉnh": named places are asked for. */
const PLACES_ASKED = /\b(?:(?:nhung|cac|hai|ba|bon|nam|sau|bay|tam|chin|muoi|\d{1,2}) (?:tinh|dia phuong|thanh pho)(?: [a-z]+){0,3} nao|bao nhieu (?:tinh|dia phuong|thanh pho))\b/;

/** Words between a noun phrase and its year ("… năm 2026", "giai đoạn 2025-2030"). */
const YEAR_LEAD = new Set(['nam', 'giai', 'doan', 'trong', 'cua', 'den', 'het', 'tu', 'vao', 'cho', 've', 'thang', 'quy', 'ky', 'dot', 'cuoi', 'dau']);
/** Question words: what comes before them is not the year's noun phrase. */
const FRAME_WORDS = new Set(['ai', 'gi', 'nao', 'khi', 'han', 'bao', 'nhieu', 'may', 'theo', 'la', 'phai', 'co', 'duoc']);

/** "kết luận của …", "KH do …": the name that follows issued the document. */
const ISSUED_BY = new RegExp(String.raw`\b(?:${KIND_WORDS})\s+(?:cua|do)\s+$`);

/** Words that join others ("lên", "theo", "của"): a pair with one of them is a seam, not a word. */
const CONNECTORS = new Set(['len', 'xuong', 'vao', 'tren', 'duoi', 'theo', 'khi', 'tu', 'den', 'toi', 'cho', 've', 'tai', 'trong', 'cua', 'cac', 'voi', 'va', 'de', 'o']);

/** The pair joins two words: its first syllable ends a covered pair (or connects), and its second starts one (or connects). */
function seam(pair: string, topic: readonly string[], has: (t: string) => boolean): boolean {
  const [a, b] = pair.split('_') as [string, string];
  const left = CONNECTORS.has(a) || topic.some((t) => t.endsWith(`_${a}`) && t !== pair && has(t));
  const right = CONNECTORS.has(b) || topic.some((t) => t.startsWith(`${b}_`) && t !== pair && has(t));
  return left && right;
}

export interface RankedRow {
  row: TaskRow;
  score: number;
  coverage: number;
}

interface RowDoc {
  id: string;
  text: string;
}

export class Ranker {
  readonly rowById: Map<string, TaskRow>;
  readonly docById: Map<string, DocumentMeta>;
  readonly chunkOfRow = new Map<string, Chunk>();
  private readonly rowIndex: MiniSearch<RowDoc>;
  private readonly rowBigrams = new Map<string, Set<string>>();
  /** Folded text of a row with its headings: years named in a question are looked up here. */
  private readonly rowText = new Map<string, string>();
  /** Folded text of a row's own words (no headings): where a year must sit beside what it qualifies. */
  private readonly rowOwnText = new Map<string, string>();
  /** Folded headings above each row, without dates. */
  private readonly rowContext = new Map<string, string>();
  private readonly titleMemo = new Map<string, string>();
  /** The clause before the colon of the paragraph an enumerated row belongs to (verbatim). */
  private readonly leadIns = new Map<string, string>();
  /** Content word pairs of each row's task text alone. */
  private readonly taskBigrams = new Map<string, string[]>();
  private readonly anchorMemo = new WeakMap<Understanding, Map<string, string[]>>();
  /** In how many rows each index term occurs. */
  private readonly rowTermFrequency = new Map<string, number>();
  /** Inverse document frequency of terms over passages: a question's rare words weigh most. */
  private readonly idf = new Map<string, number>();
  private readonly unseenIdf: number;
  /** Per-question memos: the same query is ranked and read by several composition steps. */
  /** Rankings of the question being answered, by what a ranking depends on: variants of one query ("each year",
   * "each side", "without the years") built as new objects rank once each. */
  private readonly rankMemo = new Map<string, RankedRow[]>();
  private readonly topicMemo = new WeakMap<Understanding, Map<string, string[]>>();
  /** Rows whose document records a status, newest document first (later reports on earlier tasks). */
  private readonly statusRows: TaskRow[];
  private readonly reportMemo = new Map<string, string | undefined>();
  private readonly passageSetCache = new Map<number, { context: Set<string>; sentences: Set<string>[] }>();
  /** Passage searches of the question being answered (several steps ask the same). */
  private readonly searchMemo = new Map<string, Promise<PassageHit[]>>();

  constructor(
    readonly corpus: Corpus,
    readonly registry: AgencyRegistry,
    readonly passages: PassageIndex,
  ) {
    this.docById = new Map(corpus.documents.map((d) => [d.docId, d]));
    const df = new Map<string, number>();
    for (const c of passages.chunks) for (const t of bigramSet(c.text)) df.set(t, (df.get(t) ?? 0) + 1);
    const n = passages.chunks.length;
    for (const [t, d] of df) this.idf.set(t, Math.log((n + 1) / (d + 0.5)));
    this.unseenIdf = Math.log((n + 1) / 0.5);
    this.rowById = new Map(corpus.tasks.map((r) => [r.id, r]));
    this.statusRows = corpus.tasks.filter((r) => r.status).sort((a, b) => this.docDate(b).localeCompare(this.docDate(a)));
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
      // "Khẩn trương ban hành chiến lược dữ liệu: (1) Thanh tra Chính phủ ban hành trước …": the clause before
      // the colon says what each enumerated item is about.
      const squashedChunk = chunk ? squashSpaces(chunk.text) : '';
      const quoteAt = squashedChunk.indexOf(squashSpaces(r.quote).slice(0, 40));
      const colon = /^[^:;]{10,300}:/u.exec(squashedChunk)?.[0] ?? '';
      // Only a clause that ends before the row's own words begin.
      const leadIn = colon && quoteAt >= colon.length ? colon : '';
      // "d) Bộ Công an:" only names who; a lead-in says what in a few words more.
      if (leadIn && leadIn.replace(/^[\p{L}\d.]{1,4}[.)]\s*/u, '').split(' ').length >= 6) this.leadIns.set(r.id, leadIn);
      const text = `${r.task} ${r.quote} ${r.indicator?.target ?? ''} ${r.indicator?.result ?? ''} ${context} ${leadIn}`;
      this.rowBigrams.set(r.id, bigramSet(text));
      this.rowText.set(r.id, withoutDates(fold(`${text} ${r.indicator?.year ?? ''}`)));
      this.rowOwnText.set(r.id, withoutDates(fold(`${r.task} ${r.quote}`)));
      this.taskBigrams.set(r.id, contentBigrams(r.task));
      this.rowContext.set(r.id, withoutDates(fold(chunk?.context ?? '')));
    }
  }

  /** Starts a new question: forgets the previous question's passage searches. */
  reset(): void {
    this.searchMemo.clear();
    this.rankMemo.clear();
  }

  /** Topic of the question: content bigrams without question words, agencies' names or document references. */
  topicBigrams(u: Understanding, ...exclude: AgencyEntry[]): string[] {
    const key = exclude.map((e) => e.name).join('|');
    let memo = this.topicMemo.get(u);
    if (!memo) this.topicMemo.set(u, (memo = new Map()));
    let topic = memo.get(key);
    if (!topic) memo.set(key, (topic = this.topicOf(u, exclude)));
    return topic;
  }

  private topicOf(u: Understanding, exclude: AgencyEntry[]): string[] {
    // Document references are cut out first: their offsets are in the question as read.
    let text = u.corrected;
    // Cut from the end, so earlier offsets stay valid.
    for (const [s, e] of [...(u.scope?.consumed ?? [])].sort((a, b) => b[0] - a[0])) text = `${text.slice(0, s)} | ${text.slice(e)}`;
    text = expandAbbreviations(text);
    // A body of an excluded province ("cả Bình Định" read as "CA Bình Định") names that province too.
    const names = exclude.flatMap((e) => [e.name, ...e.aliases].map((a) => fold(a)));
    for (const m of this.registry.findMentions(text, { fuzzy: true })) {
      const bare = fold(m.text).replace(/^ca\s+/, '');
      // "thông báo kết luận của Văn phòng Chính phủ": who issued the document, not the topic.
      const issuer = ISSUED_BY.test(fold(text.slice(Math.max(0, m.start - 40), m.start)));
      if (exclude.length === 0 || issuer || exclude.some((e) => e.name === m.name || e.aliases.includes(m.name)) || names.includes(bare)) text = text.replace(m.text, ' | ');
    }
    // Relative windows ("90 ngày tới", "tháng này") are the deadline period, read separately.
    text = text.replace(/\b\d{1,3}\s+ngay\s+(?:toi|nua|sap toi)\b/g, ' | ').replace(/\b(?:tuan|thang|quy|nam)\s+(?:nay|toi|sau)\b/g, ' | ');
    // Exact dates and deadline windows name a meeting, a document or a period, matched separately.
    for (const p of findPeriods(text).filter((x) => x.kind !== 'year').reverse()) text = `${text.slice(0, p.start)} | ${text.slice(p.end)}`;
    // "… có … không?": the closing "không" asks, it is not the topic's "không" ("không dùng tiền mặt").
    const folded = withoutDates(fold(text)).replace(/\bkhong(?=\s*(?:[?.!,;]|$|\s+(?:ad|a|nhe|nhi|vay|z|ha|ban)\b))/g, ' | ');
    const topic = folded.replace(FRAME_RE, ' | ').split('|').flatMap((part) => contentBigrams(part));
    // The words just before the question word say what is asked ("… thì liên hệ ai?", "gửi về đâu?"): they weigh double.
    const focus = /([\p{L}]+\s+[\p{L}]+)\s+(?:ai|dau|gi|nao|bao nhieu|the nao|ra sao|o dau)\s*\??\s*$/u.exec(folded);
    const focusTerm = focus ? focus[1]!.replace(/\s+/, '_') : undefined;
    if (focusTerm && topic.includes(focusTerm)) topic.push(focusTerm);
    return topic;
  }

  /** True when a row meets the question's hard constraints: its documents and the years its topic names. */
  admits(row: TaskRow, u: Understanding): boolean {
    if (u.documents.length > 0 && !u.documents.includes(row.docId)) return false;
    if (u.documents.length === 0 && !this.issuedBy(row.docId, u.now)) return false;
    if (!this.mentionsYears(this.rowText.get(row.id) ?? '', row, u.years)) return false;
    return this.yearsQualify(row, u);
  }

  /**
   * "kế hoạch chuyển đổi số năm 2026": a row whose own words name 2026 only elsewhere ("tạo đà cho
   * năm 2026") does not answer it. The year must sit near the words it qualifies in the question,
   * unless a heading, the indicator's year or the document's title names it (they qualify the whole row).
   */
  private yearsQualify(row: TaskRow, u: Understanding): boolean {
    const anchors = this.yearAnchors(u);
    if (anchors.size === 0) return true;
    const own = this.rowOwnText.get(row.id) ?? '';
    const context = this.rowContext.get(row.id) ?? '';
    const title = this.foldedTitle(row.docId);
    return u.years.some((y) => {
      const near = anchors.get(y);
      if (!near || near.length === 0 || String(row.indicator?.year ?? '') === y || namesYear(context, y) || namesYear(title, y)) return true;
      if (this.undatedRowYear(row) === y) return true;
      const first = y.slice(0, 4);
      if (!own.includes(first)) return false;
      const words = own.match(/[a-z0-9]+/g) ?? [];
      return words.some((w, i) => w === first && near.some((a) => bigramSet(words.slice(Math.max(0, i - 12), i + 12).join(' ')).has(a)));
    });
  }

  /** A row that names no year at all belongs to its document's year ("nhiệm vụ năm 2023" in a February 2023 report); '' otherwise. */
  private undatedRowYear(row: TaskRow): string {
    return !row.indicator?.year && !/\b(?:19|20)\d\d\b/.test(this.rowOwnText.get(row.id) ?? '') ? this.docDate(row).slice(0, 4) : '';
  }

  /** Folded document titles, computed once. */
  private foldedTitle(docId: string): string {
    let t = this.titleMemo.get(docId);
    if (t === undefined) this.titleMemo.set(docId, (t = fold(this.docById.get(docId)?.title ?? '')));
    return t;
  }

  /** For each year of the query, the word pairs just before it in the question ("chuyển đổi số | năm 2026"). */
  private yearAnchors(u: Understanding): Map<string, string[]> {
    let memo = this.anchorMemo.get(u);
    if (memo) return memo;
    memo = new Map();
    const words: string[] = fold(expandAbbreviations(u.corrected)).match(/[a-z0-9]+/g) ?? [];
    for (const y of u.years) {
      const at = words.indexOf(y.slice(0, 4));
      if (at < 0) continue;
      const before: string[] = [];
      for (let i = at - 1; i >= 0 && before.length < 3; i--) {
        if (YEAR_LEAD.has(words[i]!) && before.length === 0) continue;
        if (/^\d+$/.test(words[i]!) || FRAME_WORDS.has(words[i]!)) break;
        before.unshift(words[i]!);
      }
      memo.set(y, before.slice(1).map((w, i) => `${before[i]}_${w}`));
    }
    this.anchorMemo.set(u, memo);
    return memo;
  }

  /**
   * One test for every agency the question names ("BCA, BQP, BTTTT …", "Bộ KH&CN (trước là BTTTT)"):
   * a row concerns the question when it concerns any of them, directly before through a group.
   */
  matcherFor(u: Understanding): ((row: TaskRow) => MatchResult | null) | null {
    if (u.agencies.length === 0) return null;
    const matchers = u.agencies.map((a) => agencyMatcher(a, this.registry, u.role !== 'lead', u.now));
    const rank = (v: string) => (v === 'lead' || v === 'predecessor' || v === 'successor' ? 0 : v === 'support' ? 1 : 2);
    return (row) => {
      let best: MatchResult | null = null;
      for (const m of matchers) {
        const x = m(row);
        if (x && (!best || rank(x.via) < rank(best.via))) best = x;
      }
      return best;
    };
  }

  /**
   * What a later document reports about the same task ("TB 624/TB-VPCP (16/11/2025) ghi: hoàn thành"):
   * a row of a later document with a recorded status and most of this row's words.
   */
  laterReport(row: TaskRow, label: (docId: string) => string): string | undefined {
    if (row.status || row.deadline.date === null) return undefined;
    if (this.reportMemo.has(row.id)) return this.reportMemo.get(row.id);
    const words = contentBigrams(row.task);
    const date = this.docDate(row);
    let found: string | undefined;
    if (words.length >= 3) {
      for (const other of this.statusRows) {
        if (other.docId === row.docId || this.docDate(other) <= date) continue;
        if (this.coverage(words, this.rowBigramsOf(other)) >= 0.7) {
          found = `${label(other.docId)} ghi: ${other.status}`;
          break;
        }
      }
    }
    this.reportMemo.set(row.id, found);
    return found;
  }

  /** True when no word pair of the topic occurs anywhere in the corpus ("giá vàng", "thời tiết"). */
  unknownTopic(topic: string[]): boolean {
    const pairs = topic.filter((b) => b.includes('_'));
    return pairs.length > 0 && pairs.every((b) => !this.idf.has(b));
  }

  /**
   * The document existed by the asking date, give or take a month (a question dated "10/2/2023"
   * may well mean the report of 25/02/2023): answers are as of that date, later instructions unknown.
   */
  issuedBy(docId: string, now: string): boolean {
    const date = this.docById.get(docId)?.date;
    if (!date) return true;
    const full = date.length === 4 ? `${date}-01-01` : date.length === 7 ? `${date}-01` : date;
    return full <= addDays(now, 31);
  }

  /** Documents a question may draw on: those it points at, else all issued by its date (empty: no restriction). */
  visibleDocs(u: Understanding): string[] {
    if (u.documents.length > 0) return u.documents;
    const issued = this.corpus.documents.filter((d) => this.issuedBy(d.docId, u.now));
    return issued.length === this.corpus.documents.length ? [] : issued.map((d) => d.docId);
  }

  /**
   * A year of the topic is named in the text (as a year, not inside a date such as
   * "ngày 03/11/2022"), the row's indicator year or its document's title.
   */
  mentionsYears(foldedText: string, row: TaskRow | null, years: string[], docId?: string): boolean {
    if (years.length === 0) return true;
    const title = this.foldedTitle(row?.docId ?? docId ?? '');
    const text = row ? foldedText : withoutDates(foldedText);
    // Several years or periods are alternatives ("giai đoạn 2025-2027 so với 2028-2030"): a source naming one answers.
    const docYear = row ? this.undatedRowYear(row) : '';
    return years.some((y) => namesYear(text, y) || String(row?.indicator?.year ?? '') === y || namesYear(title, y) || docYear === y);
  }

  /** Task rows ranked for a question: topic coverage, lexical score, agency, partner and document agreement. */
  rankRows(u: Understanding): RankedRow[] {
    const key = JSON.stringify([u.corrected, u.documents, u.agencies.map((a) => a.name), u.partners.map((a) => a.name), u.role, u.years, u.period, u.asks, u.now, u.folded, u.scope?.consumed]);
    let ranked = this.rankMemo.get(key);
    if (!ranked) {
      ranked = this.rank(u);
      this.rankMemo.set(key, ranked);
    }
    return ranked;
  }

  private rank(u: Understanding): RankedRow[] {
    const topic = this.topicBigrams(u, ...u.agencies, ...u.partners);
    // As for passages: a frequent syllable whose bigram is indexed adds cost, not ranking.
    const analyzed = analyze(u.corrected, { registry: this.registry, query: true });
    const paired = new Set(analyzed.filter((t) => t.includes('_') && this.rowTermFrequency.has(t)).flatMap((t) => t.split('_')));
    const common = this.corpus.tasks.length * 0.05;
    // As for passages, the rarest terms carry the ranking: at most 22, rarest first.
    const terms = [...new Set(analyzed.filter((t) => t.includes('_') || !paired.has(t) || (this.rowTermFrequency.get(t) ?? 0) < common))]
      .sort((a, b) => (this.rowTermFrequency.get(a) ?? 0) - (this.rowTermFrequency.get(b) ?? 0))
      .slice(0, 22);
    const hits = this.rowIndex.search({ queries: [...new Set(terms)], combineWith: 'OR' }, { tokenize: (t: string) => [t] });
    const top = hits[0]?.score ?? 1;
    const lexical = new Map(hits.slice(0, 60).map((h) => [h.id as string, h.score / top]));
    // With a document scope, rows of that document are candidates even when the wording differs.
    if (u.documents.length > 0) for (const r of this.corpus.tasks) if (u.documents.includes(r.docId) && !lexical.has(r.id)) lexical.set(r.id, 0);
    const matchers = u.agencies.map((a) => agencyMatcher(a, this.registry, u.role !== 'lead', u.now));
    const topicSet = new Set(topic);
    const placesAsked = PLACES_ASKED.test(u.folded);
    const out: RankedRow[] = [];
    for (const [id, lex] of lexical) {
      const row = this.rowById.get(id)!;
      if (!this.admits(row, u)) continue;
      const cov = topic.length === 0 ? (matchers.length > 0 ? 0.6 : 0) : this.coverage(topic, this.rowBigrams.get(id)!);
      let score = 0.55 * cov + 0.3 * lex;
      // A row that says little beyond what was asked is that task (a table row), not a paragraph mentioning it.
      const own = this.taskBigrams.get(id)!;
      if (own.length > 0 && topic.length > 0) score += (0.1 * own.filter((b) => topicSet.has(b)).length) / own.length;
      // "Ai …": a named agency answers better than "các bộ, ngành, địa phương".
      if (u.asks.includes('who') && row.lead.some((l) => this.registry.get(l)?.kind !== 'group')) score += 0.04;
      if (matchers.length > 0) {
        const m = matchers.map((f) => f(row)).find((x) => x !== null);
        if (u.role === 'support') score += m?.via === 'support' ? 0.25 : -0.15;
        else score += !m ? -0.15 : m.via === 'lead' || m.via === 'predecessor' || m.via === 'successor' ? 0.25 : m.via === 'support' ? 0.05 : 0.12;
      }
      if (u.partners.some((p) => row.support.includes(p.name))) score += 0.1;
      if (u.documents.includes(row.docId)) score += 0.15;
      if (u.asks.includes('list') && row.lead.length > 1) score += 0.05;
      // "những tỉnh nào …": a row naming several provinces answers it, a group ("các địa phương") less so.
      if (placesAsked && row.lead.filter((l) => this.registry.get(l)?.kind === 'province').length >= 2) score += 0.15;
      if ((u.asks.includes('when') || u.asks.includes('due_soon')) && row.deadline.date) score += 0.05;
      if (u.period && this.inPeriod(row, u)) score += 0.1;
      out.push({ row, score, coverage: cov });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /** The row's deadline or its document's date falls in the question's period ("trong năm 2023"). */
  inPeriod(row: TaskRow, u: Understanding): boolean {
    if (!u.period) return false;
    const { from, to } = u.period;
    const d = row.deadline.date;
    const doc = this.docDate(row);
    return (d !== null && d >= from && d <= to) || (doc !== '' && doc >= from.slice(0, doc.length) && doc <= to);
  }

  /** Passages for a query, restricted to documents when given; memoised per question. */
  searchPassages(query: string, docIds: string[], k = 8): Promise<PassageHit[]> {
    const key = `${docIds.join(',')}|${k}|${query}`;
    let hits = this.searchMemo.get(key);
    if (!hits) {
      hits = this.passages.search(query, { k, ...(docIds.length > 0 && { docIds: new Set(docIds) }) });
      this.searchMemo.set(key, hits);
    }
    return hits;
  }

  /** IDF-weighted share of the question's topic present in a source: missing a rare word costs most. */
  coverage(topic: string[], source: ReadonlySet<string>, extra?: ReadonlySet<string>): number {
    const has = (t: string) => source.has(t) || (extra?.has(t) ?? false);
    let total = 0;
    let hit = 0;
    for (const b of topic) {
      const w = this.idf.get(b) ?? this.unseenIdf;
      total += w;
      if (has(b) || SAME_MEANING.get(b)?.some(has)) hit += w;
      // A pair the corpus never writes is often two words the question put side by side
      // ("trình đề án nhân lực"): half credit when the source has both words.
      else if (!this.idf.has(b) && b.includes('_') && b.split('_').every(has)) hit += w / 2;
      // The seam between two words the source has ("kết nối | lên | nền tảng | trung ương"): its pairs
      // join words, they are not one — credit when each side ends a covered pair or is a connecting word.
      else if (b.includes('_') && b.split('_').every(has) && seam(b, topic, has)) hit += (w * 3) / 4;
    }
    return total === 0 ? 0 : hit / total;
  }

  /** Coverage of the topic and of its specific (rare) terms: a source must cover both, not just the subject area. */
  answerCoverage(topic: string[], source: ReadonlySet<string>, extra?: ReadonlySet<string>): number {
    const cov = this.coverage(topic, source, extra);
    const key = this.keyTerms(topic);
    if (key.length === 0) return cov;
    // The question's head words ("quyết toán thuế …") say what is asked about: a source lacking them
    // answers another question, however many of the other words it shares.
    const has = (t: string) => source.has(t) || (extra?.has(t) ?? false);
    const head = topic[0]!;
    const headMissing = key.includes(head) && !has(head) && !head.split('_').every(has);
    return Math.min(cov, this.coverage(key, source, extra) + 0.1) * (headMissing ? 0.7 : 1);
  }

  /** Word-pair sets of a passage's context and of each of its sentences, computed once. */
  passageSets(chunk: Chunk, sentences: string[]): { context: Set<string>; sentences: Set<string>[] } {
    let sets = this.passageSetCache.get(chunk.id);
    if (!sets) {
      sets = { context: bigramSet(chunk.context), sentences: sentences.map((x) => bigramSet(x)) };
      this.passageSetCache.set(chunk.id, sets);
    }
    return sets;
  }

  /**
   * Topic terms the corpus uses, but in fewer than one passage in twelve: what the question is
   * specifically about ("ngân sách", "du lịch"), as opposed to its subject area ("chuyển đổi số").
   */
  keyTerms(topic: string[]): string[] {
    const generic = Math.log((this.passages.chunks.length + 1) / (this.passages.chunks.length / 12 + 0.5));
    return topic.filter((b) => this.idf.has(b) && this.idf.get(b)! > generic);
  }

  /** Content word pairs of a row's task text. */
  taskWords(row: TaskRow): string[] {
    return this.taskBigrams.get(row.id) ?? [];
  }

  /** "Khẩn trương … chiến lược dữ liệu:" above "(1) Thanh tra Chính phủ ban hành trước …": what the item is about. */
  leadInOf(row: TaskRow): string | undefined {
    return this.leadIns.get(row.id);
  }

  rowBigramsOf(row: TaskRow): ReadonlySet<string> {
    return this.rowBigrams.get(row.id) ?? new Set();
  }

  docDate(row: TaskRow): string {
    return this.docById.get(row.docId)?.date ?? '';
  }
}
