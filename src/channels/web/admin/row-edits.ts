/**
 * Row corrections from the admin view: a row's lead, deadline or deletion is
 * written to corpus/overrides.json (the file `npm run ingest -- --rebuild`
 * applies) and the task table is rebuilt, exactly as a hand edit would be.
 */
import type { AgencyRegistry } from '../../../corpus/agencies.js';
import { Corpus, writeJson } from '../../../corpus/store.js';
import type { Deadline, TaskOverride } from '../../../corpus/types.js';
import { rebuildTaskTable } from '../../../ingestion/ingest.js';
import { parseIsoDate } from '../../../text/dates.js';

export interface RowEdit {
  id: string;
  /** Lead agencies separated by ";" or new lines (names may contain commas). */
  lead: string;
  /** YYYY-MM-DD or empty (no date). */
  deadlineDate: string;
  deadlineText: string;
  remove: boolean;
  note: string;
}

export class RowEditError extends Error {}

/** Validates and saves one correction; returns the override written. */
export function saveRowEdit(corpusRoot: string, registry: AgencyRegistry, edit: RowEdit): TaskOverride {
  const corpus = Corpus.load(corpusRoot);
  const row = corpus.tasks.find((t) => t.id === edit.id);
  if (!row) throw new RowEditError(`Không có dòng nhiệm vụ «${edit.id.slice(0, 100)}» trong bảng hiện tại.`);
  const note = edit.note.trim().slice(0, 500);
  if (!note) throw new RowEditError('Hãy ghi lý do sửa (ví dụ: «Theo phân công của VPCP — Nguyễn Văn A»).');
  const file = corpus.overrides();
  const previous = file.overrides[edit.id] ?? {};
  let override: TaskOverride;
  if (edit.remove) {
    override = { delete: true, note };
  } else {
    const names = edit.lead.split(/[;\n]/).map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) throw new RowEditError('Cần ít nhất một cơ quan chủ trì.');
    const lead: string[] = [];
    for (const name of names) {
      const agency = registry.resolve(name);
      if (!agency) throw new RowEditError(`Không nhận ra cơ quan «${name.slice(0, 100)}». Dùng tên trong danh mục (corpus/agencies.json), ngăn cách bằng dấu chấm phẩy.`);
      if (!lead.includes(agency.name)) lead.push(agency.name);
    }
    const date = edit.deadlineDate.trim();
    if (date && !parseIsoDate(date)) throw new RowEditError(`Ngày "${date.slice(0, 20)}" không hợp lệ — cần dạng YYYY-MM-DD.`);
    const text = edit.deadlineText.trim().slice(0, 200);
    const deadline: Deadline = { date: date || null, text: text || null, precision: date ? 'day' : 'none' };
    const deadlineChanged = deadline.date !== row.deadline.date || deadline.text !== row.deadline.text;
    const leadChanged = lead.join('|') !== row.lead.join('|');
    if (!deadlineChanged && !leadChanged) throw new RowEditError('Không có thay đổi nào để lưu.');
    const { delete: _d, ...kept } = previous;
    override = { ...kept, ...(leadChanged && { lead }), ...(deadlineChanged && { deadline }), note };
  }
  writeJson(corpus.paths.overridesJson, { ...file, version: file.version ?? 1, overrides: { ...file.overrides, [edit.id]: override } });
  rebuildTaskTable({ corpusDir: corpusRoot, registry });
  return override;
}
