/**
 * npm run eval [-- FILE …] [--variants] [--failures] [--ingest DOC …]
 *
 * Judges QA sets (JSON lines) by the rules in tests/fixtures/eval/README.md and prints, per set:
 * accuracy by kind and by style (diacritics, no_diacritics, abbrev, typo, multi_part, filter,
 * follow_up, colloquial), evidence recall@5, citation validity, and the failures.
 * Without FILE: every tests/fixtures/eval/*.jsonl, plus the spelling variant set generated from
 * qa-dev.jsonl (scripts/variants.ts). Follow-ups (items with "context") go through the
 * conversation layer: the context turns first, then the follow-up, in the same chat.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadConfig } from '../src/config/env.js';
import { Conversation } from '../src/conversation/conversation.js';
import { defaultCorpusDir, REPO_ROOT } from '../src/corpus/store.js';
import { ingestFiles } from '../src/ingestion/ingest.js';
import { Assistant, type AskResult } from '../src/qa/assistant.js';
import { judge, type Judgement, type QaItem } from '../src/qa/evaluate.js';
import { spellingVariants } from './variants.js';

interface Item extends QaItem {
  style?: string;
  context?: string[];
  variant?: string;
}

const args = process.argv.slice(2);
const showAllFailures = args.includes('--failures');
// "--ingest DOC.txt": documents the product has never seen, ingested into a copy of the corpus before judging.
const ingested = args.flatMap((a, i) => (args[i - 1] === '--ingest' ? [a] : []));
const files = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--ingest');
const dir = join(REPO_ROOT, 'tests', 'fixtures', 'eval');
const read = (file: string): Item[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Item);

const sets: Array<{ name: string; items: Item[] }> = [];
if (files.length > 0) for (const f of files) sets.push({ name: basename(f), items: read(f) });
else {
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl')).sort()) sets.push({ name: f, items: read(join(dir, f)) });
}
if (files.length === 0 || args.includes('--variants')) {
  const base = sets.find((s) => s.name === 'qa-dev.jsonl')?.items ?? read(join(dir, 'qa-dev.jsonl'));
  sets.push({ name: 'biến thể chính tả của qa-dev (tự sinh)', items: spellingVariants(base) });
}

const config = loadConfig();
let corpusDir = config.CORPUS_DIR || undefined;
let dataDir = config.dataDir;
if (ingested.length > 0) {
  const scratch = mkdtempSync(join(tmpdir(), 'eval-unseen-'));
  corpusDir = join(scratch, 'corpus');
  dataDir = join(scratch, 'data');
  cpSync(config.CORPUS_DIR || defaultCorpusDir(), corpusDir, { recursive: true });
  for (const o of await ingestFiles(ingested, { corpusDir })) console.log(`Đã nạp văn bản chưa từng thấy: ${o.docId} — ${o.tasks} dòng nhiệm vụ (${basename(o.file)})`);
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
}
const assistant = await Assistant.open({ dataDir, ...(corpusDir && { corpusDir }) });
const textOf = (id: string) => (assistant.corpus.document(id) ? assistant.corpus.text(id) : undefined);

/** A follow-up through the conversation layer; the judged result is the last answer the assistant composed. */
async function askInConversation(item: Item, chatId: string): Promise<AskResult> {
  let last: AskResult | undefined;
  const answerer = {
    registry: assistant.registry,
    ask: async (q: string, opts?: { now?: string; page?: number; passages?: boolean }) => {
      last = await assistant.ask(q, { ...opts, passages: true, extractiveOnly: true });
      return last;
    },
  };
  const conversation = new Conversation({ answerer, now: () => item.now, ratePerMinute: 10_000 });
  const msg = { channel: 'cli' as const, chatId, userId: chatId, chatType: 'private' as const };
  for (const turn of item.context ?? []) await conversation.handle({ ...msg, text: turn });
  last = undefined;
  await conversation.handle({ ...msg, text: item.q });
  return last ?? { question: item.q, intent: 'out_of_scope', grounded: false, answer: '', tasks: [], citations: [], passages: [] };
}

const pct = (a: number, b: number) => (b === 0 ? '—' : `${((a / b) * 100).toFixed(1)}%`);
let allOk = true;
for (const set of sets) {
  const judgements: Array<Judgement & { style: string; variant?: string }> = [];
  let n = 0;
  for (const item of set.items) {
    const result = item.context?.length
      ? await askInConversation(item, `eval-${n++}`)
      : await assistant.ask(item.q, { ...(item.now && { now: item.now }), id: item.id, extractiveOnly: true });
    judgements.push({ ...judge(item, result, textOf), style: item.style ?? 'diacritics', ...(item.variant && { variant: item.variant }) });
  }
  const table = (title: string, key: (j: (typeof judgements)[number]) => string) => {
    console.log(`\n${title.padEnd(18)} đúng/tổng   tỷ lệ`);
    for (const k of [...new Set(judgements.map(key))]) {
      const js = judgements.filter((j) => key(j) === k);
      const ok = js.filter((j) => j.correct).length;
      console.log(`${k.padEnd(18)} ${`${ok}/${js.length}`.padStart(9)}   ${pct(ok, js.length)}`);
    }
  };
  console.log(`\n=== ${set.name} (${set.items.length} câu)`);
  table('Loại câu hỏi', (j) => j.kind);
  table('Cách viết', (j) => j.style);
  if (judgements.some((j) => j.variant)) table('Biến thể', (j) => j.variant ?? '');
  const correct = judgements.filter((j) => j.correct).length;
  const withEvidence = judgements.filter((j) => j.evidenceAt5 !== null);
  const evidence = withEvidence.filter((j) => j.evidenceAt5).length;
  const citations = judgements.reduce((k, j) => k + j.citations, 0);
  const validAll = judgements.every((j) => j.citationsValid);
  console.log(`\nĐộ chính xác: ${correct}/${set.items.length} = ${pct(correct, set.items.length)} (mục tiêu ≥ 95%)`);
  console.log(`Evidence recall@5: ${evidence}/${withEvidence.length} = ${pct(evidence, withEvidence.length)}`);
  console.log(`Trích dẫn hợp lệ (nguyên văn): ${validAll ? '100%' : 'CÓ LỖI'} trên ${citations} trích dẫn`);
  const oos = judgements.filter((j) => j.kind === 'out_of_scope');
  console.log(`Câu ngoài phạm vi bị từ chối: ${oos.filter((j) => j.correct).length}/${oos.length}`);
  const failures = judgements.filter((j) => !j.correct);
  if (failures.length > 0) {
    console.log('\nLỗi:');
    for (const j of failures.slice(0, showAllFailures ? Infinity : 40)) console.log(`  ${j.id} [${j.kind}/${j.style}] ${j.failures.join('; ')}`);
    if (!showAllFailures && failures.length > 40) console.log(`  … và ${failures.length - 40} lỗi khác (--failures để xem hết)`);
  }
  if (correct / Math.max(1, set.items.length) < 0.95 || !validAll) allOk = false;
}
process.exitCode = allOk ? 0 : 1;
