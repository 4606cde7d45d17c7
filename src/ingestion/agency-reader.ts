/**
 * Reads agency names in document text the way directives write them: runs of
 * names with titles ("Bộ trưởng Bộ Y tế", "Chủ tịch UBND các tỉnh"), groups
 * ("Các bộ, ngành, địa phương", "Quý Cơ quan" = the addressees), bodies the
 * registry does not list ("Sở Nội vụ", "UBND 06 thành phố …"), the supporting
 * agencies after "phối hợp với", and an agency in brackets "(X theo dõi)".
 * Provincial bodies are scoped to the province that issued the document.
 */
import type { AgencyMention } from '../corpus/agencies.js';
import { foldAligned } from '../text/vietnamese.js';

/** What the extractor needs from the agency registry. */
export interface AgencyLookup {
  findMentions(text: string, opts?: { caseSensitive?: boolean; province?: string }): AgencyMention[];
  get(name: string): { kind: string } | undefined;
  /** The province whose organs issued a document (canonical name), or null for a central body. */
  provinceOf?(issuer: string | null | undefined): string | null;
  resolve?(name: string): { name: string; kind: string } | undefined;
}

export const ALL = 'Các bộ, ngành, địa phương';
export const MINISTRIES = 'Các bộ, ngành';
export const PROVINCES = 'Các địa phương';

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
export const REPORTING_VERB = /^(?:da|dang|duoc|de xuat|kinh de nghi|bao cao|thong bao|ghi nhan|danh gia cao|tran trong)\b/;
export class AgencyReader {
  /** The "Kính gửi:" addressees, whom "Quý Cơ quan" refers to. */
  addressees: string[] = [];

  /**
   * @param agencies the registry
   * @param province canonical name of the issuing province, when a province issued the document
   */
  constructor(private readonly agencies: AgencyLookup, private readonly province: string | null) {}

  mentions(text: string): AgencyMention[] {
    return this.agencies.findMentions(text, { caseSensitive: true, ...(this.province && { province: this.province }) });
  }

  /** Collapses "Các bộ, ngành" + "Các địa phương" into the whole group, and removes duplicates. */
  normalizeLeads(names: string[]): string[] {
    const set = [...new Set(names)];
    if (set.includes(MINISTRIES) && set.includes(PROVINCES)) {
      return [ALL, ...set.filter((n) => n !== MINISTRIES && n !== PROVINCES && n !== ALL)];
    }
    return set;
  }

  /**
   * Reads a run of agency names at `from` in `text`, allowing titles before
   * them ("Bộ trưởng", "Ban Chỉ đạo chuyển đổi số của") and commas, "và", "-"
   * between them. Returns the names and where the run ends.
   */
  leadPhrase(text: string, from: number): { names: string[]; end: number } {
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
      const conn = /^\s*(?:,|;|và|cùng|-|–)\s*/u.exec(text.slice(pos));
      if (!conn) break;
      pos += conn[0].length;
    }
    return { names: this.normalizeLeads(names), end };
  }

  /** True when the text up to `end` is nothing but a lead phrase (a heading such as "a) Bộ Tài chính"). */
  isOnlyLeadPhrase(text: string): string[] | null {
    const t = text.replace(/[:.;\s]+$/, '');
    if (t === '') return null;
    const { names, end } = this.leadPhrase(t, 0);
    return names.length > 0 && t.slice(end).trim() === '' ? names : null;
  }

  /** Agencies after "phối hợp với", "phối hợp và thống nhất với", "cùng với". */
  supportIn(text: string): string[] {
    const folded = foldAligned(text);
    const out: string[] = [];
    // "phối hợp với Bộ Y tế", and "phối hợp Bộ Y tế" without "với".
    const re = /phoi hop(?: va thong nhat)?(?: (?:voi|cung))?\s+|cung voi\s+|thong nhat voi\s+/g;
    for (const m of folded.matchAll(re)) {
      out.push(...this.leadPhrase(text, m.index + m[0].length).names);
    }
    return [...new Set(out)];
  }

  /** "Giao (cho) X", "đề nghị X", "yêu cầu X": the last such addressee in the text. */
  addresseeIn(text: string, verbs: RegExp): string[] | null {
    const folded = foldAligned(text);
    let found: string[] | null = null;
    for (const m of folded.matchAll(verbs)) {
      const { names } = this.leadPhrase(text, m.index + m[0].length);
      if (names.length > 0) found = names;
    }
    return found;
  }

  /** Agencies of a closing bracket "(X theo dõi, đánh giá)" / "(X chủ trì)". */
  bracketLead(text: string): string[] | null {
    const m = /\(([^()]{3,160})\)[\s.;]*$/u.exec(text);
    if (!m) return null;
    const inner = m[1]!;
    const { names, end } = this.leadPhrase(inner, 0);
    if (names.length === 0) return null;
    return /^\s*(?:chu tri|theo doi|thuc hien|danh gia|phu trach)\b/.test(foldAligned(inner.slice(end))) ? names : null;
  }

  /** "…; thời gian tới, các bộ, ngành, địa phương phải tập trung …": a subject after an opening phrase. */
  obligedIn(sentence: string): string[] | null {
    for (const m of this.mentions(sentence)) {
      if (m.start === 0 || !/[,;:]\s*$/.test(sentence.slice(0, m.start))) continue;
      const { names, end } = this.leadPhrase(sentence, m.start);
      if (names.length > 0 && /^\s*(?:phai|can|khan truong|chu tri|co trach nhiem)\b/.test(foldAligned(sentence.slice(end)))) return names;
    }
    return null;
  }

  /** The text with every agency name blanked out. */
  withoutAgencies(text: string): string {
    let out = text;
    for (const m of this.mentions(text)) out = out.slice(0, m.start) + ' '.repeat(m.end - m.start) + out.slice(m.end);
    return out;
  }

  /** Agencies that open a clause as its subject ("Bộ Công an chủ trì …"), or null. */
  subjectAt(clause: string): string[] | null {
    const start = skip(foldAligned(clause), 0, /^[\s\-–+]+/);
    const subject = this.leadPhrase(clause, start);
    if (subject.names.length === 0) return null;
    const after = foldAligned(clause.slice(subject.end)).trim();
    return after !== '' && !after.startsWith(':') && !REPORTING_VERB.test(after) ? subject.names : null;
  }

  /** Agencies named in a table cell; "Bộ, ngành, địa phương" is the whole group. */
  cellAgencies(cell: string): string[] {
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
    // A short cell that names no known body ("Các doanh nghiệp công nghệ số", "Ban Cơ yếu Chính phủ") is kept as written.
    if (names.length === 0 && text.length <= 90 && /^\p{Lu}/u.test(text) && !/\d{4}|%/.test(text)) names.push(text.replace(/[.;,]+$/, ''));
    return this.normalizeLeads(names);
  }
}

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
  // "UBND 06 thành phố …": the abbreviation spelled out, as the registry writes names.
  const written = rest.slice(0, length).trim();
  const name = written.replace(/^UBND\b/u, 'Ủy ban nhân dân');
  const words = name.split(/\s+/).length;
  if (words < 2 || words > 10) return undefined;
  return { name, start: pos, end: pos + written.length, text: written };
}


export function skip(folded: string, pos: number, re: RegExp): number {
  const m = re.exec(folded.slice(pos));
  return m ? pos + m[0].length : pos;
}
