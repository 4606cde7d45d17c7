/**
 * Helpers for the end-to-end channel tests: start the real app (startApp, the entry point of
 * `npm start`) on a fresh DATA_DIR with a clean environment, read its SQLite file, wait for
 * conditions, build raw Telegram updates for webhook POSTs, and read Telegram HTML as a user sees it.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Update } from 'grammy/types';
import pino from 'pino';
import type { Conversation } from '../../src/conversation/conversation.js';
import { startApp, type App } from '../../src/main.js';
import { parseTelegramHtml } from './fake-telegram.js';

/** Every app test runs at this date, on port 0, quietly (TEST_LOG_LEVEL=debug to see the logs). */
export const BASE_ENV: Record<string, string> = {
  ASSISTANT_NOW: '2024-08-01',
  PORT: '0',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  // Tests start dozens of apps: no warm-up questions (tests/qa-warm-up.test.ts covers them).
  ASSISTANT_WARMUP_MS: '0',
};

const dirs: string[] = [];

/** A fresh, empty DATA_DIR (removed by removeDataDirs). */
export function freshDataDir(prefix = 'tro-ly-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeDataDirs(): void {
  indexTemplate = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * startApp with BASE_ENV + `env` only (never process.env: a developer's OPENAI_API_KEY or bot
 * token must not leak into a test), never interactive.
 */
export async function startTestApp(env: Record<string, string | undefined>, opts: { seedIndex?: boolean } = {}): Promise<App> {
  const clean = Object.fromEntries(Object.entries({ ...BASE_ENV, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const dataDir = clean.DATA_DIR;
  // The first app of a test file builds the passage index (~1 s); later fresh DATA_DIRs get a copy
  // of that cache so the files stay fast. The database is never copied: every DATA_DIR starts empty.
  if (dataDir && indexTemplate && opts.seedIndex !== false && !existsSync(join(dataDir, 'index'))) {
    cpSync(indexTemplate, join(dataDir, 'index'), { recursive: true });
  }
  const app = await startApp(clean, { interactive: false });
  if (dataDir && !indexTemplate && existsSync(join(dataDir, 'index'))) indexTemplate = join(dataDir, 'index');
  return app;
}

let indexTemplate: string | undefined;

/** Rows of a query on the app's SQLite file (opened read-only next to the running app). */
export function queryDb<T = Record<string, unknown>>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, 'assistant.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; rejects with `label` after timeoutMs. */
export async function waitFor<T>(check: () => T | undefined | null | false, label: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await sleep(20);
  }
}

/** What a Telegram user reads: the text of an HTML message (throws if Telegram would reject it). */
export function telegramPlain(html: string): string {
  const parsed = parseTelegramHtml(html);
  if ('error' in parsed) throw new Error(`${parsed.error} in ${JSON.stringify(html.slice(0, 200))}`);
  return parsed.text;
}

let nextMessageId = 900_000;

/** A raw private or group text-message update, as Telegram would POST it to a webhook. */
export function telegramTextUpdate(updateId: number, chatId: number, text: string, opts: { fromId?: number; chatType?: 'private' | 'supergroup' } = {}): Update {
  const type = opts.chatType ?? (chatId < 0 ? 'supergroup' : 'private');
  const fromId = opts.fromId ?? (type === 'private' ? chatId : 1001);
  const command = /^\/[a-z0-9_]+/i.exec(text);
  return {
    update_id: updateId,
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: type === 'private' ? { id: chatId, type, first_name: 'Nguyễn Văn A' } : { id: chatId, type, title: 'Nhóm thử nghiệm' },
      from: { id: fromId, is_bot: false, first_name: 'Nguyễn Văn A', language_code: 'vi' },
      text,
      ...(command && { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] }),
    },
  } as Update;
}

/** POSTs JSON (or a raw string) and returns status and body text. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A logger whose lines (parsed JSON) are kept for assertions. */
export function captureLogger() {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const logger = pino({ level: 'info', base: undefined }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

/** A conversation that answers every message with "Đã nhận: <text>" (for adapter tests). */
export const echo = { handle: async (m: { text: string }) => [{ kind: 'info', text: `Đã nhận: ${m.text}` }], feedback: () => 'ok' } as unknown as Conversation;
