/**
 * Chat platform faults (issue 12, items 2 and 6): Telegram 409 conflicts and an unreachable
 * server are retried with a warning and never crash the process; a refused token stops start-up
 * with a Vietnamese message and no stack trace; and no question is lost when the process is
 * killed (SIGKILL) with questions in flight, Telegram and Zalo, long polling and webhook.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { TelegramChannel, TelegramStartError } from '../src/channels/telegram/bot.js';
import { join } from 'node:path';
import { SqliteStore } from '../src/storage/index.js';
import { startFakeTelegram } from './support/fake-telegram.js';
import { startFakeZalo } from './support/fake-zalo.js';
import { captureLogger, echo, freshDataDir, post, removeDataDirs, sleep, startTestApp, telegramTextUpdate, waitFor } from './support/channel-app.js';

afterAll(() => removeDataDirs());

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('Telegram faults', () => {
  it('409 (another instance polls with this token): warns in Vietnamese, backs off, keeps answering', async () => {
    const fake = await startFakeTelegram();
    const { logger, lines } = captureLogger();
    const channel = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: echo, logger, throttle: false, retry: { initialMs: 20, maxMs: 80 }, pollTimeoutSeconds: 1 });
    try {
      fake.failNext('getUpdates', { status: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' }, 4);
      await channel.start();
      fake.queueMessage({ chatId: 77, text: 'xin chào' });
      const [m] = await fake.waitForSent(1, { chatId: 77, timeoutMs: 60_000 });
      expect(m!.text).toContain('Đã nhận');
      const warnings = lines.filter((l) => l.level === 40 && l.msg.includes('409'));
      expect(warnings).toHaveLength(4);
      expect(warnings[0]!.msg).toContain('một phiên bản khác');
      expect(warnings[0]!.msg).toMatch(/Thử lại sau [\d,]+ giây/);
    } finally {
      await channel.stop();
      await fake.close();
    }
  });

  it('401 and 404 at start-up: a TelegramStartError in Vietnamese naming TELEGRAM_BOT_TOKEN', async () => {
    const fake = await startFakeTelegram();
    try {
      for (const status of [401, 404]) {
        fake.failNext('getMe', { status, description: status === 401 ? 'Unauthorized' : 'Not Found' });
        const channel = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: echo, logger: captureLogger().logger, throttle: false });
        const err = await channel.start().then(() => null, (e: unknown) => e);
        await channel.stop();
        expect(err).toBeInstanceOf(TelegramStartError);
        expect((err as Error).message).toContain(String(status));
        expect((err as Error).message).toContain('TELEGRAM_BOT_TOKEN');
      }
    } finally {
      await fake.close();
    }
  });

  it('npm start with a revoked token exits ≠ 0 with one Vietnamese line and no stack trace', async () => {
    const fake = await startFakeTelegram();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: freshDataDir(), PORT: '0', LOG_LEVEL: 'silent', TELEGRAM_BOT_TOKEN: '7000000001:AARevokedTokenRevokedToken_xyz', TELEGRAM_API_ROOT: fake.apiRoot },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).not.toBe(0);
      expect(stderr).toContain('Telegram từ chối token');
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stderr).not.toContain('AARevokedToken');
    } finally {
      await fake.close();
    }
  });

  it('Telegram unreachable: start-up goes on, a warning per retry names the next delay, /readyz is 503 while /healthz is 200', async () => {
    const port = await closedPort();
    const { logger, lines } = captureLogger();
    const channel = new TelegramChannel({ token: '7000000001:AAFakeTokenForTests_abcdefghijklmnopq', apiRoot: `http://127.0.0.1:${port}`, conversation: echo, logger, throttle: false, retry: { initialMs: 50, maxMs: 100 } });
    await channel.start();
    await waitFor(() => lines.filter((l) => l.msg.includes('Không kết nối được máy chủ Telegram')).length >= 2, 'two warnings');
    expect(lines.find((l) => l.msg.includes('Không kết nối được'))!.msg).toMatch(/Thử lại sau [\d,]+ giây/);
    expect(channel.readiness().ready).toBe(false);
    await channel.stop();

    const app = await startTestApp({ DATA_DIR: freshDataDir(), TELEGRAM_BOT_TOKEN: '7000000001:AAFakeTokenForTests_abcdefghijklmnopq', TELEGRAM_API_ROOT: `http://127.0.0.1:${port}` });
    try {
      const ready = await fetch(`http://127.0.0.1:${app.port}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { telegram: string }).telegram).toContain('không kết nối được');
      expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  }, 120_000);
});

/** Starts `npm start` (src/main.ts) as a child process; resolves with it and its HTTP port once ready. */
async function startChild(env: Record<string, string>): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info', ASSISTANT_NOW: '2024-08-01', TELEGRAM_THROTTLE: 'off', ...env },
  });
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /"port":(\d+)[^\n]*sẵn sàng/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${err.slice(-500)}`)));
  });
  return { child, port };
}

async function kill9(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const N = 30;
const CHATS = Array.from({ length: N }, (_, i) => 880_000 + i);

/** What the crash test needs of a fake platform: sendMessage held, and the replies each chat got. */
interface CrashFake {
  hold(method: string): void;
  release(method: string): void;
  heldCount(method: string): number;
  close(): Promise<void>;
}

/**
 * Starts the app with the platform's sendMessage held, lets `deliver` hand it the questions, kills it
 * with SIGKILL before any reply, restarts it on the same DATA_DIR and checks that every chat is
 * answered, none more than twice.
 */
async function crashAndRestart<F extends CrashFake>(
  fake: F,
  sentTo: (chat: number) => number,
  env: Record<string, string>,
  deliver: (port: number) => Promise<void>,
): Promise<void> {
  let second: ChildProcessWithoutNullStreams | undefined;
  try {
    fake.hold('sendMessage');
    const first = await startChild(env);
    await deliver(first.port);
    await kill9(first.child);
    await sleep(200);
    fake.release('sendMessage');
    expect(CHATS.filter((c) => sentTo(c) > 0)).toEqual([]);
    second = (await startChild(env)).child;
    await waitFor(() => CHATS.every((c) => sentTo(c) >= 1), `answers to all ${N} chats`, 60_000);
    await sleep(500);
    for (const c of CHATS) expect(sentTo(c)).toBeLessThanOrEqual(2);
  } finally {
    second?.kill('SIGTERM');
    await fake.close();
  }
}

describe('no question lost to SIGKILL', () => {
  it(`Telegram long polling: ${N} questions received and confirmed, process killed before replying, all answered after restart`, async () => {
    const fake = await startFakeTelegram();
    await crashAndRestart(fake, (c) => fake.sent(c).length, { DATA_DIR: freshDataDir(), TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot }, async () => {
      for (const chatId of CHATS) fake.queueMessage({ chatId, text: 'Bộ Y tế phải làm gì?' });
      // Telegram has been told they were received (offset confirmed), replies are in flight.
      await waitFor(() => fake.pendingUpdates().length === 0 && fake.heldCount('sendMessage') > 0, 'updates confirmed');
    });
  }, 120_000);

  it(`Telegram webhook: ${N} updates acknowledged with 200, process killed before replying, all answered after restart`, async () => {
    const fake = await startFakeTelegram();
    const SECRET = 'webhook_Secret-123456';
    const env = { DATA_DIR: freshDataDir(), TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_WEBHOOK_URL: 'https://example.gov.vn/telegram/webhook', TELEGRAM_WEBHOOK_SECRET: SECRET };
    await crashAndRestart(fake, (c) => fake.sent(c).length, env, async (port) => {
      const statuses = await Promise.all(
        CHATS.map((chatId, i) => post(`http://127.0.0.1:${port}/telegram/webhook`, telegramTextUpdate(700_000 + i, chatId, 'Bộ Y tế phải làm gì?'), { 'x-telegram-bot-api-secret-token': SECRET }).then((r) => r.status)),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    });
  }, 120_000);

  it(`Zalo long polling: ${N} questions fetched (Zalo has no offset: fetching confirms), process killed before replying, all answered after restart`, async () => {
    const fake = await startFakeZalo();
    await crashAndRestart(fake, (c) => fake.sent(String(c)).length, { DATA_DIR: freshDataDir(), ZALO_BOT_TOKEN: fake.token, ZALO_API_ROOT: fake.apiRoot }, async () => {
      for (const chatId of CHATS) fake.queueText({ chatId: String(chatId), text: 'Bộ Y tế phải làm gì?' });
      // Every question handed out by getUpdates is gone from Zalo's side; its reply is in flight.
      await waitFor(() => fake.pendingUpdates().length === 0 && fake.heldCount('sendMessage') === N, 'all replies in flight');
    });
  }, 120_000);

  it(`Zalo webhook: ${N} updates acknowledged with 200, process killed before replying, all answered after restart`, async () => {
    const fake = await startFakeZalo();
    const SECRET = 'zalo_webhook_Secret-123456';
    const env = { DATA_DIR: freshDataDir(), ZALO_BOT_TOKEN: fake.token, ZALO_API_ROOT: fake.apiRoot, ZALO_WEBHOOK_URL: 'https://example.gov.vn/zalo/webhook', ZALO_WEBHOOK_SECRET: SECRET };
    await crashAndRestart(fake, (c) => fake.sent(String(c)).length, env, async (port) => {
      const updates = CHATS.map((chatId) => fake.queueText({ chatId: String(chatId), text: 'Bộ Y tế phải làm gì?' }));
      const statuses = await Promise.all(updates.map((u) => post(`http://127.0.0.1:${port}/zalo/webhook`, u, { 'x-bot-api-secret-token': SECRET }).then((r) => r.status)));
      expect(statuses.every((s) => s === 200)).toBe(true);
    });
  }, 120_000);
});

describe('Zalo inbox', () => {
  it('an update stored but not answered before a crash is answered at the next start, once', async () => {
    const other = await startFakeZalo();
    const update = other.queueText({ chatId: 'z-crash-1', text: 'Bộ Y tế phải làm gì?' });
    await other.close();
    const dataDir = freshDataDir();
    const store = new SqliteStore(join(dataDir, 'assistant.db'));
    await store.inbox.receive('zalo', [{ id: String(update.message.message_id), payload: update }]);
    await store.close();

    const fake = await startFakeZalo();
    const app = await startTestApp({ DATA_DIR: dataDir, ZALO_BOT_TOKEN: fake.token, ZALO_API_ROOT: fake.apiRoot });
    try {
      const [reply] = await fake.waitForSent(1, { chatId: 'z-crash-1', timeoutMs: 60_000 });
      expect(reply!.text).toContain('Bộ Y tế');
      await sleep(300);
      expect(fake.sent('z-crash-1')).toHaveLength(1);
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});
