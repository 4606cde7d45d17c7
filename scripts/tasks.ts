/**
 * npm run tasks -- [--agency NAME] [--due-from D] [--due-to D] [--doc ID] [--json]
 */
import { parseArgs } from 'node:util';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { Corpus } from '../src/corpus/store.js';
import { parseIsoDate, formatVietnameseDate } from '../src/text/dates.js';
import { queryTasks, type TaskFilter } from '../src/tasks/query.js';

const USAGE = `Cách dùng: npm run tasks -- [--agency "Bộ Công an"] [--due-from YYYY-MM-DD] [--due-to YYYY-MM-DD] [--doc MÃ_VĂN_BẢN] [--json]`;

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        agency: { type: 'string' },
        'due-from': { type: 'string' },
        'due-to': { type: 'string' },
        doc: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const corpus = Corpus.load();
  const registry = AgencyRegistry.load();
  const filter: TaskFilter = {};
  if (values.agency !== undefined) {
    const agency = registry.resolve(values.agency, { fuzzy: true });
    if (!agency) {
      console.error(`Không nhận ra cơ quan "${values.agency}". Thử tên đầy đủ hoặc viết tắt, ví dụ "Bộ Công an", "BCA", "NHNN", "Cà Mau".`);
      return 1;
    }
    filter.agency = agency;
  }
  for (const key of ['due-from', 'due-to'] as const) {
    const v = values[key];
    if (v !== undefined && !parseIsoDate(v)) {
      console.error(`--${key} "${v}" không hợp lệ — dùng dạng YYYY-MM-DD.`);
      return 1;
    }
  }
  if (values['due-from']) filter.dueFrom = values['due-from'];
  if (values['due-to']) filter.dueTo = values['due-to'];
  if (values.doc) {
    if (!corpus.document(values.doc)) {
      console.error(`Không có văn bản mã "${values.doc}". Các mã hiện có: ${corpus.documents.map((d) => d.docId).join(', ')}.`);
      return 1;
    }
    filter.docId = values.doc;
  }
  const matches = queryTasks(corpus.tasks, filter, registry);
  if (values.json) {
    console.log(JSON.stringify(matches.map((m) => ({ ...m.row, ...(m.via !== 'lead' && { assignedVia: m.via, note: m.note }) })), null, 2));
    return 0;
  }
  if (matches.length === 0) {
    console.log('Không có nhiệm vụ nào khớp điều kiện.');
    return 0;
  }
  for (const { row, note } of matches) {
    const due = row.deadline.date ? `${formatVietnameseDate(row.deadline.date)} (${row.deadline.text})` : row.deadline.text ? `${row.deadline.text} (không có ngày cụ thể)` : 'không nêu thời hạn';
    const who = row.lead.length > 0 ? row.lead.join('; ') : '(văn bản không nêu cơ quan)';
    console.log(`■ ${row.id}`);
    console.log(`  Cơ quan chủ trì: ${who}${row.support.length > 0 ? ` — phối hợp: ${row.support.join('; ')}` : ''}${note ? ` [${note}]` : ''}`);
    console.log(`  Thời hạn: ${due}${row.status ? ` — tình trạng: ${row.status}` : ''}`);
    console.log(`  ${row.kind === 'indicator' ? 'Chỉ tiêu' : 'Nhiệm vụ'}: ${row.task.length > 300 ? `${row.task.slice(0, 300)}…` : row.task}`);
    if (row.indicator) console.log(`  ${[row.indicator.target && `Mục tiêu: ${row.indicator.target}`, row.indicator.result && `Kết quả: ${row.indicator.result}`, row.indicator.year && `năm ${row.indicator.year}`].filter(Boolean).join(' — ')}`);
  }
  console.log(`\nTổng cộng ${matches.length} dòng.`);
  return 0;
}

process.exitCode = main();
