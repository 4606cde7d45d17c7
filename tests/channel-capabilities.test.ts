/**
 * Channel capabilities (issue 12, item 8): the web chat and the terminal cannot receive reminders,
 * so /theodoi there says so instead of confirming a subscription; and delivery rows stay bounded
 * (no rows for such channels; a channel without a sender ends as failed after the attempts cap).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { Conversation } from '../src/conversation/conversation.js';
import { runReminderPass } from '../src/reminders/service.js';
import { MAX_DELIVERY_ATTEMPTS, SqliteReminderStore } from '../src/reminders/store.js';
import { TASKS, TITLES, tempDir } from './support/db-fixtures.js';

const registry = AgencyRegistry.load();
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function newStore(): SqliteReminderStore {
  const tmp = tempDir();
  const store = new SqliteReminderStore(join(tmp.dir, 'assistant.db'));
  cleanups.push(() => (store.close(), tmp.cleanup()));
  return store;
}

describe('channel capabilities', () => {
  it.each([
    ['web', 'Trang trò chuyện web'],
    ['cli', 'Cửa sổ dòng lệnh'],
  ] as const)('/theodoi in the %s chat explains reminders cannot reach it and subscribes nothing', async (channel, where) => {
    const store = newStore();
    const conversation = new Conversation({ answerer: { registry } as never, store, now: () => '2024-08-01' });
    const [reply] = await conversation.handle({ channel, chatId: 'web-abcdef', userId: 'u', text: '/theodoi Bộ Công an', chatType: 'private' });
    expect(reply!.text).toContain(where);
    expect(reply!.text).toContain('không nhận được tin nhắc hạn');
    expect(reply!.text).not.toContain('Đã đăng ký');
    expect(store.subscriptions(channel, 'web-abcdef')).toEqual([]);
  });

  it('/theodoi on Telegram still subscribes', async () => {
    const store = newStore();
    const conversation = new Conversation({ answerer: { registry } as never, store, now: () => '2024-08-01' });
    const [reply] = await conversation.handle({ channel: 'telegram', chatId: '55', userId: '55', text: '/theodoi Bộ Công an', chatType: 'private' });
    expect(reply!.text).toContain('Đã đăng ký');
    expect(store.subscriptions('telegram', '55')).toHaveLength(1);
  });

  it('delivery rows stay bounded: none for web subscriptions, and a channel without a sender fails after the cap', async () => {
    const store = newStore();
    // Subscriptions an older version accepted in the web chat, plus Zalo ones while Zalo is not configured.
    for (let i = 0; i < 50; i++) store.subscribe({ channel: 'web', chatId: `web-${i}`, agency: 'tất cả' });
    for (let i = 0; i < 5; i++) store.subscribe({ channel: 'zalo', chatId: `z${i}`, agency: 'tất cả' });
    const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
    const days = ['2024-03-24', '2024-03-25', '2024-03-26', '2024-03-27', '2024-03-28', '2024-03-29', '2024-03-30', '2024-03-31'];
    for (const now of days) await runReminderPass({ store, tasks: TASKS, registry, titles: TITLES, senders: new Map(), now, clock: () => new Date(`${now}T01:00:00Z`) });
    expect(count(`SELECT count(*) AS n FROM deliveries WHERE channel = 'web'`)).toBe(0);
    const zalo = count(`SELECT count(*) AS n FROM deliveries WHERE channel = 'zalo'`);
    expect(zalo).toBeGreaterThan(0);
    // Rows claimed on the first day have used up their attempts and are failed, not pending.
    const firstDay = store.db.prepare(`SELECT status, attempts FROM deliveries WHERE channel = 'zalo' AND claimed_at LIKE '2024-03-24%'`).all() as Array<{ status: string; attempts: number }>;
    expect(firstDay.length).toBeGreaterThan(0);
    expect(firstDay.every((r) => r.status === 'failed' && r.attempts >= MAX_DELIVERY_ATTEMPTS)).toBe(true);
  });
});
