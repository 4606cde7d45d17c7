/**
 * npm run ingest -- FILE... [--title T] [--date YYYY-MM-DD] [--issuer I] [--number N]
 * npm run ingest -- --rebuild        (re-extract the task table from stored texts)
 * npm run ingest -- --export         (DATABASE_URL: write the database's corpus back to the files)
 *
 * With DATABASE_URL set the corpus lives in PostgreSQL: the database's version is
 * materialised into a temporary directory, the ingest runs there exactly as on one
 * box, and the result is stored in one transaction that notifies every instance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadDotEnv } from '../src/config/env.js';
import { defaultCorpusDir } from '../src/corpus/store.js';
import { IngestBatchError, ingestFiles, rebuildTaskTable } from '../src/ingestion/ingest.js';
import { materializeCorpus, storeCorpus, withIngestLock } from '../src/storage/corpus-db.js';
import { isPostgresUrl } from '../src/storage/index.js';
import { migratePostgres } from '../src/storage/postgres-schema.js';

const USAGE = `Cách dùng:
  npm run ingest -- TỆP... [--title "Tiêu đề"] [--date YYYY-MM-DD] [--issuer "Cơ quan ban hành"] [--number "Số hiệu"]
  npm run ingest -- --rebuild     trích xuất lại bảng nhiệm vụ từ các văn bản đã nạp
  npm run ingest -- --export      (khi đặt DATABASE_URL) ghi kho văn bản trong PostgreSQL ra các tệp corpus/
Định dạng hỗ trợ: .txt (UTF-8), .pdf (có lớp chữ), .docx; tối đa 20 MB mỗi tệp.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        title: { type: 'string' },
        date: { type: 'string' },
        issuer: { type: 'string' },
        number: { type: 'string' },
        rebuild: { type: 'boolean', default: false },
        export: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  loadDotEnv();
  const url = process.env.DATABASE_URL?.trim();
  if (url && !isPostgresUrl(url)) {
    console.error('Biến môi trường DATABASE_URL không hợp lệ: phải là địa chỉ PostgreSQL dạng postgres://người-dùng:mật-khẩu@máy:5432/tên-csdl.');
    return 2;
  }
  if (values.export && !url) {
    console.error('--export chỉ dùng khi đặt DATABASE_URL (kho văn bản trong PostgreSQL); không có DATABASE_URL thì kho đã là các tệp corpus/.');
    return 2;
  }
  if (!url) return runIngest(values, positionals);
  // Clustered: run the same ingest on a materialised copy of the database's corpus, then store it back.
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const work = mkdtempSync(join(tmpdir(), 'tro-ly-ingest-'));
  try {
    await migratePostgres(pool);
    return await withIngestLock(pool, async (client) => {
      const seed = defaultCorpusDir();
      if (values.export) {
        const version = await materializeCorpus(client, seed, seed);
        console.log(version === null ? 'Cơ sở dữ liệu chưa có kho văn bản; các tệp corpus/ giữ nguyên.' : `Đã ghi kho văn bản phiên bản ${version} ra ${seed}.`);
        return 0;
      }
      const dir = join(work, 'corpus');
      await materializeCorpus(client, dir, seed);
      const code = await runIngest(values, positionals, dir);
      if (code !== 0) return code;
      const version = await storeCorpus(client, dir);
      console.log(`Đã lưu vào PostgreSQL (phiên bản kho ${version}); mọi phiên bản trợ lý đang chạy được báo để nạp lại chỉ mục.`);
      return 0;
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
    await pool.end();
  }
}

/** The file-based ingest, on `corpusDir` (default: the repository's corpus). */
async function runIngest(values: { rebuild?: boolean; title?: string; date?: string; issuer?: string; number?: string }, positionals: string[], corpusDir?: string): Promise<number> {
  if (values.rebuild) {
    const table = rebuildTaskTable({ ...(corpusDir && { corpusDir }) });
    console.log(`Đã trích xuất lại bảng nhiệm vụ: ${table.length} dòng.`);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`Chưa chỉ định tệp nào để nạp.\n\n${USAGE}`);
    return 2;
  }
  try {
    const outcomes = await ingestFiles(positionals, {
      ...(values.title !== undefined && { title: values.title }),
      ...(values.date !== undefined && { date: values.date }),
      ...(values.issuer !== undefined && { issuer: values.issuer }),
      ...(values.number !== undefined && { number: values.number }),
      ...(corpusDir && { corpusDir }),
      onProgress: (m) => console.error(m),
    });
    for (const o of outcomes) {
      const verb = o.status === 'added' ? 'Đã nạp' : o.status === 'updated' ? 'Đã cập nhật' : 'Không thay đổi (đã có nội dung này)';
      console.log(`${verb}: ${o.docId} — «${o.title}» — ${o.tasks} dòng nhiệm vụ (${o.file})`);
    }
    return 0;
  } catch (err) {
    if (err instanceof IngestBatchError) {
      console.error('Không nạp được; kho văn bản giữ nguyên, không có thay đổi nào:');
      for (const e of err.errors) console.error(`  ✗ ${e.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main();
