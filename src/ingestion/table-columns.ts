/**
 * Columns of a task or indicator table recognised by meaning, whatever their
 * wording and order: "TT"/"STT", "Nhiệm vụ"/"Nội dung"/"Tên nhiệm vụ"/"Chỉ tiêu",
 * "Cơ quan (đơn vị) chủ trì", "Cơ quan phối hợp", "Sản phẩm"/"Hình thức văn bản",
 * "Thời hạn (hoàn thành)"/"Thời gian thực hiện"/"Tiến độ", "Đơn vị tính",
 * "Mục tiêu", "Kết quả". Where a title is ambiguous ("Kết quả" is the product in
 * a task table and the target in an indicator table; "Tiến độ" is a deadline or
 * a status), the cells decide.
 */
import { fold } from '../text/vietnamese.js';
import { findPeriods } from '../text/periods.js';

export type ColumnRole = 'number' | 'name' | 'lead' | 'support' | 'product' | 'deadline' | 'target' | 'result' | 'unit' | 'status' | 'source' | 'other';

export interface TableColumns {
  number: number;
  name: number;
  lead: number;
  support: number;
  product: number;
  deadline: number;
  target: number;
  result: number;
  unit: number;
  status: number;
  /** True when the rows are indicators (the name column is "Chỉ tiêu"). */
  indicators: boolean;
  /** Year named in the target column title ("Mục tiêu 2025"), if any. */
  targetYear?: number;
}

/** Role of one column from its title alone; ambiguous titles are resolved from the cells by {@link recogniseColumns}. */
function roleOfTitle(title: string): ColumnRole | 'result-or-target' | 'deadline-or-status' | 'result-or-status' {
  const t = fold(title).replace(/\s+/g, ' ').trim();
  if (/^(?:s?tt|so tt|so thu tu)$/.test(t)) return 'number';
  if (/phoi hop/.test(t)) return 'support';
  if (/thoi han|thoi gian/.test(t)) return 'deadline';
  if (/chu tri|co quan thuc hien|don vi thuc hien|trach nhiem|co quan (?:giao|duoc giao)|don vi (?:giao|duoc giao)|co quan theo doi/.test(t)) return 'lead';
  if (/^(?:van ban|can cu)/.test(t)) return 'source';
  if (/^(?:chi tieu|nhiem vu|noi dung|ten |ten$|cong viec|hoat dong|giai phap|du an|de an)/.test(t)) return 'name';
  if (/san pham|hinh thuc|ket qua (?:dau ra|du kien)|^dau ra/.test(t)) return 'product';
  if (/^trang thai/.test(t)) return 'status';
  if (/^ket qua thuc hien|tinh hinh thuc hien/.test(t)) return 'result-or-status';
  if (/^ket qua$/.test(t)) return 'result-or-target';
  if (/^tien do/.test(t)) return 'deadline-or-status';
  if (/thoi han|thoi gian|lo trinh|moc/.test(t)) return 'deadline';
  if (/muc tieu|chi tieu (?:nam|den)|gia tri/.test(t)) return 'target';
  if (/don vi tinh|^don vi$|^dvt$/.test(t)) return 'unit';
  if (/ket qua/.test(t)) return 'result';
  return 'other';
}

const STATUS_CELL = /^(?:da |dang |chua )?(?:hoan thanh|thuc hien|trien khai|qua han)/;

/** Share of filled cells in a column that read as a date or period. */
function dateShare(cells: string[]): number {
  const filled = cells.filter((c) => c.trim() !== '');
  if (filled.length === 0) return 0;
  return filled.filter((c) => findPeriods(c).length > 0 || /^\s*\d{1,2}\/\d{4}\s*$|^\s*(?:nam\s+)?\d{4}\s*$/.test(fold(c))).length / filled.length;
}

function statusShare(cells: string[]): number {
  const filled = cells.filter((c) => c.trim() !== '');
  if (filled.length === 0) return 0;
  return filled.filter((c) => STATUS_CELL.test(fold(c).trim())).length / filled.length;
}

/**
 * Recognises the columns of a table from its header and rows. Returns null when
 * the table has no name column or nothing to say who or when (not a task table).
 */
export function recogniseColumns(header: string[], rows: string[][]): TableColumns | null {
  const cols: TableColumns = { number: -1, name: -1, lead: -1, support: -1, product: -1, deadline: -1, target: -1, result: -1, unit: -1, status: -1, indicators: false };
  const column = (i: number) => rows.map((r) => r[i] ?? '');
  const set = (role: Exclude<ColumnRole, 'other' | 'source'>, i: number) => {
    if (cols[role] < 0) cols[role] = i;
  };
  header.forEach((title, i) => {
    const role = roleOfTitle(title);
    if (role === 'other' || role === 'source') return;
    if (role === 'result-or-target') return; // decided below, once the name column is known
    if (role === 'result-or-status') {
      set(statusShare(column(i)) > 0.5 ? 'status' : 'result', i);
      return;
    }
    if (role === 'deadline-or-status') {
      set(statusShare(column(i)) > dateShare(column(i)) ? 'status' : 'deadline', i);
      return;
    }
    set(role, i);
  });
  if (cols.name < 0) {
    // "TT | <untitled name> | …": the widest column after the number.
    const widths = header.map((_, i) => column(i).reduce((n, c) => n + c.length, 0));
    const best = widths.indexOf(Math.max(...widths.filter((_, i) => i !== cols.number)));
    if (best >= 0 && best !== cols.number) cols.name = best;
  }
  if (cols.name < 0) return null;
  cols.indicators = /^chi tieu/.test(fold(header[cols.name]!).trim());
  header.forEach((title, i) => {
    if (roleOfTitle(title) !== 'result-or-target') return;
    if (cols.indicators) set('target', i);
    else set('product', i);
  });
  const year = cols.target >= 0 ? /\b(\d{4})\b/.exec(header[cols.target]!)?.[1] : undefined;
  if (year) cols.targetYear = Number(year);
  if (cols.lead < 0 && cols.deadline < 0 && cols.target < 0) return null;
  return cols;
}
