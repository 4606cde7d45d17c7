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
    const docs = r.tasks.slice(0, 3).map((t) => t.docId);
    expect(docs).toEqual(expect.arrayContaining(['tb-2024-07-19', 'tb-2023-12-28']));
    const dates = docs.map((d) => corpus.document(d)!.date!);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(r.answer).toContain('chỉ đạo mới nhất');
    expect(r.answer.indexOf('19/07/2024')).toBeLessThan(r.answer.indexOf('28/12/2023'));
    // The direct answer is given once, not repeated as item 1 of the list of documents.
    expect(r.answer.split('\n').filter((l) => l.includes('Bộ Công an chủ trì') && l.includes('31/07/2025')).length).toBeLessThanOrEqual(1);
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


describe('structured query: every part of the question counts', () => {
  const ask = (q: string, now = NOW) => assistant.ask(q, { now });

  it('narrows an agency question by deadline window, and says so when nothing falls in it', async () => {
    const none = await ask('Nhiệm vụ nào của Bộ Y tế đến hạn trong Quý II/2024?');
    expect(none.answer).toMatch(/^Không có nhiệm vụ nào của Bộ Y tế/);
    expect(none.tasks).toEqual([]);
    const march = await ask('BTTTT phải làm gì trong tháng 3/2024?');
    expect(march.tasks.length).toBeGreaterThan(0);
    expect(march.tasks.every((t) => t.deadline !== null && t.deadline >= '2024-03-01' && t.deadline <= '2024-03-31')).toBe(true);
  });

  it('reads the role asked about: "được giao phối hợp" lists only tasks the agency supports', async () => {
    const r = await ask('Bộ Công an được giao phối hợp những việc gì?');
    expect(r.query?.[0]?.role).toBe('support');
    expect(r.tasks.length).toBeGreaterThan(0);
    // Tasks it supports, or joint assignments "… phối hợp triển khai" — never a task it leads alone.
    const quote = (id: string) => corpus.tasks.find((t) => t.id === id)!.quote;
    expect(r.tasks.every((t) => t.support.includes('Bộ Công an') || (t.lead.length > 1 && /phối hợp/u.test(quote(t.id))))).toBe(true);
    expect(r.tasks.some((t) => t.support.includes('Bộ Công an'))).toBe(true);
  });

  it('scopes by document number, kind and date, and reports a document the corpus does not hold', async () => {
    expect((await ask('Theo QĐ 2629, hạn ban hành kế hoạch hành động Chính phủ số là khi nào?')).query?.[0]?.documents).toEqual(['qd-2025-12-01']);
    expect(understand('trong kết luận năm 2024 Bộ Công an phải làm gì', NOW, registry, corpus.documents).documents).toEqual(['tb-2024-07-19']);
    expect(understand('kết luận mới nhất giao gì', '2026-11-29', registry, corpus.documents).documents).toEqual(['tb-2025-11-16']);
    // "Mới nhất" as of the asking date.
    expect(understand('kết luận mới nhất giao gì', NOW, registry, corpus.documents).documents).toEqual(['tb-2024-07-19']);
    const missing = await ask('Chỉ thị số 99 của Thủ tướng về chuyển đổi số giao Bộ Công an việc gì?');
    expect(missing.grounded).toBe(false);
    expect(missing.answer).toContain('chỉ thị số 99');
  });

  it('treats a year in the topic as a hard constraint', async () => {
    const r = await ask('hạn ban hành kế hoạch chuyển đổi số năm 2027');
    expect(r.grounded).toBe(false);
    expect(r.tasks).toEqual([]);
  });

  it('answers both parts of a two-part question', async () => {
    const r = await ask('Ai chủ trì xây dựng chiến lược công nghiệp bán dẫn? Hạn khi nào?');
    expect(r.answer).toContain('Bộ Thông tin và Truyền thông');
    expect(r.answer).toContain('31/08/2024');
    const two = await ask('Năm 2023 phủ sóng được bao nhiêu điểm lõm sóng, và còn bao nhiêu điểm chưa đủ điều kiện phổ cập sóng?');
    expect(two.query?.length).toBe(2);
  });

  it('reads "hôm nay là …" in the question as the asking date', async () => {
    const u = understand('Hôm nay là 20/4/2024, nhiệm vụ nào đã quá hạn?', NOW, registry, corpus.documents);
    expect(u.now).toBe('2024-04-20');
    expect(u.period).toBeNull();
    expect(u.asks[0]).toBe('overdue');
  });
});

describe('honest status and phone-friendly answers', () => {
  it('never asserts a task is overdue: a past deadline is "hạn đã qua (văn bản không ghi nhận kết quả)"', async () => {
    const r = await assistant.ask('Ai chủ trì có phương án xử lý 558 thủ tục hành chính?', { now: '2026-11-29' });
    expect(r.answer).toContain('hạn đã qua (văn bản không ghi nhận kết quả)');
    expect(r.answer).not.toMatch(/quá hạn \d+ ngày/);
    expect(r.answer).toMatch(/\d{2}\/\d{2}\/\d{4}/);
  });

  it('reports what a later document records about the same task', async () => {
    const r = await assistant.ask('Theo NQ 03, hạn thành lập Quỹ Đầu tư phát triển công nghiệp chiến lược là khi nào?', { now: '2026-11-29' });
    expect(r.answer.split('\n')[0]).toContain('hạn đã qua (TB 624/TB-VPCP (16/11/2025) ghi: chưa hoàn thành)');
  });

  it('names documents briefly (full titles stay in the citations for /nguon)', async () => {
    const r = await assistant.ask('Bộ Tài chính phải sửa đổi nghị định nào về hóa đơn điện tử theo kết luận tháng 7/2024?', { now: NOW });
    expect(r.answer).toContain('TB 19/07/2024 (VPCP)');
    expect(r.answer).not.toContain('Thông báo Kết luận Hội nghị thường trực');
    expect(r.citations[0]!.title).toContain('Thông báo Kết luận Hội nghị thường trực');
  });

  it('summarises tasks given to a group in one line instead of listing them', async () => {
    const r = await assistant.ask('NHNN có nhiệm vụ gì về thanh toán không dùng tiền mặt?', { now: NOW });
    expect(r.answer.match(/giao chung/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });
});

describe('spelling and refusal', () => {
  it('corrects Vietnamese confusions before retrieval and entity matching', async () => {
    expect((await assistant.ask('nhiem vu nao sap den hang?', { now: NOW })).intent).toBe('upcoming');
    const r = await assistant.ask('Ai chủ trì sử lý 558 thủ tục hành chính chưa được cắt giảm?', { now: NOW });
    expect(r.tasks[0]!.lead).toEqual(['Bộ Tư pháp']);
    expect(assistant.parse('nghành du lịch có những tỉnh nào', NOW).folded).toContain('nganh du lich');
  });

  it('refuses near-topic questions the documents do not answer, saying what they cover nearest', async () => {
    for (const q of ['Mức phụ cấp hằng tháng cho thành viên Tổ công nghệ số cộng đồng là bao nhiêu tiền?', 'Giá vàng hôm nay bao nhiêu?']) {
      const r = await assistant.ask(q, { now: NOW });
      expect(r.grounded).toBe(false);
      expect(r.tasks).toEqual([]);
    }
    const near = await assistant.ask('Mức phụ cấp hằng tháng cho thành viên Tổ công nghệ số cộng đồng là bao nhiêu tiền?', { now: NOW });
    expect(near.answer).toContain('Gần nhất');
  });

  it('quotes the footnote a figure points at', async () => {
    const r = await assistant.ask('Tỷ trọng thương mại điện tử trong tổng mức bán lẻ năm 2022 đạt 7,5% lấy số liệu từ đâu?', { now: NOW });
    expect(r.answer).toContain('dự báo');
    for (const c of r.citations) expect(containsVerbatim(corpus.text(c.docId), c.quote)).toBe(true);
  });

  it('tells who signed a document, from its signature block', async () => {
    const r = await assistant.ask('QĐ 2629 do ai ký?', { now: NOW });
    expect(r.answer).toContain('Nguyễn Chí Dũng');
  });
});

describe('questions as people type them', () => {
  const LATE = '2026-11-29';

  it('names who holds a task now when the document names a body merged in 2025', async () => {
    const r = await assistant.ask('ai chủ trì đề án chuyển đổi số kết cấu hạ tầng giao thông trong NQ 03?', { now: LATE });
    expect(r.tasks[0]!.lead).toEqual(['Bộ Giao thông vận tải']);
    expect(r.answer).toMatch(/Nay: .*Bộ Xây dựng/u);
  });

  it('echoes an agency typed short, and counts "mấy việc" by listing them', async () => {
    const evn = await assistant.ask('EVN có việc gì trong TB 624 không?', { now: LATE });
    expect(evn.answer).toContain('Tập đoàn Điện lực Việt Nam (EVN)');
    const count = await assistant.ask('sở khcn hà nội được giao mấy việc theo kh 308 vậy', { now: LATE });
    expect(count.grounded).toBe(true);
    expect(count.answer).toMatch(/được giao \d+ nhiệm vụ/u);
  });

  it('reads words typed with unconverted Telex keys ("booj coong an", "luaajt duwx lieeuj")', async () => {
    const typed = await assistant.ask('booj coong an phari lamf gif veef luaajt duwx lieeuj?', { now: LATE });
    const plain = await assistant.ask('Bộ Công an phải làm gì về luật dữ liệu?', { now: LATE });
    expect(typed.tasks.map((t) => t.id)).toEqual(plain.tasks.map((t) => t.id));
    expect(typed.tasks.length).toBeGreaterThan(0);
  });

  it('reads a count and its noun as a slogan, quoting the part of a long footnote about it', async () => {
    const r = await assistant.ask('tinh thần 5 không trong chuyển đổi số gồm những gì?', { now: LATE });
    expect(r.answer).toContain('Không tiền mặt');
    for (const c of r.citations) expect(containsVerbatim(corpus.text(c.docId), c.quote)).toBe(true);
  });

  it('reads "Bộ TC" as Bộ Tài chính and never "corrects" a two-letter abbreviation', () => {
    expect(assistant.parse('Bộ TC chủ trì những gì trong QĐ 2629?', LATE).agencies.map((a) => a.name)).toEqual(['Bộ Tài chính']);
  });

  it('tells who chaired a meeting and when a document was issued, quoting the document', async () => {
    const chair = await assistant.ask('Phiên họp lần thứ 7 của Ủy ban Quốc gia về chuyển đổi số do ai chủ trì?', { now: LATE });
    expect(chair.answer).toContain('Phạm Minh Chính');
    const which = await assistant.ask('Chương trình phát triển Chính phủ số được phê duyệt bằng quyết định nào?', { now: LATE });
    expect(which.answer).toContain('QĐ 2629/QĐ-TTg');
    for (const r of [chair, which]) for (const c of r.citations) expect(containsVerbatim(corpus.text(c.docId), c.quote)).toBe(true);
  });

  it('takes a time said before "quá hạn" as the asking date, not as a deadline window', () => {
    const q = assistant.parse('Cuối tháng 9/2024, những việc nào trong kết luận hội nghị ngày 19/7/2024 đã quá hạn?', LATE);
    expect(q.now).toBe('2024-09-30');
    expect(q.period).toBeNull();
  });

  it('says an agency has no task on a topic, and who has it, instead of listing its other tasks', async () => {
    const r = await assistant.ask('Điện Biên có được giao nền tảng số du lịch không?', { now: NOW });
    expect(r.grounded).toBe(false);
    expect(r.answer).toContain('không giao Điện Biên');
    expect(r.answer).toMatch(/được giao cho .*(?:Hà Giang|Cao Bằng|Quảng Bình)/u);
  });

  it('splits two questions joined by a comma after a question word, not a list of names', async () => {
    const r = await assistant.ask('Tỷ lệ hồ sơ được số hóa năm 2023 là bao nhiêu, các bộ ngành và địa phương đạt bao nhiêu?', { now: LATE });
    expect(r.query?.map((q) => q.text)).toEqual(['Tỷ lệ hồ sơ được số hóa năm 2023 là bao nhiêu', 'các bộ ngành và địa phương đạt bao nhiêu?']);
  });

  it('reads "đến <ngày>" as the asking date and "Đề án 06" by its number when listing what is past due', async () => {
    const r = await assistant.ask('đến 10/4/2023, chỉ tiêu nào của Đề án 06 đã quá hạn?', { now: LATE });
    expect(r.tasks.length).toBeGreaterThan(0);
    expect(r.tasks.some((t) => t.deadline === '2023-03-31')).toBe(true);
    // Nothing due after the asking date, and nothing from the plan guidance that never names Đề án 06.
    for (const t of r.tasks) expect(t.deadline! < '2023-04-10').toBe(true);
    expect(r.tasks.every((t) => t.docId !== 'cv-2022-11-03')).toBe(true);
  });

  it('takes "đầu năm … (giữa tháng 2)" before "các mốc sắp tới" as when it is asked', () => {
    const q = assistant.parse('Đầu năm 2024 (giữa tháng 2), các mốc sắp tới về dữ liệu mở là khi nào?', '2024-01-03');
    expect(q.period).toBeNull();
    expect(q.now).toBe('2024-02-15');
  });

  it('keeps a question word the user typed unless its neighbour is known to precede another spelling', () => {
    expect(assistant.parse('thôn em là vùng lõm xóng', LATE).folded).toContain('lom song');
    expect(assistant.parse('Bộ KHCN công bố khi nào', LATE).folded).toContain('cong bo khi nao');
    expect(assistant.parse('NQ 03 đặt hạn khi nào', LATE).folded).toContain('dat han');
  });

  it('answers "thực tế đạt bao nhiêu" with the result stated in the text, not the target row', async () => {
    const r = await assistant.ask('thực tế năm 2023 kinh tế số chiếm bao nhiêu % GDP?', { now: LATE });
    expect(r.answer).toContain('16,5%');
    expect(r.answer).not.toContain('Trên 16%');
  });

  it('answers a figure asked of two documents side by side, saying plainly which one does not state it', async () => {
    const r = await assistant.ask('tỷ lệ dân số trưởng thành có chữ ký số: BC 12/2022 và BC tháng 2/2023 ghi bao nhiêu?', { now: LATE });
    expect(r.answer).toContain('So sánh giữa 2 văn bản');
    expect(r.answer).toContain('Trên 20%');
    expect(r.answer).toMatch(/BC 12\/2022 \(BTTTT\):\s+không nêu/u);
  });

  it('reads "giao thêm gì cho <cơ quan>" as asking about that body', async () => {
    expect(assistant.parse('TB 624 giao thêm gì cho Bộ Y tế?', LATE).agencies.map((a) => a.name)).toEqual(['Bộ Y tế']);
    const r = await assistant.ask('Bộ Y tế được giao thêm gì trong TB 624', { now: LATE });
    expect(r.answer).toMatch(/Bộ Y tế được giao \d+ nhiệm vụ/u);
  });

  it('refuses when the sources never name the person or province asked about', async () => {
    for (const q of ['Chủ tịch UBND thành phố Hà Nội năm 2025 là ai?', 'kiến trúc sư trưởng chuyển đổi số của thành phố hiện là ai', 'dự án trung tâm dữ liệu quốc gia số 3 đặt ở tỉnh nào vậy', 'tỷ lệ hộ gia đình có cáp quang của tỉnh Gia Lai hiện nay bao nhiêu?']) {
      const r = await assistant.ask(q, { now: LATE });
      expect(r.grounded, q).toBe(false);
      expect(r.answer, q).toMatch(/không nêu/u);
    }
    // A signer's name is in the document: still answered.
    expect((await assistant.ask('QĐ 2629 do ai ký?', { now: LATE })).grounded).toBe(true);
  });

  it('matches an enumerated item by the clause before its colon and shows that clause with the quote', async () => {
    const r = await assistant.ask('Thanh tra Chính phủ phải ban hành chiến lược dữ liệu trước ngày nào?', { now: LATE });
    expect(r.tasks[0]!.lead).toEqual(['Thanh tra Chính phủ']);
    expect(r.tasks[0]!.deadline).toBe('2025-11-25');
    expect(r.answer).toContain('chiến lược chuyển đổi số và chiến lược dữ liệu');
    for (const c of r.citations) expect(containsVerbatim(corpus.text(c.docId), c.quote)).toBe(true);
  });

  it('reads "kế hoạch năm 2023" as the plan\'s topic when no plan of that year is held, not as every 2023 document', async () => {
    expect(assistant.parse('các sở cần làm gì theo hướng dẫn kế hoạch năm 2023?', LATE).documents).toEqual([]);
    const r = await assistant.ask('cán bộ, công chức cần được bồi dưỡng những gì theo hướng dẫn kế hoạch năm 2023?', { now: LATE });
    expect(r.citations[0]?.docId).toBe('cv-2022-11-03');
  });

  it('compares what one body is given in two meetings named by number and by month, each side from its own document', async () => {
    const r = await assistant.ask('Về luật, Bộ Công an được giao khác gì giữa kết luận phiên họp lần thứ 7 cuối năm 2023 và kết luận tháng 7/2024?', { now: LATE });
    expect(r.answer).toContain('So sánh giữa 2 văn bản');
    expect(r.answer).not.toContain('không nêu nội dung này');
    expect(new Set(r.citations.map((c) => c.docId))).toEqual(new Set(['tb-2023-12-28', 'tb-2024-07-19']));
    for (const t of r.tasks) expect(t.lead).toContain('Bộ Công an');
  });

  it('splits "… trước ngày mấy hằng tháng, địa chỉ là gì?" in two, and points the second part to the same passage', async () => {
    const r = await assistant.ask('KH 308 của Hà Nội: báo cáo lên phần mềm theo dõi Đề án 06 trước ngày mấy hằng tháng, địa chỉ là gì?', { now: LATE });
    expect(r.answer).toMatch(/^1\) /u);
    expect(r.answer).toContain('«trước ngày 20 hằng tháng»');
    expect(r.answer).toContain('dean06.vn');
    // The passage is quoted once; the clause before a colon inside the quote is not shown as a heading.
    expect(r.answer.split('dean06.vn').length - 1).toBe(1);
    expect(r.answer).not.toContain('Thuộc nội dung');
  });

  it('gives a figure with the unit its table column states ("% ≥ 95" → "≥ 95%")', async () => {
    const r = await assistant.ask('đến năm 2030 tỷ lệ người dân có hồ sơ sức khỏe điện tử phải đạt bao nhiêu?', { now: LATE });
    expect(r.answer).toContain('≥ 95%');
  });

  it('reads "bao nhiu", "thág mấy" and "ban hàn" typed fast, and a year after "tháng mấy" as the deadline window', async () => {
    expect(assistant.parse('có bao nhiu tổ công nghệ số', LATE).folded).toContain('bao nhieu');
    const r = await assistant.ask('tiêu chuẩn quốc gia về trải nghiệm người dùng dịch vụ công trực tuyến ban hàn thág mấy năm 2026', { now: LATE });
    expect(r.tasks[0]?.deadline).toBe('2026-03-31');
    expect(r.tasks[0]?.lead).toEqual(['Bộ Khoa học và Công nghệ']);
  });

  it('answers a request for a contact with the passage that gives it, and refuses a contact no document gives', async () => {
    const r = await assistant.ask('cho xin số điện thoại đầu mối khi vướng mắc về hướng dẫn kế hoạch chuyển đổi số 2023', { now: LATE });
    expect(r.answer).toContain('0912.571.223');
    for (const c of r.citations) expect(containsVerbatim(corpus.text(c.docId), c.quote)).toBe(true);
    const none = await assistant.ask('Muốn liên hệ đầu mối của Bộ Y tế về bệnh án điện tử thì gọi số nào?', { now: LATE });
    expect(none.answer).not.toContain('0912.571.223');
  });

  it('reads "từ giờ đến 10/12" as a window from the asking date', () => {
    const q = assistant.parse('Bộ Y tế còn việc gì phải xong từ giờ đến 15/12?', '2025-11-20');
    expect(q.period).toMatchObject({ from: '2025-11-20', to: '2025-12-15' });
    expect(q.intent).toBe('upcoming');
  });

  it('takes what a follow-up asks from its own words, the topic from the question before', () => {
    const q = assistant.parse('Bộ Công an chủ trì xây dựng Luật An ninh dữ liệu, hạn khi nào — thế luật đó phạt tối đa bao nhiêu tiền?', LATE);
    expect(q.asks).not.toContain('when');
    expect(q.asks).toContain('figure');
  });

  it('refuses a list of what is past due about something no dated task is about', async () => {
    const r = await assistant.ask('thủ tục cấp đổi hộ chiếu quá hạn cần giấy tờ gì', { now: LATE });
    expect(r.grounded).toBe(false);
    expect(r.tasks).toEqual([]);
  });

  it('reads "Bộ trưởng Bộ X", "mốc", "báo cáo ngày …" as frame, not topic, and fixes "trỉ đạo" beside "trực tiếp"', async () => {
    const inherited = await assistant.ask('Bộ Nông nghiệp và Môi trường nay tiếp nhận việc dữ liệu lớn nào mà báo cáo ngày 25/02/2023 giao cho Bộ trưởng Bộ Nông nghiệp và Phát triển nông thôn?', { now: LATE });
    expect(inherited.tasks[0]?.lead).toEqual(['Bộ Nông nghiệp và Phát triển nông thôn']);
    expect(inherited.answer).toContain('dữ liệu lớn về nông nghiệp');
    const milestone = await assistant.ask('Chỉ tiêu nào của Đề án 06 có mốc tháng 6/2023, ai chủ trì?', { now: LATE });
    expect(milestone.answer).toContain('Văn phòng Chính phủ');
    expect(assistant.parse('Bộ trưởng Bộ Y tế trực tiếp trỉ đạo việc gì', LATE).folded).toContain('truc tiep chi dao');
  });

  it('reads dates in brackets after "hai kết luận của VPCP" as those documents, never "hai thông" as Hải Phòng', async () => {
    const q = assistant.parse('Chỉ xét hai thông báo kết luận của Văn phòng Chính phủ (12/2023 và 7/2024): Bộ Tài chính được giao gì?', LATE);
    expect(q.agencies.map((a) => a.name)).toEqual(['Bộ Tài chính']);
    expect(q.documents.sort()).toEqual(['tb-2023-12-28', 'tb-2024-07-19']);
    expect(q.period).toBeNull();
    const r = await assistant.ask('Chỉ xét hai thông báo kết luận của Văn phòng Chính phủ (12/2023 và 7/2024): Bộ Tài chính được giao gì?', { now: LATE });
    expect(r.answer).toContain('123/2020');
    expect(assistant.parse('Tỉnh Bạc Liêu được giao gì?', LATE).agencies.map((a) => a.name)).toEqual(['Bạc Liêu']);
  });

  it('never cuts a question at the "và" inside a name, and reads "mấy … nào" as which, not how many', async () => {
    const r = await assistant.ask('Bộ Khoa học và Công nghệ tiếp nhận những việc nào của Bộ Thông tin và Truyền thông trong kết luận phiên họp lần thứ 7 — trong đó việc nào có hạn Quý I/2024?', { now: LATE });
    expect(r.answer).not.toMatch(/^1\) /u);
    expect(r.tasks.some((t) => t.deadline === '2024-03-31' && t.lead.includes('Bộ Thông tin và Truyền thông'))).toBe(true);
    expect(assistant.parse('tổ mình cần hướng dẫn bà con dùng mấy dịch vụ số nào', LATE).intent).not.toBe('indicator');
  });

  it('asks a ministry merged before the documents named of its successor, and says so', async () => {
    const r = await assistant.ask('Trong QĐ 2629, Bộ Thông tin và Truyền thông chủ trì việc gì về nền tảng họp trực tuyến?', { now: LATE });
    expect(r.answer).toMatch(/^Lưu ý: Bộ Thông tin và Truyền thông từ ngày 01\/3\/2025/u);
    expect(r.tasks[0]?.lead).toEqual(['Bộ Khoa học và Công nghệ']);
    // Asked of a document issued before the merger, the ministry itself is answered.
    const before = await assistant.ask('Trong kết luận tháng 7/2024, Bộ Thông tin và Truyền thông được giao gì?', { now: LATE });
    expect(before.answer).not.toContain('Lưu ý: Bộ Thông tin và Truyền thông từ ngày');
  });

  it('says a 2025 merger once below a list of inherited tasks, not on every item', async () => {
    const r = await assistant.ask('Bộ Nông nghiệp và Môi trường phải làm gì theo NQ 03?', { now: LATE });
    expect(r.answer.match(/hợp nhất/gu)?.length).toBe(1);
  });

  it('gives "% GDP" figures with their unit, and never offers a heading\'s years as the figure', async () => {
    const r = await assistant.ask('NQ 03 đặt mục tiêu quy mô kinh tế số đến 2030 là bao nhiêu % GDP?', { now: LATE });
    expect(r.answer).toContain('≥ 30% GDP');
    const later = await assistant.ask('QĐ 2629: giai đoạn 2028-2030 tỷ lệ người dân hài lòng với dịch vụ công trực tuyến phải đạt bao nhiêu?', { now: LATE });
    expect(later.answer).not.toMatch(/“- Giai đoạn 2028-2030”/u);
  });

  it('reads "mấy hệ thống … thì xử lý sao" as how, not how many', () => {
    expect(assistant.parse('từ 2024 mấy hệ thống thông tin không đạt yêu cầu an toàn thì xử lý sao', LATE).intent).not.toBe('indicator');
  });

  it('lists a body\'s tasks in a meeting named "hội nghị CĐS ngày 19/7/2024" without reading "CĐS" as the topic', async () => {
    const r = await assistant.ask('BTC có những nhiệm vụ gì theo kết luận hội nghị CĐS ngày 19/7/2024?', { now: LATE });
    expect(r.answer).toContain('123/2020');
  });

  it('answers "năm 2023 đạt bao nhiêu?" asked later with the result, and refuses a province-owned figure no document gives', async () => {
    const r = await assistant.ask('Tỷ trọng kinh tế số trong GDP năm 2023 đạt bao nhiêu?', { now: LATE });
    expect(r.answer).toContain('16,5%');
    const p = await assistant.ask('Tỉnh Gia Lai hiện có bao nhiêu thành viên tổ công nghệ số cộng đồng?', { now: LATE });
    expect(p.grounded).toBe(false);
    expect(assistant.parse('GĐ Sở Tài chính Nghệ An hiện là ai?', LATE).folded).toContain('giam doc so');
  });

  it('answers "… được giao phối hợp trong nhiệm vụ nào, ai chủ trì?" with the task, not the meeting\'s chair', async () => {
    const r = await assistant.ask('Theo kết luận hội nghị 19/7/2024, Bộ Quốc phòng được giao phối hợp trong nhiệm vụ nào, ai chủ trì?', { now: LATE });
    expect(r.answer).toContain('Bộ Công an chủ trì');
    expect(r.answer).not.toContain('Phạm Minh Chính');
  });

  it('reads "đã cấp bao nhiêu" as the result reached, not the target', async () => {
    const r = await assistant.ask('Năm 2023 đã cấp bao nhiêu tài khoản định danh điện tử?', { now: LATE });
    expect(r.answer).toContain('70 triệu');
  });

  it('reads "từ giữa tháng 11/2024 tới hết năm" as a window and "lẽ ra đã phải hoàn thành" as past due', () => {
    const due = assistant.parse('Từ giữa tháng 11/2024 tới hết năm, kết luận hội nghị ngày 19/7/2024 còn những việc gì đến hạn?', LATE);
    expect(due.period).toMatchObject({ from: '2024-11-15', to: '2024-12-31' });
    const late = assistant.parse('Tính đến giữa tháng 4/2024, những nhiệm vụ nào trong kết luận phiên họp thứ 7 lẽ ra đã phải hoàn thành?', LATE);
    expect(late.intent).toBe('overdue');
    expect(late.now).toBe('2024-04-15');
  });

  it('asks for a standard ("theo TCVN nào") as guidance, quoting it', async () => {
    const r = await assistant.ask('KH 308 yêu cầu bảo đảm an ninh mạng cho các cơ sở dữ liệu theo TCVN nào?', { now: LATE });
    expect(r.answer).toContain('14423:2025');
  });

  it('reads "quý 3 năm nay" as that quarter, and "bộ nào có hạn …" as the window\'s list', () => {
    const q = assistant.parse('bộ nào có hạn cuối quý 3 năm nay theo QĐ 2629', '2026-02-10');
    expect(q.period).toMatchObject({ from: '2026-07-01', to: '2026-09-30' });
    expect(q.intent).toBe('upcoming');
  });

  it('keeps "phải làm sạch dữ liệu" as the topic, "xong trước thời điểm nào" as the question', async () => {
    const r = await assistant.ask('Bộ Công an phải làm sạch dữ liệu dân cư xong trước thời điểm nào?', { now: LATE });
    expect(r.grounded).toBe(true);
    expect(r.answer).toContain('làm sạch');
  });

  it('reads "từ nay đến hết tháng 5/2026" as a window from the asking date', () => {
    const q = assistant.parse('Từ nay đến hết tháng 5/2026 theo QĐ 2629 có nhiệm vụ nào đến hạn?', '2026-03-10');
    expect(q.period).toMatchObject({ from: '2026-03-10', to: '2026-05-31' });
  });

  it('answers a later part that names its own document, and never answers "theo nghị quyết nào" with the document asked within', async () => {
    const two = await assistant.ask('NQ 03 giao ai xây dựng Chương trình phát triển Chính phủ số, và QĐ phê duyệt chương trình đó ký ngày nào?', { now: LATE });
    expect(two.answer).toContain('Bộ Thông tin và Truyền thông');
    expect(two.answer).toContain('01/12/2025');
    const within = await assistant.ask('Trong công văn hướng dẫn kế hoạch chuyển đổi số năm 2023, chữ ký số từ xa ưu tiên theo nghị quyết nào?', { now: LATE });
    expect(within.answer).toContain('50/NQ-CP');
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
    expect(r.tasks[0]).toMatchObject({ lead: ['Bộ Công an'] });
    expect(r.query?.[0]).toMatchObject({ asks: expect.arrayContaining(['when', 'who']) });
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
