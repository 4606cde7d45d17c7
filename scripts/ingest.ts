/**
 * npm run ingest -- FILE... [--title T] [--date YYYY-MM-DD] [--issuer I] [--number N]
 * npm run ingest -- --rebuild        (re-extract the task table from stored texts)
 */
import { parseArgs } from 'node:util';
import { IngestBatchError, ingestFiles, rebuildTaskTable } from '../src/ingestion/ingest.js';

const USAGE = `Cách dùng:
  npm run ingest -- TỆP... [--title "Tiêu đề"] [--date YYYY-MM-DD] [--issuer "Cơ quan ban hành"] [--number "Số hiệu"]
  npm run ingest -- --rebuild     trích xuất lại bảng nhiệm vụ từ các văn bản đã nạp
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
  if (values.rebuild) {
    const table = rebuildTaskTable();
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
