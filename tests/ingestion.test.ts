/**
 * ingestFiles and rebuildTaskTable against real files in throw-away corpus
 * directories (never the repository's corpus/): what lands on disk, what a
 * re-ingestion leaves alone, what a bad file leaves untouched, and that people's
 * corrections in overrides.json survive.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentMeta, OverridesFile, TaskRow } from '../src/corpus/types.js';
import { IngestBatchError, ingestFiles, rebuildTaskTable, type IngestOutcome } from '../src/ingestion/ingest.js';
import type { IngestErrorCode } from '../src/ingestion/loaders.js';
import { containsVerbatim } from '../src/text/vietnamese.js';
import { fixture, makeTempCorpus, removeDir, seedFile, snapshotDir, tmpFiles } from './support/ingest-helpers.js';

const dirs: string[] = [];
const tempCorpus = (): string => {
  const d = makeTempCorpus('ingest-corpus-');
  dirs.push(d);
  return d;
};
let scratch: string; // input files made by the tests
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ingest-inputs-'));
  dirs.push(scratch);
});
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const documentsOf = (dir: string) => readJson<DocumentMeta[]>(join(dir, 'documents.json'));
const tasksOf = (dir: string) => readJson<TaskRow[]>(join(dir, 'tasks.json'));
const storedText = (dir: string, docId: string) => readFileSync(join(dir, 'documents', `${docId}.txt`), 'utf8');

/** A short official letter, in the form ministries write them. */
const LETTER = [
  'BỘ THÔNG TIN VÀ TRUYỀN THÔNG',
  'Số: 12/BTTTT-CĐSQG',
  'Hà Nội, ngày 05 tháng 3 năm 2024',
  'V/v triển khai nền tảng số năm 2024',
  'Kính gửi: Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ.',
  '1. Bộ Công an chủ trì, phối hợp với Bộ Tư pháp hoàn thiện hệ thống định danh. Hoàn thành trong Quý II năm 2024.',
  '2. Bộ Tài chính bố trí kinh phí thực hiện, báo cáo trước ngày 30/6/2024.',
  '',
].join('\n');

function writeInput(name: string, content: string | Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

/** Runs an ingestion expected to fail; returns the batch error. */
async function expectBatchError(files: string[], opts: Parameters<typeof ingestFiles>[1]): Promise<IngestBatchError> {
  let caught: unknown;
  try {
    await ingestFiles(files, opts);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'ingestFiles should have thrown').toBeInstanceOf(IngestBatchError);
  return caught as IngestBatchError;
}

function expectValidJsonFiles(dir: string): void {
  for (const f of ['documents.json', 'tasks.json']) expect(() => JSON.parse(readFileSync(join(dir, f), 'utf8')), f).not.toThrow();
  expect(tmpFiles(dir)).toEqual([]);
}

describe('ingesting the seed documents', () => {
  let dir: string;
  let first: IngestOutcome[];
  beforeAll(async () => {
    dir = tempCorpus();
    first = await ingestFiles([seedFile('2023-02-25')], { corpusDir: dir });
  });

  it('a TXT report: stored text, documents.json entry with inferred metadata, task rows', () => {
    expect(first).toEqual([
      {
        file: '2023-02-25-bao-cao-tom-tat-cds-phien-hop-5.txt',
        docId: 'bc-2023-02-25',
        title: 'Báo cáo tóm tắt Chuyển đổi số quốc gia Phục vụ Phiên họp lần thứ 5 của Ủy ban Quốc gia về chuyển đổi số',
        status: 'added',
        tasks: expect.any(Number),
      },
    ]);
    const text = storedText(dir, 'bc-2023-02-25');
    expect(text).toBe(text.normalize('NFC'));
    expect(text).toContain('Tỷ lệ dân số trưởng thành có tài khoản định danh điện tử');
    expect(text).not.toContain('**'); // conversion markup removed

    const docs = documentsOf(dir);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      docId: 'bc-2023-02-25',
      title: 'Báo cáo tóm tắt Chuyển đổi số quốc gia Phục vụ Phiên họp lần thứ 5 của Ủy ban Quốc gia về chuyển đổi số',
      kind: 'báo cáo',
      issuer: 'Bộ Thông tin và Truyền thông',
      number: null,
      date: '2023-02-25',
      originalFile: '2023-02-25-bao-cao-tom-tat-cds-phien-hop-5.txt',
      format: 'txt',
      hash: createHash('sha256').update(text).digest('hex'),
      chars: text.length,
    });
    expect(Number.isNaN(Date.parse(docs[0]!.ingestedAt))).toBe(false);

    const tasks = tasksOf(dir);
    expect(tasks.length).toBeGreaterThan(100);
    expect(first[0]!.tasks).toBe(tasks.length);
    for (const r of tasks) {
      expect(r.docId).toBe('bc-2023-02-25');
      expect(r.id.startsWith('bc-2023-02-25/')).toBe(true);
      expect(containsVerbatim(text, r.quote), r.id).toBe(true);
    }
    expect(tasks.find((r) => r.task === 'Tỷ lệ dân số trưởng thành có tài khoản định danh điện tử')).toMatchObject({
      kind: 'indicator',
      lead: ['Bộ Công an'],
    });
    expectValidJsonFiles(dir);
  });

  it('a conclusion notice of the Government Office: issuer Văn phòng Chính phủ; the table now holds both documents', async () => {
    const before = tasksOf(dir);
    const out = await ingestFiles([seedFile('2024-07-19')], { corpusDir: dir });
    expect(out).toMatchObject([{ docId: 'tb-2024-07-19', status: 'added' }]);
    const notice = documentsOf(dir).find((d) => d.docId === 'tb-2024-07-19');
    expect(notice).toMatchObject({ kind: 'thông báo kết luận', issuer: 'Văn phòng Chính phủ', date: '2024-07-19', format: 'txt' });
    expect(notice!.title).toMatch(/^Thông báo Kết luận Hội nghị thường trực Chính phủ về chuyển đổi số/);

    const tasks = tasksOf(dir);
    const mine = tasks.filter((r) => r.docId === 'tb-2024-07-19');
    expect(out[0]!.tasks).toBe(mine.length);
    expect(mine.find((r) => r.deadline.date === '2024-08-16')?.lead).toEqual(['Bộ Thông tin và Truyền thông']);
    // The earlier document's rows are untouched (same ids, same content).
    expect(tasks.filter((r) => r.docId === 'bc-2023-02-25')).toEqual(before);
    // documents.json is kept in date order.
    expect(documentsOf(dir).map((d) => d.docId)).toEqual(['bc-2023-02-25', 'tb-2024-07-19']);
    expectValidJsonFiles(dir);
  });

  it('re-ingesting the same content changes nothing: status unchanged, same bytes, same mtimes', async () => {
    const before = snapshotDir(dir);
    await new Promise((r) => setTimeout(r, 20)); // a rewrite would show in mtimes
    const again = await ingestFiles([seedFile('2023-02-25'), seedFile('2024-07-19')], { corpusDir: dir });
    expect(again.map((o) => [o.docId, o.status])).toEqual([
      ['bc-2023-02-25', 'unchanged'],
      ['tb-2024-07-19', 'unchanged'],
    ]);
    expect(again.every((o) => o.tasks > 0)).toBe(true);
    // The same content under another file name is recognised too.
    const renamed = writeInput('ban-sao-thong-bao.txt', readFileSync(seedFile('2024-07-19')));
    expect(await ingestFiles([renamed], { corpusDir: dir })).toMatchObject([{ docId: 'tb-2024-07-19', status: 'unchanged' }]);
    expect(snapshotDir(dir)).toEqual(before);
  });
});

describe('PDF and DOCX', () => {
  let dir: string;
  let out: IngestOutcome[];
  beforeAll(async () => {
    dir = tempCorpus();
    out = await ingestFiles([fixture('chi-thi-mau.pdf'), fixture('ke-hoach-mau.docx')], { corpusDir: dir });
  });

  it('the PDF directive: diacritics survive in the stored text, metadata inferred, rows in tasks.json', () => {
    const pdf = out.find((o) => o.file === 'chi-thi-mau.pdf')!;
    expect(pdf).toMatchObject({ status: 'added', docId: 'ct-2025-03-05' });
    const text = storedText(dir, pdf.docId);
    expect(text).toBe(text.normalize('NFC'));
    expect(text).toContain('Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Nội vụ rà soát');
    expect(text).toContain('Bắc Ninh, ngày 05 tháng 3 năm 2025');
    expect(text).toContain('chịu trách nhiệm trước Chủ tịch Ủy ban nhân dân tỉnh về kết quả thực hiện Chỉ thị này');
    expect(text).not.toMatch(/^\s*[12]\s*$/m); // page numbers dropped

    expect(documentsOf(dir).find((d) => d.docId === pdf.docId)).toMatchObject({
      kind: 'chỉ thị',
      number: '123/UBND-KGVX',
      date: '2025-03-05',
      format: 'pdf',
      originalFile: 'chi-thi-mau.pdf',
      title: 'Chỉ thị Về việc đẩy mạnh chuyển đổi số trong hoạt động của cơ quan nhà nước trên địa bàn tỉnh năm 2025',
    });
    const rows = tasksOf(dir).filter((r) => r.docId === pdf.docId);
    expect(pdf.tasks).toBe(rows.length);
    // The province's own department: scoped to the issuing province (UBND tỉnh Bắc Ninh).
    expect(rows.filter((r) => r.lead.some((l) => l.startsWith('Sở Khoa học và Công nghệ'))).map((r) => r.deadline.date)).toEqual(['2025-06-30', '2025-12-15']);
    for (const r of rows) expect(containsVerbatim(text, r.quote), r.id).toBe(true);
  });

  it('the DOCX plan: diacritics and table cells survive, rows of Sở Nội vụ in tasks.json', () => {
    const docx = out.find((o) => o.file === 'ke-hoach-mau.docx')!;
    expect(docx.status).toBe('added');
    const text = storedText(dir, docx.docId);
    expect(text).toContain('2\tSố hóa hồ sơ thủ tục hành chính (ưu tiên hồ sơ đất đai)\tSở Nội vụ\tCác sở, ngành; UBND cấp huyện\tTháng 12/2025');
    expect(text).toContain('Hoàn thiện hạ tầng số dùng chung & bảo đảm an toàn thông tin.');
    expect(documentsOf(dir).find((d) => d.docId === docx.docId)).toMatchObject({ kind: 'kế hoạch', format: 'docx', originalFile: 'ke-hoach-mau.docx' });
    const rows = tasksOf(dir).filter((r) => r.docId === docx.docId);
    expect(rows.filter((r) => r.lead.includes('Sở Nội vụ')).map((r) => [r.deadline.date, r.deadline.precision])).toEqual([
      ['2025-12-31', 'month'],
      ['2025-12-31', 'quarter'],
    ]);
    expectValidJsonFiles(dir);
  });

  // BUG: with no date line of its own, the plan takes the date of the directive it cites
  // ("Căn cứ Chỉ thị số 123/UBND-KGVX ngày 05 tháng 3 năm 2025 …"), and its docId becomes kh-2025-03-05.
  it('the DOCX plan, which states no date of its own, is not dated with the date of the directive it cites', () => {
    const docx = out.find((o) => o.file === 'ke-hoach-mau.docx')!;
    expect(documentsOf(dir).find((d) => d.docId === docx.docId)?.date).toBeNull();
  });
});

describe('options and updates', () => {
  it('--title, --date, --issuer and --number override what is inferred', async () => {
    const dir = tempCorpus();
    const file = writeInput('cong-van-12.txt', LETTER);
    const [o] = await ingestFiles([file], {
      corpusDir: dir,
      title: 'Công văn về nền tảng số (bản sửa)',
      date: '2024-03-01',
      issuer: 'Văn phòng Chính phủ',
      number: '99/VPCP-KSTT',
    });
    expect(o).toMatchObject({ docId: 'cv-2024-03-01', title: 'Công văn về nền tảng số (bản sửa)', status: 'added' });
    expect(documentsOf(dir)[0]).toMatchObject({
      docId: 'cv-2024-03-01',
      title: 'Công văn về nền tảng số (bản sửa)',
      date: '2024-03-01',
      issuer: 'Văn phòng Chính phủ',
      number: '99/VPCP-KSTT',
      kind: 'công văn',
    });
  });

  it('without options the same letter gets its inferred metadata', async () => {
    const dir = tempCorpus();
    const [o] = await ingestFiles([writeInput('cong-van-12b.txt', LETTER)], { corpusDir: dir });
    expect(o!.docId).toBe('cv-2024-03-05');
    expect(documentsOf(dir)[0]).toMatchObject({
      title: 'Công văn triển khai nền tảng số năm 2024',
      number: '12/BTTTT-CĐSQG',
      date: '2024-03-05',
      issuer: 'Bộ Thông tin và Truyền thông',
    });
    const rows = tasksOf(dir);
    expect(rows.map((r) => [r.lead, r.support, r.deadline.date])).toEqual([
      [['Bộ Công an'], ['Bộ Tư pháp'], '2024-06-30'],
      [['Bộ Tài chính'], [], '2024-06-30'],
    ]);
  });

  it('a changed file is updated in place: same docId, new text, new rows', async () => {
    const dir = tempCorpus();
    const file = writeInput('cong-van-13.txt', LETTER);
    const [a] = await ingestFiles([file], { corpusDir: dir });
    writeFileSync(file, LETTER.replace('trước ngày 30/6/2024', 'trước ngày 31/7/2024'));
    const [b] = await ingestFiles([file], { corpusDir: dir });
    expect(b).toMatchObject({ docId: a!.docId, status: 'updated' });
    expect(documentsOf(dir)).toHaveLength(1);
    expect(storedText(dir, a!.docId)).toContain('trước ngày 31/7/2024');
    expect(tasksOf(dir).map((r) => r.deadline.date)).toEqual(['2024-06-30', '2024-07-31']);
    expectValidJsonFiles(dir);
  });

  it.each(['19/07/2024', '2024-7-19', 'hôm nay'])('an invalid --date «%s» is rejected and nothing is written', async (date) => {
    const dir = tempCorpus();
    const before = snapshotDir(dir);
    const err = await expectBatchError([seedFile('2024-07-19')], { corpusDir: dir, date });
    expect(err.errors[0]!.code).toBe('invalid-option');
    expect(err.message).toContain(`"${date}"`);
    expect(err.message).toMatch(/không hợp lệ/);
    expect(snapshotDir(dir)).toEqual(before);
  });

  // BUG: --date is only checked against /^\d{4}(-\d{2}(-\d{2})?)?$/, so impossible calendar
  // dates are accepted and end up in documents.json and in the docId (tb-2024-02-30).
  it.each(['2024-02-30', '2024-13-45'])('an impossible --date «%s» is rejected and nothing is written', async (date) => {
    const dir = tempCorpus();
    const before = snapshotDir(dir);
    const err = await expectBatchError([seedFile('2024-07-19')], { corpusDir: dir, date });
    expect(err.errors[0]!.code).toBe('invalid-option');
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('--title with several files is refused', async () => {
    const dir = tempCorpus();
    const err = await expectBatchError([seedFile('2023-12-28'), seedFile('2024-07-19')], { corpusDir: dir, title: 'X' });
    expect(err.errors[0]!.code).toBe('invalid-option');
    expect(existsSync(join(dir, 'documents.json'))).toBe(false);
  });
});

describe('bad input leaves the corpus byte-for-byte untouched', () => {
  let dir: string;
  let good: string;
  beforeAll(async () => {
    dir = tempCorpus();
    await ingestFiles([seedFile('2023-12-28')], { corpusDir: dir });
    good = writeInput('cong-van-moi.txt', LETTER);
  });

  const cases: Array<[string, IngestErrorCode, () => string]> = [
    ['khong-co.txt', 'missing', () => join(scratch, 'khong-co.txt')],
    ['rong.txt', 'empty', () => writeInput('rong.txt', '')],
    ['qua-ngan.txt', 'empty', () => writeInput('qua-ngan.txt', 'Số: 1\n\n')],
    ['anh.txt', 'binary', () => writeInput('anh.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0d, 0x0a, 0x1a, 0x00, 0x00, 0x41, 0x42]))],
    ['ban-scan.pdf', 'scanned', () => fixture('ban-scan.pdf')],
    [
      'lon.txt',
      'too-large',
      () => {
        const p = writeInput('lon.txt', '');
        truncateSync(p, 21 * 1024 * 1024); // sparse: 21 MB on paper, nothing on disk
        return p;
      },
    ],
    ['tcvn3.txt', 'encoding', () => writeInput('tcvn3.txt', Buffer.from('Quy\xe9t \xf0inh s\xf4 12 ng\xe0y 05 th\xe1ng 3 n\xe3m 2024', 'latin1'))],
    ['hong.pdf', 'corrupt', () => writeInput('hong.pdf', readFileSync(fixture('chi-thi-mau.pdf')).subarray(0, 300))],
    ['gia-mao.pdf', 'corrupt', () => writeInput('gia-mao.pdf', 'Đây là văn bản, không phải PDF, dù mang đuôi .pdf')],
    ['van-ban-cu.doc', 'unsupported', () => writeInput('van-ban-cu.doc', 'không phải docx')],
  ];

  it.each(cases)('%s → %s, a Vietnamese message naming the file, nothing written', async (name, code, make) => {
    const path = make();
    const before = snapshotDir(dir);
    const err = await expectBatchError([path], { corpusDir: dir });
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]!.code).toBe(code);
    expect(err.errors[0]!.file).toBe(name);
    expect(err.message).toContain(`"${name}"`);
    expect(err.message).toMatch(/[Tt]ệp|nạp/);
    expect(err.message).toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/u);
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('one good and one bad file: nothing written, the error names only the bad file', async () => {
    const bad = writeInput('hong-2.pdf', 'không phải PDF');
    const before = snapshotDir(dir);
    const err = await expectBatchError([good, bad], { corpusDir: dir });
    expect(err.errors.map((e) => e.file)).toEqual(['hong-2.pdf']);
    expect(err.message).not.toContain('cong-van-moi.txt');
    expect(snapshotDir(dir)).toEqual(before);
    expect(documentsOf(dir).map((d) => d.originalFile)).not.toContain('cong-van-moi.txt');
  });

  it('several bad files are all reported at once', async () => {
    const before = snapshotDir(dir);
    const err = await expectBatchError([join(scratch, 'thieu-1.txt'), good, writeInput('rong-2.txt', '')], { corpusDir: dir });
    expect(err.errors.map((e) => [e.file, e.code])).toEqual([
      ['thieu-1.txt', 'missing'],
      ['rong-2.txt', 'empty'],
    ]);
    expect(err.message.split('\n')).toHaveLength(2);
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('the good file alone then ingests fine', async () => {
    const [o] = await ingestFiles([good], { corpusDir: dir });
    expect(o!.status).toBe('added');
    expect(documentsOf(dir).map((d) => d.docId)).toEqual(['tb-2023-12-28', o!.docId]);
    expectValidJsonFiles(dir);
  });
});

describe('corrections in overrides.json survive re-ingestion', () => {
  let dir: string;
  const corrected = 'tb-2023-12-28/B.II.4.a#1';
  const deleted = 'tb-2023-12-28/B#1';

  beforeAll(async () => {
    dir = tempCorpus();
    await ingestFiles([seedFile('2023-12-28')], { corpusDir: dir });
  });

  it('the rows to correct exist before the correction', () => {
    const rows = tasksOf(dir);
    expect(rows.find((r) => r.id === corrected)?.lead).toEqual([]);
    expect(rows.find((r) => r.id === deleted)).toBeDefined();
  });

  it('ingesting another document applies them: the lead is corrected and marked, the deleted row stays gone', async () => {
    const overrides: OverridesFile = {
      version: 1,
      overrides: {
        [corrected]: { lead: ['Văn phòng Chính phủ'], support: ['Bộ Thông tin và Truyền thông'], note: 'Sửa tay: cơ quan chủ trì theo Kế hoạch 2024' },
        [deleted]: { delete: true, note: 'Câu dẫn, không phải nhiệm vụ' },
      },
    };
    const overridesPath = join(dir, 'overrides.json');
    writeFileSync(overridesPath, `${JSON.stringify(overrides, null, 2)}\n`);
    const overridesBytes = readFileSync(overridesPath);
    const before = tasksOf(dir);

    await ingestFiles([seedFile('2024-07-19')], { corpusDir: dir });
    const after = tasksOf(dir);
    const row = after.find((r) => r.id === corrected);
    expect(row).toMatchObject({ lead: ['Văn phòng Chính phủ'], support: ['Bộ Thông tin và Truyền thông'], corrected: true });
    expect(row).not.toHaveProperty('note');
    expect(row!.quote).toBe(before.find((r) => r.id === corrected)!.quote);
    expect(after.find((r) => r.id === deleted)).toBeUndefined();
    // Every other row of the corrected document is as it was.
    const untouched = (rows: TaskRow[]) => rows.filter((r) => r.docId === 'tb-2023-12-28' && r.id !== corrected && r.id !== deleted);
    expect(untouched(after)).toEqual(untouched(before));
    expect(after.filter((r) => r.corrected)).toHaveLength(1);
    expect(readFileSync(overridesPath)).toEqual(overridesBytes); // ingestion never rewrites people's corrections
    expectValidJsonFiles(dir);
  });

  it('rebuildTaskTable keeps them too, and writes what it returns', () => {
    const table = rebuildTaskTable({ corpusDir: dir });
    expect(table.find((r) => r.id === corrected)).toMatchObject({ lead: ['Văn phòng Chính phủ'], corrected: true });
    expect(table.find((r) => r.id === deleted)).toBeUndefined();
    expect(tasksOf(dir)).toEqual(table);
    expect(new Set(table.map((r) => r.docId))).toEqual(new Set(['tb-2023-12-28', 'tb-2024-07-19']));
    expectValidJsonFiles(dir);
  });

  it('re-ingesting the corrected document unchanged keeps them', async () => {
    const [o] = await ingestFiles([seedFile('2023-12-28')], { corpusDir: dir });
    expect(o!.status).toBe('unchanged');
    expect(tasksOf(dir).find((r) => r.id === corrected)?.corrected).toBe(true);
  });
});

describe('the corpus directory', () => {
  it('without corpusDir, ingestion writes into CORPUS_DIR (as the command-line tools do)', async () => {
    const dir = tempCorpus();
    const saved = process.env.CORPUS_DIR;
    process.env.CORPUS_DIR = dir;
    try {
      copyFileSync(fixture('ke-hoach-mau.docx'), join(scratch, 'ke-hoach-ban-sao.docx'));
      const [o] = await ingestFiles([join(scratch, 'ke-hoach-ban-sao.docx')]);
      expect(o!.status).toBe('added');
      expect(documentsOf(dir).map((d) => d.originalFile)).toEqual(['ke-hoach-ban-sao.docx']);
      expect(existsSync(join(dir, 'documents', `${o!.docId}.txt`))).toBe(true);
      expect(tasksOf(dir).length).toBe(o!.tasks);
    } finally {
      if (saved === undefined) delete process.env.CORPUS_DIR;
      else process.env.CORPUS_DIR = saved;
    }
  });
});
