/**
 * npm run eval [-- FILE]  — judges a QA file (JSON lines) by the rules in tests/fixtures/eval/README.md:
 * accuracy per kind, evidence recall@5, citation validity, and every failure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/env.js';
import { REPO_ROOT } from '../src/corpus/store.js';
import { Assistant } from '../src/qa/assistant.js';
import { judge, type Judgement, type QaItem } from '../src/qa/evaluate.js';

const file = process.argv[2] ?? join(REPO_ROOT, 'tests', 'fixtures', 'eval', 'qa-dev.jsonl');
const items = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as QaItem);
const config = loadConfig();
const assistant = await Assistant.open({ dataDir: config.dataDir, ...(config.CORPUS_DIR && { corpusDir: config.CORPUS_DIR }) });
const judgements: Judgement[] = [];
for (const item of items) {
  const result = await assistant.ask(item.q, { ...(item.now && { now: item.now }), id: item.id, extractiveOnly: true });
  judgements.push(judge(item, result, (id) => (assistant.corpus.document(id) ? assistant.corpus.text(id) : undefined)));
}

const pct = (a: number, b: number) => (b === 0 ? '—' : `${((a / b) * 100).toFixed(1)}%`);
const kinds = [...new Set(judgements.map((j) => j.kind))];
console.log(`Bộ câu hỏi: ${file} (${items.length} câu)\n`);
console.log('Loại câu hỏi      đúng/tổng   tỷ lệ');
for (const k of kinds) {
  const js = judgements.filter((j) => j.kind === k);
  const ok = js.filter((j) => j.correct).length;
  console.log(`${k.padEnd(16)}  ${`${ok}/${js.length}`.padStart(9)}   ${pct(ok, js.length)}`);
}
const correct = judgements.filter((j) => j.correct).length;
const withEvidence = judgements.filter((j) => j.evidenceAt5 !== null);
const evidence = withEvidence.filter((j) => j.evidenceAt5).length;
const citations = judgements.reduce((n, j) => n + j.citations, 0);
const validAll = judgements.every((j) => j.citationsValid);
console.log(`\nĐộ chính xác: ${correct}/${items.length} = ${pct(correct, items.length)} (mục tiêu ≥ 95%)`);
console.log(`Evidence recall@5: ${evidence}/${withEvidence.length} = ${pct(evidence, withEvidence.length)} (mục tiêu ≥ 95%)`);
console.log(`Trích dẫn hợp lệ (nguyên văn): ${validAll ? '100%' : 'CÓ LỖI'} trên ${citations} trích dẫn`);
const oos = judgements.filter((j) => j.kind === 'out_of_scope');
console.log(`Câu ngoài phạm vi bị từ chối: ${oos.filter((j) => j.correct).length}/${oos.length}`);
const failures = judgements.filter((j) => !j.correct || j.evidenceAt5 === false);
if (failures.length > 0) {
  console.log('\nLỗi:');
  for (const j of failures) console.log(`  ${j.id} [${j.kind}] ${[...j.failures, ...(j.evidenceAt5 === false ? ['bằng chứng không nằm trong 5 đoạn đầu'] : [])].join('; ')}`);
}
process.exitCode = correct / items.length >= 0.95 && validAll ? 0 : 1;
