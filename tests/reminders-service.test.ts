import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramApi, TelegramSender } from '../src/channels/telegram/sender.js';
import type { MessageSender } from '../src/channels/types.js';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { PASS_LEASE, PassInProgressError, runReminderPass, type ReminderPassResult } from '../src/reminders/service.js';
import { SqliteStore } from '../src/storage/index.js';
import { startFakeTelegram, type FakeTelegram } from './support/fake-telegram.js';
import { TASKS, TITLES, tempDir } from './support/db-fixtures.js';

const registry = AgencyRegistry.load();
let fake: FakeTelegram;
let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let senders: Map<string, MessageSender>;

beforeEach(async () => {
  fake = await startFakeTelegram();
  tmp = tempDir();
  store = new SqliteStore(join(tmp.dir, 'assistant.db'));
  // No throttling and no retry inside the sender: the pass itself is under test.
  const api = createTelegramApi({ token: fake.token, apiRoot: fake.apiRoot, throttle: false, retry: { maxRetryAttempts: 0 }, networkRetries: 0 });
  senders = new Map([['telegram', new TelegramSender(api)]]);
  await store.subscribe({ channel: 'telegram', chatId: '101', agency: 'Bộ Công an' });
  await store.subscribe({ channel: 'telegram', chatId: '102', agency: 'Cà Mau' });
  await store.subscribe({ channel: 'telegram', chatId: '103', agency: 'Bộ Tài chính' });
  await store.subscribe({ channel: 'telegram', chatId: '104', agency: 'tất cả' });
  await store.subscribe({ channel: 'telegram', chatId: '104', agency: 'Bộ Công an' });
});
afterEach(async () => {
  await store.close();
  await fake.close();
  tmp.cleanup();
});

function pass(now: string, extra: { maxAttempts?: number } = {}): Promise<ReminderPassResult> {
  return runReminderPass({ store, tasks: TASKS, registry, titles: TITLES, senders, now, ...extra });
}

/** chat id → texts received since `from`. */
function received(from = 0): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of fake.sent().slice(from)) (out[String(m.chat_id)] ??= []).push(m.text);
  return out;
}

describe('runReminderPass against the fake Telegram server', () => {
  it('sends exactly one batched message per chat, and nothing more the same day', async () => {
    const r = await pass('2024-03-24'); // first run ever, a Sunday: d7 of T1 and the overdue T7
    expect(r).toMatchObject({ chats: 3, messages: 3, reminders: 4, failures: 0, paused: 0, due: 4, claimed: 4, retried: 0 });
    const got = received();
    expect(Object.keys(got).sort()).toEqual(['101', '103', '104']);
    expect(got['101']).toEqual([
      [
        '🔔 Nhắc hạn nhiệm vụ (08:00 ngày 24/03/2024)',
        'Sắp đến hạn: 1 nhiệm vụ',
        '1. Hoàn thành kết nối Cơ sở dữ liệu quốc gia về dân cư với hệ thống giải quyết thủ tục hành chính — Hạn: 31/03/2024 (còn 7 ngày) — Cơ quan chủ trì: Bộ Công an — Phối hợp: Văn phòng Chính phủ — Nguồn: Chỉ thị số 01/CT-TTg về đẩy mạnh chuyển đổi số, mục B.II.2.a',
      ].join('\n\n'),
    ]);
    expect(got['103']![0]).toContain('⚠️ Đã quá hạn: 1 nhiệm vụ');
    expect(got['103']![0]).toContain('Hạn: 20/03/2024 (đã quá hạn 4 ngày)');
    expect(got['104']).toHaveLength(1);
    expect(got['104']![0]).toMatch(/1\. Hoàn thành kết nối[\s\S]*2\. Ban hành hướng dẫn chi/);

    const again = await pass('2024-03-24');
    expect(again).toMatchObject({ chats: 0, messages: 0, due: 0, claimed: 0 });
    expect(fake.sent()).toHaveLength(3);
  });

  it('repeats the overdue digest on Monday, and catches up missed days with the most urgent kind only', async () => {
    await pass('2024-03-24');
    const before = fake.sent().length;
    await pass('2024-03-25'); // Monday: overdue T7 again for 103 and 104
    expect(Object.keys(received(before)).sort()).toEqual(['103', '104']);
    expect(received(before)['103']![0]).toContain('đã quá hạn 5 ngày');

    const mid = fake.sent().length;
    await pass('2024-03-31'); // down from 26 to 30: d1 (30/03) and d0 (31/03) of T1 fell in the window
    const got = received(mid);
    expect(Object.keys(got).sort()).toEqual(['101', '104']);
    expect(got['101']).toHaveLength(1);
    expect(got['101']![0]).toContain('Hạn: 31/03/2024 (hạn cuối là hôm nay)');
    expect(got['101']![0]!.match(/^\d+\. /gm)).toHaveLength(1);
  });

  it('a chat that blocked the bot (403) is paused: its subscriptions stop, nothing is retried', async () => {
    await pass('2024-03-24');
    fake.blockChat(101);
    const r = await pass('2024-03-30'); // d1 of T1 for 101 and 104, first pass of the week: overdue T7 for 103 and 104
    expect(r).toMatchObject({ chats: 3, paused: 1, messages: 2, failures: 0 });
    expect(await store.isPaused('telegram', '101')).toBe(true);
    expect(await store.subscriptions('telegram', '101')).toEqual([]);
    expect(await store.pendingDeliveries()).toEqual([]);
    const calls101 = () => fake.calls.filter((c) => c.method === 'sendMessage' && String(c.payload.chat_id) === '101').length;
    const n = calls101();
    await pass('2024-03-31');
    expect(calls101()).toBe(n);
    // Resumed (the user wrote to the bot again): the next reminder reaches it.
    fake.unblockChat(101);
    await store.resumeChat('telegram', '101');
    const before = fake.sent().length;
    await pass('2024-04-01');
    expect(Object.keys(received(before))).toContain('104');
  });

  it('other errors leave the delivery pending for the next pass, bounded by maxAttempts', async () => {
    // Telegram asks to wait an hour: longer than the sender waits, so the send fails at once.
    const wait = { status: 429, retryAfter: 3600 };
    fake.failNext('sendMessage', wait, 3); // every chat of the first pass fails
    const r1 = await pass('2024-03-24');
    expect(r1).toMatchObject({ chats: 3, messages: 0, failures: 3 });
    expect(await store.pendingDeliveries()).toHaveLength(4);
    const r2 = await pass('2024-03-25');
    expect(r2.retried).toBe(4); // d7 of T1 (101, 104) + last week's overdue T7 (103, 104)
    // The week's digest was decided anew (Monday): sent along with the retried ones, one message per chat.
    expect(received()['101']).toHaveLength(1);
    expect(received()['104']).toHaveLength(1);
    expect(received()['104']![0]).toMatch(/Hoàn thành kết nối[\s\S]*Ban hành hướng dẫn chi[\s\S]*Ban hành hướng dẫn chi/);
    expect(await store.pendingDeliveries()).toEqual([]);

    // A chat that keeps failing is given up after maxAttempts passes.
    fake.failNext('sendMessage', wait, 100);
    const results: ReminderPassResult[] = [];
    for (const day of ['2024-03-30', '2024-03-31', '2024-04-01']) results.push(await pass(day, { maxAttempts: 2 }));
    expect(results[0]).toMatchObject({ failures: 2, givenUp: 0 });
    expect(results[1]!.givenUp).toBeGreaterThanOrEqual(2);
    const failed = store.db.prepare(`SELECT count(*) FROM deliveries WHERE status = 'failed'`).pluck().get() as number;
    expect(failed).toBeGreaterThanOrEqual(2);
  });

  it('muted tasks and chats of a channel without a sender', async () => {
    await store.muteTask('telegram', '104', TASKS[6]!.id);
    await store.subscribe({ channel: 'zalo', chatId: 'z1', agency: 'Bộ Công an' });
    const r = await pass('2024-03-24');
    expect(received()['104']).toHaveLength(1);
    expect(received()['104']![0]).not.toContain('Ban hành hướng dẫn chi');
    // No Zalo sender: the zalo reminder stays pending (decided, not lost) for a pass that has one.
    expect(r.chats).toBe(3);
    expect((await store.pendingDeliveries()).map((p) => `${p.channel}:${p.chatId}`)).toEqual(['zalo:z1']);
  });

  it('one pass at a time: a live lease holder blocks, a dead local process or an expired lease does not', async () => {
    const t = new Date().toISOString();
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(await store.acquireLease(PASS_LEASE, '1@elsewhere#a', t, later)).toBe('1@elsewhere#a');
    await expect(pass('2024-03-24')).rejects.toBeInstanceOf(PassInProgressError);
    expect(fake.sent()).toEqual([]);
    expect(await store.lastPassDate()).toBeNull();
    await store.releaseLease(PASS_LEASE, '1@elsewhere#a');
    // A holder on this host whose process is gone (SIGKILL) is taken over at once.
    const { hostname } = await import('node:os');
    await store.acquireLease(PASS_LEASE, `999999999@${hostname()}#dead`, t, later);
    expect((await pass('2024-03-24')).messages).toBe(3);
    // An expired lease is taken over too; the lease is released after the pass.
    await store.acquireLease(PASS_LEASE, '1@elsewhere#b', '2000-01-01T00:00:00.000Z', '2000-01-01T00:01:00.000Z');
    await pass('2024-03-25');
    expect(await store.acquireLease(PASS_LEASE, 'me', t, later)).toBe('me');
  });

  it('dry run formats without claiming or sending', async () => {
    const r = await runReminderPass({ store, tasks: TASKS, registry, titles: TITLES, senders, now: '2024-03-24', dryRun: true });
    expect(r.preview?.map((m) => m.chatId).sort()).toEqual(['101', '103', '104']);
    expect(fake.sent()).toEqual([]);
    expect(await store.lastPassDate()).toBeNull();
    expect(await store.pendingDeliveries()).toEqual([]);
  });
});
