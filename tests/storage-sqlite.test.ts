import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, SqliteStore, defaultDatabasePath, migrate, openDatabase } from '../src/storage/index.js';
import { tempDir } from './support/db-fixtures.js';

let tmp: ReturnType<typeof tempDir>;
let file: string;
const open: SqliteStore[] = [];
const clock = () => new Date('2024-03-24T01:00:00.000Z');

function store(): SqliteStore {
  const s = new SqliteStore(file, { clock });
  open.push(s);
  return s;
}

beforeEach(() => {
  tmp = tempDir();
  file = join(tmp.dir, 'assistant.db');
});
afterEach(() => {
  for (const s of open.splice(0)) void s.close();
  tmp.cleanup();
});

describe('SqliteStore (engine-specific; behaviour is in storage-contract.test.ts)', () => {
  it('opens one WAL file under DATA_DIR with foreign keys on', () => {
    expect(defaultDatabasePath({ DATA_DIR: '/srv/tro-ly' })).toBe('/srv/tro-ly/assistant.db');
    const s = store();
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });
});

describe('migrations', () => {
  it('a version-1 database with rows upgrades in place: rows survive, new columns exist', async () => {
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
    expect(colsNow('feedback')).toContain('question');
    expect(colsNow('subscriptions')).toContain('muted_until');
    expect(await s.isAllowed('telegram', '42')).toBe(true);
    expect(await s.subscriptions()).toEqual([
      { id: 1, channel: 'telegram', chatId: '42', agency: 'Bộ Công an', offsets: [7, 0], createdAt: t, mutedUntil: null },
    ]);
    expect(await s.pendingDeliveries()).toMatchObject([{ chatId: '42', taskId: 'doc/A#1', kind: 'd7', attempts: 0 }]);
    expect(await s.lastPassDate()).toBe('2023-12-01');
    expect(s.db.prepare(`SELECT text, question FROM feedback`).get()).toEqual({ text: 'Hữu ích', question: null });
    // The new column is usable right away.
    await s.addFeedback({ channel: 'telegram', chatId: '42', vote: 'up', question: 'Ai chủ trì?' });
    expect(await s.snoozeSubscription('telegram', '42', 'Bộ Công an', '2024-01-01')).toBe(true);
  });

  it('re-opening an up-to-date database runs nothing; a newer one is refused', () => {
    store().close();
    const s = store();
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    s.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    s.close();
    expect(() => new SqliteStore(file)).toThrow(/phiên bản lược đồ/);
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
