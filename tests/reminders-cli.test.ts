/**
 * scripts/remind.ts as a child process: configuration errors, dry run, and the crash
 * guarantee — SIGKILL in the middle of a 300-chat fan-out, run again, every due
 * reminder arrives and no chat gets more than one repeat.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { shorten } from '../src/reminders/format.js';
import { dueReminders } from '../src/reminders/policy.js';
import { SqliteStore } from '../src/storage/index.js';
import { startFakeTelegram, type FakeTelegram } from './support/fake-telegram.js';
import { TASKS, tempDir, writeCorpus } from './support/db-fixtures.js';
import { cleanEnv, runRemind, type Run } from './support/remind-cli.js';

let tmp: ReturnType<typeof tempDir>;
let fake: FakeTelegram | undefined;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  tmp = tempDir();
  writeCorpus(join(tmp.dir, 'corpus'));
  env = cleanEnv({ DATA_DIR: join(tmp.dir, 'data'), CORPUS_DIR: join(tmp.dir, 'corpus') });
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  tmp.cleanup();
});

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}, killWhen?: () => boolean): Promise<Run> {
  return runRemind(args, { ...env, ...extraEnv }, tmp.dir, killWhen);
}

describe('npm run remind', () => {
  it('exits 1 naming the variable when no channel is configured or a value is malformed', async () => {
    const none = await run(['--once', '--now', '2024-03-24']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('TELEGRAM_BOT_TOKEN');
    const orphanRoot = await run(['--once'], { TELEGRAM_API_ROOT: 'http://127.0.0.1:9' });
    expect(orphanRoot.code).toBe(1);
    expect(orphanRoot.stderr).toMatch(/TELEGRAM_API_ROOT nhưng thiếu TELEGRAM_BOT_TOKEN/);
    const badNow = await run(['--once', '--dry-run', '--now', '2024-02-30']);
    expect(badNow.code).toBe(1);
    expect(badNow.stderr).toContain('--now');
  }, 120_000);

  it('--dry-run prints the messages and records nothing', async () => {
    const store = new SqliteStore(join(env.DATA_DIR!, 'assistant.db'));
    await store.subscribe({ channel: 'telegram', chatId: '7', agency: 'Bộ Công an' });
    await store.close();
    const r = await run(['--once', '--dry-run', '--now', '2024-03-24']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('===== telegram:7 (1 nhắc hạn) =====');
    expect(r.stdout).toContain('🔔 Nhắc hạn nhiệm vụ (08:00 ngày 24/03/2024)');
    expect(r.stderr).toContain('Chạy thử ngày 24/03/2024');
    const after = new SqliteStore(join(env.DATA_DIR!, 'assistant.db'));
    expect(await after.lastPassDate()).toBeNull();
    await after.close();
  }, 120_000);

  it('SIGKILL mid fan-out, then a second run: every due reminder arrives, at most one repeat per chat', async () => {
    fake = await startFakeTelegram();
    const f = fake;
    const CHATS = 300;
    const dbFile = join(env.DATA_DIR!, 'assistant.db');
    const store = new SqliteStore(dbFile);
    for (let i = 0; i < CHATS; i++) {
      const chatId = String(1000 + i);
      await store.subscribe({ channel: 'telegram', chatId, agency: i % 3 === 0 ? 'tất cả' : i % 3 === 1 ? 'Bộ Công an' : 'Bộ Tài chính' });
    }
    const expected = dueReminders({
      tasks: TASKS,
      subscriptions: await store.allActiveSubscriptions(),
      registry: AgencyRegistry.load(),
      now: '2024-03-24',
      lastPass: null,
    });
    await store.close();
    expect(new Set(expected.map((r) => r.chatId)).size).toBe(CHATS);

    const tgEnv = { TELEGRAM_BOT_TOKEN: f.token, TELEGRAM_API_ROOT: f.apiRoot, TELEGRAM_MAX_PER_SECOND: '100' };
    const sendCalls = () => f.calls.filter((c) => c.method === 'sendMessage').length;
    const first = await run(['--once', '--now', '2024-03-24'], tgEnv, () => sendCalls() >= 40);
    expect(first.signal).toBe('SIGKILL');
    const sentBeforeKill = f.sent().length;
    expect(sentBeforeKill).toBeGreaterThan(0);
    expect(sentBeforeKill).toBeLessThan(CHATS); // killed mid-way

    const second = await run(['--once', '--now', '2024-03-24'], tgEnv);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/Nhắc hạn ngày 24\/03\/2024/);
    // Nothing new was decided (the first run claimed everything before sending): the
    // second run only sends what the first left pending.
    expect(second.stderr).toMatch(/0 nhắc hạn mới được ghi nhận/);
    expect(second.stderr).toMatch(/Gửi lại \d+ nhắc hạn còn treo/);

    const byChat = new Map<string, string[]>();
    for (const m of f.sent()) byChat.set(String(m.chat_id), [...(byChat.get(String(m.chat_id)) ?? []), m.text]);
    // Everything due arrived.
    for (const r of expected) {
      const texts = byChat.get(r.chatId) ?? [];
      expect(texts.some((t) => t.includes(shorten(r.task.task, 400))), `${r.chatId} ${r.task.id}`).toBe(true);
    }
    // At most one repeat per chat; repeats only for chats in flight at the kill.
    const counts = [...byChat.values()].map((l) => l.length);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(byChat.size).toBe(CHATS);
    const repeats = counts.filter((n) => n === 2).length;
    expect(repeats).toBeLessThanOrEqual(25); // bounded by the fan-out concurrency

    const check = new SqliteStore(dbFile);
    expect(await check.pendingDeliveries()).toEqual([]);
    const statuses = check.db.prepare(`SELECT status, count(*) AS n FROM deliveries GROUP BY status`).all();
    expect(statuses).toEqual([{ status: 'sent', n: expected.length }]);
    await check.close();

    // A third run the same day sends nothing.
    const total = f.sent().length;
    const third = await run(['--once', '--now', '2024-03-24'], tgEnv);
    expect(third.code).toBe(0);
    expect(f.sent().length).toBe(total);
  }, 120_000);
});
