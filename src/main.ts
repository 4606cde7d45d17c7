/**
 * npm start: loads the configuration, opens the corpus and its index, then
 * starts every configured channel (Telegram, Zalo), the HTTP server (/healthz,
 * webhooks, web chat, JSON API) and the daily reminder scheduler. With no chat
 * channel configured it runs an interactive terminal chat instead. SIGINT and
 * SIGTERM shut down gracefully: updates in hand are answered and confirmed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, loadDotEnv, type Config } from './config/env.js';
import { createLogger } from './config/logger.js';
import { Conversation } from './conversation/conversation.js';
import { openSyncedAnswerer, type SyncedAnswerer } from './corpus-sync.js';
import { createHttpServer, listen } from './channels/http.js';
import { loadSessionKey } from './channels/web/session.js';
import { CorpusSource } from './channels/web/corpus-source.js';
import { uploadsDir } from './channels/web/admin/routes.js';
import { DEFAULT_HTTP_LIMITS } from './channels/http-limits.js';
import { runRepl } from './channels/cli/repl.js';
import { TelegramChannel, TelegramStartError } from './channels/telegram/bot.js';
import { ZaloChannel } from './channels/zalo/bot.js';
import type { MessageSender } from './channels/types.js';
import { ReminderScheduler } from './reminders/scheduler.js';
import { PassInProgressError, runReminderPass } from './reminders/service.js';
import { openStore } from './storage/index.js';
import { backupDatabase, quickCheck } from './storage/integrity.js';
import { Cron } from 'croner';
import { parseNowSetting } from './text/dates.js';
import { deliveriesPending, inboxPending } from './config/metrics.js';

export interface App {
  config: Config;
  port: number;
  conversation: Conversation;
  stop(): Promise<void>;
}

/** Starts everything; resolves once listening. Used by `npm start` and by the end-to-end tests. */
export async function startApp(env: NodeJS.ProcessEnv = process.env, opts: { interactive?: boolean } = {}): Promise<App> {
  const config = loadConfig(env);
  const hasChannel = Boolean(config.TELEGRAM_BOT_TOKEN || config.ZALO_BOT_TOKEN);
  const interactive = opts.interactive ?? !hasChannel;
  // In the terminal chat, logs below warnings would clutter the conversation.
  const logger = createLogger(interactive && config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  mkdirSync(config.dataDir, { recursive: true });

  // The openai client is loaded only when a key is configured: offline start-up stays fast.
  const phraser = config.OPENAI_API_KEY ? (await import('./qa/openai-phraser.js')).loadPhraserFromEnv(env, logger) : undefined;
  const embedder = config.OPENAI_API_KEY ? (await import('./retrieval/embeddings.js')).loadEmbedderFromEnv(env) : undefined;
  const queryModel = config.OPENAI_API_KEY && config.LLM_QUERY ? (await import('./qa/llm-query.js')).loadQueryModelFromEnv(env, logger) : undefined;
  const dbFile = join(config.dataDir, 'assistant.db');
  // Every piece of state, the inbox and the admin question log included, is in the store: with
  // PostgreSQL shared by the cluster (an instance's unanswered updates are taken over when it dies).
  const store = await openStore({
    ...(config.DATABASE_URL && { databaseUrl: config.DATABASE_URL }),
    dataDir: config.dataDir,
    poolSize: config.DATABASE_POOL_SIZE,
    onError: (err) => logger.warn({ err: err.message }, 'database connection error'),
  });
  let synced: SyncedAnswerer;
  try {
    synced = await openSyncedAnswerer({ config, env, store, logger, phraser, embedder, queryModel });
  } catch (err) {
    await store.close();
    throw err;
  }
  // Every request reads the corpus being served now (it changes when another instance ingests).
  const answerer = synced.live;
  const corpus = () => synced.current().assistant.corpus;
  const { assistant } = synced.current();
  // ASSISTANT_NOW may freeze the clock to the minute ("2024-07-01T07:00:00+07:00"): the date for
  // answers, the instant for the reminder scheduler's "is it past 08:00" catch-up.
  const frozen = config.ASSISTANT_NOW ? parseNowSetting(config.ASSISTANT_NOW) : undefined;
  // /healthz re-runs quick_check at most every 30 s, and at once after a database error.
  let dbCheck: { at: number; problem: string | null } = { at: 0, problem: null };
  const dbProblem = (): string | null => {
    if (store.engine !== 'sqlite') return null; // PostgreSQL: /readyz pings the server
    if (Date.now() - dbCheck.at > 30_000) dbCheck = { at: Date.now(), problem: quickCheck(dbFile) };
    return dbCheck.problem;
  };
  const conversation = new Conversation({
    answerer,
    store,
    now: () => frozen?.date,
    allowedChatIds: config.ALLOWED_CHAT_IDS,
    ...(config.ACCESS_CODE && { accessCode: config.ACCESS_CODE }),
    ratePerMinute: config.RATE_LIMIT_PER_MINUTE,
    reminderTime: config.REMINDER_TIME,
    onError: (err, msg) => {
      if ((err as Error)?.name === 'SqliteError') dbCheck.at = 0;
      logger.error({ err, channel: msg.channel }, 'conversation failed');
    },
  });

  const inbox = hasChannel ? store.inbox : undefined;
  const telegram = config.TELEGRAM_BOT_TOKEN
    ? new TelegramChannel({
        token: config.TELEGRAM_BOT_TOKEN,
        ...(config.TELEGRAM_API_ROOT && { apiRoot: config.TELEGRAM_API_ROOT }),
        conversation,
        logger,
        inbox,
        ...(config.TELEGRAM_WEBHOOK_URL && config.TELEGRAM_WEBHOOK_SECRET && { webhook: { url: config.TELEGRAM_WEBHOOK_URL, secret: config.TELEGRAM_WEBHOOK_SECRET } }),
        ...(env.TELEGRAM_THROTTLE === 'off' && { throttle: false }),
        typingDelayMs: config.TELEGRAM_TYPING_DELAY_MS,
      })
    : undefined;
  const zalo = config.ZALO_BOT_TOKEN
    ? new ZaloChannel({
        token: config.ZALO_BOT_TOKEN,
        ...(config.ZALO_API_ROOT && { apiRoot: config.ZALO_API_ROOT }),
        conversation,
        logger,
        inbox,
        ...(config.ZALO_WEBHOOK_URL && config.ZALO_WEBHOOK_SECRET && { webhook: { url: config.ZALO_WEBHOOK_URL, secret: config.ZALO_WEBHOOK_SECRET } }),
      })
    : undefined;

  // Questions are kept QUESTION_RETENTION_DAYS days: purged now and every six hours.
  const purgeQuestions = () =>
    void store.questionStats.purge(config.QUESTION_RETENTION_DAYS).catch((err: unknown) => logger.warn({ err }, 'question log purge failed'));
  purgeQuestions();
  const purgeTimer = setInterval(purgeQuestions, 6 * 3600_000);
  purgeTimer.unref();
  const sessionKey = loadSessionKey(config.dataDir);
  let stopping = false;
  const server: Server = createHttpServer({
    port: config.PORT,
    logger,
    conversation,
    answerer,
    health: () => {
      const problem = dbProblem();
      return {
        ...(problem && { status: 'error', error: `Cơ sở dữ liệu ${dbFile} bị lỗi (${problem.slice(0, 200)}). Xem README, mục sao lưu và khôi phục (npm run db:restore).` }),
        documents: corpus().documents.length,
        tasks: corpus().tasks.length,
        telegram: Boolean(telegram),
        zalo: Boolean(zalo),
      };
    },
    // Ready: database reachable, index loaded, not shutting down, chat channel receiving.
    ready: async () => {
      if (stopping) return { ready: false, reason: 'đang dừng' };
      if (!(await store.ping())) return { ready: false, reason: 'không kết nối được cơ sở dữ liệu', database: store.engine };
      const t = telegram?.readiness();
      if (t && !t.ready) return { ready: false, telegram: t.reason };
      return { ready: true, database: store.engine, corpusVersion: synced.current().version, documents: corpus().documents.length };
    },
    ...(config.ACCESS_CODE && { apiToken: config.ACCESS_CODE }),
    ...(config.METRICS_TOKEN && { metricsToken: config.METRICS_TOKEN }),
    beforeMetrics: () => {
      // Async store: the gauge shows the count read at the previous scrape.
      store.pendingDeliveries().then((p) => deliveriesPending.set(p.length), () => undefined);
      if (inbox) for (const channel of ['telegram', 'zalo']) inbox.pendingCount(channel).then((n) => inboxPending.set({ channel }, n), () => undefined);
    },
    accessRequired: config.ALLOWED_CHAT_IDS.length > 0 || Boolean(config.ACCESS_CODE),
    sessionKey,
    now: () => config.ASSISTANT_NOW,
    web: {
      corpus: new CorpusSource(assistant.corpus.paths.root, assistant.registry),
      now: () => config.ASSISTANT_NOW,
      ...(config.ADMIN_TOKEN && {
        admin: { token: config.ADMIN_TOKEN, key: sessionKey, questions: store.questionStats, workDir: uploadsDir(config.dataDir), retentionDays: config.QUESTION_RETENTION_DAYS, onCorpusChanged: () => synced.reloadFromDisk() },
      }),
    },
    limits: { ...DEFAULT_HTTP_LIMITS, maxConnections: config.HTTP_MAX_CONNECTIONS, requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS },
    ratePerMinute: Math.max(60, config.RATE_LIMIT_PER_MINUTE),
    ...(telegram && { telegramWebhook: (req, res) => telegram.handleWebhook(req, res) }),
    ...(zalo && { zaloWebhook: (req, res) => zalo.handleWebhook(req, res) }),
  });
  let port: number;
  try {
    port = await listen(server, config.PORT);
  } catch (err) {
    // Port in use: free the database and the workers before the error reaches the operator.
    await synced.stop();
    await store.close();
    throw err;
  }
  try {
    await telegram?.start();
    await zalo?.start();
  } catch (err) {
    // A channel that cannot start (token refused, API unreachable) must not leave the port and the database open.
    await telegram?.stop().catch(() => undefined);
    await zalo?.stop().catch(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    clearInterval(purgeTimer);
    await synced.stop();
    await store.close();
    throw err;
  }

  const senders = new Map<string, MessageSender>();
  if (telegram) senders.set('telegram', telegram.sender);
  if (zalo) senders.set('zalo', zalo.sender);
  const scheduler =
    senders.size > 0
      ? new ReminderScheduler({
          runPass: (now, time) => {
            const { assistant } = synced.current();
            const titles = new Map(assistant.corpus.documents.map((d) => [d.docId, d.title]));
            return runReminderPass({ store, tasks: assistant.corpus.tasks, registry: assistant.registry, titles, senders, now, time, logger }).catch((err: unknown) => {
              // Several instances: the one holding the lock sends for the whole cluster.
              if (err instanceof PassInProgressError) logger.info({ holder: err.holder }, 'reminder pass: another instance is sending this pass');
              else throw err;
            });
          },
          lastPassDate: () => store.lastPassDate(),
          env,
          logger,
          ...(frozen?.instant && { clock: () => frozen.instant! }),
          hour: Number(config.REMINDER_TIME.slice(0, 2)),
          pattern: `${Number(config.REMINDER_TIME.slice(3))} ${Number(config.REMINDER_TIME.slice(0, 2))} * * *`,
        })
      : undefined;
  void scheduler?.start().catch((err) => logger.error({ err }, 'reminder scheduler failed to start'));
  // In a cluster, updates stored by an instance that died are answered by another one (each at most twice).
  const recovery =
    store.engine === 'postgres' && inbox
      ? setInterval(() => {
          for (const [name, channel] of [['telegram', telegram], ['zalo', zalo]] as const) {
            channel
              ?.recoverInbox()
              .then((n) => {
                if (n > 0) logger.warn({ updates: n }, 'inbox: answering the updates of an instance that stopped');
                return inbox.prune(name); // a long-running cluster keeps only the newest done rows
              })
              .catch((err: unknown) => logger.warn({ err }, 'inbox recovery failed'));
          }
        }, config.INBOX_RECOVERY_SECONDS * 1000)
      : undefined;
  recovery?.unref();
  // Daily online backup of the database, keeping the newest DB_BACKUP_KEEP (0: off).
  const backups =
    config.DB_BACKUP_KEEP > 0 && store.engine === 'sqlite'
      ? new Cron(`${Number(config.DB_BACKUP_TIME.slice(3))} ${Number(config.DB_BACKUP_TIME.slice(0, 2))} * * *`, { timezone: 'Asia/Ho_Chi_Minh', protect: true }, async () => {
          try {
            const file = await backupDatabase(dbFile, { keep: config.DB_BACKUP_KEEP });
            logger.info({ file }, 'Đã sao lưu cơ sở dữ liệu.');
          } catch (err) {
            logger.error({ err }, 'Sao lưu cơ sở dữ liệu thất bại.');
          }
        })
      : undefined;
  logger.info({ port, telegram: Boolean(telegram), zalo: Boolean(zalo) }, 'trợ lý đã sẵn sàng');

  return {
    config,
    port,
    conversation,
    async stop() {
      if (stopping) return;
      stopping = true;
      backups?.stop();
      clearInterval(recovery);
      clearInterval(purgeTimer);
      await scheduler?.stop();
      await telegram?.stop();
      await zalo?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      clearInterval(purgeTimer);
      await synced.stop();
      await store.close();
    },
  };
}

/** A start-up failure in one Vietnamese sentence for the operator. */
export function startFailureMessage(err: unknown): string {
  if (err instanceof TelegramStartError) return err.message;
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code === 'EADDRINUSE') {
    return `Cổng ${e.port ?? process.env.PORT ?? 8080} đang được một chương trình khác dùng (có thể một phiên bản trợ lý khác đang chạy). Hãy dừng chương trình đó, hoặc đặt biến PORT sang cổng khác, ví dụ PORT=8081 npm start.`;
  }
  if (e?.code === 'EACCES' && e.syscall === 'listen') {
    return `Không có quyền mở cổng ${e.port ?? process.env.PORT}. Hãy đặt biến PORT sang cổng từ 1024 trở lên, ví dụ PORT=8080.`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `Không khởi động được trợ lý: ${message.split('\n')[0]}`;
}

async function main(): Promise<void> {
  let app: App;
  try {
    loadDotEnv();
    app = await startApp();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\nXem .env.example để biết các biến môi trường.`);
      process.exitCode = 2;
      return;
    }
    // An operator gets one clear line, never a stack trace.
    console.error(startFailureMessage(err));
    process.exitCode = 3;
    return;
  }
  const shutdown = async (signal: string) => {
    console.error(`Nhận ${signal}, đang dừng an toàn…`);
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const hasChannel = Boolean(app.config.TELEGRAM_BOT_TOKEN || app.config.ZALO_BOT_TOKEN);
  if (!hasChannel) {
    await runRepl({
      conversation: app.conversation,
      banner: [
        'Trợ lý chuyển đổi số — trò chuyện tại dòng lệnh (ngoại tuyến, không cần cấu hình).',
        'Chưa cấu hình kênh chat: đặt TELEGRAM_BOT_TOKEN và/hoặc ZALO_BOT_TOKEN (xem .env.example) rồi chạy lại npm start để kết nối Telegram, Zalo.',
        `Trang trò chuyện web: http://localhost:${app.port}/ — gõ /trogiup để xem các lệnh, «thoát» để dừng.`,
      ],
    });
    await app.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
