import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  SqliteReminderStore,
  defaultDatabasePath,
  migrate,
  openDatabase,
  type DeliveryKey,
} from '../src/reminders/store.js';
import { tempDir } from './support/db-fixtures.js';

let tmp: ReturnType<typeof tempDir>;
let file: string;
const open: SqliteReminderStore[] = [];
const clock = () => new Date('2024-03-24T01:00:00.000Z');

function store(): SqliteReminderStore {
  const s = new SqliteReminderStore(file, { clock });
  open.push(s);
  return s;
}

beforeEach(() => {
  tmp = tempDir();
  file = join(tmp.dir, 'assistant.db');
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  tmp.cleanup();
});

const key = (chatId: string, taskId: string, kind = 'd7'): DeliveryKey => ({ channel: 'telegram', chatId, taskId, kind });

describe('SqliteReminderStore', () => {
  it('opens one WAL file under DATA_DIR with foreign keys on', () => {
    expect(defaultDatabasePath({ DATA_DIR: '/srv/tro-ly' })).toBe('/srv/tro-ly/assistant.db');
    const s = store();
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });

  it('claims each delivery key once; a second claim returns nothing', () => {
    const s = store();
    s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
    s.subscribe({ channel: 'telegram', chatId: '2', agency: 'Bộ Công an' });
    const batch = [key('1', 'a'), key('1', 'b'), key('2', 'a'), key('1', 'a', 'd1')];
    expect(s.claimDeliveries(batch, '2024-03-24T01:00:00Z')).toEqual(batch);
    expect(s.claimDeliveries(batch, '2024-03-24T01:05:00Z')).toEqual([]);
    // A mixed batch returns only the new key.
    expect(s.claimDeliveries([key('1', 'a'), key('2', 'b')], '2024-03-25T01:00:00Z')).toEqual([key('2', 'b')]);
    // Sent or failed rows stay decided.
    s.markSent([key('1', 'a')], '2024-03-24T01:00:01Z');
    s.markFailed([key('1', 'b')], 'boom');
    expect(s.claimDeliveries([key('1', 'a'), key('1', 'b')], '2024-03-26T01:00:00Z')).toEqual([]);
    expect(() => s.db.prepare(`INSERT INTO deliveries (channel, chat_id, task_id, reminder_kind, status, claimed_at) VALUES ('telegram','1','a','d7','pending','x')`).run()).toThrow(/UNIQUE/);
  });

  it('pending = claimed but not confirmed; attempts are counted per key', () => {
    const s = store();
    s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
    s.claimDeliveries([key('1', 'a'), key('1', 'b')], '2024-03-24T01:00:00Z');
    s.markSent([key('1', 'a')], '2024-03-24T01:00:01Z');
    expect(s.pendingDeliveries().map((p) => p.taskId)).toEqual(['b']);
    expect(s.recordAttempt([key('1', 'b')], 'HTTP 500')).toEqual([1]);
    expect(s.recordAttempt([key('1', 'b'), key('1', 'a')], 'HTTP 500')).toEqual([2, 0]);
    expect(s.pendingDeliveries()[0]).toMatchObject({ taskId: 'b', attempts: 2 });
    s.markFailed([key('1', 'b')], 'gave up');
    expect(s.pendingDeliveries()).toEqual([]);
  });

  it('pausing a chat hides its subscriptions and fails its pending deliveries; resume restores them', () => {
    const s = store();
    s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
    s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Cà Mau', offsets: [7, 7, 0] });
    s.subscribe({ channel: 'zalo', chatId: '1', agency: 'tất cả' });
    s.claimDeliveries([key('1', 'a')], '2024-03-24T01:00:00Z');
    expect(s.subscriptions('telegram', '1').map((x) => [x.agency, x.offsets])).toEqual([
      ['Bộ Công an', [30, 7, 1, 0]],
      ['Cà Mau', [7, 0]],
    ]);
    s.pauseChat('telegram', '1', 'Forbidden: bot was blocked by the user');
    expect(s.isPaused('telegram', '1')).toBe(true);
    expect(s.subscriptions('telegram', '1')).toEqual([]);
    expect(s.allActiveSubscriptions().map((x) => x.channel)).toEqual(['zalo']);
    expect(s.pendingDeliveries()).toEqual([]);
    const row = s.db.prepare(`SELECT status, last_error FROM deliveries`).get() as { status: string; last_error: string };
    expect(row.status).toBe('failed');
    s.resumeChat('telegram', '1');
    expect(s.subscriptions('telegram', '1')).toHaveLength(2);
  });

  it('subscribe is idempotent, unsubscribe ends it, snooze sets muted_until', () => {
    const s = store();
    const a = s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
    const b = s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an', offsets: [3] });
    expect(b.id).toBe(a.id);
    expect(b.offsets).toEqual([3]);
    expect(s.snoozeSubscription('telegram', '1', 'Bộ Công an', '2024-04-01')).toBe(true);
    expect(s.subscriptions()[0]!.mutedUntil).toBe('2024-04-01');
    expect(s.unsubscribe('telegram', '1', 'Bộ Công an')).toBe(true);
    expect(s.unsubscribe('telegram', '1', 'Bộ Công an')).toBe(false);
    expect(s.subscriptions()).toEqual([]);
    expect(() => s.subscribe({ channel: 'telegram', chatId: '1', agency: 'x', offsets: [-1] })).toThrow(/không hợp lệ/);
  });

  it('allowlist, muted tasks, feedback and the last pass date persist across restarts', () => {
    const s1 = store();
    s1.upsertChat({ channel: 'telegram', chatId: '1', title: 'Sở TT&TT Cà Mau' });
    expect(s1.isAllowed('telegram', '1')).toBe(false);
    s1.setAllowed('telegram', '1', true);
    s1.setAllowed('zalo', '9', true); // unknown chat: created on the fly
    s1.muteTask('telegram', '1', 'doc/A#1');
    s1.addFeedback({ channel: 'telegram', chatId: '1', answerId: 'ans-1', vote: 'down', text: 'Sai hạn', question: 'Hạn của Bộ Công an?' });
    s1.setLastPassDate('2024-03-24');
    s1.close();
    const s2 = store();
    expect(s2.isAllowed('telegram', '1')).toBe(true);
    expect(s2.isAllowed('zalo', '9')).toBe(true);
    expect(s2.isAllowed('telegram', '2')).toBe(false);
    expect(s2.mutedTasks('telegram', '1')).toEqual(new Set(['doc/A#1']));
    expect(s2.allMutedTasks().get('telegram:1')).toEqual(new Set(['doc/A#1']));
    expect(s2.lastPassDate()).toBe('2024-03-24');
    expect(s2.db.prepare(`SELECT question, vote FROM feedback`).get()).toEqual({ question: 'Hạn của Bộ Công an?', vote: 'down' });
    expect(() => s2.addFeedback({ channel: 'telegram', chatId: '1', vote: 'meh' as 'up' })).toThrow(/CHECK/);
  });
});

describe('migrations', () => {
  it('a version-1 database with rows upgrades in place: rows survive, new columns exist', () => {
    const db = openDatabase(file);
    expect(migrate(db, 1)).toBe(1);
    const t = '2023-12-01T00:00:00.000Z';
    db.prepare(`INSERT INTO chats (channel, chat_id, title, allowed, created_at, updated_at) VALUES ('telegram', '42', 'Nhóm CĐS', 1, ?, ?)`).run(t, t);
    db.prepare(`INSERT INTO subscriptions (channel, chat_id, agency, offsets, created_at) VALUES ('telegram', '42', 'Bộ Công an', '[7,0]', ?)`).run(t);
    db.prepare(`INSERT INTO feedback (channel, chat_id, vote, text, created_at) VALUES ('telegram', '42', 'up', 'Hữu ích', ?)`).run(t);
    db.prepare(`INSERT INTO deliveries (channel, chat_id, task_id, reminder_kind, status, claimed_at) VALUES ('telegram', '42', 'doc/A#1', 'd7', 'pending', ?)`).run(t);
    db.prepare(`INSERT INTO reminder_state (key, value) VALUES ('last_pass_date', '2023-12-01')`).run();
    const cols = (table: string) => (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
    expect(cols('feedback')).not.toContain('question');
    expect(cols('subscriptions')).not.toContain('muted_until');
    db.close();

    const s = store();
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const colsNow = (table: string) => (s.db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
    expect(colsNow('feedback')).toEqual(expect.arrayContaining(['question', 'answer', 'reason']));
    expect(colsNow('questions')).toEqual(expect.arrayContaining(['asked_at', 'asker', 'question', 'grounded']));
    expect(colsNow('subscriptions')).toContain('muted_until');
    expect(s.isAllowed('telegram', '42')).toBe(true);
    expect(s.subscriptions()).toEqual([
      { id: 1, channel: 'telegram', chatId: '42', agency: 'Bộ Công an', offsets: [7, 0], createdAt: t, mutedUntil: null },
    ]);
    expect(s.pendingDeliveries()).toMatchObject([{ chatId: '42', taskId: 'doc/A#1', kind: 'd7', attempts: 0 }]);
    expect(s.lastPassDate()).toBe('2023-12-01');
    expect(s.db.prepare(`SELECT text, question FROM feedback`).get()).toEqual({ text: 'Hữu ích', question: null });
    // The new column is usable right away.
    s.addFeedback({ channel: 'telegram', chatId: '42', vote: 'up', question: 'Ai chủ trì?' });
    expect(s.snoozeSubscription('telegram', '42', 'Bộ Công an', '2024-01-01')).toBe(true);
  });

  it('re-opening an up-to-date database runs nothing; a newer one is refused', () => {
    store().close();
    const s = store();
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    s.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    s.close();
    expect(() => new SqliteReminderStore(file)).toThrow(/phiên bản lược đồ/);
  });

  it('a failing step rolls back and leaves the previous version', () => {
    const db = new Database(join(tmp.dir, 'broken.db'));
    migrate(db, 1);
    db.exec(`ALTER TABLE feedback ADD COLUMN question TEXT`); // makes step 2 fail half-way
    expect(() => migrate(db)).toThrow(/duplicate column/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const cols = db.prepare(`SELECT name FROM pragma_table_info('subscriptions')`).pluck().all();
    expect(cols).not.toContain('muted_until');
    db.close();
  });
});
