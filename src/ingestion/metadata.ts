/**
 * Infers document metadata from the text when the person ingesting does not
 * give it: kind and title from the heading ("THÔNG BÁO / Kết luận …", "V/v …"),
 * date from "Hà Nội, ngày … tháng … năm …", number from "Số: …", issuer from the
 * letterhead or the signature block.
 */
import type { DocumentKind } from '../corpus/types.js';
import { isoDate, isValidDate } from '../text/dates.js';
import { fold, isAllCaps, squashSpaces } from '../text/vietnamese.js';

export interface InferredMetadata {
  title: string | null;
  kind: DocumentKind;
  number: string | null;
  date: string | null;
  /** Candidate issuer names as written (resolved against the registry by the caller). */
  issuerCandidates: string[];
}

const KIND_HEADINGS: Array<[RegExp, DocumentKind]> = [
  [/^thong bao ket luan\b/, 'thông báo kết luận'],
  [/^thong bao$/, 'thông báo kết luận'],
  [/^bao cao\b/, 'báo cáo'],
  [/^ke hoach\b/, 'kế hoạch'],
  [/^quyet dinh\b/, 'quyết định'],
  [/^chi thi\b/, 'chỉ thị'],
  [/^nghi quyet\b/, 'nghị quyết'],
  [/^cong van\b/, 'công văn'],
];

/** The line naming the authority that decides, between a title and the grounds. */
const AUTHORITY_LINE = /^(?:CHÍNH PHỦ|THỦ TƯỚNG CHÍNH PHỦ|BỘ TRƯỞNG\b|CHỦ TỊCH\b|ỦY BAN NHÂN DÂN\b|UỶ BAN NHÂN DÂN\b|HỘI ĐỒNG NHÂN DÂN\b)/u;
const PLACE_DATE = /(?:^|\s)[\p{Lu}][\p{L} .]{1,30},\s*ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})/u;

function dateFrom(day?: string, month?: string, year?: string): string | null {
  if (!year) return null;
  const y = Number(year);
  if (!month) return String(y);
  const m = Number(month);
  if (!day) return isValidDate(y, m, 1) ? `${y}-${String(m).padStart(2, '0')}` : null;
  const d = Number(day);
  return isValidDate(y, m, d) ? isoDate(y, m, d) : null;
}

/** Proper names that keep their capitals when an all-capitals heading is sentence-cased. */
const PROPER_TERMS = [
  'Phó Thủ tướng', 'Chính phủ', 'Thủ tướng', 'Quốc hội', 'Việt Nam', 'Ủy ban Quốc gia', 'Ủy ban nhân dân', 'Bộ trưởng', 'Trưởng ngành',
  'Chủ tịch', 'Trung ương', 'Đề án', 'Phiên họp', 'Hội nghị', 'Kế hoạch', 'Chương trình', 'Bộ Chính trị', 'Ban Chỉ đạo',
];

/** A place or a person after these words ("tỉnh quảng trị", "Phó Thủ tướng Chính phủ nguyễn chí dũng"). */
const NAMED_AFTER = /(^|\s)(tỉnh|thành phố|xã|phường|Chính phủ|Bộ trưởng|Chủ tịch|đồng chí)((?:\s+\p{Ll}+){1,4})/gu;
/** Words that end a name. */
const NAME_END = new Set(['năm', 'về', 'và', 'tại', 'trong', 'của', 'với', 'đến', 'giai', 'theo', 'thực', 'triển', 'phát', 'chuyển', 'trên', 'cho', 'đối', 'ngày', 'lần', 'thứ', 'số', 'ban', 'hành', 'giao', 'các', 'có']);

/** "tỉnh quảng trị năm 2026" → "tỉnh Quảng Trị năm 2026": two to four words after a place or title word. */
function capitalizeNames(text: string): string {
  return text.replace(NAMED_AFTER, (whole, space: string, cue: string, name: string) => {
    const words = name.trim().split(/\s+/);
    const cut = words.findIndex((w) => NAME_END.has(w));
    const kept = cut < 0 ? words : words.slice(0, cut);
    if (kept.length < 2) return whole;
    const rest = words.slice(kept.length);
    return `${space}${cue} ${[...kept.map((w) => w.charAt(0).toLocaleUpperCase('vi') + w.slice(1)), ...rest].join(' ')}`;
  });
}

/** Sentence-cases an all-capitals heading: "KẾT LUẬN HỘI NGHỊ … CHÍNH PHỦ" → "Kết luận Hội nghị … Chính phủ". */
function sentenceCase(text: string): string {
  if (!isAllCaps(text)) return text;
  // Document numbers keep their capitals: "NGHỊ QUYẾT SỐ 214/NQ-CP" → "nghị quyết số 214/NQ-CP".
  let out = text.split(' ').map((w) => (/\d/.test(w) ? w : w.toLocaleLowerCase('vi'))).join(' ');
  for (const term of PROPER_TERMS) {
    out = out.replace(new RegExp(`(^|\\s)${term.toLocaleLowerCase('vi')}(?=$|[\\s,.;:])`, 'gu'), `$1${term}`);
  }
  out = capitalizeNames(out);
  return out.charAt(0).toLocaleUpperCase('vi') + out.slice(1);
}

/** An issuer written in capitals, in ordinary case: "THỦ TƯỚNG CHÍNH PHỦ" → "Thủ tướng Chính phủ". */
export function issuerAsWritten(line: string): string {
  return sentenceCase(squashSpaces(line));
}

export function inferMetadata(text: string): InferredMetadata {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const head = lines.slice(0, 25);
  let kind: DocumentKind = 'văn bản';
  let title: string | null = null;

  for (let i = 0; i < head.length; i++) {
    const line = head[i]!;
    const f = fold(line);
    const found = KIND_HEADINGS.find(([re]) => re.test(f));
    if (found && (isAllCaps(line) || f.length < 40)) {
      kind = found[1];
      // The title continues on the following lines until a date line or body text.
      const parts = [line];
      for (let j = i + 1; j < Math.min(head.length, i + 4); j++) {
        const next = head[j]!;
        // The title ends at the place and date, the issuing authority's line ("THỦ TƯỚNG CHÍNH PHỦ") or the grounds ("Căn cứ …").
        if (/^ngày\s/iu.test(next) || PLACE_DATE.test(next) || AUTHORITY_LINE.test(next) || /^căn cứ\b/iu.test(next)) break;
        // A numbered section ("I. MỤC ĐÍCH", "1. …") starts the body.
        if (next.length > 400 || /[.;]$/.test(next) || /^(?:[IVX]{1,5}|\d{1,2})\.\s/u.test(next)) break;
        parts.push(next.replace(/^\(|\)$/g, ''));
        if (!isAllCaps(next) && next.length > 60) break;
      }
      // "KẾ HOẠCH Chuyển đổi số …": the kind word in capitals, the title after it on the same line.
      const split = /^([\p{Lu}\s]+?)\s+(\p{Lu}\p{Ll}.*)$/u.exec(parts[0]!);
      if (split && isAllCaps(split[1]!)) parts.splice(0, 1, split[1]!, split[2]!);
      const [kindWord, ...rest] = parts;
      const restText = rest.map(sentenceCase).join(' ');
      title = squashSpaces(`${sentenceCase(kindWord!)} ${restText}`);
      if (kind === 'thông báo kết luận' && !/kết luận/iu.test(title)) kind = 'văn bản';
      break;
    }
    const vv = /^V\/v\s+(.+)$/u.exec(line);
    if (vv) {
      kind = 'công văn';
      title = `Công văn ${squashSpaces(vv[1]!)}`.replace(/\s*[.;]$/, '');
      break;
    }
  }

  const number = (() => {
    for (const line of head) {
      const m = /^Số\s*:\s*(\S.*)$/u.exec(line);
      if (!m) continue;
      const value = squashSpaces(m[1]!).replace(/\s+/g, '');
      // "Số: /BTTTT-CĐSQG": the number itself was left blank in this copy.
      return /^\d/.test(value) ? value : null;
    }
    return null;
  })();

  let date: string | null = null;
  for (const line of head) {
    const m = PLACE_DATE.exec(line);
    if (m) {
      date = dateFrom(m[1], m[2], m[3]);
      break;
    }
  }
  if (date === null || date.length === 4) {
    // A notice opens with its meeting date ("Ngày 28 tháng 12 năm 2023, tại trụ sở …");
    // a date inside "Căn cứ Chỉ thị … ngày …" belongs to another document.
    for (const line of lines.slice(0, 12)) {
      const m = /^Ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})/u.exec(line);
      if (m) {
        date = dateFrom(m[1], m[2], m[3]) ?? date;
        break;
      }
    }
  }

  const issuerCandidates: string[] = [];
  for (const line of [...lines.slice(0, 4), ...lines.slice(-6)]) {
    // "CHÍNH PHỦ CỘNG HÒA XÃ HỘI …": a two-column letterhead copied onto one line.
    const issuerPart = line.split(/\s*CỘNG HÒA\b/u)[0]!.trim();
    if (issuerPart !== '' && isAllCaps(issuerPart) && !/ĐỘC LẬP|TỰ DO/u.test(issuerPart)) issuerCandidates.push(issuerPart);
  }
  for (const line of lines) {
    const m = /^(.{3,80}?) thông báo để/u.exec(line);
    if (m) issuerCandidates.push(m[1]!);
  }
  return { title, kind, number, date, issuerCandidates };
}

const KIND_CODE: Record<DocumentKind, string> = {
  'báo cáo': 'bc',
  'thông báo kết luận': 'tb',
  'công văn': 'cv',
  'kế hoạch': 'kh',
  'quyết định': 'qd',
  'chỉ thị': 'ct',
  'nghị quyết': 'nq',
  'văn bản': 'vb',
};

/** A short readable docId such as "tb-2024-07-19", unique among `taken`. */
export function makeDocId(kind: DocumentKind, date: string | null, fallbackName: string, taken: Set<string>): string {
  const base = date
    ? `${KIND_CODE[kind]}-${date}`
    : `${KIND_CODE[kind]}-${fold(fallbackName).replace(/\.[a-z0-9]+$/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}
