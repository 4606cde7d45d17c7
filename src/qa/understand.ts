/**
 * Question → structured query. General rules about how Vietnamese users phrase
 * questions (with or without diacritics, abbreviations, chat slang, typos):
 *  - what is asked: one or more of who, when, what (tasks of), list, figure,
 *    guidance, compare, due-soon, overdue;
 *  - agencies and the role asked about (chủ trì / phối hợp / any); partners
 *    named after "phối hợp với";
 *  - the deadline window ("Quý II/2024", "tháng này", "sắp đến hạn");
 *  - the documents it points at (number "QĐ 2629", kind + date "kết luận năm
 *    2024", "kết luận mới nhất", "phiên họp thứ 7") — see ./scope.ts;
 *  - years that constrain the topic ("kế hoạch CĐS năm 2022"), which a source
 *    must mention to answer;
 *  - the topic itself, without question words.
 * Every recognised part is meant to narrow the answer or be reported as not found.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { AgencyEntry, DocumentMeta } from '../corpus/types.js';
import { addDays, daysInMonth, isoDate, weekOf } from '../text/dates.js';
import { findPeriods, quarterNumber } from '../text/periods.js';
import { fold, nfc, squashSpaces } from '../text/vietnamese.js';
import { osaDistance } from '../retrieval/spelling.js';
import { findDocumentScope, KIND_WORDS, kindOf, type DocumentScope } from './scope.js';

export type Intent = 'who' | 'when' | 'list' | 'tasks_of' | 'indicator' | 'guidance' | 'compare' | 'upcoming' | 'overdue' | 'out_of_scope';

/** Parts of an answer a question can ask for; a question may ask several ("ai chủ trì, hạn khi nào?"). */
export type Ask = 'who' | 'when' | 'what' | 'list' | 'figure' | 'guidance' | 'compare' | 'due_soon' | 'overdue';

/** Which part an agency plays in the tasks asked about. */
export type Role = 'lead' | 'support' | 'any';

export interface Period {
  from: string;
  to: string;
  /** As written ("tháng 8 năm 2024", "tuần này"). */
  text: string;
}

export interface Understanding {
  question: string;
  /** The main thing asked (the `intent` of the JSON contract). */
  intent: Intent;
  /** Everything asked, main first. */
  asks: Ask[];
  /** Agencies the question is about (not those named as partners). */
  agencies: AgencyEntry[];
  /** The role asked about for `agencies`: "được giao phối hợp" → support, "chủ trì những gì" → lead. */
  role: Role;
  /** Agencies named after "phối hợp với" in the question. */
  partners: AgencyEntry[];
  /** Deadline window asked about, if any. */
  period: Period | null;
  /** Documents the question points at ("theo kết luận ngày 19/7/2024"); see `scope`. */
  documents: string[];
  /** How the documents were pointed at, for "không có văn bản …" answers; null when none was. */
  scope: DocumentScope | null;
  /** Years a source must mention to answer ("kế hoạch CĐS năm 2022"). */
  years: string[];
  now: string;
  /** Folded question text, slang and abbreviations expanded, typos corrected. */
  folded: string;
  /** Same as `folded` (kept for callers of the earlier API). */
  corrected: string;
}

const UPCOMING = /\b(?:sap (?:den|toi|het) han|(?:moc|han|viec|nhiem vu)(?: \w+)? sap toi|chua (?:den|toi) han|con trong han|den han|sap toi han|han (?:trong|sap)|nhiem vu nao .*(?:tuan|thang) (?:nay|toi)|trong (?:tuan|thang) (?:nay|toi))\b/;
const OVERDUE = /\b(?:qua han|tre han|cham tien do|het han ma chua|da het han|han da qua|tre hen|le ra (?:da )?phai|dang le (?:da )?phai|chua (?:xong|hoan thanh) (?:dung|theo) han)\b/;
const WHEN = /\b(?:khi nao|bao gio|luc nao|quy may|thang may|nam may|ngay may|giai doan nao|thoi diem nao|moc nao|thoi han|han chot|han cuoi|han hoan thanh|truoc ngay nao|han (?:la|khi)|thoi gian nao|ngay nao|thang nao|nam nao|cham nhat (?:la )?(?:khi|ngay)|han)\b(?! che)/;
const WHO = /\b(?:ai\b|co quan nao|bo nao|don vi nao|nganh nao|tinh nao|dia phuong nao|thanh pho nao|cq nao|ai la|do ai|ben nao|noi nao)\b/;
const LIST = /\b(?:(?:nhung|cac|hai|ba|bon|nam|sau|bay|tam|chin|muoi|\d{1,2}) (?:tinh|dia phuong|thanh pho|bo|co quan|don vi|nganh) nao|bao nhieu (?:tinh|dia phuong|thanh pho|bo|co quan|don vi))\b/;
const TASKS_OF = /\b(?:phai lam (?:gi|nhung gi)|lam gi|lam nhung gi|nhiem vu (?:gi|nao)|viec (?:gi|nao)|duoc giao (?:gi|nhung gi|nhiem vu|viec|phoi hop|chu tri)|nhiem vu cua|co nhiem vu|nhom nhiem vu|de an gi|nghi dinh nao|chi dao (?:nhom )?nhiem vu|phoi hop (?:nhung )?(?:gi|viec)|chu tri (?:nhung )?(?:gi|viec))\b/;
/** Asks for a list of an agency's tasks even when a deadline is asked too ("BTTTT phải làm gì, hạn khi nào?"). */
const STRONG_WHAT = /\b(?:phai lam (?:gi|nhung gi)|lam gi|lam nhung gi|nhiem vu gi|viec gi|duoc giao(?: [a-z]+){0,4} (?:gi|nhung gi|nhung viec|viec gi|nhiem vu gi)|phoi hop (?:nhung )?(?:gi|viec)|chu tri (?:nhung )?(?:gi|viec))\b/;
const INDICATOR = /\b(?:bao nhieu|ty le|ty trong|muc tieu|chi tieu|dat (?:duoc )?(?:bao nhieu|muc)|ket qua .*la|con bao nhieu|so luong|may\b(?!.*\b(?:nao|sao|gi|ai|khi nao|bao gio)\b))\b/;
const GUIDANCE = /\b(?:tcvn nao|tieu chuan nao|quy chuan nao|lien he|la gi|nhu the nao|the nao|huong dan|can (?:giup|lam)|ho tro|noi (?:gi|ve)|de cap|quy dinh|chu de|nhung viec gi|nhung gi)\b/;
const COMPARE = /\b(?:so voi|khac (?:gi|nhau|voi|so)|co (?:giong|khac)|giong nhau|thay doi (?:gi|the nao|ra sao)|so sanh)\b/;
/** A year after these words is a deadline window ("hoàn thành trong năm 2024", "tháng mấy năm 2026"), not part of the topic. */
const DEADLINE_CUE = /\b(?:han|hoan thanh|xong|trong|truoc|cham nhat|den|toi|ket thuc|het|(?:ngay|thang|quy) (?:may|nao))\s*(?:nam|thang|quy)?\s*$/;
/** Dates listed in brackets right after a document phrase ("các kết luận (12/2023 và 7/2024)"). */
const BRACKETED_DATES_CUE = new RegExp(String.raw`\b(${KIND_WORDS})\b[^()?]{0,60}\(\s*(?:(?:ngay\s+)?[\d/.-]+\s*(?:va|,|;)\s*)*$`);

/** "… kết luận hội nghị CĐS ngày": a document word, a few words of its name, then its date. */
const NAMED_BY_DATE = new RegExp(String.raw`\b(?:${KIND_WORDS}|hoi nghi|phien hop)(?:\s+[a-z0-9]+){0,3}\s*(?:ngay\s*)?$`);
/** "KH 308 ", "QĐ số 2629/QĐ-TTg ": a document's number, just before a name. */
const AFTER_NUMBER = new RegExp(String.raw`\b(?:${KIND_WORDS})\s*(?:so\s*)?\d{1,4}(?:\/[a-z-]+)?\s+$`);

/** A period in these contexts names a document, not a deadline ("theo kết luận tháng 7/2024"). */
const DOCUMENT_CUE = /(ket luan|hoi nghi|phien hop|van ban|bao cao|thong bao|huong dan|cong van|quyet dinh|nghi quyet|ke hoach|tb|qd|nq|kh|cv)\s*(?:so\s*\S+\s*)?(?:ngay|thang|nam|cuoi nam|dau nam|hoi)?\s*$/;

/**
 * Chat slang and abbreviations of the subject, on folded text (word-bounded): "ko"
 * → "không", "dc" → "được", "TCNSCĐ" → "tổ công nghệ số cộng đồng"… The agency registry
 * knows agency abbreviations itself (BCA, Bộ KH&CN, Sở TT&TT …).
 */
const SLANG: Array<[RegExp, string]> = [
  [/\b(?:ko|k|hok|hong|khg|kg)\b(?!\s*&)/g, 'khong'],
  [/\b(?:dc|dk|duoc)\b/g, 'duoc'],
  [/\bj\b/g, 'gi'],
  [/\bbn\b/g, 'bao nhieu'],
  // Letters dropped in fast typing: "bao nhiu", "nhìu", "bao h".
  [/\b(?:bao )?nhiu\b/g, 'bao nhieu'],
  [/\bbao h\b/g, 'bao gio'],
  [/\bntn\b/g, 'nhu the nao'],
  [/\bnv\b/g, 'nhiem vu'],
  [/\bcq\b/g, 'co quan'],
  [/\b(?:ad|admin|shop|bot)\s+oi\b/g, ' '],
  [/\btcnscd\b/g, 'to cnscd'],
  [/\bkh\s*&\s*cn\b/g, 'khoa hoc va cong nghe'],
  [/\bkhcn\b(?!\s*(?:&|va))/g, 'khoa hoc cong nghe'],
  [/\bcpdt\b/g, 'chinh phu dien tu'],
  [/\bcps\b/g, 'chinh phu so'],
  [/\b(?:tb\s*)?kl\s+hn\b/g, 'ket luan hoi nghi'],
  [/\bhn\b(?=\s*(?:ngay\s*)?\d{1,2}\s*\/)/g, 'hoi nghi'],
  [/\btb\s*kl\b/g, 'thong bao ket luan'],
  [/\bkl\s+hn\b/g, 'ket luan hoi nghi'],
  [/\bkl\b/g, 'ket luan'],
  [/\bbc\s+kq\b/g, 'bao cao ket qua'],
  // "BC TTg", "bc UBND tỉnh": to report to someone, not a report document.
  [/\bbc(?=\s+(?:ttg|ttcp|thu tuong|chinh phu|ubnd|uy ban|bo|so|ban chi dao|bcd)\b)/g, 'bao cao'],
  [/\bph\s*(\d{1,2})\b/g, 'phien hop $1'],
  [/\bhnay\b/g, 'hom nay'],
  // "GĐ Sở …", "PGĐ trung tâm": a director, not "GD" (giáo dục).
  [/\bpgd(?=\s+(?:so|cong ty|trung tam|ban|vien|benh vien|tap doan)\b)/g, 'pho giam doc'],
  [/\bgd(?=\s+(?:so|cong ty|trung tam|ban|vien|benh vien|tap doan)\b)/g, 'giam doc'],
  [/\bnc\b/g, 'nghien cuu'],
  // "bên công an", "phía y tế": the ministry.
  [/\b(?:ben|phia|anh em|ong) (cong an|y te|tai chinh|tu phap|giao duc|xay dung|noi vu|quoc phong|ngoai giao|cong thuong)\b/g, 'bo $1'],
  // Document kinds and bodies written short ("CV hướng dẫn KH CĐS", "NQ nào của CP").
  [/\bkh\b(?!\s*[&-])/g, 'ke hoach'],
  [/(?<!-)\bcp\b/g, 'chinh phu'],
  [/\bnq\b(?!\s*[&-])/g, 'nghi quyet'],
  [/\bqd\b(?!\s*[&-])/g, 'quyet dinh'],
  [/\bnd\b(?!\s*[&-])(?=\s*(?:so\s*)?\d)/g, 'nghi dinh'],
  [/\bcv\b(?!\s*[&-])/g, 'cong van'],
  [/\btw\b/g, 'trung uong'],
  [/\bgd\b(?=\s*\d)/g, 'giai doan'],
  [/\bcb\b/g, 'can bo'],
  [/\bdn\b/g, 'doanh nghiep'],
  [/\bdnnn\b/g, 'doanh nghiep nha nuoc'],
  [/\bdl\b/g, 'du lieu'],
  [/\bxd\b/g, 'xay dung'],
  [/(?<![&-]\s*)\b(?:dt|dthoai)\b(?!\s*[&-])/g, 'dien thoai'],
  // "ai lo vụ phủ sóng", "bên nào lo việc này": who is in charge.
  [/\blo (?:vu|viec|chuyen|khoan)\b/g, 'phu trach'],
  [/\bqh\b/g, 'quoc hoi'],
  [/\bsp\b/g, 'san pham'],
  [/\bdv\b/g, 'dich vu'],
  [/\bvn\b/g, 'viet nam'],
  [/\bhs\b/g, 'ho so'],
  [/\bxh\b/g, 'xa hoi'],
  [/\bnsnn\b/g, 'ngan sach nha nuoc'],
  [/\bcqnn\b/g, 'co quan nha nuoc'],
  [/\b(?:cbccvc|cb\s*,?\s*ccvc)\b/g, 'can bo cong chuc vien chuc'],
  [/\bccvc\b/g, 'cong chuc vien chuc'],
  // "top mấy ASEAN", "đứng thứ mấy": a rank asked, not "máy".
  [/\b(?:top|nhom|hang|thu) may\b/g, 'nhom bao nhieu'],
  // "mấy việc", "mấy tỉnh": a count asked ("máy tính" stays).
  [/\bmay (?!.*\b(?:sao|gi|nao|ai|khi nao|bao gio|o dau)\b)(?=(?:viec|nhiem vu|nguoi|tinh|dia phuong|bo|nganh|lan|ngay|thang|phan tram|cai|chi tieu|muc tieu|nen tang|he thong|phien|van ban|de an|dau viec)\b)/g, 'bao nhieu '],
  [/\btop\b/g, 'nhom'],
  [/\bt(\d{1,2})\s*\/\s*(20\d\d)\b/g, 'thang $1/$2'],
  [/\bq\s*([1-4]|i{1,3}|iv)\s*\/\s*(20\d\d)\b/g, 'quy $1/$2'],
];
/**
 * A noun of administrative writing followed by a demonstrative ("việc đó", "đề án này", "chỉ tiêu trên"):
 * the question refers to something said before (a follow-up, or the first part of a two-part question).
 */
export const REFERS_TO_EARLIER =
  /\b(?:viec|nhiem vu|van ban|chi tieu|muc tieu|de an|du an|chuong trinh|ke hoach|bao cao|hoat dong|he thong|nen tang|phan mem|video|clip|luat|nghi dinh|noi dung|so lieu|ty le|cai|khoan|dot|hoi nghi|phien hop|ket luan|quyet dinh|nghi quyet|thong bao|co so du lieu|trong|trong so) (?:do|nay|ay|tren|noi tren|vua roi)\b(?! la\b)/;

/** A date after these words is the asking date ("hôm nay là 20/4/2024"), not a deadline. */
const TODAY_CUE = /(?:hom nay|bay gio|hien nay|tinh den|tinh toi|den nay|thoi diem|^\s*nay|^\s*den|^\s*toi)\s*(?:la\s*)?(?:ngay\s*)?,?\s*$/;

/** Parses the question. `now` is the asking date (YYYY-MM-DD); `correct` folds and fixes typos. */
export function understand(
  question: string,
  asked: string,
  registry: AgencyRegistry,
  documents: readonly DocumentMeta[],
  correct: (text: string) => string = fold,
  headText?: (docId: string) => string,
  commonPhrase: (folded: string) => boolean = () => false,
): Understanding {
  const q = nfc(squashSpaces(question));
  let now = asked;
  let folded = fold(q);
  for (const [re, to] of SLANG) folded = folded.replace(re, to);
  folded = correct(folded);

  // Agencies, read on the corrected text in query mode (case-insensitive, typo-tolerant).
  // Partners follow "phối hợp với"; a name after "của", "cho", "về" … is part of the topic
  // ("Kế hoạch … của Ủy ban Quốc gia"), not who acts.
  const agencies: AgencyEntry[] = [];
  const partners: AgencyEntry[] = [];
  const partnerZone = /phoi hop (?:voi|cung)|cung voi/.exec(folded);
  for (const m of registry.findMentions(folded, { fuzzy: true })) {
    let entry = registry.get(m.name);
    if (!entry) continue;
    // "Sóc Trăng" written alone, or "cả Hà Giang" (not "CA Hà Giang"), is the province, not a body of it.
    if (entry.kind !== 'province' && entry.kind !== 'group') {
      // The police is written "CA" in capitals; "ca"/"cả" in a sentence is the word "cả".
      const bare = fold(m.text).replace(/^ca\s+/, (x) => (/(?:^|\s)CA\s/u.test(q) ? x : ''));
      const province = registry.all().find((e) => e.kind === 'province' && [e.name, ...e.aliases].some((a) => fold(a) === bare));
      if (province) entry = province;
    }
    // A near-miss of a name that is an ordinary phrase of the documents ("quản trị" ≈ Quảng Trị) is that phrase.
    const written = fold(m.text);
    // So is one whose changed word is a common word of the documents ("hai thông báo" ≈ Hải Phòng).
    const nameWords = new Set([entry.name, ...entry.aliases].flatMap((a) => fold(a).split(' ')));
    // Only a word standing in for one of the name's words (one or two letters off), not "tỉnh" before it.
    const changed = written.split(' ').filter((w) => !nameWords.has(w) && [...nameWords].some((n) => osaDistance(w, n) <= 2 && Math.abs(w.length - n.length) <= 1));
    if (![entry.name, ...entry.aliases].some((a) => fold(a).endsWith(written)) && (commonPhrase(written) || (changed.length > 0 && changed.every((w) => commonPhrase(w))))) continue;
    const before = folded.slice(Math.max(0, m.start - 24), m.start);
    // "giao thêm gì cho Bộ Công an": the one given the work.
    const givenTo = /\bgiao\b(?:\s+\S+){0,3}\s+cho\s+$/.test(before);
    if (!givenTo && /(?:cua|cho|ve|doi voi|toi|trinh)\s+$/.test(before) && !/(?:nhiem vu|viec|trach nhiem)(?:\s+(?:nao|gi))?\s+cua\s+$/.test(before)) continue;
    // "các tỉnh được UBQG giao …", "do Thủ tướng giao": the agency assigns, it is not who acts.
    const after = folded.slice(m.end, m.end + 12);
    if (/(?:duoc|do)\s+$/.test(before) && /^\s+giao\b/.test(after) && entry.kind !== 'province') continue;
    // "QĐ 2629 TTg", "CV 5406 BTTTT": a body written right after a document's number issued it.
    // (A province stays: it places the bodies named after it — "KH 308 Hà Nội giao công an thành phố …".)
    if (entry.kind !== 'province' && AFTER_NUMBER.test(before)) continue;
    // "phiên họp 7 UBQG", "kết luận của …": the agency names a meeting or document, not who acts.
    if (/(?:phien hop|hoi nghi|ket luan|thong bao|bao cao)(?:\s+(?:lan\s+)?(?:thu\s+)?[\p{L}\d]+)?\s+$/u.test(before) && entry.kind !== 'province') continue;
    // A group phrase inside the topic ("tỷ lệ cơ quan nhà nước cung cấp …") is not an addressee.
    if (entry.kind === 'group' && !/^(?:cac|ubnd|uy ban)/.test(m.text) && m.start > 0 && !/(?:^|[,;:?.]|cua|cho|giao|voi|va|duoc)\s*$/.test(before)) continue;
    const list = partnerZone && m.start > partnerZone.index ? partners : agencies;
    if (!list.some((e) => e.name === entry.name)) list.push(entry);
  }

  // Periods: relative words first, then explicit dates; a date after a document cue names the
  // document; a bare year after a noun is part of the topic.
  let period: Period | null = null;
  /** Where the period sits in `folded` ("giữa tháng 1" is read as "tháng 1/2023" with the year said elsewhere). */
  let periodAt = -1;
  const scope = findDocumentScope(folded, documents, headText, addDays(now, 31));
  const docs = new Set(scope?.docIds ?? []);
  const years: string[] = [];
  const written = findPeriods(q);
  /** Document references read from a date ("báo cáo ngày 25/02/2023"), cut from the topic like the scope's. */
  const dated: Array<[number, number]> = [];
  // "hồi 2023 hai tỉnh này được giao gì": back then, in that year's documents.
  const back = /(?<![\p{L}])hồi\s+(?:năm\s+)?(20\d\d)\b/iu.exec(q);
  if (back) documents.filter((d) => d.date?.startsWith(back[1]!)).forEach((d) => docs.add(d.docId));
  for (const p of findPeriods(folded)) {
    const before = folded.slice(Math.max(0, p.start - 30), p.start);
    if (scope?.consumed.some(([s, e]) => p.start >= s && p.end <= e)) continue;
    // "Hôm nay là 20/4/2024": the question says when it is asked.
    if (p.kind === 'day' && TODAY_CUE.test(before)) {
      now = p.from!;
      continue;
    }
    const docHits = documents.filter((d) => d.date && p.from && p.to && d.date >= p.from.slice(0, d.date.length) && d.date <= p.to);
    // "kế hoạch năm 2023" names a plan only when the corpus holds a plan of that year; else the year is the topic's.
    // "hai thông báo kết luận của VPCP (12/2023 và 7/2024)": dates in brackets after a document phrase name documents.
    const cueKind = DOCUMENT_CUE.exec(before)?.[1] ?? BRACKETED_DATES_CUE.exec(folded.slice(Math.max(0, p.start - 90), p.start))?.[1];
    const ofKind = cueKind ? docHits.filter((d) => { const k = kindOf(cueKind).kind; return k === null || d.kind === k; }) : docHits;
    if ((cueKind && (ofKind.length > 0 || !/^(?:ke hoach|kh)$/.test(cueKind))) || (p.kind === 'day' && docHits.length > 0 && !/han|truoc|den/.test(before))) {
      (cueKind ? ofKind : docHits).forEach((d) => docs.add(d.docId));
      // "báo cáo ngày 25/02/2023" names the document: its words are not the topic.
      // "… kết luận hội nghị CĐS ngày 19/7/2024": the words from the document word to the date name it too.
      const named = NAMED_BY_DATE.exec(before);
      const cueAt = cueKind ? before.lastIndexOf(cueKind) : named ? named.index : -1;
      dated.push([cueAt >= 0 ? p.start - before.length + cueAt : p.start, p.end]);
      continue;
    }
    if (p.kind === 'year' && back && back[1] === p.from!.slice(0, 4)) continue;
    const figure = (INDICATOR.test(folded) || /%/.test(folded)) && !WHEN.test(folded);
    if (p.kind === 'year' && (!DEADLINE_CUE.test(before) || /\b(?:trung|dai|ngan) han\s*$/.test(before) || figure)) {
      // "giai đoạn 2026-2030" is one constraint; "năm 2026" another.
      years.push(p.from!.slice(0, 4) === p.to!.slice(0, 4) ? p.from!.slice(0, 4) : `${p.from!.slice(0, 4)}-${p.to!.slice(0, 4)}`);
      continue;
    }
    const asWritten = written.find((w) => w.from === p.from && w.to === p.to)?.text ?? p.text;
    if (!period && p.from && p.to) {
      period = { from: p.from, to: p.to, text: asWritten };
      periodAt = p.start;
    }
  }

  if (!period) {
    const relative = relativePeriod(folded, now);
    if (relative) {
      const { at, ...rest } = relative;
      period = rest;
      periodAt = at;
    }
  }

  // "Giữa tháng 10/2024, những việc nào … đã quá hạn?", "đến tháng 7/2023 thì … quá hạn": a time said
  // before asking what is late or due is when the question is asked, not a deadline window.
  // A window asked about is written bare ("Quý I/2026 có nhiệm vụ nào đến hạn?"): only "quá hạn" takes a bare time as the asking date.
  const overdueAt = OVERDUE.exec(folded)?.index ?? -1;
  const lateAt = overdueAt >= 0 ? overdueAt : UPCOMING.exec(folded)?.index ?? -1;
  if (period && lateAt > 0 && written.length > 0) {
    const at = periodAt;
    // "Đầu năm 2023 (giữa tháng 1), …": times stacked before the period describe the same moment.
    const lead = at >= 0 ? folded.slice(0, at).replace(/[,.()]/g, ' ').replace(/\b(?:nam|thang|quy)\s+\d{1,4}\b/g, ' ') : '';
    const cue = /^(?:\s*(?:den|toi|tinh den|tinh toi|giua|dau|cuoi|vao|hien|nay la|thoi diem))+\s*$/.test(lead);
    if (at >= 0 && at < lateAt && (cue || (overdueAt >= 0 && lead.trim() === ''))) {
      now = /giua\s*$/.test(lead) ? addDays(period.from, 14) : /cuoi\s*$/.test(lead) ? period.to : period.from;
      period = null;
      // "Đầu năm 2024 (giữa tháng 2)": the year said with it is the same moment, not a topic year.
      const said = folded.slice(0, at);
      for (let i = years.length - 1; i >= 0; i--) if (new RegExp(String.raw`\b(?:dau|giua|cuoi)?\s*nam\s+${years[i]}\b`).test(said)) years.splice(i, 1);
    }
  }

  let role: Role = 'any';
  if (agencies.length > 0) {
    // The role named next to the agency, not the one asked about ("… ai chủ trì cùng?").
    const afterAgency = folded.slice(registry.findMentions(folded, { fuzzy: true })[0]?.end ?? 0).replace(/\b(?:ai|co quan nao|don vi nao|bo nao|ben nao)\s+(?:chu tri|phoi hop)\b/g, ' ');
    if (/\b(?:duoc giao |la |voi vai tro |tham gia |chi |cung )?phoi hop\b(?! (?:voi|cung))/.test(afterAgency) && !/\bchu tri\b/.test(afterAgency)) role = 'support';
    else if (/\b(?:duoc giao |la |voi vai tro )?chu tri\b/.test(afterAgency) && !/\bphoi hop\b/.test(afterAgency)) role = 'lead';
  }

  // "Từ nay đến hết tháng 5/2026": from the asking date to the end of that period.
  if (period && periodAt > 0 && /\btu (?:nay|gio|bay gio|hom nay)\s+(?:den|toi)\s+(?:het\s+)?$/.test(folded.slice(0, periodAt)) && period.to >= now) {
    period = { from: now, to: period.to, text: `từ nay đến hết ${period.text}` };
  }

  // "Từ giữa tháng 11/2024 tới hết năm": the window runs to the end of that year, from the middle of the month.
  if (period && /\b(?:toi|den) het nam\b/.test(folded)) {
    const from = /\bgiua\s+$/.test(folded.slice(0, Math.max(0, periodAt))) ? addDays(period.from, 14) : period.from;
    period = { from, to: `${period.from.slice(0, 4)}-12-31`, text: `${period.text} đến hết năm` };
  }

  // "năm 2026 còn những nhiệm vụ nào chưa tới hạn?": with a due or late list asked, a lone year is its window.
  if (!period && years.length === 1 && /^\d{4}$/.test(years[0]!) && (OVERDUE.test(folded) || UPCOMING.test(folded))) {
    const y = years.pop()!;
    period = { from: `${y}-01-01`, to: `${y}-12-31`, text: `năm ${y}` };
  }
  // "<câu trước> — thế luật đó phạt bao nhiêu tiền?": a follow-up joined to the question before asks what its own words ask.
  const followUp = folded.lastIndexOf(' — ');
  const asks = detectAsks(followUp > 0 ? folded.slice(followUp + 3) : folded, agencies, period, role);
  return {
    question: q,
    intent: mainIntent(asks, agencies),
    asks,
    agencies,
    role,
    partners,
    period,
    documents: [...docs],
    scope: dated.length === 0 ? scope : { docIds: scope?.docIds ?? [...docs], text: scope?.text ?? 'văn bản', consumed: [...(scope?.consumed ?? []), ...dated] },
    years,
    now,
    folded,
    corrected: folded,
  };
}

/** Everything the question asks, the main part first. */
function detectAsks(f: string, agencies: AgencyEntry[], period: Period | null, role: Role): Ask[] {
  const asks: Ask[] = [];
  const add = (a: Ask) => {
    if (!asks.includes(a)) asks.push(a);
  };
  if (OVERDUE.test(f)) add('overdue');
  const overdue = asks.includes('overdue');
  if (UPCOMING.test(f) || (period && !overdue && /\b(?:nhiem vu|viec)\b.*\b(?:den han|het han|phai hoan thanh|hoan thanh|xong|han)\b/.test(f) && !WHO.test(f))) add('due_soon');
  // "10 ngày tới có hạn gì?": a window and a deadline asked about.
  // "bộ nào có hạn cuối quý 3?": who has a deadline in the window — the window's list, with who.
  else if (period && !overdue && /\b(?:co han|han gi|han nao|viec gi|nhiem vu gi)\b/.test(f) && (!WHO.test(f) || /\b(?:bo|co quan|don vi|tinh|ai|ben) nao co han\b|\bai co han\b/.test(f))) add('due_soon');
  // "Quý I/2024 có những phiên họp … nào?": everything on the topic in that window.
  else if (period && !overdue && /\b(?:nhung|cac)\b.*\bnao\b/.test(f) && !/\b(?:tinh|dia phuong|bo|co quan|don vi) nao\b/.test(f)) add('due_soon');
  if (COMPARE.test(f)) add('compare');
  // Contact details ("sđt, email đầu mối …", "liên hệ ai"): what the documents say, not an agency's tasks.
  if (/\b(?:lien he|lien lac|sdt|so dien thoai|hotline|dau moi)\b|\b(?:xin|cho xin|dia chi) (?:email|thu dien tu|dien thoai)\b/.test(f)) add('guidance');
  if (LIST.test(f) && !/\bbao nhieu (?:phan tram|%)/.test(f)) add('list');
  // "được giao mấy việc", "có bao nhiêu nhiệm vụ": an agency's tasks, counted by their list.
  const countsTasks = agencies.length > 0 && /\b(?:duoc giao|phai lam|nhan|co) (?:bao nhieu|may) (?:viec|nhiem vu|dau viec|nv)\b/.test(f) && !/\btong\b/.test(f);
  const asksIndicator = (INDICATOR.test(f) || /%/.test(f)) && !countsTasks;
  if (countsTasks) add('what');
  const asksWhen = WHEN.test(f);
  if (asksIndicator && !asksWhen) add('figure');
  if (agencies.length > 0 && (STRONG_WHAT.test(f) || role !== 'any') && (!WHO.test(f) || /\bphoi hop voi ai\b/.test(f))) add('what');
  if (asksWhen) add('when');
  if (WHO.test(f) && !/\bphoi hop voi ai\b/.test(f)) add('who');
  if (asksIndicator && asksWhen && !asks.includes('figure') && /\b(?:bao nhieu|ty le|muc tieu|chi tieu)\b/.test(f)) add('figure');
  if (agencies.length > 0 && TASKS_OF.test(f)) add('what');
  if (GUIDANCE.test(f)) add('guidance');
  if (agencies.length > 0) add('what');
  if (asks.length === 0) add('guidance');
  return asks;
}

/** The intent of the JSON contract: the main ask. */
function mainIntent(asks: Ask[], agencies: AgencyEntry[]): Intent {
  const a = asks[0]!;
  switch (a) {
    case 'due_soon':
      return 'upcoming';
    case 'overdue':
      return 'overdue';
    case 'figure':
      return 'indicator';
    case 'what':
      return agencies.length > 0 ? 'tasks_of' : 'guidance';
    default:
      return a;
  }
}

/** A period said relative to the asking date ("tháng này", "quý III" without a year), and where it is said. */
function relativePeriod(f: string, now: string): (Period & { at: number }) | null {
  const [y, m] = [Number(now.slice(0, 4)), Number(now.slice(5, 7))];
  const month = (yy: number, mm: number) => [isoDate(yy, mm, 1), isoDate(yy, mm, daysInMonth(yy, mm))] as const;
  const [ny, nm] = m === 12 ? [y + 1, 1] : [y, m + 1];
  const q = Math.ceil(m / 3);
  const fixed: Array<[RegExp, () => readonly [string, string], string]> = [
    [/\btuan nay\b/, () => weekOf(now), 'tuần này'],
    [/\btuan (?:toi|sau)\b/, () => weekOf(addDays(now, 7)), 'tuần tới'],
    [/\bthang nay\b/, () => month(y, m), 'tháng này'],
    [/\bthang (?:toi|sau)\b/, () => month(ny, nm), 'tháng tới'],
    [/\bquy nay\b/, () => [isoDate(y, q * 3 - 2, 1), isoDate(y, q * 3, daysInMonth(y, q * 3))], 'quý này'],
    [/\bnam nay\b/, () => [isoDate(y, 1, 1), isoDate(y, 12, 31)], 'năm nay'],
    [/\bnam (?:toi|sau)\b/, () => [isoDate(y + 1, 1, 1), isoDate(y + 1, 12, 31)], 'năm tới'],
  ];
  // "quý 3 năm nay", "tháng 5 năm sau": that quarter or month of the year named relatively.
  const ofYear = /\b(?:thang (\d{1,2})|quy (iv|i{1,3}|[1-4])) nam (nay|toi|sau)\b/.exec(f);
  if (ofYear) {
    const yy = ofYear[3] === 'nay' ? y : y + 1;
    if (ofYear[1] && Number(ofYear[1]) >= 1 && Number(ofYear[1]) <= 12) {
      const [from, to] = month(yy, Number(ofYear[1]));
      return { from, to, text: `tháng ${Number(ofYear[1])}/${yy}`, at: ofYear.index };
    }
    if (ofYear[2]) {
      const qn = quarterNumber(ofYear[2]);
      return { from: isoDate(yy, qn * 3 - 2, 1), to: isoDate(yy, qn * 3, daysInMonth(yy, qn * 3)), text: `quý ${qn}/${yy}`, at: ofYear.index };
    }
  }
  for (const [re, range, text] of fixed) {
    const hit = re.exec(f);
    if (hit) {
      const [from, to] = range();
      return { from, to, text, at: hit.index };
    }
  }
  // "trong tháng 2", "quý III" without a year: of the asking year.
  const mon = /\bthang (\d{1,2})\b(?!\s*(?:[/.-]|nam)\s*\d)/.exec(f);
  if (mon && Number(mon[1]) >= 1 && Number(mon[1]) <= 12) {
    const mo = Number(mon[1]);
    const [from, to] = month(y, mo);
    return { from, to, text: `tháng ${mo}/${y}`, at: mon.index };
  }
  const quarter = /\bquy (iv|i{1,3}|[1-4])\b(?!\s*(?:[/.-]|nam)\s*\d)/.exec(f);
  if (quarter) {
    const qn = quarterNumber(quarter[1]!);
    return { from: isoDate(y, qn * 3 - 2, 1), to: isoDate(y, qn * 3, daysInMonth(y, qn * 3)), text: `quý ${qn}/${y}`, at: quarter.index };
  }
  // "từ giờ đến 10/12": from the asking date to that day (of this year, or the next when already past).
  const until = /\b(?:den|toi|truoc)\s+(?:ngay\s+)?(\d{1,2})\s*\/\s*(\d{1,2})\b(?!\s*\/\s*\d)/.exec(f);
  if (until && Number(until[2]) >= 1 && Number(until[2]) <= 12 && Number(until[1]) >= 1 && Number(until[1]) <= daysInMonth(y, Number(until[2]))) {
    let to = isoDate(y, Number(until[2]), Number(until[1]));
    if (to < now) to = isoDate(y + 1, Number(until[2]), Math.min(Number(until[1]), daysInMonth(y + 1, Number(until[2]))));
    return { from: now, to, text: `đến ${until[1]}/${until[2]}`, at: until.index };
  }
  const days = /\b(\d{1,3}) ngay (?:toi|sap toi|nua)\b/.exec(f);
  if (days) return { from: now, to: addDays(now, Number(days[1])), text: `${days[1]} ngày tới`, at: days.index };
  return null;
}
