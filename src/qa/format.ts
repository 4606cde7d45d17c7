/**
 * Vietnamese wording of answers: agencies, deadlines relative to the asking
 * date, sources. Plain text; channels add their own formatting.
 */
import type { DocumentMeta, TaskRow } from '../corpus/types.js';
import { daysBetween, formatVietnameseDate } from '../text/dates.js';
import { clip } from '../text/vietnamese.js';

/** "31/12/2024 («Hoàn thành trong năm 2024») — đã quá hạn 691 ngày". */
export function describeDeadline(row: TaskRow, now: string): string {
  const d = row.deadline;
  if (d.date === null) {
    return d.text ? `«${d.text}» (văn bản không nêu ngày cụ thể)` : 'văn bản không nêu thời hạn';
  }
  const phrase = d.text ? ` («${d.text}»)` : '';
  return `${formatVietnameseDate(d.date)}${phrase} — ${relativeStatus(d.date, now, row.status)}`;
}

/** "còn 12 ngày", "đến hạn hôm nay", "đã quá hạn 3 ngày"; the document's own status when it reports one. */
export function relativeStatus(date: string, now: string, status?: string): string {
  const days = daysBetween(now, date);
  const rel = days > 0 ? `còn ${days} ngày` : days === 0 ? 'đến hạn hôm nay' : `đã quá hạn ${-days} ngày`;
  return status ? `${rel} (văn bản ghi: ${status})` : rel;
}

export function describeLeads(row: TaskRow): string {
  if (row.lead.length === 0) return 'Văn bản không nêu cơ quan chủ trì cụ thể';
  return row.lead.join(', ');
}

/** "Thông báo Kết luận … (19/07/2024)". */
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
