/**
 * Configuration from the environment only (never from files in the repo), validated
 * with zod. A bad value stops start-up with a Vietnamese message naming the variable;
 * secrets are never echoed back.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseNowSetting } from '../text/dates.js';

const optionalText = z.string().trim().min(1).optional();
const url = z.string().trim().url({ message: 'phải là một địa chỉ URL đầy đủ, ví dụ https://bot.example.gov.vn' });
const secret = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{8,256}$/, { message: 'phải dài 8–256 ký tự, chỉ gồm chữ, số, "_" và "-"' });

export const envSchema = z.object({
  DATA_DIR: z.string().trim().min(1).default('./data'),
  CORPUS_DIR: optionalText,
  ASSISTANT_NOW: z
    .string()
    .trim()
    .refine((v) => parseNowSetting(v) !== undefined, { message: 'phải là ngày dạng YYYY-MM-DD (ví dụ 2024-08-01) hoặc ngày giờ có múi giờ (ví dụ 2024-07-01T07:00:00+07:00)' })
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  INGEST_MAX_TEXT_MB: z.coerce.number().min(0.01).max(20).optional(),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(?:ql)?:\/\/\S+$/, { message: 'phải là địa chỉ PostgreSQL dạng postgres://người-dùng:mật-khẩu@máy:5432/tên-csdl' })
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** PostgreSQL: how often an instance looks for updates left unanswered by an instance that died. */
  INBOX_RECOVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TELEGRAM_BOT_TOKEN: z.string().trim().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, { message: 'không đúng dạng token của BotFather (số:chuỗi)' }).optional(),
  TELEGRAM_API_ROOT: url.optional(),
  TELEGRAM_WEBHOOK_URL: url.optional(),
  TELEGRAM_WEBHOOK_SECRET: secret.optional(),
  /** "typing…" only for answers slower than this (ms); 0: before every answer. */
  TELEGRAM_TYPING_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),

  ZALO_BOT_TOKEN: z.string().trim().regex(/^[^\s:]+:[^\s]+$/, { message: 'không đúng dạng token Zalo Bot (bot_id:secret)' }).optional(),
  ZALO_API_ROOT: url.optional(),
  ZALO_WEBHOOK_URL: url.optional(),
  ZALO_WEBHOOK_SECRET: secret.optional(),

  ALLOWED_CHAT_IDS: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
  METRICS_TOKEN: secret.optional(),
  ACCESS_CODE: z.string().trim().min(4, { message: 'phải có ít nhất 4 ký tự' }).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(600).default(20),
  ANSWER_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(1000),
  ASSISTANT_WORKERS: z.coerce.number().int().min(0).max(16).default(0),
  /** Made-up questions answered before the instance reports ready (compiles the answering code); 0: off. */
  ASSISTANT_WARMUP_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(8).max(100_000).default(512),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(60_000),
  ADMIN_TOKEN: z.string().trim().min(16, { message: 'phải có ít nhất 16 ký tự' }).optional(),
  QUESTION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),

  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: url.optional(),
  OPENAI_MODEL: optionalText,
  OPENAI_EMBEDDING_MODEL: optionalText,
  LLM_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(15_000),
  LLM_QUERY: z.string().trim().regex(/^(?:0|1|true|false|yes|no|on|off)?$/i, { message: 'cần 1 (bật) hoặc 0 (tắt)' }).optional(),

  DB_BACKUP_KEEP: z.coerce.number().int().min(0).max(365).default(7),
  DB_BACKUP_TIME: z
    .string()
    .trim()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'phải có dạng HH:MM, ví dụ 03:00' })
    .default('03:00'),

  REMINDER_TIME: z
    .string()
    .trim()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'phải có dạng HH:MM, ví dụ 08:00' })
    .default('08:00'),
});

/** What a numeric or choice variable must be, in Vietnamese (for error messages). */
const EXPECTED: Record<string, string> = {
  PORT: 'cần một số nguyên từ 0 đến 65535, ví dụ 8080',
  LOG_LEVEL: 'cần một trong: fatal, error, warn, info, debug, trace, silent',
  RATE_LIMIT_PER_MINUTE: 'cần một số nguyên từ 1 đến 600',
  LLM_TIMEOUT_MS: 'cần số mili-giây từ 500 đến 120000',
  ANSWER_CACHE_SIZE: 'cần một số nguyên từ 0 đến 100000',
  ASSISTANT_WORKERS: 'cần một số nguyên từ 0 đến 16',
  ASSISTANT_WARMUP_MS: 'cần số mili-giây từ 0 (tắt) đến 60000',
  INGEST_MAX_TEXT_MB: 'cần số MB từ 0,01 đến 20, ví dụ 2',
  DATABASE_POOL_SIZE: 'cần một số nguyên từ 1 đến 100',
  INBOX_RECOVERY_SECONDS: 'cần một số nguyên từ 1 đến 3600 (giây)',
  TELEGRAM_TYPING_DELAY_MS: 'cần số mili-giây từ 0 đến 60000',
  DB_BACKUP_KEEP: 'cần một số nguyên từ 0 (tắt) đến 365',
  HTTP_MAX_CONNECTIONS: 'cần một số nguyên từ 8 đến 100000',
  HTTP_REQUEST_TIMEOUT_MS: 'cần số mili-giây từ 1000 đến 600000',
  QUESTION_RETENTION_DAYS: 'cần số ngày từ 1 đến 3650',
};

export type Config = z.infer<typeof envSchema> & { dataDir: string };

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Loads ./.env into process.env when the file exists; variables already set in
 * the real environment win. Lets an operator keep settings in one file.
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** Reads and validates the environment. Empty strings count as unset (a blank line in .env). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? '?');
    // zod's own wording is English; our messages (set on the schema) are Vietnamese.
    const message = EXPECTED[variable] ?? (/[\u00C0-\u1EF9]/u.test(issue.message) ? issue.message : 'giá trị không đúng định dạng');
    throw new ConfigError(variable, `Biến môi trường ${variable} không hợp lệ: ${message}.`);
  }
  const config = parsed.data;
  if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError('TELEGRAM_WEBHOOK_SECRET', 'Biến môi trường TELEGRAM_WEBHOOK_SECRET là bắt buộc khi đặt TELEGRAM_WEBHOOK_URL (để xác thực webhook).');
  }
  if (config.ZALO_WEBHOOK_URL && !config.ZALO_WEBHOOK_SECRET) {
    throw new ConfigError('ZALO_WEBHOOK_SECRET', 'Biến môi trường ZALO_WEBHOOK_SECRET là bắt buộc khi đặt ZALO_WEBHOOK_URL (để xác thực webhook).');
  }
  // With a shared database several instances run behind a load balancer; long polling allows one consumer per bot.
  if (config.DATABASE_URL && config.TELEGRAM_BOT_TOKEN && !config.TELEGRAM_WEBHOOK_URL) {
    throw new ConfigError('TELEGRAM_WEBHOOK_URL', clusterWebhookMessage('Telegram', 'TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET'));
  }
  if (config.DATABASE_URL && config.ZALO_BOT_TOKEN && !config.ZALO_WEBHOOK_URL) {
    throw new ConfigError('ZALO_WEBHOOK_URL', clusterWebhookMessage('Zalo', 'ZALO_WEBHOOK_URL', 'ZALO_WEBHOOK_SECRET'));
  }
  return { ...config, dataDir: resolve(config.DATA_DIR) };
}

function clusterWebhookMessage(platform: string, urlVar: string, secretVar: string): string {
  return (
    `Chế độ nhiều phiên bản (đã đặt DATABASE_URL) cần ${platform} chạy bằng webhook: hãy đặt ${urlVar} và ${secretVar}. ` +
    `Long polling chỉ cho phép một tiến trình nhận tin, nên các phiên bản sau nhận lỗi 409 và tin nhắn bị chia sai. ` +
    `Chạy một phiên bản duy nhất thì bỏ DATABASE_URL (dùng SQLite).`
  );
}
