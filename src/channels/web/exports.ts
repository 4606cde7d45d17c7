/**
 * Exports of the task browser, of exactly the rows filtered: CSV (UTF-8 with a
 * byte-order mark so Excel shows Vietnamese), Excel .xlsx (exceljs) and an
 * iCalendar feed (ical-generator) with one all-day event per dated task, its
 * source and a link back, for Outlook and Google Calendar to subscribe to.
 */
import ExcelJS from 'exceljs';
import ical from 'ical-generator';
import type { TaskMatch } from '../../tasks/query.js';
import { formatVietnameseDate } from '../../text/dates.js';
import { documentHref } from './answer-view.js';
import { rowStatus, STATUS_LABELS } from './task-filter.js';

/** Title of a document by id (for the "Văn bản" column and event descriptions). */
export type TitleOf = (docId: string) => string;

const COLUMNS = ['Mã nhiệm vụ', 'Văn bản', 'Mục', 'Nhiệm vụ', 'Chủ trì', 'Phối hợp', 'Thời hạn', 'Thời hạn (nguyên văn)', 'Tình trạng', 'Liên quan', 'Trích dẫn nguyên văn'] as const;

function cells(m: TaskMatch, titleOf: TitleOf, today: string): string[] {
  const r = m.row;
  return [
    r.id,
    titleOf(r.docId),
    r.section,
    r.task,
    r.lead.join('; '),
    r.support.join('; '),
    r.deadline.date ? formatVietnameseDate(r.deadline.date) : '',
    r.deadline.text ?? '',
    r.status ?? STATUS_LABELS[rowStatus(r, today)],
    m.note ?? '',
    r.quote,
  ];
}

/** A spreadsheet would run a cell starting with = + - @ as a formula: such text is prefixed with '. */
function safeCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function tasksCsv(rows: TaskMatch[], titleOf: TitleOf, today: string): string {
  const quote = (v: string) => (/[",\r\n;]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [COLUMNS.join(','), ...rows.map((m) => cells(m, titleOf, today).map((v) => quote(safeCell(v))).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function tasksXlsx(rows: TaskMatch[], titleOf: TitleOf, today: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Trợ lý chuyển đổi số';
  const ws = wb.addWorksheet('Nhiệm vụ', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = COLUMNS.map((header, i) => ({ header, key: String(i), width: [22, 40, 10, 60, 30, 30, 12, 24, 16, 24, 80][i] }));
  ws.getRow(1).font = { bold: true };
  for (const m of rows) ws.addRow(cells(m, titleOf, today).map(safeCell));
  ws.autoFilter = { from: 'A1', to: { row: 1, column: COLUMNS.length } };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** iCalendar feed of an agency: one all-day event on each dated task's deadline. */
export function tasksIcs(agencyName: string, rows: TaskMatch[], titleOf: TitleOf, baseUrl: string, stamp: Date): string {
  const cal = ical({
    name: `Nhiệm vụ chuyển đổi số — ${agencyName}`,
    description: `Thời hạn các nhiệm vụ của ${agencyName} trong văn bản chỉ đạo chuyển đổi số`,
    timezone: 'Asia/Ho_Chi_Minh',
    prodId: { company: 'tro-ly-chuyen-doi-so', product: 'nhiem-vu', language: 'VI' },
    ttl: 6 * 3600,
  });
  for (const m of rows) {
    const r = m.row;
    if (!r.deadline.date) continue;
    const link = `${baseUrl}${documentHref(r.docId, r.section)}`;
    cal.createEvent({
      id: `${r.id}@tro-ly-chuyen-doi-so`,
      // Noon UTC is the same calendar day in every time zone: the all-day date never shifts.
      start: new Date(`${r.deadline.date}T12:00:00Z`),
      allDay: true,
      stamp,
      summary: `Hạn: ${r.task.length > 120 ? `${r.task.slice(0, 117)}…` : r.task}`,
      description: [
        r.task,
        `Chủ trì: ${r.lead.join(', ') || '—'}`,
        ...(r.support.length ? [`Phối hợp: ${r.support.join(', ')}`] : []),
        `Thời hạn theo văn bản: ${r.deadline.text ?? formatVietnameseDate(r.deadline.date)}`,
        ...(m.note ? [`Liên quan: ${m.note}`] : []),
        `Nguồn: ${titleOf(r.docId)}${r.section ? `, mục ${r.section}` : ''}`,
        `“${r.quote}”`,
        link,
      ].join('\n'),
      url: link,
    });
  }
  return cal.toString();
}
