/**
 * npm run fuzz [-- --n 300 --seed 1]: random and hostile updates against the real app and adapters
 * (Telegram webhook and long polling, Zalo) with the fake Bot API servers; bounded by --n per door.
 * Prints what went wrong and exits 1 when anything did (replay with the same --seed).
 */
import { parseArgs } from 'node:util';
import { runFuzz } from '../tests/support/fuzz.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '300' }, seed: { type: 'string', default: String(Date.now() % 100_000) } } });
const n = Math.min(5000, Math.max(1, Number(values.n) || 300));
const seed = Number(values.seed) || 1;
console.log(`Fuzz: ${n} cập nhật mỗi cửa, seed ${seed}`);
const report = await runFuzz({ n, seed, log: (m) => console.log(`  ${m}`) });
console.log(
  `Không trả lời: ${report.unanswered}, trả lời quá nhiều: ${report.overAnswered}, HTML Telegram từ chối: ${report.badHtml}, lộ lỗi/vết ngăn xếp: ${report.leaks}, HTTP 5xx: ${report.serverErrors}`,
);
for (const p of report.problems.slice(0, 20)) console.log(`  - ${p}`);
const bad = report.unanswered + report.overAnswered + report.badHtml + report.leaks + report.serverErrors;
console.log(bad === 0 ? 'Kết quả: ĐẠT' : `Kết quả: KHÔNG ĐẠT (${bad} lỗi) — chạy lại với --seed ${seed}`);
process.exit(bad === 0 ? 0 : 1);
