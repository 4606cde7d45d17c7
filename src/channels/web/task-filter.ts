/**
 * The task browser's query: filters by agency (any alias, with its groups and
 * the agencies it succeeded), role, document, deadline range, status and
 * words; sort; paging. Read from and written to the URL (Vietnamese parameter
 * names), so a filtered view can be shared and every export gets exactly the
 * rows on screen.
 */
import type { AgencyRegistry } from '../../corpus/agencies.js';
import type { AgencyEntry, TaskRow } from '../../corpus/types.js';
import { queryTasks, type TaskMatch } from '../../tasks/query.js';
import { addDays, parseIsoDate } from '../../text/dates.js';
import { fold } from '../../text/vietnamese.js';

export type Role = 'chu-tri' | 'phoi-hop' | '';
export type StatusFilter = 'qua-han' | 'sap-den-han' | 'chua-den-han' | 'hoan-thanh' | 'khong-han' | '';
export type SortKey = 'han' | '-han' | 'van-ban' | 'co-quan';

export interface TaskQuery {
  agency: string;
  role: Role;
  docId: string;
  dueFrom: string;
  dueTo: string;
  status: StatusFilter;
  words: string;
  sort: SortKey;
  page: number;
}

export const PAGE_SIZE = 25;
/** "Sắp đến hạn": within this many days. */
export const SOON_DAYS = 30;

export const STATUS_LABELS: Record<Exclude<StatusFilter, ''>, string> = {
  'qua-han': 'Đã quá hạn',
  'sap-den-han': `Sắp đến hạn (${SOON_DAYS} ngày)`,
  'chua-den-han': 'Chưa đến hạn',
  'hoan-thanh': 'Đã hoàn thành',
  'khong-han': 'Không nêu ngày',
};
export const ROLE_LABELS: Record<Exclude<Role, ''>, string> = { 'chu-tri': 'Chủ trì', 'phoi-hop': 'Phối hợp' };
export const SORT_LABELS: Record<SortKey, string> = { han: 'Hạn gần nhất trước', '-han': 'Hạn xa nhất trước', 'van-ban': 'Theo văn bản', 'co-quan': 'Theo cơ quan chủ trì' };

/** Reads the query from URL parameters; unknown values fall back to "no filter". */
export function parseTaskQuery(params: URLSearchParams): TaskQuery {
  const get = (k: string) => (params.get(k) ?? '').trim().slice(0, 200);
  const date = (k: string) => (parseIsoDate(get(k)) ? get(k) : '');
  const role = get('vai-tro');
  const status = get('tinh-trang');
  const sort = get('sap-xep');
  const page = Number.parseInt(get('trang'), 10);
  return {
    agency: get('co-quan'),
    role: role in ROLE_LABELS ? (role as Role) : '',
    docId: get('van-ban'),
    dueFrom: date('tu'),
    dueTo: date('den'),
    status: status in STATUS_LABELS ? (status as StatusFilter) : '',
    words: get('tu-khoa'),
    sort: sort in SORT_LABELS ? (sort as SortKey) : 'han',
    page: Number.isInteger(page) && page > 0 ? Math.min(page, 10_000) : 1,
  };
}

/** URL parameters of a query (defaults left out), optionally with changes. */
export function taskQueryString(q: TaskQuery, change: Partial<TaskQuery> = {}): string {
  const v = { ...q, ...change };
  const p = new URLSearchParams();
  if (v.agency) p.set('co-quan', v.agency);
  if (v.role) p.set('vai-tro', v.role);
  if (v.docId) p.set('van-ban', v.docId);
  if (v.dueFrom) p.set('tu', v.dueFrom);
  if (v.dueTo) p.set('den', v.dueTo);
  if (v.status) p.set('tinh-trang', v.status);
  if (v.words) p.set('tu-khoa', v.words);
  if (v.sort !== 'han') p.set('sap-xep', v.sort);
  if (v.page > 1) p.set('trang', String(v.page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Status of a row on a date: as written in the document, else from its deadline. */
export function rowStatus(row: TaskRow, today: string): Exclude<StatusFilter, ''> {
  if (row.status === 'hoàn thành') return 'hoan-thanh';
  const d = row.deadline.date;
  if (!d) return 'khong-han';
  if (d < today) return 'qua-han';
  return d <= addDays(today, SOON_DAYS) ? 'sap-den-han' : 'chua-den-han';
}

export interface TaskResult {
  /** Every matching row, sorted (exports take these). */
  rows: TaskMatch[];
  /** The rows of the requested page. */
  page: TaskMatch[];
  pages: number;
  /** The agency the filter resolved to; undefined when given but not recognised. */
  agency?: AgencyEntry;
  agencyUnknown: boolean;
}

/** Applies a query to the task table. */
export function runTaskQuery(tasks: readonly TaskRow[], registry: AgencyRegistry, q: TaskQuery, today: string): TaskResult {
  const agency = q.agency ? registry.resolve(q.agency, { fuzzy: true }) : undefined;
  const agencyUnknown = Boolean(q.agency) && !agency;
  let rows: TaskMatch[] = agencyUnknown
    ? []
    : queryTasks(tasks, { ...(agency && { agency }), ...(q.docId && { docId: q.docId }), ...(q.dueFrom && { dueFrom: q.dueFrom }), ...(q.dueTo && { dueTo: q.dueTo }), includeSupport: q.role !== 'chu-tri' }, registry);
  if (agency && q.role === 'phoi-hop') rows = rows.filter((m) => m.via === 'support');
  if (q.status) rows = rows.filter((m) => rowStatus(m.row, today) === q.status);
  if (q.words) {
    const words = fold(q.words).split(/\s+/).filter(Boolean);
    rows = rows.filter((m) => {
      const hay = fold(`${m.row.task} ${m.row.quote} ${m.row.lead.join(' ')} ${m.row.support.join(' ')}`);
      return words.every((w) => hay.includes(w));
    });
  }
  rows = sortRows(rows, q.sort);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const current = Math.min(q.page, pages);
  return { rows, page: rows.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE), pages, ...(agency && { agency }), agencyUnknown };
}

function sortRows(rows: TaskMatch[], sort: SortKey): TaskMatch[] {
  const byDate = (a: TaskMatch, b: TaskMatch) => {
    const x = a.row.deadline.date;
    const y = b.row.deadline.date;
    if (x === y) return 0;
    if (!x) return 1; // undated rows last either way
    if (!y) return -1;
    return sort === '-han' ? y.localeCompare(x) : x.localeCompare(y);
  };
  const out = [...rows];
  if (sort === 'han' || sort === '-han') out.sort(byDate);
  else if (sort === 'co-quan') out.sort((a, b) => (a.row.lead[0] ?? '').localeCompare(b.row.lead[0] ?? '', 'vi') || byDate(a, b));
  // 'van-ban': table order (documents by date, then section order).
  return out;
}
