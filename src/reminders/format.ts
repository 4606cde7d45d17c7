/**
 * The Vietnamese text of a reminder message. One message per chat per pass
 * batches every due task, so a subscriber of a busy agency gets one notification
 * a day, not twenty. Plain text (no Markdown): the sender splits it at paragraph
 * boundaries within the platform limit, so each task is its own paragraph.
 */

import type { TaskRow } from '../corpus/types.js';
import { formatVietnameseDate } from '../text/dates.js';
import { clip } from '../text/vietnamese.js';
import type { ReminderKind } from './policy.js';

/** What the formatter needs of a reminder (a {@link Reminder} fits). */
export interface FormattableReminder {
  task: TaskRow;
  kind: ReminderKind;
  deadline: string;
  daysLeft: number;
}

export interface FormatOptions {
  /** Date of the pass (YYYY-MM-DD). */
  now: string;
  /** Time shown in the header, "HH:MM" (default "08:00", the scheduled time). */
  time?: string;
  /** Document titles by docId, for the "Nguồn:" line. */
  titles: ReadonlyMap<string, string>;
  /** Longer task texts are cut at a word boundary (default 400 characters). */
  maxTaskChars?: number;
}

const DEFAULT_MAX_TASK_CHARS = 400;

/** "còn 6 ngày", "hạn cuối là hôm nay", "đã quá hạn 3 ngày". */
export function remainingPhrase(daysLeft: number): string {
  if (daysLeft > 0) return `còn ${daysLeft} ngày`;
  if (daysLeft === 0) return 'hạn cuối là hôm nay';
  return `đã quá hạn ${-daysLeft} ngày`;
}

/** Cuts a text at a word boundary, adding "…" when something was left out. */
export const shorten = clip;

/** One numbered paragraph for a task. */
export function formatReminderItem(n: number, r: FormattableReminder, opts: FormatOptions): string {
  const t = r.task;
  const parts = [`${n}. ${shorten(t.task, opts.maxTaskChars ?? DEFAULT_MAX_TASK_CHARS)}`];
  let due = `Hạn: ${formatVietnameseDate(r.deadline)} (${remainingPhrase(r.daysLeft)})`;
  // A deadline of "Quý I năm 2024" is stored as its last day; show the wording too so nobody
  // mistakes an end-of-quarter date for a date the document fixed.
  if (t.deadline.precision !== 'day' && t.deadline.text) due += ` — văn bản ghi: “${t.deadline.text}”`;
  parts.push(due);
  if (t.lead.length > 0) parts.push(`Cơ quan chủ trì: ${t.lead.join(', ')}`);
  if (t.support.length > 0) parts.push(`Phối hợp: ${t.support.join(', ')}`);
  const title = opts.titles.get(t.docId) ?? t.docId;
  parts.push(t.section ? `Nguồn: ${title}, mục ${t.section}` : `Nguồn: ${title}`);
  return parts.join(' — ');
}

/**
 * The message for one chat: upcoming deadlines first (most urgent first), then
 * the overdue digest. Returns an empty string when there is nothing to say.
 */
export function formatReminderMessage(items: readonly FormattableReminder[], opts: FormatOptions): string {
  if (items.length === 0) return '';
  const upcoming = items.filter((r) => r.daysLeft >= 0 && r.kind !== 'overdue');
  const overdue = items.filter((r) => r.daysLeft < 0 || r.kind === 'overdue');
  const byDeadline = (a: FormattableReminder, b: FormattableReminder): number =>
    a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0;
  upcoming.sort(byDeadline);
  overdue.sort(byDeadline);

  const blocks = [`🔔 Nhắc hạn nhiệm vụ (${opts.time ?? '08:00'} ngày ${formatVietnameseDate(opts.now)})`];
  let n = 0;
  if (upcoming.length > 0) {
    blocks.push(`Sắp đến hạn: ${upcoming.length} nhiệm vụ`);
    for (const r of upcoming) blocks.push(formatReminderItem(++n, r, opts));
  }
  if (overdue.length > 0) {
    blocks.push(`⚠️ Đã quá hạn: ${overdue.length} nhiệm vụ (nhắc lại mỗi thứ Hai cho đến khi tắt nhắc nhiệm vụ đó)`);
    for (const r of overdue) blocks.push(`${formatReminderItem(++n, r, opts)} — mã: ${r.task.id}`);
    blocks.push('Tắt nhắc một nhiệm vụ quá hạn: /tatnhac <mã>, ví dụ /tatnhac ' + overdue[0]!.task.id);
  }
  return blocks.join('\n\n');
}
