/**
 * npm run ask -- [--json] [--now YYYY-MM-DD] "câu hỏi"
 * npm run ask -- --json --batch FILE      (FILE: JSON lines {"id","q","now"?}; one JSON object per line out)
 * With `npm run --silent`, stdout holds only the answers; progress and errors go to stderr.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnv } from '../src/config/env.js';
import { Assistant } from '../src/qa/assistant.js';
import { parseIsoDate } from '../src/text/dates.js';

const USAGE = `Cách dùng:
  npm run ask -- [--json] [--now YYYY-MM-DD] "câu hỏi"
  npm run ask -- --json --batch TỆP.jsonl      (mỗi dòng: {"id": "...", "q": "...", "now": "YYYY-MM-DD"})`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        now: { type: 'string' },
        batch: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.now !== undefined && !parseIsoDate(values.now)) {
    console.error(`--now "${values.now}" không hợp lệ — dùng dạng YYYY-MM-DD.`);
    return 2;
  }
  loadDotEnv();
  const config = loadConfig();
  // The openai client is loaded only when a key is configured: offline start-up stays fast.
  const phraser = config.OPENAI_API_KEY ? (await import('../src/qa/openai-phraser.js')).loadPhraserFromEnv() : undefined;
  const embedder = config.OPENAI_API_KEY ? (await import('../src/retrieval/embeddings.js')).loadEmbedderFromEnv() : undefined;
  const queryModel = config.OPENAI_API_KEY && config.LLM_QUERY ? (await import('../src/qa/llm-query.js')).loadQueryModelFromEnv() : undefined;
  const assistant = await Assistant.open({
    dataDir: config.dataDir,
    ...(config.CORPUS_DIR && { corpusDir: config.CORPUS_DIR }),
    ...(phraser && { phraser }),
    ...(embedder && { embedder }),
    ...(queryModel && { queryModel }),
    onProgress: (m) => console.error(m),
    onSkip: (s) => console.error(`Bỏ qua văn bản ${s.docId} khi lập chỉ mục: ${s.reason}.`),
  });

  if (values.batch) {
    let line = 0;
    const input = createInterface({ input: values.batch === '-' ? process.stdin : createReadStream(values.batch), crlfDelay: Infinity });
    for await (const raw of input) {
      line++;
      if (raw.trim() === '') continue;
      let item: { id?: unknown; q?: unknown; now?: unknown };
      try {
        item = JSON.parse(raw);
      } catch {
        console.error(`Dòng ${line}: không phải JSON hợp lệ — bỏ qua.`);
        process.stdout.write(`${JSON.stringify({ id: null, error: `Dòng ${line} không phải JSON hợp lệ` })}\n`);
        continue;
      }
      const now = typeof item.now === 'string' && parseIsoDate(item.now) ? item.now : values.now;
      const result = await assistant.ask(typeof item.q === 'string' ? item.q : '', {
        ...(now !== undefined && { now }),
        ...(item.id !== undefined && { id: String(item.id) }),
      });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    return 0;
  }

  const question = positionals.join(' ').trim();
  if (question === '') {
    console.error(`Chưa có câu hỏi.\n${USAGE}`);
    return 2;
  }
  const result = await assistant.ask(question, { ...(values.now !== undefined && { now: values.now }) });
  console.log(values.json ? JSON.stringify(result, null, 2) : result.answer);
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof ConfigError || err instanceof RangeError) {
    console.error(err.message);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
