/**
 * The command-line tools as an official runs them: `tasks` over the shipped
 * corpus (read-only), `eval:tasks`, and `ingest` into a throw-away CORPUS_DIR.
 * Every command runs in its own Node process, started once in beforeAll.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import type { DocumentMeta, TaskRow } from '../src/corpus/types.js';
import { fixture, makeTempCorpus, removeDir, REPO_CORPUS, REPO_ROOT, seedFile, snapshotDir } from './support/ingest-helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
type CliRow = TaskRow & { assignedVia?: string; note?: string };

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'scripts', script), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, CORPUS_DIR: REPO_CORPUS, ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const registry = AgencyRegistry.load(join(REPO_CORPUS, 'agencies.json'));
const TASKS = JSON.parse(readFileSync(join(REPO_CORPUS, 'tasks.json'), 'utf8')) as TaskRow[];
const DOCS = JSON.parse(readFileSync(join(REPO_CORPUS, 'documents.json'), 'utf8')) as DocumentMeta[];
const BCA = 'Bộ Công an';
const BTTTT = 'Bộ Thông tin và Truyền thông';
const BKHCN = 'Bộ Khoa học và Công nghệ';

const tasksRuns: Record<string, Promise<Run>> = {};
const tasks = (...args: string[]): Promise<Run> => (tasksRuns[args.join('\u0001')] ??= run('tasks.ts', args));
const json = async (...args: string[]): Promise<CliRow[]> => {
  const r = await tasks(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CliRow[];
};

let ingestDir: string;
const ingestRuns: Record<string, Promise<Run>> = {};

beforeAll(() => {
  // Start every read-only command at once; tests await their own.
  for (const args of [
    ['--agency', 'BCA', '--json'],
    ['--agency', 'bo cong an', '--json'],
    ['--agency', BKHCN, '--json'],
    ['--due-from', '2024-08-01', '--due-to', '2024-08-31', '--json'],
    ['--due-from', '2024-08-01', '--due-to', '2024-08-31'],
    ['--doc', 'tb-2024-07-19', '--json'],
    ['--doc', 'tb-2024-07-19'],
    ['--agency', 'Bộ Phép Thuật'],
    ['--due-from', '2024-02-30'],
    ['--due-to', '31/08/2024'],
    ['--doc', 'khong-co-van-ban'],
  ]) {
    void tasks(...args);
  }
  ingestDir = makeTempCorpus('cli-corpus-');
  const env = { CORPUS_DIR: ingestDir };
  ingestRuns.eval = run('eval-tasks.ts', []);
  ingestRuns.noFile = run('ingest.ts', [], env);
  ingestRuns.badFile = run('ingest.ts', [join(ingestDir, 'khong-co.pdf')], env);
});
afterAll(() => removeDir(ingestDir));

describe('tasks --agency', () => {
  it('BCA: every row involves Bộ Công an — as lead, as supporter, or through a group, marked as such', async () => {
    const rows = await json('--agency', 'BCA');
    expect(rows.length).toBeGreaterThan(20);
    const groups = new Set(registry.groupsOf(BCA).map((g) => g.name));
    for (const r of rows) {
      if (r.lead.includes(BCA)) {
        expect(r.assignedVia, r.id).toBeUndefined();
      } else if (r.assignedVia === 'group') {
        const group = r.lead.find((l) => groups.has(l));
        expect(group, r.id).toBeDefined();
        expect(r.note).toBe(`giao cho nhóm: ${group}`);
      } else {
        expect(r.assignedVia, r.id).toBe('support');
        expect(r.support).toContain(BCA);
        expect(r.note).toBe('cơ quan phối hợp');
      }
    }
    // Nothing is left out: every row naming Bộ Công an, or a group it belongs to, is listed.
    const expected = TASKS.filter((t) => t.lead.includes(BCA) || t.support.includes(BCA) || t.lead.some((l) => groups.has(l))).map((t) => t.id);
    expect(rows.map((r) => r.id)).toEqual(expected);
    expect(rows.filter((r) => !r.assignedVia).length).toBeGreaterThan(10);
    expect(rows.some((r) => r.assignedVia === 'group')).toBe(true);
    expect(rows.some((r) => r.assignedVia === 'support')).toBe(true);
    // Bộ Công an's own item in the 2024-07-19 notice.
    expect(rows.find((r) => r.deadline.text?.includes('kỳ họp thứ 8'))?.lead).toEqual([BCA]);
  });

  it('"bo cong an" typed without diacritics gives exactly the same rows', async () => {
    const [a, b] = await Promise.all([tasks('--agency', 'BCA', '--json'), tasks('--agency', 'bo cong an', '--json')]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('Bộ Khoa học và Công nghệ includes the tasks of Bộ Thông tin và Truyền thông, marked as inherited', async () => {
    const rows = await json('--agency', BKHCN);
    const inherited = rows.filter((r) => r.assignedVia === 'predecessor');
    expect(inherited.length).toBeGreaterThan(10);
    for (const r of inherited) {
      expect(r.lead.includes(BTTTT) || r.support.includes(BTTTT), r.id).toBe(true);
      expect(r.note).toMatch(/^giao cho Bộ Thông tin và Truyền thông — /);
      expect(r.note).toContain(BKHCN);
    }
    // Every task led by BTTTT shows up, and the two strategy/resolution rows of August 2024 among them.
    // (A row led by both, as in a 2025 appendix "Bộ KH&CN, Bộ TT&TT", is Bộ KH&CN's own.)
    const btttt = TASKS.filter((t) => t.lead.includes(BTTTT) && !t.lead.includes(BKHCN)).map((t) => t.id);
    expect(btttt.length).toBeGreaterThan(5);
    for (const id of btttt) expect(inherited.map((r) => r.id)).toContain(id);
    expect(inherited.map((r) => r.deadline.date)).toEqual(expect.arrayContaining(['2024-08-31', '2024-08-16']));
    // Its own tasks are not marked.
    const own = rows.filter((r) => r.lead.includes(BKHCN));
    expect(own.length).toBeGreaterThan(0);
    for (const r of own) expect(r.assignedVia).toBeUndefined();
  });

  it('an unknown agency: exit code 1 and a Vietnamese hint', async () => {
    const r = await tasks('--agency', 'Bộ Phép Thuật');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Không nhận ra cơ quan "Bộ Phép Thuật"');
    expect(r.stderr).toContain('ví dụ "Bộ Công an"');
  });
});

describe('tasks --due-from / --due-to / --doc', () => {
  it('August 2024: every row is due in August 2024, including the semiconductor strategy and the 16 August resolution', async () => {
    const rows = await json('--due-from', '2024-08-01', '--due-to', '2024-08-31');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(r.deadline.date! >= '2024-08-01' && r.deadline.date! <= '2024-08-31', `${r.id} ${r.deadline.date}`).toBe(true);
    }
    const semi = rows.find((r) => r.task.includes('Chiến lược Phát triển ngành công nghiệp bán dẫn'));
    expect(semi?.deadline.date).toBe('2024-08-31');
    expect(rows.find((r) => r.deadline.date === '2024-08-16')?.task).toContain('Nghị quyết của Chính phủ về chuyển đổi số');
    const expected = TASKS.filter((t) => t.deadline.date !== null && t.deadline.date >= '2024-08-01' && t.deadline.date <= '2024-08-31');
    expect(rows.map((r) => r.id)).toEqual(expected.map((t) => t.id));
  });

  it('the readable listing shows "Thời hạn:" with dd/mm/yyyy dates and the phrase as written', async () => {
    const r = await tasks('--due-from', '2024-08-01', '--due-to', '2024-08-31');
    expect(r.code).toBe(0);
    const due = r.stdout.split('\n').filter((l) => l.trimStart().startsWith('Thời hạn:'));
    expect(due.length).toBeGreaterThanOrEqual(2);
    for (const l of due) expect(l).toMatch(/^\s*Thời hạn: \d{2}\/\d{2}\/\d{4} \(.+\)/);
    expect(r.stdout).toContain('Thời hạn: 31/08/2024 (hoàn thành trong tháng 8 năm 2024)');
    expect(r.stdout).toContain('Thời hạn: 16/08/2024 (Thời hạn hoàn thành trước ngày 16 tháng 8 năm 2024)');
    expect(r.stdout).toContain(`Cơ quan chủ trì: ${BTTTT}`);
    expect(r.stdout).toMatch(/Tổng cộng \d+ dòng\./);
    for (const l of due) expect(l).not.toMatch(/\d{4}-\d{2}-\d{2}/); // no ISO dates shown to readers
  });

  it('--doc tb-2024-07-19 lists that document’s rows only, all of them', async () => {
    const rows = await json('--doc', 'tb-2024-07-19');
    expect(rows.map((r) => r.id)).toEqual(TASKS.filter((t) => t.docId === 'tb-2024-07-19').map((t) => t.id));
    expect(rows.length).toBeGreaterThan(10);

    const readable = await tasks('--doc', 'tb-2024-07-19');
    expect(readable.code).toBe(0);
    expect(readable.stdout).toContain('■ tb-2024-07-19/');
    expect(readable.stdout).toContain('Thời hạn: không nêu thời hạn');
    expect(readable.stdout).toContain('Thời hạn: tại kỳ họp thứ 8 (không có ngày cụ thể)');
    expect(readable.stdout).toContain(`Tổng cộng ${rows.length} dòng.`);
    for (const l of readable.stdout.split('\n').filter((x) => x.trimStart().startsWith('Thời hạn:'))) {
      expect(l).toMatch(/^\s*Thời hạn: (?:\d{2}\/\d{2}\/\d{4} \(|không nêu thời hạn|.+ \(không có ngày cụ thể\))/);
    }
  });

  it('an unknown document: exit code 1, listing the documents that exist', async () => {
    const r = await tasks('--doc', 'khong-co-van-ban');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Không có văn bản mã "khong-co-van-ban"');
    for (const d of DOCS) expect(r.stderr).toContain(d.docId);
  });

  it.each([
    ['--due-from', '2024-02-30'],
    ['--due-to', '31/08/2024'],
  ])('an invalid date %s %s: exit code 1 and a Vietnamese message', async (flag, value) => {
    const r = await tasks(flag, value);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${flag} "${value}" không hợp lệ — dùng dạng YYYY-MM-DD.`);
  });
});

describe('eval:tasks', () => {
  it('reports per document and in total: ≥ 95 % of gold rows with lead and deadline right, and the sampled task precision', async () => {
    const r = await ingestRuns.eval!;
    expect(r.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
    for (const doc of ['nq03_2025_chuong_trinh_hanh_dong_nq57.txt', 'kh308_ubnd_hanoi_2025_nq214_du_lieu_cds.txt', '2024-07-19-thong-bao-ket-luan-hoi-nghi-cds.txt']) {
      expect(r.stdout).toContain(doc);
    }
    const total = /^TỔNG\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)%\s+([\d.]+)%\s+([\d.]+)%\s+([\d.]+)%/m.exec(r.stdout);
    expect(total, r.stdout).not.toBeNull();
    expect(Number(total![1])).toBeGreaterThanOrEqual(150); // rows extracted
    expect(Number(total![2])).toBeGreaterThanOrEqual(390); // gold rows of nine documents
    expect(Number(total![7])).toBeGreaterThanOrEqual(95); // lead and deadline both right
    expect(r.stdout).toMatch(/Độ chính xác nhiệm vụ, tasks-precision-sample\.json \(mẫu ngẫu nhiên 130 dòng gán nhãn tay\): [\d.]+% khi lấy mẫu; [\d.]+% trên \d+ dòng/);
    expect(r.stdout).toMatch(/Độ chính xác nhiệm vụ, gộp các mẫu: [\d.]+% \(\d+\/\d+\)/);
    expect(r.stdout).not.toContain('BỎ SÓT');
  });
});

describe('ingest', () => {
  it('with no file: exit code 2 and the usage in Vietnamese', async () => {
    const r = await ingestRuns.noFile!;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Chưa chỉ định tệp nào để nạp.');
    expect(r.stderr).toContain('Cách dùng:');
    expect(r.stderr).toContain('npm run ingest -- TỆP...');
    expect(r.stderr).toContain('Định dạng hỗ trợ: .txt (UTF-8), .pdf (có lớp chữ), .docx; tối đa 20 MB mỗi tệp.');
  });

  it('with a missing file: exit code 1, the corpus kept as it was, the file named', async () => {
    const r = await ingestRuns.badFile!;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Không nạp được; kho văn bản giữ nguyên, không có thay đổi nào:');
    expect(r.stderr).toContain('✗ Không tìm thấy tệp "khong-co.pdf"');
    expect(Object.keys(snapshotDir(ingestDir))).toEqual(['agencies.json']);
  });

  it('ingests into CORPUS_DIR, then reports the same content as unchanged, then rebuilds', async () => {
    const env = { CORPUS_DIR: ingestDir };
    const first = await run('ingest.ts', [seedFile('2024-07-19'), fixture('ke-hoach-mau.docx')], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Đã nạp: tb-2024-07-19 — «Thông báo Kết luận Hội nghị thường trực Chính phủ về chuyển đổi số[^»]*» — \d+ dòng nhiệm vụ \(2024-07-19-thong-bao-ket-luan-hoi-nghi-cds\.txt\)$/m);
    expect(first.stdout).toMatch(/^Đã nạp: kh-[\w-]+ — «.+» — \d+ dòng nhiệm vụ \(ke-hoach-mau\.docx\)$/m);
    const before = snapshotDir(ingestDir);

    const [again, badDate, rebuild] = await Promise.all([
      run('ingest.ts', [seedFile('2024-07-19')], env),
      run('ingest.ts', [seedFile('2023-12-28'), '--date', '28/12/2023'], env),
      run('ingest.ts', ['--rebuild'], { CORPUS_DIR: makeCopy() }),
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Không thay đổi (đã có nội dung này): tb-2024-07-19');
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain('Ngày "28/12/2023" không hợp lệ');
    expect(snapshotDir(ingestDir)).toEqual(before);

    expect(rebuild.code, rebuild.stderr).toBe(0);
    const n = (JSON.parse(readFileSync(join(ingestDir, 'tasks.json'), 'utf8')) as TaskRow[]).length;
    expect(rebuild.stdout.trim()).toBe(`Đã trích xuất lại bảng nhiệm vụ: ${n} dòng.`);
  });
});

/** A copy of the CLI corpus for the --rebuild run, so it cannot race the other runs. */
const copies: string[] = [];
function makeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-rebuild-'));
  cpSync(ingestDir, dir, { recursive: true });
  copies.push(dir);
  return dir;
}
afterAll(() => copies.forEach(removeDir));
