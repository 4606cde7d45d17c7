/**
 * Hand-written task rows and documents for the reminder tests, plus temporary
 * data/corpus directories. The rows use canonical names of corpus/agencies.json.
 */

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentMeta, TaskRow } from '../../src/corpus/types.js';
import { addDays } from '../../src/text/dates.js';

export const DOC_CT = 'chi-thi-01-2024';
export const DOC_KH = 'ke-hoach-cds-2025';

export const TITLES = new Map<string, string>([
  [DOC_CT, 'Chỉ thị số 01/CT-TTg về đẩy mạnh chuyển đổi số'],
  [DOC_KH, 'Kế hoạch chuyển đổi số quốc gia năm 2025'],
]);

function row(p: Partial<TaskRow> & Pick<TaskRow, 'id' | 'task' | 'lead'>): TaskRow {
  return {
    docId: DOC_CT,
    section: 'B.II.2.a',
    support: [],
    deadline: { date: null, text: null, precision: 'none' },
    kind: 'task',
    quote: p.task,
    ...p,
  };
}

/** Seven rows covering every rule of the policy. */
export const TASKS: TaskRow[] = [
  row({
    id: `${DOC_CT}/B.II.2.a#1`,
    task: 'Hoàn thành kết nối Cơ sở dữ liệu quốc gia về dân cư với hệ thống giải quyết thủ tục hành chính',
    lead: ['Bộ Công an'],
    support: ['Văn phòng Chính phủ'],
    deadline: { date: '2024-03-31', text: 'trước ngày 31/3/2024', precision: 'day' },
  }),
  row({
    id: `${DOC_CT}/B.II.3#1`,
    section: 'B.II.3',
    task: 'Rà soát, cắt giảm thủ tục hành chính, giấy tờ công dân liên quan đến quản lý dân cư',
    lead: ['Các bộ, ngành, địa phương'],
    deadline: { date: '2024-04-10', text: 'trước ngày 10/4/2024', precision: 'day' },
  }),
  row({
    id: `${DOC_KH}/A.1#1`,
    docId: DOC_KH,
    section: 'A.1',
    task: 'Xây dựng Khung kiến trúc Chính phủ số phiên bản 4.0',
    lead: ['Bộ Thông tin và Truyền thông'],
    deadline: { date: '2025-06-30', text: 'Quý II năm 2025', precision: 'quarter' },
  }),
  row({
    id: `${DOC_CT}/B.II.4#1`,
    section: 'B.II.4',
    task: 'Tăng cường bảo đảm an toàn thông tin mạng',
    lead: ['Bộ Công an'],
  }),
  row({
    id: `${DOC_CT}/C#1`,
    section: 'C',
    task: '100% hồ sơ thủ tục hành chính được số hóa',
    lead: ['Bộ Công an'],
    kind: 'indicator',
    indicator: { target: '100%', year: 2024 },
    deadline: { date: '2024-03-31', text: 'năm 2024', precision: 'year' },
  }),
  row({
    id: `${DOC_CT}/B.III#1`,
    section: 'B.III',
    task: 'Triển khai thanh toán không dùng tiền mặt tại bệnh viện tuyến tỉnh',
    lead: ['Cà Mau'],
    status: 'hoàn thành',
    deadline: { date: '2024-03-31', text: 'trước ngày 31/3/2024', precision: 'day' },
  }),
  row({
    id: `${DOC_CT}/B.IV#1`,
    section: 'B.IV',
    task: 'Ban hành hướng dẫn chi cho chuyển đổi số từ nguồn ngân sách nhà nước',
    lead: ['Bộ Tài chính'],
    deadline: { date: '2024-03-20', text: 'trước ngày 20/3/2024', precision: 'day' },
  }),
];

export const DOCUMENTS: DocumentMeta[] = [...TITLES].map(([docId, title]) => ({
  docId,
  title,
  kind: docId.startsWith('chi-thi') ? 'chỉ thị' : 'kế hoạch',
  issuer: 'Thủ tướng Chính phủ',
  number: null,
  date: '2024-01-15',
  originalFile: `${docId}.txt`,
  format: 'txt',
  hash: docId,
  chars: 0,
  ingestedAt: '2024-01-15T00:00:00.000Z',
}));

/** A fresh temporary directory; `cleanup()` removes it. */
export function tempDir(prefix = 'reminders-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes documents.json and tasks.json into `dir` (a CORPUS_DIR for child processes). */
export function writeCorpus(dir: string, tasks: TaskRow[] = TASKS, documents: DocumentMeta[] = DOCUMENTS): void {
  mkdirSync(join(dir, 'documents'), { recursive: true });
  writeFileSync(join(dir, 'documents.json'), JSON.stringify(documents, null, 2));
  writeFileSync(join(dir, 'tasks.json'), JSON.stringify(tasks, null, 2));
}

/** The one task of the fan-out benchmarks: Bộ Công an's, due 7 days after `now` (a d7 reminder for every subscriber). */
export function fanOutTask(now: string): TaskRow {
  return {
    id: 'bench/fanout#1',
    docId: 'bench',
    section: 'B.II.2.a',
    task: 'Hoàn thành kết nối Cơ sở dữ liệu quốc gia về dân cư',
    lead: ['Bộ Công an'],
    support: [],
    deadline: { date: addDays(now, 7), text: null, precision: 'day' },
    kind: 'task',
    quote: '',
  };
}
