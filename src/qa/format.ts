/**
 * Vietnamese wording of answers: agencies, deadlines relative to the asking
 * date, sources. Plain text; channels add their own formatting. Status is only
 * what a document can know: a past deadline is "hạn đã qua" unless a document
 * records the result.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { DocumentKind, DocumentMeta, TaskRow } from '../corpus/types.js';
import { daysBetween, formatVietnameseDate } from '../text/dates.js';
import { clip } from '../text/vietnamese.js';

/** What the documents cannot know: whether a task whose deadline has passed was done. */
export const PAST_DEADLINE = 'hạn đã qua (văn bản không ghi nhận kết quả)';

/** "31/12/2024 («Hoàn thành trong năm 2024») — hạn đã qua (văn bản không ghi nhận kết quả)". */
export function describeDeadline(row: TaskRow, now: string, reported?: string): string {
  const d = row.deadline;
  if (d.date === null) {
    return d.text ? `«${clip(d.text, 80)}» (văn bản không nêu ngày cụ thể)` : 'văn bản không nêu thời hạn';
  }
  const phrase = d.text && !/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(d.text.trim()) ? ` («${clip(d.text, 80)}»)` : '';
  return `${formatVietnameseDate(d.date)}${phrase} — ${relativeStatus(d.date, now, row.status, reported)}`;
}

/**
 * "còn 12 ngày", "đến hạn hôm nay", or for a past deadline "hạn đã qua (văn bản không ghi
 * nhận kết quả)" — never "quá hạn N ngày", which asserts what no document says. A status the
 * document itself reports, or a later report (`reported`), is shown instead.
 */
export function relativeStatus(date: string, now: string, status?: string, reported?: string): string {
  const days = daysBetween(now, date);
  if (days > 0) return status ? `còn ${days} ngày (văn bản ghi: ${status})` : `còn ${days} ngày`;
  if (days === 0) return status ? `đến hạn hôm nay (văn bản ghi: ${status})` : 'đến hạn hôm nay';
  if (status) return `hạn đã qua (văn bản ghi: ${status})`;
  if (reported) return `hạn đã qua (${reported})`;
  return PAST_DEADLINE;
}

export function describeLeads(row: TaskRow): string {
  if (row.lead.length === 0) return 'Văn bản không nêu cơ quan chủ trì cụ thể';
  return row.lead.map((l, i) => (i === 0 ? l : midSentence(l))).join(', ');
}

/** A group name inside a sentence: "các bộ, ngành", not "Các bộ, ngành". */
export function midSentence(name: string): string {
  return /^Các /.test(name) ? `c${name.slice(1)}` : name;
}

const KIND_SHORT: Record<DocumentKind, string> = {
  'báo cáo': 'BC',
  'thông báo kết luận': 'TB',
  'công văn': 'CV',
  'kế hoạch': 'KH',
  'quyết định': 'QĐ',
  'chỉ thị': 'CT',
  'nghị quyết': 'NQ',
  'văn bản': 'VB',
};

/** "19/07/2024", "12/2022", "2022" from a full or partial ISO date. */
function shortDate(date: string): string {
  const [y, m, d] = date.split('-');
  if (d) return `${d}/${m}/${y}`;
  if (m) return `${m}/${y}`;
  return y ?? date;
}

/** The shortest all-capital alias of an issuer ("VPCP", "BTTTT"), or its name. */
function issuerShort(issuer: string, registry?: AgencyRegistry): string {
  const entry = registry?.get(issuer) ?? registry?.resolve(issuer);
  // The first acronym listed is the Vietnamese one ("BTTTT" before "MIC").
  return (entry?.aliases ?? []).find((a) => /^[\p{Lu}&-]{2,8}$/u.test(a)) ?? issuer;
}

/**
 * A document's short name for phone screens: "QĐ 2629/QĐ-TTg" when it has a number,
 * else "TB 19/07/2024 (VPCP)". The full title stays in the citations (/nguon).
 */
export function shortLabel(doc: DocumentMeta | undefined, registry?: AgencyRegistry): string {
  if (!doc) return 'văn bản';
  const kind = KIND_SHORT[doc.kind] ?? 'VB';
  if (doc.number) return `${kind} ${doc.number}${doc.date ? ` (${shortDate(doc.date)})` : ''}`;
  const issuer = doc.issuer ? ` (${issuerShort(doc.issuer, registry)})` : '';
  return `${kind} ${doc.date ? shortDate(doc.date) : doc.docId}${issuer}`;
}

/** "Thông báo Kết luận … (19/07/2024)": the full title, for /nguon and refusals. */
export function documentLabel(doc: DocumentMeta | undefined): string {
  if (!doc) return 'văn bản';
  const date = doc.date ? ` (${doc.date.length === 10 ? formatVietnameseDate(doc.date) : doc.date.split('-').reverse().join('/')})` : '';
  const title = doc.title.length > 110 ? `${doc.title.slice(0, 110).replace(/\s+\S*$/, '')}…` : doc.title;
  return `${title}${date}`;
}

/** Cuts a task description for a list line at a word boundary. */
export function brief(text: string, max = 160): string {
  return clip(text, max);
}

/** A sentence ends with exactly one full stop ("….", "..": one). */
export function sentence(text: string): string {
  const t = text.trim().replace(/[.…]+$/u, '');
  return `${t}.`;
}
