import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { Corpus, REPO_ROOT } from '../src/corpus/store.js';
import { ingestFiles } from '../src/ingestion/ingest.js';
import { Assistant, type AskResult } from '../src/qa/assistant.js';
import { shortenQuote, verifyCitations } from '../src/qa/citations.js';
import { judge, type QaItem } from '../src/qa/evaluate.js';
import { describeDeadline, relativeStatus } from '../src/qa/format.js';
import { understand } from '../src/qa/understand.js';
import { PassageIndex } from '../src/retrieval/index.js';
import { containsVerbatim, squashSpaces } from '../src/text/vietnamese.js';

const corpus = Corpus.load();
const registry = AgencyRegistry.load();
const dev = readFileSync(join(REPO_ROOT, 'tests/fixtures/eval/qa-dev.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as QaItem);
let assistant: Assistant;
const NOW = '2024-08-01';

beforeAll(async () => {
  assistant = await Assistant.open();
});

const u = (q: string, now = NOW) => understand(q, now, registry, corpus.documents);

describe('understanding questions', () => {
  it.each([
    ['Ai chủ trì xây dựng Luật Dữ liệu?', 'who'],
    ['ai chu tri xay dung luat du lieu', 'who'],
    ['Bộ Kế hoạch và Đầu tư phải ban hành phương pháp đo lường kinh tế số khi nào?', 'when'],
    ['han chot ke hoach cds 2024 cua cac bo', 'when'],
    ['Những tỉnh nào được giao triển khai nền tảng số du lịch?', 'list'],
    ['Bộ Y tế phải làm gì?', 'tasks_of'],
    ['NHNN co nhiem vu gi', 'tasks_of'],
    ['Mục tiêu tỷ lệ dân số trưởng thành có tài khoản định danh điện tử là bao nhiêu?', 'indicator'],
    ['Những nhiệm vụ nào sắp đến hạn?', 'upcoming'],
    ['Nhiệm vụ nào đã quá hạn?', 'overdue'],
    ['Khi có vướng mắc thì liên hệ ai?', 'guidance'],
  ])('%s → %s', (q, intent) => {
    expect(u(q).intent).toBe(intent);
  });

  it('recognises agencies with and without diacritics, by abbreviation and with a typo', () => {
    for (const q of ['Bộ Công an phải làm gì?', 'bo cong an phai lam gi', 'BCA phải làm gì?', 'Bộ Cộng an phải làm gì']) {
      expect(u(q).agencies.map((a) => a.name)).toEqual(['Bộ Công an']);
    }
    expect(u('Bộ KH&ĐT có nhiệm vụ gì?').agencies.map((a) => a.name)).toEqual(['Bộ Kế hoạch và Đầu tư']);
    expect(u('BLĐTBXH phải làm gì?').agencies.map((a) => a.name)).toEqual(['Bộ Lao động - Thương binh và Xã hội']);
  });

  it('separates who acts from partners named after "phối hợp với"', () => {
    const x = u('Cơ quan nào chủ trì, phối hợp với Bộ Quốc phòng và Bộ Thông tin và Truyền thông bảo vệ hệ thống thông tin?');
    expect(x.agencies).toEqual([]);
    expect(x.partners.map((a) => a.name)).toEqual(['Bộ Quốc phòng', 'Bộ Thông tin và Truyền thông']);
  });

  it('reads explicit periods, relative periods and document references', () => {
    expect(u('Nhiệm vụ nào đến hạn trong tháng 8/2024?').period).toMatchObject({ from: '2024-08-01', to: '2024-08-31' });
    expect(u('Việc gì phải xong trong Quý I năm 2024?').period).toMatchObject({ from: '2024-01-01', to: '2024-03-31' });
    expect(u('Nhiệm vụ nào sắp đến hạn tháng này?', '2024-02-15').period).toMatchObject({ from: '2024-02-01', to: '2024-02-29' });
    expect(u('Nhiệm vụ nào đến hạn tuần này?', '2024-08-01').period).toMatchObject({ from: '2024-07-29', to: '2024-08-04' });
    expect(u('Nhiệm vụ nào đến hạn quý này?', '2024-03-31').period).toMatchObject({ from: '2024-01-01', to: '2024-03-31' });
    expect(u('Nhiệm vụ nào đến hạn tháng tới?', '2024-12-20').period).toMatchObject({ from: '2025-01-01', to: '2025-01-31' });
    const ref = u('Bộ Công Thương được giao gì theo kết luận Hội nghị ngày 19/7/2024?');
    expect(ref.documents).toEqual(['tb-2024-07-19']);
    expect(ref.period).toBeNull();
  });
});

describe('deadlines relative to the asking date', () => {
  it('counts days to and past the deadline', () => {
    expect(relativeStatus('2024-08-31', '2024-08-01')).toBe('còn 30 ngày');
    expect(relativeStatus('2024-08-01', '2024-08-01')).toBe('đến hạn hôm nay');
    // Past deadlines: the documents do not record whether the task was done, so nothing is asserted.
    expect(relativeStatus('2024-03-31', '2024-04-01')).toBe('hạn đã qua (văn bản không ghi nhận kết quả)');
    expect(relativeStatus('2024-02-29', '2024-02-28')).toBe('còn 1 ngày');
    expect(relativeStatus('2024-12-31', '2025-01-01', 'hoàn thành')).toBe('hạn đã qua (văn bản ghi: hoàn thành)');
  });

  it('shows dd/mm/yyyy with the original phrase, or says there is no date', () => {
    const row = corpus.tasks.find((t) => t.deadline.text?.includes('Quý II năm 2024'))!;
    expect(describeDeadline(row, '2024-06-20')).toMatch(/^30\/06\/2024 \(«.*Quý II năm 2024»\) — còn 10 ngày/);
    const session = corpus.tasks.find((t) => t.deadline.text?.includes('kỳ họp thứ 8'))!;
    expect(describeDeadline(session, NOW)).toContain('không nêu ngày cụ thể');
  });
});

describe('verbatim citations', () => {
  it('drops a quote that is not verbatim in the cited document', () => {
    const text = (id: string) => (id === 'tb-2023-12-28' ? squashSpaces(corpus.text(id)) : undefined);
    const good = { docId: 'tb-2023-12-28', title: 't', quote: 'Bộ Công an nghiên cứu, tham mưu đề xuất xây dựng Luật Bảo vệ dữ liệu cá nhân' };
    const altered = { ...good, quote: 'Bộ Tư pháp nghiên cứu, tham mưu đề xuất xây dựng Luật Bảo vệ dữ liệu cá nhân' };
    const unknownDoc = { ...good, docId: 'khong-co' };
    expect(verifyCitations([good, altered, unknownDoc], text)).toEqual([good]);
  });

  it('shortens a long quote to a verbatim prefix ending at a clause boundary', () => {
    const long = corpus.tasks.map((t) => t.quote).find((q) => q.length > 700)!;
    const { quote, truncated } = shortenQuote(long, 300);
    expect(truncated).toBe(true);
    expect(quote.length).toBeLessThanOrEqual(300);
    expect(long.startsWith(quote)).toBe(true);
  });

  it('every citation of every dev answer is verbatim in its document', async () => {
    for (const item of dev) {
      const r = await assistant.ask(item.q, { now: item.now ?? NOW });
      for (const c of r.citations) expect(containsVerbatim(corpus.text(c.docId), c.quote)).toBe(true);
    }
  });
});

describe('answers', () => {
  it('starts with the agency and the deadline, then quotes the source', async () => {
    const r = await assistant.ask('Ai chủ trì nghiên cứu, đề xuất xây dựng Luật Bảo vệ dữ liệu cá nhân và Luật Dữ liệu?', { now: NOW });
    expect(r.grounded).toBe(true);
    const first = r.answer.split('\n')[0]!;
    expect(first).toContain('Bộ Công an');
    expect(first).toMatch(/31\/12\/2024/);
    expect(first).toContain('còn 152 ngày');
    expect(r.answer).toContain('Nguồn:');
    expect(r.answer).toMatch(/“[^”]+”/);
  });

  it('shows every document that assigns the same task, newest first, and names the latest instruction', async () => {
    const r = await assistant.ask('Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?', { now: NOW });
    expect(r.tasks[0]!.docId).toBe('tb-2024-07-19');
    expect(r.tasks.some((t) => t.docId === 'tb-2023-12-28')).toBe(true);
    expect(r.answer).toContain('chỉ đạo mới nhất');
    expect(r.answer.indexOf('19/07/2024')).toBeLessThan(r.answer.indexOf('28/12/2023'));
  });

  it('reports differing figures of one indicator, the latest report first', async () => {
    const r = await assistant.ask('Kết quả năm 2022 tỷ lệ hồ sơ thủ tục hành chính nộp trực tuyến là bao nhiêu?', { now: NOW });
    expect(r.answer).toContain('54,34%');
    expect(r.answer).toContain('52,80%');
    expect(r.answer.indexOf('54,34%')).toBeLessThan(r.answer.indexOf('52,80%'));
  });

  it.each([
    'Ai chịu trách nhiệm xây dựng sân bay Long Thành?',
    'Ai chủ trì xây dựng Luật Đất đai?',
    'Thời hạn quyết toán thuế thu nhập cá nhân năm 2025 là khi nào?',
    'Giá vàng hôm nay bao nhiêu?',
    '🙂🙂',
    '<script>alert(1)</script>',
    '',
  ])('refuses what the documents do not cover: %s', async (q) => {
    const r = await assistant.ask(q, { now: NOW });
    expect(r.grounded).toBe(false);
    expect(r.intent).toBe('out_of_scope');
    expect(r.tasks).toEqual([]);
    expect(r.answer).toContain('không đề cập');
  });

  it('pages long lists and keeps every page within a chat message', async () => {
    const p1 = await assistant.ask('Bộ Công an phải làm gì?', { now: NOW });
    const p2 = await assistant.ask('Bộ Công an phải làm gì?', { now: NOW, page: 2 });
    expect(p1.answer).toMatch(/Trang 1\/\d+/);
    expect(p2.answer).toMatch(/Trang 2\/\d+|^6\. /m);
    expect(p1.answer).not.toBe(p2.answer);
    for (const item of dev) expect((await assistant.ask(item.q, { now: item.now ?? NOW })).answer.length).toBeLessThanOrEqual(1600);
  });

  it('lists what falls due in a window, sorted by deadline', async () => {
    const r = await assistant.ask('Những nhiệm vụ nào sắp đến hạn trong tháng 8 năm 2024?', { now: NOW });
    const dates = r.tasks.map((t) => t.deadline);
    expect(dates).toEqual(['2024-08-16', '2024-08-31']);
    expect(r.answer).toContain('16/08/2024');
  });

  it('answers the development set (regression, ≥ 95 %) with evidence in the top five passages', async () => {
    let correct = 0;
    let evidence = 0;
    let withEvidence = 0;
    for (const item of dev) {
      const r: AskResult = await assistant.ask(item.q, { now: item.now ?? NOW });
      const j = judge(item, r, (id) => corpus.text(id));
      if (j.correct) correct++;
      if (j.evidenceAt5 !== null) {
        withEvidence++;
        if (j.evidenceAt5) evidence++;
      }
      expect(r.passages.length).toBeLessThanOrEqual(5);
    }
    expect(correct / dev.length).toBeGreaterThanOrEqual(0.95);
    expect(evidence / withEvidence).toBeGreaterThanOrEqual(0.95);
  });
});

describe('passage index cache', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qa-cache-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is reused while the corpus is unchanged and rebuilt when a document is added', async () => {
    const corpusDir = join(dir, 'corpus');
    cpSync(join(REPO_ROOT, 'corpus'), corpusDir, { recursive: true });
    const dataDir = join(dir, 'data');
    const open = () => PassageIndex.open({ corpus: Corpus.load(corpusDir), registry, dataDir });
    expect((await open()).fromCache).toBe(false);
    expect((await open()).fromCache).toBe(true);
    const extra = join(dir, 'cong-van-moi.txt');
    writeFileSync(extra, 'CÔNG VĂN\nV/v Thử nghiệm\n1. Sở Nội vụ chủ trì rà soát hồ sơ số hóa. Hoàn thành trong Quý III năm 2025.\n');
    await ingestFiles([extra], { corpusDir, date: '2025-06-01' });
    const rebuilt = await open();
    expect(rebuilt.fromCache).toBe(false);
    expect(rebuilt.chunks.some((c) => c.text.includes('Sở Nội vụ chủ trì'))).toBe(true);
  });
});

describe('npm run ask', () => {
  const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'qa-ask-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = () => ({ ...process.env, DATA_DIR: dataDir, OPENAI_API_KEY: '', LOG_LEVEL: 'warn' });

  it('--json prints only the JSON contract on stdout', () => {
    const out = execFileSync(tsx, ['scripts/ask.ts', '--json', '--now', NOW, 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?'], { cwd: REPO_ROOT, env: env(), encoding: 'utf8' });
    const r = JSON.parse(out) as AskResult;
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['answer', 'citations', 'grounded', 'intent', 'passages', 'question', 'tasks']));
    expect(r.tasks[0]).toMatchObject({ lead: ['Bộ Công an'], docId: 'tb-2024-07-19' });
    expect(Object.keys(r.tasks[0]!)).toEqual(expect.arrayContaining(['id', 'task', 'lead', 'support', 'deadline', 'deadlineText', 'docId', 'section']));
    expect(Object.keys(r.citations[0]!)).toEqual(expect.arrayContaining(['docId', 'title', 'quote']));
    expect(Object.keys(r.passages[0]!)).toEqual(expect.arrayContaining(['docId', 'text', 'score']));
  });

  it('--batch answers JSON lines in order with their ids, and survives a bad line', () => {
    const file = join(dataDir, 'batch.jsonl');
    writeFileSync(file, [
      JSON.stringify({ id: 'a', q: 'Bộ Y tế phải làm gì?' }),
      'không phải json',
      JSON.stringify({ id: 'b', q: 'Những nhiệm vụ nào sắp đến hạn trong tháng 8 năm 2024?', now: '2024-08-01' }),
    ].join('\n'));
    const res = spawnSync(tsx, ['scripts/ask.ts', '--json', '--batch', file], { cwd: REPO_ROOT, env: env(), encoding: 'utf8' });
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a', null, 'b']);
    expect(lines[2].tasks.map((t: { deadline: string }) => t.deadline)).toContain('2024-08-16');
    expect(res.stderr).toContain('Dòng 2');
  });

  it('rejects a malformed --now with a Vietnamese message', () => {
    const res = spawnSync(tsx, ['scripts/ask.ts', '--now', '2024-02-30', 'câu hỏi'], { cwd: REPO_ROOT, env: env(), encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('không hợp lệ');
  });
});
