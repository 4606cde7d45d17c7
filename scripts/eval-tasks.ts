/** npm run eval:tasks [-- GOLD_FILE] — quality of the task table against hand-labelled rows. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Corpus, REPO_ROOT } from '../src/corpus/store.js';
import { evaluateTasks, type GoldRow } from '../src/tasks/evaluate.js';

const goldFile = process.argv[2] ?? join(REPO_ROOT, 'tests', 'fixtures', 'tasks-gold.json');
const gold = JSON.parse(readFileSync(goldFile, 'utf8')) as GoldRow[];
const corpus = Corpus.load();
const e = evaluateTasks(corpus.tasks, gold, corpus.documents);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(`Bảng nhiệm vụ: ${e.rowsExtracted} dòng trích xuất từ ${corpus.documents.length} văn bản (mục tiêu ≥ 150)`);
console.log(`Bộ nhãn chuẩn: ${e.goldRows} dòng (${goldFile}); khớp được ${e.matched}, bỏ sót ${e.missed.length}`);
console.log(`Cơ quan chủ trì: precision ${pct(e.leadPrecision)}, recall ${pct(e.leadRecall)}, F1 ${e.leadF1.toFixed(3)} (mục tiêu ≥ 0,95)`);
console.log(`Thời hạn khớp chính xác: ${pct(e.deadlineExact)} (mục tiêu ≥ 95%)`);
for (const g of e.missed) console.log(`  BỎ SÓT  [${g.doc}] ${g.match}`);
for (const { gold: g, row } of e.leadErrors) console.log(`  CƠ QUAN ${row.id}: ${JSON.stringify(row.lead)} ≠ ${JSON.stringify(g.lead)}`);
for (const { gold: g, row } of e.deadlineErrors) console.log(`  THỜI HẠN ${row.id}: ${row.deadline.date} ≠ ${g.deadline}`);
const ok = e.rowsExtracted >= 150 && e.leadF1 >= 0.95 && e.deadlineExact >= 0.95;
console.log(ok ? 'ĐẠT mọi mục tiêu.' : 'CHƯA ĐẠT mục tiêu.');
process.exitCode = ok ? 0 : 1;
