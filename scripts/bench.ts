/**
 * npm run bench — prints, in one run:
 *  1. question answering: index build time, per-question latency (p50/p95, in-process, warm),
 *     `ask` cold start, a 45-question batch end to end, peak memory;
 *  2. retrieval on the same passages: ours (hybrid, lexical only, dense only) against what a
 *     developer would pick instead — MiniSearch with defaults and LangChain's BM25Retriever —
 *     evidence recall@1, recall@5 and MRR, on the dev questions as written and on variants
 *     typed without diacritics, with abbreviations and with typos;
 *  3. the channel benchmark (scripts/bench-channels.ts) and the reminders benchmark
 *     (scripts/bench-reminders.ts), run as child processes;
 *  4. the web chat in Chromium (scripts/bench-web.ts).
 * Options: --only qa|channels|reminders|web|ingest|web
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BM25Retriever } from '@langchain/community/retrievers/bm25';
import { Document } from '@langchain/core/documents';
import MiniSearch from 'minisearch';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { Corpus, REPO_ROOT } from '../src/corpus/store.js';
import { Assistant } from '../src/qa/assistant.js';
import type { QaItem } from '../src/qa/evaluate.js';
import { judge } from '../src/qa/evaluate.js';
import { PassageIndex, type SearchMode } from '../src/retrieval/index.js';
import { fold, squashSpaces } from '../src/text/vietnamese.js';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const devFile = join(REPO_ROOT, 'tests', 'fixtures', 'eval', 'qa-dev.jsonl');
const items = readFileSync(devFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as QaItem);
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** Question variants a real user types: no diacritics, abbreviations, one typo. */
const ABBREVIATIONS: Array<[RegExp, string]> = [
  [/Bộ Thông tin và Truyền thông/g, 'BTTTT'], [/Bộ Công an/g, 'BCA'], [/Ngân hàng Nhà nước( Việt Nam)?/g, 'NHNN'],
  [/Bộ Kế hoạch và Đầu tư/g, 'Bộ KH&ĐT'], [/Văn phòng Chính phủ/g, 'VPCP'], [/Bộ Tài chính/g, 'BTC'],
  [/Bộ Giáo dục và Đào tạo/g, 'Bộ GD&ĐT'], [/chuyển đổi số/g, 'CĐS'], [/cơ sở dữ liệu/gi, 'CSDL'], [/thủ tục hành chính/g, 'TTHC'],
];
function withTypo(q: string, seed: number): string {
  const words = q.split(' ');
  const candidates = words.map((w, i) => [w, i] as const).filter(([w]) => w.length >= 5);
  if (candidates.length === 0) return q;
  const [w, i] = candidates[seed % candidates.length]!;
  const p = 1 + (seed % (w.length - 2));
  words[i] = w.slice(0, p) + w[p + 1] + w[p] + w.slice(p + 2);
  return words.join(' ');
}
const VARIANTS: Record<string, (q: string, i: number) => string> = {
  'nguyên văn': (q) => q,
  'không dấu': (q) => fold(q),
  'viết tắt': (q) => ABBREVIATIONS.reduce((s, [re, r]) => s.replace(re, r), q),
  'gõ sai 1 chữ': (q, i) => withTypo(q, i * 7 + 3),
};

async function benchQa(): Promise<void> {
  console.log('== 1. Hỏi đáp (issue: question answering) ==');
  const corpus = Corpus.load();
  const registry = AgencyRegistry.load();
  const t0 = performance.now();
  const index = await PassageIndex.build(corpus, registry);
  const buildMs = performance.now() - t0;
  console.log(`Lập chỉ mục: ${index.chunks.length} đoạn từ ${corpus.documents.length} văn bản trong ${ms(buildMs)} (lưu đệm dưới DATA_DIR; lần chạy sau chỉ nạp lại)`);

  // The answer cache is off: every question is answered from scratch (the cached path costs ~0.01 ms).
  const assistant = await Assistant.open({ answerCacheSize: 0 });
  // Warm-up pass (JIT), then timed passes: in-process latency of a steady server.
  // Latency over every QA set (dev, own examples, blind user-style sets): the questions users really type.
  const evalDir = join(REPO_ROOT, 'tests', 'fixtures', 'eval');
  const allItems = readdirSync(evalDir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(evalDir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as QaItem));
  for (const it of allItems) await assistant.ask(it.q, { now: it.now ?? '2024-08-01', extractiveOnly: true });
  const times: number[] = [];
  let correct = 0;
  for (let pass = 0; pass < 3; pass++) {
    for (const it of allItems) {
      const t = performance.now();
      await assistant.ask(it.q, { now: it.now ?? '2024-08-01', extractiveOnly: true });
      times.push(performance.now() - t);
    }
  }
  for (const it of items) if (judge(it, await assistant.ask(it.q, { now: it.now ?? '2024-08-01', extractiveOnly: true }), (id) => corpus.text(id)).correct) correct++;
  console.log(`Độ trễ mỗi câu (trong tiến trình, ${allItems.length} câu của mọi bộ × 3 lượt = ${times.length}): p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}, max ${ms(Math.max(...times))} (mục tiêu p95 ≤ 10 ms)`);
  console.log(`Độ chính xác bộ dev: ${correct}/${items.length}`);
  for (const [name, f] of Object.entries(VARIANTS).slice(1)) {
    let ok = 0;
    for (const [i, it] of items.entries()) if (judge(it, await assistant.ask(f(it.q, i), { now: it.now ?? '2024-08-01', extractiveOnly: true }), (id) => corpus.text(id)).correct) ok++;
    console.log(`  biến thể ${name}: ${ok}/${items.length}`);
  }
  console.log(`Bộ nhớ đỉnh (RSS, tiến trình bench sau khi nạp trợ lý và trả lời): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

  // Cold start and batch: real child processes with a warm index cache, as an operator runs them.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
  const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', OPENAI_API_KEY: '', ANSWER_CACHE_SIZE: '0' };
  spawnSync(TSX, ['scripts/ask.ts', '--now', '2024-08-01', 'khởi tạo bộ đệm'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync(TSX, ['scripts/ask.ts', '--json', '--now', '2024-08-01', 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    cold.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`ask failed: ${r.stderr}`);
  }
  console.log(`\`ask\` khởi động nguội (tsx scripts/ask.ts, chỉ mục đã đệm, trung vị 3 lần): ${ms(percentile(cold, 50))} (mục tiêu ≤ 1,5 s)`);
  const batchFile = join(dataDir, 'batch.jsonl');
  writeFileSync(batchFile, items.map((it) => JSON.stringify({ id: it.id, q: it.q, ...(it.now && { now: it.now }) })).join('\n'));
  const tb = performance.now();
  const batch = spawnSync(TSX, ['scripts/ask.ts', '--json', '--batch', batchFile], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  const batchMs = performance.now() - tb;
  const lines = batch.stdout.trim().split('\n').filter(Boolean);
  console.log(`Lô ${items.length} câu end-to-end (một tiến trình ask --batch): ${ms(batchMs)}, ${lines.length} kết quả JSON (mục tiêu ≤ 3 s)`);
  rmSync(dataDir, { recursive: true, force: true });

  console.log('\n== 2. So sánh truy hồi trên cùng các đoạn (evidence recall) ==');
  const withEvidence = items.filter((it) => it.evidence);
  const chunks = index.chunks;
  const miniDefault = new MiniSearch({ fields: ['text'], idField: 'id' });
  miniDefault.addAll(chunks.map((c) => ({ id: c.id, text: c.text })));
  const bm25 = BM25Retriever.fromDocuments(chunks.map((c) => new Document({ pageContent: c.text, metadata: { id: c.id } })), { k: 10 });
  type System = (q: string) => Promise<number[]>;
  const ours = (mode: SearchMode): System => async (q) => (await index.search(q, { k: 10, mode })).map((h) => h.chunk.id);
  const systems: Record<string, System> = {
    'Ours: lai (BM25 + vector, RRF)': ours('hybrid'),
    'Ours: chỉ từ vựng (BM25, tiếng Việt)': ours('lexical'),
    'Ours: chỉ vector (n-gram băm, hnswlib)': ours('dense'),
    'MiniSearch mặc định': async (q) => miniDefault.search(q).slice(0, 10).map((r) => r.id as number),
    'LangChain BM25Retriever': async (q) => (await bm25.invoke(q)).map((d) => d.metadata.id as number),
  };
  const evidenceRank = (ids: number[], evidence: string) => ids.findIndex((id) => squashSpaces(chunks[id]!.text).includes(squashSpaces(evidence)));
  console.log(`(${withEvidence.length} câu có đoạn bằng chứng; R@1 / R@5 / MRR@10)`);
  for (const [variant, f] of Object.entries(VARIANTS)) {
    console.log(`-- câu hỏi ${variant}`);
    for (const [name, search] of Object.entries(systems)) {
      let r1 = 0, r5 = 0, mrr = 0;
      for (const [i, it] of withEvidence.entries()) {
        const rank = evidenceRank(await search(f(it.q, i)), [it.evidence!].flat()[0]!);
        if (rank === 0) r1++;
        if (rank >= 0 && rank < 5) r5++;
        if (rank >= 0) mrr += 1 / (rank + 1);
      }
      const n = withEvidence.length;
      console.log(`   ${name.padEnd(40)} ${(r1 / n).toFixed(3)} / ${(r5 / n).toFixed(3)} / ${(mrr / n).toFixed(3)}`);
    }
  }
  let answerLevel = 0;
  for (const it of withEvidence) {
    const r = await assistant.ask(it.q, { now: it.now ?? '2024-08-01', extractiveOnly: true });
    if (judge(it, r, (id) => corpus.text(id)).evidenceAt5) answerLevel++;
  }
  console.log(`Evidence recall@5 của \`ask\` (5 đoạn trả về: đoạn chứa nhiệm vụ được chọn, rồi kết quả truy hồi): ${answerLevel}/${withEvidence.length} = ${(answerLevel / withEvidence.length).toFixed(3)} (mục tiêu ≥ 0,95)`);
}

function runChild(script: string, title: string, args: string[] = []): Promise<void> {
  const file = join(REPO_ROOT, 'scripts', script);
  if (!existsSync(file)) {
    console.log(`\n== ${title} ==\n(chưa có ${script})`);
    return Promise.resolve();
  }
  console.log(`\n== ${title} ==`);
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [file, ...args], { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, LOG_LEVEL: 'warn' } });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} kết thúc với mã ${code}`))));
  });
}

/** Stages that failed: each is reported, and the next stage still runs. */
const failed: string[] = [];
async function stage(title: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    failed.push(title);
    console.log(`\n!! Giai đoạn «${title}» thất bại: ${(err as Error).message.split('\n')[0]} — chuyển sang giai đoạn tiếp theo.`);
  }
}

if (!only || only === 'qa') await stage('1–2. Hỏi đáp và truy hồi', benchQa);
if (!only || only === 'channels') {
  await stage('3a', () => runChild('bench-channels.ts', '3a. Kênh chat (webhook Telegram, máy chủ giả cục bộ), có bộ đệm câu trả lời'));
  await stage('3b', () => runChild('bench-channels.ts', '3b. Kênh chat, KHÔNG bộ đệm (mỗi câu trả lời tính lại từ đầu)', ['--cache', 'off']));
  await stage('3c', () => runChild('bench-channels.ts', '3c. Kênh chat, KHÔNG bộ đệm, 2 luồng worker trả lời (ASSISTANT_WORKERS=2)', ['--cache', 'off', '--workers', '2']));
}
if (!only || only === 'reminders') await stage('4', () => runChild('bench-reminders.ts', '4. Nhắc hạn (100.000 đăng ký, gửi hàng loạt)'));
if (!only || only === 'web') await stage('5', () => runChild('bench-web.ts', '5. Trang trò chuyện web trong Chromium (Enter → câu trả lời trên màn hình, dung lượng trang)'));
if (!only || only === 'ingest') await stage('6', () => runChild('bench-ingest.ts', '6. Nạp văn bản (9 văn bản gốc, từng văn bản và --rebuild)'));
if (!only || only === 'cluster') await stage('7', () => runChild('bench-cluster.ts', '7. Nhiều phiên bản trên PostgreSQL (nhắc hạn, webhook qua proxy)'));
console.log(failed.length === 0 ? '\nMọi giai đoạn đã chạy xong.' : `\nCác giai đoạn thất bại (xem thông báo ở trên): ${failed.join(', ')}.`);
if (failed.length > 0) process.exitCode = 1;
