/**
 * npm run bench:ingest — ingestion speed on the nine shipped originals: each document ingested
 * alone into a fresh corpus (in-process, after a warm-up), then all nine together, then
 * `--rebuild` of the task table. Prints figures; a failing document is reported and skipped.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { REPO_ROOT } from '../src/corpus/store.js';
import { ingestFiles, rebuildTaskTable } from '../src/ingestion/ingest.js';

const fixtures = join(REPO_ROOT, 'tests', 'fixtures');
const files = ['seed-documents', 'seed-documents-2025'].flatMap((d) =>
  readdirSync(join(fixtures, d))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => join(fixtures, d, f)),
);

function freshCorpus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  copyFileSync(join(REPO_ROOT, 'corpus', 'agencies.json'), join(dir, 'agencies.json'));
  return dir;
}

async function timed<T>(label: string, work: () => Promise<T> | T): Promise<T | undefined> {
  const start = performance.now();
  try {
    const out = await work();
    console.log(`${label.padEnd(60)} ${(performance.now() - start).toFixed(0).padStart(6)} ms`);
    return out;
  } catch (err) {
    console.log(`${label.padEnd(60)} LỖI: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

// Agency mentions in one directive sentence (the registry scans every passage and question): target < 50 µs.
{
  const registry = AgencyRegistry.load();
  const sentence =
    'Bộ Công an chủ trì, phối hợp với Bộ Quốc phòng, Bộ Thông tin và Truyền thông tăng cường phối hợp, thường xuyên đánh giá, hướng dẫn, giám sát, bảo vệ hệ thống thông tin, cơ sở dữ liệu quốc gia, cơ sở dữ liệu chuyên ngành của các bộ, ngành, địa phương.';
  for (let i = 0; i < 200; i++) registry.findMentions(sentence, { caseSensitive: true });
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) registry.findMentions(sentence, { caseSensitive: true });
  console.log(`${'Tìm tên cơ quan trong một câu (mục tiêu < 50 µs)'.padEnd(60)} ${(((performance.now() - t0) / 2000) * 1000).toFixed(1).padStart(6)} µs`);
}

const warm = freshCorpus();
await timed('khởi động (nạp thử một văn bản, không tính)', () => ingestFiles([files[0]!], { corpusDir: warm }));
rmSync(warm, { recursive: true, force: true });

console.log('Nạp từng văn bản vào kho trống (mục tiêu < 2 000 ms mỗi văn bản):');
for (const file of files) {
  const dir = freshCorpus();
  const out = await timed(`  ${file.split('/').pop()}`, () => ingestFiles([file], { corpusDir: dir }));
  if (out) console.log(`${''.padEnd(62)}${out[0]!.tasks} dòng nhiệm vụ`);
  rmSync(dir, { recursive: true, force: true });
}
// A long list under one introduction (≈ 1 MB): the cost of extraction must grow with the text, not its square.
const big = join(mkdtempSync(join(tmpdir(), 'bench-big-')), 'danh-muc-dai.txt');
const lines = ['II. NHIỆM VỤ', 'Các bộ, ngành, địa phương cần thực hiện các nhiệm vụ sau đây:'];
for (let i = 0; i < 6000; i++) lines.push(`${i + 1}. Bộ Công an chủ trì, phối hợp với Bộ Y tế xây dựng hệ thống số ${i}, hoàn thành trong năm 2025.`, `Nội dung chi tiết của nhiệm vụ số ${i}.`);
writeFileSync(big, lines.join('\n'));
const bigCorpus = freshCorpus();
await timed(`Văn bản tổng hợp ${(lines.join('\n').length / 1e6).toFixed(1)} MB, 6.000 mục (kiểm tra không tăng theo bình phương)`, () => ingestFiles([big], { corpusDir: bigCorpus }));
rmSync(bigCorpus, { recursive: true, force: true });

const all = freshCorpus();
await timed('Nạp cả 9 văn bản một lần', () => ingestFiles(files, { corpusDir: all }));
await timed('npm run ingest -- --rebuild (9 văn bản; mục tiêu < 10 000 ms)', () => rebuildTaskTable({ corpusDir: all }));
rmSync(all, { recursive: true, force: true });
