/**
 * Which documents a question points at, read from folded question text:
 *  - by number: "QĐ 2629", "TB 624/TB-VPCP", "văn bản số 5406", "NQ57" (a document whose
 *    title names the resolution it implements counts: NQ 03 implements NQ 57);
 *  - by kind and date: "kết luận năm 2024", "báo cáo tháng 12/2022", "kết luận cuối năm 2023";
 *  - newest/oldest of a kind: "kết luận mới nhất", "văn bản gần đây nhất";
 *  - by meeting: "phiên họp (lần) thứ 7", "phiên họp thứ năm".
 * A scope the corpus cannot satisfy is returned with no documents, so the answer can
 * say so instead of silently answering from every document.
 */
import type { DocumentKind, DocumentMeta } from '../corpus/types.js';
import { ABBREVIATIONS, expandAbbreviations } from '../retrieval/analyzer.js';
import { fold } from '../text/vietnamese.js';

export interface DocumentScope {
  /** Matching documents (empty: the question names a document the corpus does not hold). */
  docIds: string[];
  /** The reference as a Vietnamese phrase, for "không có … trong kho". */
  text: string;
  /** Offsets (in the folded question) of the words read as the reference: not topic, not deadline. */
  consumed: Array<[number, number]>;
}

const KINDS: Array<[RegExp, DocumentKind | null, string]> = [
  [/^(?:thong bao ket luan|thong bao|ket luan|tb)$/, 'thông báo kết luận', 'thông báo kết luận'],
  [/^(?:bao cao|bc)$/, 'báo cáo', 'báo cáo'],
  [/^(?:cong van|huong dan|cv)$/, 'công văn', 'công văn'],
  [/^(?:ke hoach|kh)$/, 'kế hoạch', 'kế hoạch'],
  [/^(?:quyet dinh|qd)$/, 'quyết định', 'quyết định'],
  [/^(?:nghi quyet|nq)$/, 'nghị quyết', 'nghị quyết'],
  [/^(?:chi thi|ct)$/, 'chỉ thị', 'chỉ thị'],
  [/^(?:van ban|vb)$/, null, 'văn bản'],
];
/** Words that name a kind of document, folded, as a regex alternation (longest first). */
export const KIND_WORDS = 'thong bao ket luan|thong bao|ket luan|bao cao|cong van|huong dan|ke hoach|quyet dinh|nghi quyet|chi thi|van ban|tb|bc|cv|kh|qd|nq|ct|vb';
const NUMBER_RE = new RegExp(String.raw`\b(${KIND_WORDS})\s*(?:so\s*)?(\d{1,4})(?:\s*[\/-]\s*([a-z]+(?:-[a-z]+)*))?\b`, 'g');
const BARE_NUMBER_RE = /\b(?:so\s*)?(\d{1,4})\s*\/\s*((?:qd|nq|tb|kh|cv|ct|bc)(?:-[a-z]+)*)\b/g;
const LATEST_RE = new RegExp(String.raw`\b(${KIND_WORDS})\s+(moi nhat|gan nhat|gan day nhat|sau cung|cuoi cung|moi ban hanh|dau tien|cu nhat)\b`);
const KIND_YEAR_RE = new RegExp(String.raw`\b(${KIND_WORDS})\s+(?:(?:ban hanh|hoi nghi|phien hop)\s+)?(?:(cuoi|dau|giua)\s+)?(?:nam\s+|(?:thang\s+)?(\d{1,2})\s*(?:\/|nam)\s*)?(20\d\d)\b`);
/** "kết luận hội nghị 19/7", "TB ngày 19/7": day and month of a document, year left out. */
const KIND_DAY_RE = new RegExp(String.raw`\b(${KIND_WORDS}|hoi nghi|phien hop)\s+(?:[a-z]+\s+){0,2}(?:ngay\s+)?(\d{1,2})\s*\/\s*(\d{1,2})\b(?!\s*\/\s*\d)`);
const SESSION_RE = /\bphien(?: hop)?(?: lan)?(?: thu)? (\d{1,2}|nhat|hai|ba|tu|bon|nam|sau|bay|tam|chin|muoi)\b(?!\s*[/.-]\s*\d)/;
const ORDINALS: Record<string, string> = { nhat: '1', hai: '2', ba: '3', tu: '4', bon: '4', nam: '5', sau: '6', bay: '7', tam: '8', chin: '9', muoi: '10' };

/** Words of a title that say nothing about which document it is. */
const TITLE_FILLER = new Set(['cua', 'va', 've', 'cac', 'thu', 'lan', 'nam', 'phuc', 'vu', 'voi', 'trong', 'tai', 'cho']);

/** The document kind a word names ("kết luận", "QĐ"), null for "văn bản" or none. */
export function kindOf(word: string): { kind: DocumentKind | null; name: string } {
  for (const [re, kind, name] of KINDS) if (re.test(word)) return { kind, name };
  return { kind: null, name: 'văn bản' };
}

/** Folded text of a document's identifying parts: number, title, first lines. */
function headOf(d: DocumentMeta): string {
  return fold(`${d.number ?? ''} ${d.title}`);
}

/** The document scope of a folded question, or null when it names none. */
export function findDocumentScope(f: string, documents: readonly DocumentMeta[], headText?: (docId: string) => string, latestBy?: string): DocumentScope | null {
  const scope = findScope(f, documents, headText, latestBy);
  return scope ? withTitleWords(f, scope, documents) : null;
}

/**
 * "kết luận phiên họp lần thứ 7 của Ủy ban Quốc gia về chuyển đổi số": the words after a reference
 * that repeat the document's title describe the document, not the topic asked about.
 */
function withTitleWords(f: string, scope: DocumentScope, documents: readonly DocumentMeta[]): DocumentScope {
  if (scope.docIds.length === 0) return scope;
  if (scope.consumed.length === 0) return scope;
  // The title's words, and the issuer's ("Kế hoạch 308 của UBND Hà Nội").
  const title = new Set(
    documents.filter((d) => scope.docIds.includes(d.docId)).flatMap((d) => fold(`${d.title} cua do ${d.issuer ?? ''} ubnd tp thanh pho tinh`).match(/[a-z0-9]+/g) ?? []),
  );
  const years = new Set(documents.filter((d) => scope.docIds.includes(d.docId)).map((d) => d.date?.slice(0, 4) ?? ''));
  const inTitle = (w: string) => title.has(w) || (fold(expandAbbreviations(w)).match(/[a-z0-9]+/g) ?? ['\u0000']).every((x) => title.has(x));
  const consumed = scope.consumed.map(([s, e]): [number, number] => {
    const words = [...f.slice(e).matchAll(/[a-z0-9]+|[^a-z0-9\s]/g)];
    let end = e;
    let n = 0;
    for (const w of words) {
      if (!/^[a-z0-9]+$/.test(w[0]) || !inTitle(w[0])) break;
      end = e + w.index! + w[0].length;
      n++;
    }
    // "thông báo kết luận | phiên họp 7": the kind named before the reference belongs to it.
    const kindBefore = new RegExp(String.raw`\b(?:${KIND_WORDS})\s+$`).exec(f.slice(0, s));
    const start = kindBefore ? kindBefore.index : s;
    // Three words or more: a lone "của" or "về" is not a description.
    let stop = n >= 3 ? end : e;
    // "phiên họp lần thứ 7 cuối năm 2023": the date said after the reference is the document's.
    const dated = /^\s*(?:(?:cuoi|dau|giua)\s+)?(?:nam|thang\s+\d{1,2}\s*(?:\/|nam))\s*(20\d\d)\b/.exec(f.slice(stop));
    if (dated && years.has(dated[1]!)) stop += dated[0].length;
    return [start, stop];
  });
  return { ...scope, consumed };
}

function findScope(f: string, documents: readonly DocumentMeta[], headText?: (docId: string) => string, latestBy?: string): DocumentScope | null {
  // By number; every document named ("NQ 03 … QĐ 2629 …") counts.
  const named: DocumentScope[] = [];
  for (const re of [NUMBER_RE, BARE_NUMBER_RE]) {
    re.lastIndex = 0;
    for (let m = re.exec(f); m; m = re.exec(f)) {
      if (named.some((x) => x.consumed.some(([s, e]) => m!.index < e && m!.index + m![0].length > s))) continue;
      const isBare = re === BARE_NUMBER_RE;
      const n = isBare ? m[1]! : m[2]!;
      const kindWord = isBare ? m[2]!.split('-')[0]! : m[1]!;
      const { kind, name } = kindOf(kindWord);
      // "kế hoạch 2024" is a year, not a number.
      if (!isBare && /^20\d\d$/.test(n) && !/\bso\s*$/.test(f.slice(0, m.index + m[1]!.length + 4))) continue;
      // "BC 12/2022": a month and year, not a number.
      if (!isBare && !m[3] && Number(n) >= 1 && Number(n) <= 12 && /^\s*\/\s*20\d\d\b/.test(f.slice(m.index + m[0].length))) continue;
      const byNumber = documents.filter((d) => d.number && fold(d.number).startsWith(`${Number(n)}/`) || (d.number && fold(d.number).startsWith(`${n}/`)));
      const ofKind = byNumber.filter((d) => !kind || d.kind === kind);
      let hits = ofKind.length > 0 ? ofKind : byNumber;
      if (hits.length === 0) {
        // A document implementing the one named: "NQ57" → the programme "thực hiện Nghị quyết số 57-NQ/TW".
        const cited = new RegExp(String.raw`\b(?:so\s+)?${Number(n)}\s*[-/]\s*${kindWord === 'nq' || kindWord === 'nghi quyet' ? 'nq' : '[a-z]'}`);
        hits = documents.filter((d) => cited.test(fold(d.title)));
      }
      named.push({
        docIds: hits.map((d) => d.docId),
        text: `${name} số ${n}${m[3] ? `/${m[3].toUpperCase()}` : ''}`,
        consumed: [[m.index, m.index + m[0].length]],
      });
    }
  }
  if (named.length > 0) {
    // Found ones are read together ("NQ 03 … QĐ 2629"); a name the corpus lacks is reported only when
    // nothing else is named (TB 624 may cite a "Kế hoạch 02" the corpus does not hold).
    const found = named.filter((x) => x.docIds.length > 0);
    if (found.length === 0) return named[0]!;
    return { docIds: [...new Set(found.flatMap((x) => x.docIds))], text: found.map((x) => x.text).join(', '), consumed: found.flatMap((x) => x.consumed) };
  }
  // Newest / oldest of a kind.
  const latest = LATEST_RE.exec(f);
  if (latest) {
    const { kind, name } = kindOf(latest[1]!);
    // "Mới nhất" as of the asking date: a later document was not yet issued.
    const pool = documents.filter((d) => d.date && (!kind || d.kind === kind) && (!latestBy || d.date <= latestBy)).sort((a, b) => a.date!.localeCompare(b.date!));
    const oldest = /dau tien|cu nhat/.test(latest[2]!);
    const pick = oldest ? pool[0] : pool.at(-1);
    return { docIds: pick ? [pick.docId] : [], text: `${name} ${oldest ? 'đầu tiên' : 'mới nhất'}`, consumed: [[latest.index, latest.index + latest[0].length]] };
  }
  // Kind and year (month, "cuối năm"); every such reference counts ("BC 12/2022 … TB KL 7/2024").
  const byYear: DocumentScope[] = [];
  const kyRe = new RegExp(KIND_YEAR_RE.source, 'g');
  for (let ky = kyRe.exec(f); ky; ky = kyRe.exec(f)) {
    if (kindOf(ky[1]!).kind === null && ky[1] !== 'van ban' && ky[1] !== 'vb') continue;
    const { kind, name } = kindOf(ky[1]!);
    const year = ky[4]!;
    const month = ky[3] ? Number(ky[3]) : null;
    const part = ky[2];
    const hits = documents.filter((d) => {
      if (!d.date?.startsWith(year) || (kind && d.kind !== kind)) return false;
      const m = Number(d.date.slice(5, 7)) || null;
      if (month !== null) return m === month;
      if (part === 'cuoi') return m === null || m >= 7;
      if (part === 'dau') return m === null || m <= 6;
      return true;
    });
    // "kế hoạch CĐS năm 2023" is a plan's topic, not a plan document: only a kind the corpus holds in that year scopes.
    if (hits.length > 0 || (kind !== 'kế hoạch' && kind !== 'nghị quyết' && kind !== 'quyết định' && kind !== null)) {
      const when = month !== null ? `tháng ${month}/${year}` : `${part === 'cuoi' ? 'cuối ' : part === 'dau' ? 'đầu ' : ''}năm ${year}`;
      byYear.push({ docIds: hits.map((d) => d.docId), text: `${name} ${when}`, consumed: [[ky.index, ky.index + ky[0].length]] });
    }
  }
  if (byYear.length > 0) {
    const found = byYear.filter((x) => x.docIds.length > 0);
    if (found.length <= 1) return found[0] ?? byYear[0]!;
    return { docIds: [...new Set(found.flatMap((x) => x.docIds))], text: found.map((x) => x.text).join(', '), consumed: found.flatMap((x) => x.consumed) };
  }
  // Day and month without the year.
  const kd = KIND_DAY_RE.exec(f);
  if (kd) {
    const md = `-${kd[3]!.padStart(2, '0')}-${kd[2]!.padStart(2, '0')}`;
    const hits = documents.filter((d) => d.date?.endsWith(md));
    if (hits.length > 0) return { docIds: hits.map((d) => d.docId), text: `văn bản ngày ${kd[2]}/${kd[3]}`, consumed: [[kd.index, kd.index + kd[0].length]] };
  }
  // Meeting number.
  const s = SESSION_RE.exec(f);
  if (s) {
    const n = ORDINALS[s[1]!] ?? s[1]!;
    const words = Object.entries(ORDINALS).filter(([, v]) => v === n).map(([w]) => w);
    const re = new RegExp(String.raw`\b(?:lan thu|phien hop) (?:${[n, ...words].join('|')})\b`);
    let hits = documents.filter((d) => re.test(headOf(d)) || (headText !== undefined && re.test(fold(headText(d.docId)))));
    // "báo cáo … phiên họp thứ 5": the kind named before it narrows the meeting's documents.
    const kindBefore = new RegExp(String.raw`\b(${KIND_WORDS})\b[^?]{0,40}$`).exec(f.slice(0, s.index));
    const kind = kindBefore ? kindOf(kindBefore[1]!).kind : null;
    if (kind && hits.some((d) => d.kind === kind)) hits = hits.filter((d) => d.kind === kind);
    return { docIds: hits.map((d) => d.docId), text: `phiên họp lần thứ ${n}`, consumed: [[s.index, s.index + s[0].length]] };
  }
  // A document named by its title ("báo cáo kết quả chuyển đổi số năm 2022").
  for (const d of documents) {
    const title = fold(d.title).match(/[a-z0-9]+/g) ?? [];
    const kind = fold(d.kind).split(' ').at(-1)!;
    const at = f.indexOf(`${kind === 'luan' ? 'ket luan' : fold(d.kind)} `);
    if (at < 0 || title.length < 5) continue;
    const window = new Set(f.slice(at, at + 90).match(/[a-z0-9]+/g) ?? []);
    const words = title.slice(fold(d.kind).split(' ').length, fold(d.kind).split(' ').length + 10).filter((w) => !TITLE_FILLER.has(w)).slice(0, 7);
    if (words.length >= 4 && words.filter((w) => window.has(w)).length / words.length >= 0.85 && words.filter((w) => /\d/.test(w)).every((w) => window.has(w))) {
      return { docIds: [d.docId], text: fold(d.kind), consumed: [] };
    }
  }
  return titlePrefix(f, documents);
}

/**
 * "trong hướng dẫn xây dựng kế hoạch năm 2023": a document word ("hướng dẫn", "kế hoạch", or the
 * title's own first words) followed by at least four words, all in one document's title in that
 * order of mention, and every number among them too.
 */
function titlePrefix(f: string, documents: readonly DocumentMeta[]): DocumentScope | null {
  const cue = new RegExp(String.raw`\b(?:${KIND_WORDS}|hoi nghi|phien hop)\s+`, 'g');
  let found: { d: DocumentMeta; n: number; at: number; end: number; tied: boolean } | null = null;
  for (let m = cue.exec(f); m; m = cue.exec(f)) {
    const start = m.index + m[0].length;
    const words = [...f.slice(start, start + 120).matchAll(/[a-z0-9]+/g)];
    const { kind } = kindOf(m[0].trim());
    for (const d of documents) {
      // "kế hoạch hoạt động năm 2024 …" named in a conclusion's title is not that conclusion.
      if (kind !== null && d.kind !== kind) continue;
      const titleWords: string[] = fold(d.title).match(/[a-z0-9]+/g) ?? [];
      const title = new Set(titleWords);
      let n = 0;
      let end = start;
      // The words follow the title's order, a few title words skipped at most between two of them.
      let pos = -1;
      for (const w of words) {
        // "kế hoạch CĐS 2023": an abbreviation stands for its words in the title.
        const seq = ABBREVIATIONS[w[0]] ? fold(ABBREVIATIONS[w[0]]!).split(' ') : [w[0]];
        const next = titleWords.indexOf(seq[0]!, pos + 1);
        if (next < 0 || (pos >= 0 && next - pos > 4) || seq.some((x, k) => titleWords[next + k] !== x)) break;
        pos = next + seq.length - 1;
        if (!TITLE_FILLER.has(w[0])) n += seq.length;
        end = start + w.index! + w[0].length;
      }
      const taken = f.slice(start, end);
      const numbers = taken.match(/\d+/g) ?? [];
      if (n >= 4 && numbers.every((x) => title.has(x))) {
        if (!found || n > found.n) found = { d, n, at: m.index, end, tied: false };
        else if (n === found.n && d !== found.d) found.tied = true;
      }
    }
  }
  // Words several titles share ("phiên họp Ủy ban Quốc gia về chuyển đổi số") name no one document.
  if (!found || found.tied) return null;
  return { docIds: [found.d.docId], text: fold(found.d.kind), consumed: [[found.at, found.end]] };
}
