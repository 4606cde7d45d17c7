/**
 * Field-labelled assignments, the form of many 2025 provincial plans:
 *
 *   1.1. Xây dựng chiến lược dữ liệu
 *   a) Nhiệm vụ: …                      (or the tasks as bullets under "a) Nhiệm vụ:")
 *   b) Cơ quan thực hiện:
 *      - Đơn vị chủ trì: Sở …
 *      - Đơn vị phối hợp: Các sở, ban, ngành …
 *   c) Thời gian thực hiện: Hoàn thành trong năm 2025.
 *
 * One record per "Nhiệm vụ" field; who and when come from its sibling fields.
 * This module only reads the structure; resolving agencies and deadlines is the
 * extractor's job.
 */
import { fold } from '../text/vietnamese.js';
import type { Block } from './structure.js';

export type FieldKind = 'task' | 'agencies' | 'lead' | 'support' | 'time' | 'product';

const FIELD_LABELS: Array<[FieldKind, RegExp]> = [
  ['task', /^(?:nhiem vu|noi dung(?: cong viec| nhiem vu| thuc hien)?|ten nhiem vu|cong viec|hoat dong)\s*:\s*/],
  ['lead', /^(?:(?:co quan|don vi)\s+)?chu tri(?: thuc hien)?\s*:\s*/],
  ['support', /^(?:(?:co quan|don vi)\s+)?phoi hop(?: thuc hien)?\s*:\s*/],
  ['agencies', /^(?:co quan|don vi)(?: thuc hien| phu trach| trien khai)?\s*:\s*/],
  ['time', /^(?:thoi gian|thoi han|tien do)(?: thuc hien| hoan thanh| trien khai)?\s*:\s*/],
  ['product', /^(?:san pham|ket qua)(?: dau ra| du kien| can dat)?\s*:\s*/],
];

/** One labelled field: its label kind, the value written after the colon, and the blocks under it. */
export interface Field {
  kind: FieldKind;
  block: Block;
  /** Text after "Nhiệm vụ:", "Đơn vị chủ trì:" …, possibly empty. */
  value: string;
  /** Offset of `value` in the document. */
  valueStart: number;
}

/** The field a block opens, if its text starts with a field label. */
export function fieldOf(block: Block): Field | null {
  if (block.kind !== 'item' && block.kind !== 'paragraph') return null;
  const folded = fold(block.text);
  for (const [kind, re] of FIELD_LABELS) {
    const m = re.exec(folded);
    if (m) return { kind, block, value: block.text.slice(m[0].length).trim(), valueStart: block.textStart + m[0].length };
  }
  return null;
}

export interface FieldRecord {
  /** The item the fields belong to ("1.1. Xây dựng …"), whose path the row takes. */
  owner: Block;
  task: Field;
  /** Bullets under "Nhiệm vụ:" when the tasks are listed rather than written after the colon. */
  taskItems: Block[];
  lead: Field[];
  support: Field[];
  /** "Cơ quan thực hiện: Sở Y tế" written inline, without "chủ trì"/"phối hợp" lines. */
  agencies: Field[];
  time: Field | null;
  /** Every block the record covers (the owner's heading included), so no other rule reads them again. */
  blocks: Set<Block>;
  /** Offsets of the whole record in the document, for the verbatim quote. */
  start: number;
  end: number;
}

function lastDescendantEnd(block: Block): number {
  let end = block.span.end;
  for (const c of block.children) end = Math.max(end, lastDescendantEnd(c));
  return end;
}

function collect(block: Block, into: Set<Block>): void {
  into.add(block);
  for (const c of block.children) collect(c, into);
}

/**
 * Field records among the children of `owner`. A record needs a "Nhiệm vụ"
 * field and at least one sibling field saying who or when.
 */
export function fieldRecords(owner: Block): FieldRecord[] {
  const records: FieldRecord[] = [];
  let current: FieldRecord | null = null;
  for (const child of owner.children) {
    const field = fieldOf(child);
    if (!field) continue;
    if (field.kind === 'task') {
      current = {
        owner, task: field, taskItems: field.value === '' ? child.children.filter((c) => c.kind === 'item' || c.kind === 'paragraph') : [],
        lead: [], support: [], agencies: [], time: null, blocks: new Set([owner]), start: child.span.start, end: lastDescendantEnd(child),
      };
      records.push(current);
      collect(child, current.blocks);
      continue;
    }
    if (!current) continue;
    collect(child, current.blocks);
    current.end = Math.max(current.end, lastDescendantEnd(child));
    if (field.kind === 'agencies') {
      // "b) Cơ quan thực hiện:" with "- Đơn vị chủ trì: …" / "- Đơn vị phối hợp: …" under it.
      const inner = child.children.map(fieldOf).filter((f): f is Field => f !== null);
      current.lead.push(...inner.filter((f) => f.kind === 'lead'));
      current.support.push(...inner.filter((f) => f.kind === 'support'));
      if (inner.length === 0 && field.value !== '') current.agencies.push(field);
    } else if (field.kind === 'lead') current.lead.push(field);
    else if (field.kind === 'support') current.support.push(field);
    else if (field.kind === 'time') current.time = field;
  }
  return records.filter((r) => r.lead.length + r.agencies.length > 0 || r.time !== null);
}
