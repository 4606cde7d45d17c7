/**
 * Rows of a task or indicator table: columns by meaning (table-columns.ts), group
 * rows that carry a status, a deadline or the agency to the rows under them, a
 * merged lead cell repeated down, and results already achieved left out.
 */
import type { Deadline, DocumentKind, TaskRow, TaskStatus } from '../corpus/types.js';
import type { AgencyReader } from './agency-reader.js';
import { pickDeadline } from './clauses.js';
import { findDeadlines, NO_DEADLINE, parseDeadlineCell } from './deadlines.js';
import { titleOf, type Block, type TableRow } from './structure.js';
import { recogniseColumns } from './table-columns.js';
import { fold, stripSuperscripts } from '../text/vietnamese.js';

/** A row before it gets its id and verbatim quote. */
export interface RowDraft {
  path: string;
  task: string;
  lead: string[];
  support: string[];
  deadline: Deadline;
  /** Offsets of the verbatim quote in the document text. */
  quoteStart: number;
  quoteEnd: number;
  kind?: TaskRow['kind'];
  indicator?: TaskRow['indicator'];
  status?: TaskStatus;
}

export function tableRowDrafts(block: Block, read: AgencyReader, doc: { kind?: DocumentKind; year?: number }): RowDraft[] {
  const drafts: RowDraft[] = [];
  const table = block.table!;
  const cols = recogniseColumns(table.header, table.rows.map((r) => r.cells));
  if (!cols) return drafts;
  const cell = (row: TableRow, i: number) => (i >= 0 ? stripSuperscripts(row.cells[i] ?? '').trim() : '');
  // "Các nhiệm vụ … quá hạn chưa hoàn thành": a status stated by the heading above the table.
  const headingStatus = statusOfText(block.parent ? titleOf(block.parent) : '');
  let previousLead: string[] = [];
  let previousGroup: string | null = null;
  for (const [index, row] of table.rows.entries()) {
    const name = cell(row, cols.name);
    if (name === '') continue;
    // "11 | Chỉ tiêu về thủ tục hành chính | | |" followed by "11.1 …": a heading row of its sub-rows.
    const next = table.rows[index + 1];
    const onlyName = row.cells.every((c, i) => i === cols.name || i === cols.number || c.trim() === '');
    if (onlyName && row.number && next?.number?.startsWith(`${row.number}.`)) continue;
    if (row.group !== previousGroup) previousLead = [];
    previousGroup = row.group;
    const leadCell = cell(row, cols.lead);
    let lead = leadCell === '' ? previousLead : read.cellAgencies(leadCell);
    // "Nhiệm vụ giao Bộ trưởng Bộ Công an chỉ đạo": a group row that names whom its rows are for.
    if (lead.length === 0 && row.group) lead = read.mentions(row.group).map((m) => m.name);
    previousLead = lead;
    const support = read.cellAgencies(cell(row, cols.support));
    const target = cell(row, cols.target);
    const result = cell(row, cols.result);
    // "Đến năm 2030", "Giai đoạn 2025-2027": a group row that dates the rows under it.
    const groupDeadline = [...row.groups].reverse().map((g) => parseDeadlineCell(g) ?? pickDeadline(findDeadlines(g))).find((d) => d.date !== null) ?? NO_DEADLINE;
    const targetDeadline = parseDeadlineCell(target);
    // "Mục tiêu 2026" over a directive's indicators: the target is due by the end of that year (a report only restates it).
    // A report's table of results against that year's targets dates nothing: the year is over.
    const yearDeadline: Deadline | undefined =
      cols.indicators && cols.targetYear && cols.result < 0 && (doc.kind !== 'báo cáo' || !doc.year || cols.targetYear >= doc.year)
        ? { date: `${cols.targetYear}-12-31`, text: table.header[cols.target]!, precision: 'year' }
        : undefined;
    const status = statusOfText(cell(row, cols.status)) ?? statusOf(row) ?? headingStatus;
    // A results table ("Kết quả thực hiện … | Tiến độ: Đã hoàn thành") records work done, not work to do.
    // A record of work done ("Các nhiệm vụ đã hoàn thành", "Tiến độ: Đã hoàn thành") is not work to do;
    // an indicator achieved stays, for questions about the figure.
    if (status === 'hoàn thành' && (cols.status >= 0 || !cols.indicators)) continue;
    const deadline =
      parseDeadlineCell(cell(row, cols.deadline)) ?? targetDeadline ?? (groupDeadline.date !== null ? groupDeadline : undefined) ?? yearDeadline;
    // "Mục tiêu năm 2023: Tháng 12/2023" in a list of indicators is a task with a deadline.
    const isIndicator = cols.indicators && targetDeadline === undefined;
    const path = row.number ? (block.path ? `${block.path}.${row.number}` : row.number) : block.path;
    const year = cols.targetYear ?? (deadline?.precision === 'year' && deadline.date ? Number(deadline.date.slice(0, 4)) : undefined);
    drafts.push({
      path, task: name, lead: read.normalizeLeads(lead), support, deadline: deadline ?? NO_DEADLINE,
      quoteStart: row.line.start, quoteEnd: row.line.end,
      kind: isIndicator ? 'indicator' : 'task',
      indicator: isIndicator ? { ...(target && { target }), ...(result && { result }), ...(year && { year }) } : undefined,
      status,
    });
  }
  return drafts;
}


function statusOf(row: TableRow): TaskStatus | undefined {
  return statusOfText(row.group ?? '');
}

/** "Đã hoàn thành (quá hạn)", "Đang thực hiện", "… quá hạn chưa hoàn thành": a status the document states. */
function statusOfText(text: string): TaskStatus | undefined {
  const g = fold(text);
  if (/chua hoan thanh|qua han/.test(g) && !/da hoan thanh/.test(g)) return 'chưa hoàn thành';
  if (/dang (?:trien khai|thuc hien)/.test(g)) return 'đang triển khai';
  if (/(?:^|da )hoan thanh/.test(g)) return 'hoàn thành';
  return undefined;
}
