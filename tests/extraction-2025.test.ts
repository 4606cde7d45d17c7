/**
 * The forms of 2025 directive writing, each on an example written for this test
 * (invented agencies' tasks, not copied from the corpus), then the four real 2025
 * directives against their hand-labelled gold rows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import type { DocumentKind, TaskRow } from '../src/corpus/types.js';
import { extractTasks, readAgencyCell } from '../src/ingestion/extract.js';
import { inferMetadata } from '../src/ingestion/metadata.js';
import { normalizeDocument } from '../src/ingestion/normalize.js';
import { parseStructure } from '../src/ingestion/structure.js';
import { evaluateTasks, type GoldRow } from '../src/tasks/evaluate.js';
import { containsVerbatim } from '../src/text/vietnamese.js';
import { FIXTURES, metaFor } from './support/ingest-helpers.js';

const registry = AgencyRegistry.load();

function extract(raw: string, opts: { issuer?: string; kind?: DocumentKind } = {}): { text: string; rows: TaskRow[] } {
  const text = normalizeDocument([raw]);
  return { text, rows: extractTasks(parseStructure(text), { docId: 'vd', agencies: registry, issuer: opts.issuer ?? null, ...(opts.kind && { kind: opts.kind }) }) };
}
const rowAbout = (rows: TaskRow[], words: string): TaskRow => {
  const hits = rows.filter((r) => r.task.includes(words));
  expect(hits.map((r) => r.task), `rows about «${words}»`).toHaveLength(1);
  return hits[0]!;
};

describe('tables of every source become one model', () => {
  it('a markdown pipe table with a bold group row: columns by meaning, in any order', () => {
    const { rows } = extract(`PHỤ LỤC
| STT | Thời gian hoàn thành | Nội dung công việc | Đơn vị phối hợp | Đơn vị chủ trì |
|---|---|---|---|---|
| **I** | **Hạ tầng số** | | | |
| 1. | Quý III/2026 | Nâng cấp mạng truyền số liệu chuyên dùng cấp xã | Bộ Quốc phòng | Bộ Công an |
| 2. | 2026-2027 | Xây dựng kho dữ liệu dùng chung ngành y tế | Các bộ, ngành | Bộ Y tế, Bộ Tài chính |
`);
    const network = rowAbout(rows, 'mạng truyền số liệu');
    expect(network.lead).toEqual(['Bộ Công an']);
    expect(network.support).toEqual(['Bộ Quốc phòng']);
    expect(network.deadline.date).toBe('2026-09-30');
    const store = rowAbout(rows, 'kho dữ liệu');
    expect(store.lead).toEqual(['Bộ Y tế', 'Bộ Tài chính']);
    expect(store.deadline.date).toBe('2027-12-31'); // a range ends at its last period
    expect(rows.some((r) => r.task.includes('Hạ tầng số'))).toBe(false); // the group row is not a task
  });

  it('a table flattened one cell per line between "|" lines, with a wrapped cell and an empty cell', () => {
    const raw = ['|', '**TT**', '|', '**Nhiệm vụ**', '|', '**Cơ quan chủ trì**', '|', '**Cơ quan phối hợp**', '|', '**Thời hạn**', '|', '|',
      '**I**', '|', '**Thể chế**', '|', '|',
      '1', '|', 'Ban hành quy chế khai thác', 'cơ sở dữ liệu đất đai.', '|', 'Bộ Nông nghiệp và', 'Môi trường', '|', '|', 'Tháng 8/2026', '|', '|',
      '2', '|', 'Rà soát thủ tục cấp phép xây dựng.', '|', 'Bộ Xây dựng', '|', 'Các địa phương', '|', 'Thường xuyên', '|', '|'].join('\n');
    const { text, rows } = extract(raw);
    expect(text).toContain('1\tBan hành quy chế khai thác cơ sở dữ liệu đất đai.\tBộ Nông nghiệp và Môi trường\t\tTháng 8/2026');
    const land = rowAbout(rows, 'đất đai');
    expect(land.lead).toEqual(['Bộ Nông nghiệp và Môi trường']);
    expect(land.deadline.date).toBe('2026-08-31');
    const permits = rowAbout(rows, 'cấp phép');
    expect(permits.deadline).toEqual({ date: null, text: 'Thường xuyên', precision: 'none' });
  });

  it('a body sentence with its own date stays beside the appendix row that opens with the same words', () => {
    const { rows } = extract(`THÔNG BÁO
Kết luận của Phó Thủ tướng
II. NHIỆM VỤ
3. Bộ Giáo dục và Đào tạo và các sở giáo dục và đào tạo các tỉnh, thành phố khẩn trương số hóa học bạ điện tử, báo cáo Thủ tướng Chính phủ trước ngày 15 tháng 3 năm 2026.
PHỤ LỤC
| STT | Nhiệm vụ | Cơ quan chủ trì | Thời hạn |
|---|---|---|---|
| 1 | Bộ Giáo dục và Đào tạo và các sở giáo dục và đào tạo các tỉnh, thành phố triển khai học bạ số toàn quốc | Bộ Giáo dục và Đào tạo | 30/6/2026 |
`);
    expect(rowAbout(rows, 'khẩn trương số hóa học bạ').deadline.date).toBe('2026-03-15');
    expect(rowAbout(rows, 'triển khai học bạ số toàn quốc').deadline.date).toBe('2026-06-30');
  });

  it('an all-capitals title keeps the capitals of the places and persons it names', () => {
    const text = normalizeDocument(['ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 12/KH-UBND\nLâm Đồng, ngày 05 tháng 02 năm 2026\nKẾ HOẠCH\nTHỰC HIỆN KẾT LUẬN CỦA PHÓ THỦ TƯỚNG CHÍNH PHỦ NGUYỄN VĂN AN VỀ CHUYỂN ĐỔI SỐ TRÊN ĐỊA BÀN TỈNH LÂM ĐỒNG NĂM 2026\nI. MỤC ĐÍCH\nNội dung.\n']);
    expect(inferMetadata(text).title).toBe('Kế hoạch Thực hiện kết luận của Phó Thủ tướng Chính phủ Nguyễn Văn An về chuyển đổi số trên địa bàn tỉnh Lâm Đồng năm 2026');
  });

  it('a letterhead laid out with "|" is text, not a table', () => {
    const raw = '|\n**BỘ Y TẾ**\n-------\n|\n**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**\nĐộc lập - Tự do - Hạnh phúc\n|\n|\nSố: 77/KH-BYT\n|\n*Hà Nội, ngày 02\ntháng 3 năm 2026*\n|\n**KẾ HOẠCH**\nỨng dụng dữ liệu y tế năm 2026\n';
    const text = normalizeDocument([raw]);
    expect(text).not.toContain('\t');
    const meta = inferMetadata(text);
    expect(meta).toMatchObject({ number: '77/KH-BYT', date: '2026-03-02', kind: 'kế hoạch' });
  });
});

describe('assignment forms of 2025 writing', () => {
  it('field-labelled items give one row each, the deadline from their own field, provincial bodies scoped to the issuer', () => {
    const raw = `ỦY BAN NHÂN DÂN TỈNH GIA LAI
KẾ HOẠCH
Chuyển đổi số trong giáo dục năm 2026
II. NHIỆM VỤ
1. Số hóa học bạ
a) Nhiệm vụ: Số hóa toàn bộ học bạ cấp tiểu học, kết nối với cơ sở dữ liệu ngành.
b) Cơ quan thực hiện:
- Đơn vị chủ trì: Sở Khoa học và Công nghệ.
- Đơn vị phối hợp: Sở Tài chính, UBND các xã, phường.
c) Thời gian thực hiện: Quý IV/2026.
2. Bồi dưỡng giáo viên
a) Nhiệm vụ:
- Tập huấn kỹ năng số cho giáo viên;
- Xây dựng kho học liệu số dùng chung.
b) Cơ quan thực hiện:
- Đơn vị chủ trì: Sở Giáo dục và Đào tạo.
c) Thời gian thực hiện: Thực hiện thường xuyên.
`;
    const { rows } = extract(raw, { issuer: 'Tỉnh Gia Lai' });
    expect(rows).toHaveLength(2);
    const [records, training] = rows as [TaskRow, TaskRow];
    expect(records.task).toContain('Số hóa toàn bộ học bạ');
    expect(records.deadline.date).toBe('2026-12-31');
    expect(records.lead).toHaveLength(1);
    expect(records.lead[0]).toMatch(/Sở Khoa học và Công nghệ.*Gia Lai/);
    expect(records.support.some((s) => /Sở Tài chính.*Gia Lai/.test(s))).toBe(true);
    expect(training.task).toBe('Tập huấn kỹ năng số cho giáo viên; Xây dựng kho học liệu số dùng chung');
    expect(training.deadline).toMatchObject({ date: null, precision: 'none' });
    expect(training.quote).toContain('Thời gian thực hiện: Thực hiện thường xuyên');
  });

  it('"X: (1) …; (2) …" lists and "(1) A …; (2) B …" enumerations name one agency per piece', () => {
    const raw = `III. NHIỆM VỤ
1. Bộ Tư pháp: (1) hoàn thiện cơ sở dữ liệu hộ tịch điện tử, hoàn thành trong tháng 6/2026; (2) hướng dẫn các địa phương số hóa sổ hộ tịch, nhiệm vụ thường xuyên.
2. Về dữ liệu đất đai: (1) Bộ Nông nghiệp và Môi trường ban hành quy định kết nối trước ngày 30/9/2026; (2) Bộ Tài chính bố trí kinh phí thực hiện trong năm 2027.`;
    const { rows } = extract(raw);
    expect(rowAbout(rows, 'hộ tịch điện tử')).toMatchObject({ lead: ['Bộ Tư pháp'], deadline: { date: '2026-06-30' } });
    expect(rowAbout(rows, 'số hóa sổ hộ tịch').lead).toEqual(['Bộ Tư pháp']);
    expect(rowAbout(rows, 'quy định kết nối')).toMatchObject({ lead: ['Bộ Nông nghiệp và Môi trường'], deadline: { date: '2026-09-30' } });
    expect(rowAbout(rows, 'bố trí kinh phí')).toMatchObject({ lead: ['Bộ Tài chính'], deadline: { date: '2027-12-31' } });
  });

  it('"Giao X chủ trì …" and a bare "Giao A, B phối hợp triển khai." that points at the work before it', () => {
    const raw = `II. NHIỆM VỤ
1. Giao Bộ Công Thương chủ trì xây dựng sàn thương mại điện tử cho nông sản, hoàn thành trong Quý I/2027.
2. Xây dựng hệ thống cảnh báo thiên tai trên nền tảng số, hoàn thành trong năm 2026. Giao Bộ Quốc phòng, Bộ Nông nghiệp và Môi trường phối hợp triển khai.`;
    const { rows } = extract(raw);
    expect(rowAbout(rows, 'sàn thương mại')).toMatchObject({ lead: ['Bộ Công Thương'], deadline: { date: '2027-03-31' } });
    const warning = rowAbout(rows, 'cảnh báo thiên tai');
    expect(warning.lead).toEqual(['Bộ Quốc phòng', 'Bộ Nông nghiệp và Môi trường']);
    expect(warning.deadline.date).toBe('2026-12-31');
    expect(rows.every((r) => !/^Giao Bộ Quốc phòng/.test(r.task))).toBe(true);
  });

  it('deadline forms in running text: month without "tháng", a session with its month, "trước ngày"', () => {
    const raw = `II. NHIỆM VỤ
1. Bộ Nội vụ trình Quốc hội dự án Luật Viên chức (sửa đổi) tại Kỳ họp thứ 11 (10/2026).
2. Bộ Ngoại giao hoàn thành đề án ngoại giao công nghệ trước ngày 15/11/2026.
3. Bộ Xây dựng tổ chức thí điểm bản sao số đô thị, hoàn thành 9/2027.`;
    const { rows } = extract(raw);
    expect(rowAbout(rows, 'Luật Viên chức').deadline.date).toBe('2026-10-31');
    expect(rowAbout(rows, 'ngoại giao công nghệ').deadline.date).toBe('2026-11-15');
    expect(rowAbout(rows, 'bản sao số').deadline.date).toBe('2027-09-30');
  });

  it('"…, nhiệm vụ thường xuyên; …, hoàn thành trước …": two actions, the standing one without a date', () => {
    const raw = `II. NHIỆM VỤ
1. Bộ Ngoại giao: (1) Tiếp tục vận hành cổng thông tin lãnh sự trực tuyến, nhiệm vụ thường xuyên; nghiên cứu mở rộng dịch vụ thị thực điện tử, hoàn thành trước ngày 30/6/2026; (2) tổng kết công tác ngoại giao số trong năm 2026.`;
    const { rows } = extract(raw);
    expect(rowAbout(rows, 'cổng thông tin lãnh sự').deadline).toEqual({ date: null, text: 'nhiệm vụ thường xuyên', precision: 'none' });
    expect(rowAbout(rows, 'thị thực điện tử')).toMatchObject({ lead: ['Bộ Ngoại giao'], deadline: { date: '2026-06-30' } });
    expect(rowAbout(rows, 'ngoại giao số').deadline.date).toBe('2026-12-31');
  });

  it('reports, headings, introductions and closing formulas are not tasks; "Điều" formulas neither', () => {
    const raw = `QUYẾT ĐỊNH:
Điều 1. Phê duyệt Kế hoạch kèm theo Quyết định này.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
Điều 3. Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Chủ tịch Ủy ban nhân dân các tỉnh chịu trách nhiệm thi hành Quyết định này.
I. KẾT QUẢ ĐẠT ĐƯỢC
Đến nay, 28 địa phương đã hoàn thành kết nối cơ sở dữ liệu dân cư, đạt 82%.
II. NHIỆM VỤ
Để đạt mục tiêu trên, các bộ, ngành cần tập trung thực hiện các nhiệm vụ sau:
1. Bộ Y tế hoàn thành hồ sơ sức khỏe điện tử cho người dân, hoàn thành trong tháng 12/2026.
Văn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./.`;
    const { rows } = extract(raw);
    expect(rows.map((r) => r.task)).toEqual(['Bộ Y tế hoàn thành hồ sơ sức khỏe điện tử cho người dân, hoàn thành trong tháng 12/2026.']);
  });

  it('an appendix after the signature is read; the body copy of an appendix task without a lead is dropped', () => {
    const raw = `II. NHIỆM VỤ, GIẢI PHÁP
1. Xây dựng nền tảng học liệu số quốc gia.
Nơi nhận:
- Như Điều 3;
- Lưu: VT.
KT. THỦ TƯỚNG
PHÓ THỦ TƯỚNG
PHỤ LỤC
DANH MỤC NHIỆM VỤ
(Kèm theo Quyết định số 99/QĐ-TTg)
| TT | Nhiệm vụ | Cơ quan chủ trì | Thời hạn |
|---|---|---|---|
| 1 | Xây dựng nền tảng học liệu số quốc gia. | Bộ Giáo dục và Đào tạo | 2026 |`;
    const { rows } = extract(raw);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ lead: ['Bộ Giáo dục và Đào tạo'], deadline: { date: '2026-12-31' } });
    expect(rows[0]!.section).toMatch(/^PL/);
  });

  it('a gold row names agencies as written; they are read like a document cell', () => {
    expect(readAgencyCell('Bộ trưởng, Thủ trưởng cơ quan ngang bộ, cơ quan thuộc Chính phủ, Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương', { docId: 'vd', agencies: registry })).toEqual([
      'Các bộ, ngành, địa phương',
    ]);
  });
});

describe('a plan attached to a decision, after the signature', () => {
  it('reads the tasks of a plan "ban hành kèm theo Quyết định" below the signature block', () => {
    const raw = `BỘ NỘI VỤ
Số: 88/QĐ-BNV
Hà Nội, ngày 02 tháng 3 năm 2026
QUYẾT ĐỊNH
Về việc ban hành Kế hoạch số hóa hồ sơ cán bộ năm 2026
Điều 1. Ban hành kèm theo Quyết định này Kế hoạch số hóa hồ sơ cán bộ năm 2026.
Điều 2. Quyết định này có hiệu lực từ ngày ký.
Nơi nhận:
- Như Điều 2;
- Lưu: VT.
BỘ TRƯỞNG
Nguyễn Văn Bình
KẾ HOẠCH
SỐ HÓA HỒ SƠ CÁN BỘ NĂM 2026
(Ban hành kèm theo Quyết định số 88/QĐ-BNV ngày 02 tháng 3 năm 2026 của Bộ trưởng Bộ Nội vụ)
I. CHỈ TIÊU NĂM 2026
1. 100% hồ sơ cán bộ được số hóa.
II. NHIỆM VỤ
1. Nhiệm vụ xây dựng kho hồ sơ số:
a) Nội dung: Xây dựng kho hồ sơ cán bộ số dùng chung.
b) Cơ quan chủ trì: Cục Tin học và Thống kê.
c) Cơ quan phối hợp: Văn phòng Bộ.
d) Thời gian hoàn thành: Quý III/2026.
`;
    const { rows } = extract(raw, { issuer: 'Bộ Nội vụ', kind: 'quyết định' });
    const store = rowAbout(rows, 'kho hồ sơ cán bộ số');
    expect(store.lead).toEqual(['Cục Tin học và Thống kê']);
    expect(store.deadline.date).toBe('2026-09-30');
    expect(rows.some((r) => r.task.includes('CHỈ TIÊU NĂM 2026'))).toBe(false);
  });
});

describe('one sentence, two actions with their own deadlines', () => {
  it('keeps a recurring date as the timing of the task, without inventing a calendar date', () => {
    const raw = `KẾ HOẠCH
Triển khai nền tảng số cấp xã
III. TỔ CHỨC THỰC HIỆN
1. Sở Nội vụ tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh trước ngày 25 hằng quý.
2. Ủy ban nhân dân các xã, phường định kỳ 6 tháng gửi báo cáo về Sở Khoa học và Công nghệ.
3. Sở Tài chính định kỳ hằng năm tổng hợp kinh phí chuyển đổi số, gửi Sở Khoa học và Công nghệ trước ngày 10 tháng 6 và trước ngày 10 tháng 12.
`;
    const { rows } = extract(raw, { issuer: 'Tỉnh Gia Lai' });
    const quarterly = rowAbout(rows, 'tổng hợp kết quả');
    expect(quarterly.deadline.date).toBeNull();
    expect(quarterly.deadline.text).toBe('trước ngày 25 hằng quý');
    expect(rowAbout(rows, 'gửi báo cáo về Sở').deadline.text).toBe('định kỳ 6 tháng');
    // Days of the year without a year: kept whole, and the duty is not cut between its two timings.
    const budget = rowAbout(rows, 'tổng hợp kinh phí');
    expect(budget.deadline).toMatchObject({ date: null, text: 'trước ngày 10 tháng 6 và trước ngày 10 tháng 12' });
    expect(budget.task).toContain('gửi Sở Khoa học và Công nghệ');
  });

  it('cuts after the comma that closes the first deadline, not inside a list the second action names', () => {
    const raw = `THÔNG BÁO
Kết luận của Phó Thủ tướng
1. Bộ Tư pháp chủ trì rà soát thủ tục hành chính về hộ tịch, hoàn thành trong tháng 3 năm 2026, công khai 100% quy trình nội bộ, biểu mẫu điện tử trong năm 2026.
2. Trong năm 2026, Bộ Nội vụ hoàn thành kho dữ liệu cán bộ, công chức, trong năm 2027, kết nối với cơ sở dữ liệu quốc gia.
`;
    const { rows } = extract(raw);
    expect(rowAbout(rows, 'công khai 100% quy trình nội bộ, biểu mẫu').deadline.date).toBe('2026-12-31');
    expect(rowAbout(rows, 'rà soát thủ tục hành chính về hộ tịch').deadline.date).toBe('2026-03-31');
    // A deadline that opens its action: the next action starts at the last comma before its deadline.
    expect(rowAbout(rows, 'kho dữ liệu cán bộ').deadline.date).toBe('2026-12-31');
    expect(rowAbout(rows, 'kết nối với cơ sở dữ liệu quốc gia').deadline.date).toBe('2027-12-31');
  });
});

describe('the four 2025 directives against the hand-labelled gold', () => {
  const dir = join(FIXTURES, 'seed-documents-2025');
  const gold = JSON.parse(readFileSync(join(FIXTURES, 'tasks-gold-2025.json'), 'utf8')) as GoldRow[];
  const issuers: Record<string, string> = {
    'kh308_ubnd_hanoi_2025_nq214_du_lieu_cds.txt': 'Thành phố Hà Nội',
    'nq03_2025_chuong_trinh_hanh_dong_nq57.txt': 'Chính phủ',
    'qd2629_ttg_2025_chuong_trinh_chinh_phu_so.txt': 'Thủ tướng Chính phủ',
    'tb624_vpcp_2025_bcd_khcn_cds_da06_phien5.txt': 'Văn phòng Chính phủ',
  };
  const rows: TaskRow[] = [];
  const texts = new Map<string, string>();
  for (const [file, issuer] of Object.entries(issuers)) {
    const docId = file.replace('.txt', '');
    const raw = readFileSync(join(dir, file), 'utf8');
    const { text, rows: r } = extract(raw, { issuer, kind: inferMetadata(normalizeDocument([raw])).kind });
    texts.set(docId, text);
    rows.push(...r.map((x) => ({ ...x, docId })));
  }
  const docs = Object.keys(issuers).map((f) => metaFor(f, f.replace('.txt', '')));

  // The bar of ≥ 95% holds over the gold rows of all nine documents (npm run eval:tasks); the 2025 rows alone are harder.
  it('≥ 90% of the 2025 gold rows have the right lead and deadline; every quote is verbatim', () => {
    const canon = (names: string[], docId: string) => {
      const read = readAgencyCell(names.join(', '), { docId, agencies: registry, issuer: issuers[`${docId}.txt`] ?? null });
      return read.length > 0 ? read : names;
    };
    const e = evaluateTasks(rows, gold, docs, canon);
    expect(gold.length).toBeGreaterThanOrEqual(100);
    expect(e.bothRight / e.goldRows, JSON.stringify(e.leadErrors.slice(0, 5).map(({ row }) => row.id))).toBeGreaterThanOrEqual(0.9);
    for (const r of rows) expect(containsVerbatim(texts.get(r.docId)!, r.quote), r.id).toBe(true);
  });

  it('none of the hand-picked non-task sentences becomes a row', () => {
    const nonTasks = JSON.parse(readFileSync(join(FIXTURES, 'tasks-nontasks-2025.json'), 'utf8')) as Array<{ doc: string; match: string }>;
    const leaked = nonTasks.filter((n) => rows.some((r) => r.docId === n.doc.replace('.txt', '') && containsVerbatim(r.task, n.match)));
    expect(leaked.map((n) => n.match)).toEqual([]);
  });
});

// Three sets of 2026-style directives written by people who never saw the extractor. First measured before anyone
// looked at them: 84.0% (unseen-2026), 73.4% (unseen-2026-b) and 89.2% (unseen-2026-c) of rows right; the general
// faults found in the first two were fixed since (the third is still untouched). The bar is 85%.
describe.each(['unseen-2026', 'unseen-2026-b', 'unseen-2026-c'])('directives written by someone who never saw the extractor: %s', (set) => {
  const dir = join(FIXTURES, set);
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
  it('≥ 85% of their hand-labelled rows have the right lead and deadline (issuer and kind read from the text)', () => {
    const rows: TaskRow[] = [];
    const gold: GoldRow[] = [];
    const issuers = new Map<string, string | null>();
    for (const file of files) {
      const docId = file.replace('.txt', '');
      const text = normalizeDocument([readFileSync(join(dir, file), 'utf8')]);
      const meta = inferMetadata(text);
      const issuer = JSON.parse(readFileSync(join(dir, `${docId}.meta.json`), 'utf8')).issuer as string;
      issuers.set(docId, issuer);
      rows.push(...extractTasks(parseStructure(text), { docId, agencies: registry, issuer, kind: meta.kind }));
      gold.push(...(JSON.parse(readFileSync(join(dir, `${docId}.gold.json`), 'utf8')) as GoldRow[]));
    }
    const canon = (names: string[], docId: string) => {
      const read = readAgencyCell(names.join(', '), { docId, agencies: registry, issuer: issuers.get(docId) ?? null });
      return read.length > 0 ? read : names;
    };
    const e = evaluateTasks(rows, gold, files.map((f) => metaFor(f, f.replace('.txt', ''))), canon);
    expect(gold.length).toBeGreaterThanOrEqual(60);
    expect(e.bothRight / e.goldRows, JSON.stringify(e.leadErrors.map(({ row }) => row.id))).toBeGreaterThanOrEqual(0.85);
  });
});
