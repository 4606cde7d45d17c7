/**
 * Deadline reminders from the command line.
 *
 *   npm run remind -- --once [--now YYYY-MM-DD] [--dry-run]   one pass, then exit
 *   npm run remind                                             daily at 08:00 (Asia/Ho_Chi_Minh)
 *
 * Environment: DATA_DIR (database directory, default ./data), CORPUS_DIR, ASSISTANT_NOW
 * (frozen date), TELEGRAM_BOT_TOKEN / TELEGRAM_API_ROOT, ZALO_BOT_TOKEN / ZALO_API_ROOT,
 * LOG_LEVEL. Exit 0 after a pass (send failures are retried on the next pass and do not
 * change the exit code); exit 1 on a configuration error, naming the variable.
 */

import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { loadDotEnv } from '../src/config/env.js';
import { createLogger } from '../src/config/logger.js';
import { loadRegistry } from '../src/ingestion/ingest.js';
import { Corpus, defaultCorpusDir } from '../src/corpus/store.js';
import { ReminderScheduler, vietnamTime } from '../src/reminders/scheduler.js';
import { sendersFromEnv } from '../src/reminders/senders.js';
import { PassInProgressError, runReminderPass, type ReminderPassResult } from '../src/reminders/service.js';
import { materializeCorpus } from '../src/storage/corpus-db.js';
import { defaultDatabasePath, openStore, type Store } from '../src/storage/index.js';
import { PostgresStore } from '../src/storage/postgres.js';
import { formatVietnameseDate, parseIsoDate, resolveNow } from '../src/text/dates.js';

function fail(message: string): never {
  process.stderr.write(`Lỗi cấu hình: ${message}\n`);
  process.exit(1);
}

function summary(now: string, r: ReminderPassResult, dryRun: boolean): string {
  if (dryRun) {
    return `Chạy thử ngày ${formatVietnameseDate(now)}: ${r.due} nhắc hạn đến hạn, sẽ gửi ${r.chats} tin nhắn (không gửi, không ghi cơ sở dữ liệu).`;
  }
  const lines = [
    `Nhắc hạn ngày ${formatVietnameseDate(now)}: ${r.due} nhắc hạn đến hạn, ${r.claimed} nhắc hạn mới được ghi nhận.`,
    `Đã gửi ${r.messages}/${r.chats} tin nhắn (${r.reminders} nhắc hạn).`,
  ];
  if (r.resumed) lines.push(`Tiếp tục lượt nhắc ngày ${formatVietnameseDate(r.resumed)} bị gián đoạn (gửi nốt các cuộc trò chuyện còn lại).`);
  if (r.retried > 0) lines.push(`Gửi lại ${r.retried} nhắc hạn còn treo từ lần chạy trước.`);
  if (r.failures > 0) lines.push(`${r.failures} cuộc trò chuyện gửi lỗi — sẽ thử lại ở lần chạy sau.`);
  if (r.paused > 0) lines.push(`${r.paused} cuộc trò chuyện đã chặn bot — đã tạm dừng đăng ký của họ.`);
  if (r.givenUp > 0) lines.push(`Bỏ ${r.givenUp} nhắc hạn (hết số lần thử, nhiệm vụ đã bị xóa hoặc đã tắt nhắc).`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: { once: { type: 'boolean' }, now: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message}. Cách dùng: npm run remind -- --once [--now YYYY-MM-DD] [--dry-run]`);
  }
  if (args.help) {
    process.stderr.write('Cách dùng: npm run remind -- --once [--now YYYY-MM-DD] [--dry-run]\n(không có --once: chạy hằng ngày lúc 08:00 giờ Việt Nam)\n');
    return;
  }
  const dryRun = args['dry-run'] ?? false;
  loadDotEnv();

  if (args.now !== undefined && !parseIsoDate(args.now)) fail(`--now "${args.now}" không hợp lệ — cần dạng YYYY-MM-DD, ví dụ 2024-08-01.`);
  if (process.env.ASSISTANT_NOW && !parseIsoDate(process.env.ASSISTANT_NOW)) {
    fail(`ASSISTANT_NOW="${process.env.ASSISTANT_NOW}" không hợp lệ — cần dạng YYYY-MM-DD.`);
  }
  const frozen = args.now !== undefined || Boolean(process.env.ASSISTANT_NOW);

  const { senders, errors } = sendersFromEnv();
  if (errors.length > 0) fail(errors.map((e) => e.message).join('\n'));
  if (senders.size === 0 && !dryRun) {
    fail('chưa cấu hình kênh gửi nào: đặt TELEGRAM_BOT_TOKEN (và TELEGRAM_API_ROOT nếu dùng máy chủ riêng) hoặc ZALO_BOT_TOKEN, hoặc dùng --dry-run.');
  }

  const level = process.env.LOG_LEVEL ?? (args.once ? 'warn' : 'info');
  // The shared logger masks bot tokens and redacts secrets.
  const logger = createLogger(level).child({ service: 'reminders' });

  let store: Store;
  try {
    store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: dirname(defaultDatabasePath()) });
  } catch (err) {
    const where = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `${defaultDatabasePath()} (DATA_DIR)`;
    fail(`không mở được cơ sở dữ liệu ${where}: ${(err as Error).message}`);
  }

  // With PostgreSQL the task table is the database's latest corpus (the files are only the seed).
  let corpusDir = defaultCorpusDir();
  if (store instanceof PostgresStore) {
    const dir = join(dirname(defaultDatabasePath()), 'corpus-db', 'remind');
    if ((await materializeCorpus(store.pool, dir, corpusDir)) !== null) corpusDir = dir;
  }
  const corpus = Corpus.load(corpusDir);
  const registry = loadRegistry(corpus.paths.root);
  if (corpus.tasks.length === 0) process.stderr.write(`Cảnh báo: bảng nhiệm vụ ${corpus.paths.tasksJson} trống hoặc chưa có.\n`);
  const titles = new Map(corpus.documents.map((d) => [d.docId, d.title]));

  const pass = (now: string, time: string) =>
    runReminderPass({ store, tasks: corpus.tasks, registry, titles, senders, now, time, logger, dryRun });

  if (args.once) {
    const now = resolveNow(args.now);
    let result: ReminderPassResult;
    try {
      result = await pass(now, frozen ? '08:00' : vietnamTime(new Date()));
    } catch (err) {
      if (!(err instanceof PassInProgressError)) throw err;
      // Not an error of this run: the other pass sends everything due.
      process.stderr.write(`${err.message}\n`);
      await store.close();
      process.exit(0);
    }
    if (dryRun) {
      for (const m of result.preview ?? []) {
        process.stdout.write(`===== ${m.channel}:${m.chatId} (${m.reminders} nhắc hạn) =====\n${m.text}\n\n`);
      }
    }
    process.stderr.write(`${summary(now, result, dryRun)}\n`);
    await store.close();
    // The Telegram throttler keeps refresh timers alive; the pass is over and committed.
    process.exit(0);
  }

  if (args.now !== undefined) process.env.ASSISTANT_NOW = args.now;
  const scheduler = new ReminderScheduler({
    runPass: async (now, time) => process.stderr.write(`${summary(now, await pass(now, time), dryRun)}\n`),
    lastPassDate: () => store.lastPassDate(),
    logger,
  });
  const shutdown = async (): Promise<void> => {
    await scheduler.stop();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  await scheduler.start();
  process.stderr.write(`Đang chạy nhắc hạn hằng ngày lúc 08:00 (giờ Việt Nam); lần tới: ${scheduler.nextRun()?.toISOString() ?? '—'}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Lỗi: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
