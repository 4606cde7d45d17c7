/**
 * One reminder pass in a cluster (PostgreSQL): two instances starting the pass at
 * once send each reminder exactly once; the lock holder SIGKILLed mid-fan-out
 * leaves pending rows that a pass on the other instance finishes — nothing lost,
 * at most one repeat per chat.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { shorten } from '../src/reminders/format.js';
import { dueReminders, type Reminder } from '../src/reminders/policy.js';
import { PostgresStore } from '../src/storage/postgres.js';
import { startFakeTelegram, type FakeTelegram } from './support/fake-telegram.js';
import { TASKS, tempDir, writeCorpus } from './support/db-fixtures.js';
import { freshDatabase, PG_SERVER_URL } from './support/postgres.js';
import { cleanEnv, runRemind } from './support/remind-cli.js';

const NOW = '2024-03-24';
let tmp: ReturnType<typeof tempDir>;
let fake: FakeTelegram;
let db: { url: string; drop: () => Promise<void> };

beforeEach(async () => {
  if (!PG_SERVER_URL) return;
  tmp = tempDir();
  writeCorpus(join(tmp.dir, 'corpus'));
  fake = await startFakeTelegram();
  db = await freshDatabase();
});
afterEach(async () => {
  if (!PG_SERVER_URL) return;
  await fake.close();
  await db.drop();
  tmp.cleanup();
});

/** Instance `n`: its own DATA_DIR, the shared database, the fake Bot API. */
function instanceEnv(n: number): NodeJS.ProcessEnv {
  return cleanEnv({
    DATA_DIR: join(tmp.dir, `data-${n}`),
    CORPUS_DIR: join(tmp.dir, 'corpus'),
    DATABASE_URL: db.url,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_MAX_PER_SECOND: '100',
  });
}

async function subscribe(chats: number): Promise<Reminder[]> {
  const store = await PostgresStore.open(db.url, { poolSize: 2 });
  try {
    for (let i = 0; i < chats; i++) {
      await store.subscribe({ channel: 'telegram', chatId: String(1000 + i), agency: i % 3 === 0 ? 'tất cả' : i % 3 === 1 ? 'Bộ Công an' : 'Bộ Tài chính' });
    }
    return dueReminders({ tasks: TASKS, subscriptions: await store.allActiveSubscriptions(), registry: AgencyRegistry.load(), now: NOW, lastPass: null });
  } finally {
    await store.close();
  }
}

function messagesByChat(): Map<string, string[]> {
  const byChat = new Map<string, string[]>();
  for (const m of fake.sent()) byChat.set(String(m.chat_id), [...(byChat.get(String(m.chat_id)) ?? []), m.text]);
  return byChat;
}

function expectAllDelivered(expected: Reminder[], byChat: Map<string, string[]>): void {
  for (const r of expected) {
    const texts = byChat.get(r.chatId) ?? [];
    expect(texts.some((t) => t.includes(shorten(r.task.task, 400))), `${r.chatId} ${r.task.id}`).toBe(true);
  }
}

async function deliveryStatuses(): Promise<Array<{ status: string; n: number }>> {
  const store = await PostgresStore.open(db.url, { poolSize: 1 });
  try {
    const { rows } = await store.pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`);
    return rows;
  } finally {
    await store.close();
  }
}

describe.skipIf(!PG_SERVER_URL)('reminders in a cluster (PostgreSQL)', () => {
  it('two instances start the pass at once: every reminder is sent exactly once', async () => {
    const CHATS = 150;
    const expected = await subscribe(CHATS);
    const [a, b] = await Promise.all([runRemind(['--once', '--now', NOW], instanceEnv(1), tmp.dir), runRemind(['--once', '--now', NOW], instanceEnv(2), tmp.dir)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const byChat = messagesByChat();
    expect(byChat.size).toBe(CHATS);
    expect([...byChat.values()].every((texts) => texts.length === 1)).toBe(true);
    expectAllDelivered(expected, byChat);
    expect(await deliveryStatuses()).toEqual([{ status: 'sent', n: expected.length }]);
  }, 180_000);

  it('the lock holder is SIGKILLed mid-fan-out; a pass on the other instance sends the rest: nothing lost, at most one repeat per chat', async () => {
    const CHATS = 300;
    const expected = await subscribe(CHATS);
    const sendCalls = () => fake.calls.filter((c) => c.method === 'sendMessage').length;
    const first = await runRemind(['--once', '--now', NOW], instanceEnv(1), tmp.dir, () => sendCalls() >= 40);
    expect(first.signal).toBe('SIGKILL');
    expect(fake.sent().length).toBeGreaterThan(0);
    expect(fake.sent().length).toBeLessThan(CHATS);

    // The other instance: the server freed the dead holder's lock with its session.
    const second = await runRemind(['--once', '--now', NOW], instanceEnv(2), tmp.dir);
    expect(second.code).toBe(0);
    // It finishes the same decision from the dead pass's cursor: the chunk in flight is pending, the rest claimed now.
    expect(second.stderr).toMatch(/Tiếp tục lượt nhắc ngày 24\/03\/2024 bị gián đoạn/);
    expect(second.stderr).toMatch(/Gửi lại \d+ nhắc hạn còn treo/);

    const byChat = messagesByChat();
    expect(byChat.size).toBe(CHATS);
    expectAllDelivered(expected, byChat);
    const counts = [...byChat.values()].map((l) => l.length);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(await deliveryStatuses()).toEqual([{ status: 'sent', n: expected.length }]);
  }, 180_000);
});
