/**
 * Database integrity (issue 12, item 7): an empty or damaged assistant.db stops start-up with a
 * Vietnamese message naming the file and the backup to restore; online backups keep the newest
 * DB_BACKUP_KEEP; restore brings the data back; /healthz fails when the database is damaged.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startFailureMessage } from '../src/main.js';
import { backupDatabase, DatabaseIntegrityError, listBackups, restoreDatabase } from '../src/storage/integrity.js';
import { SqliteStore } from '../src/storage/index.js';
import { freshDataDir, removeDataDirs, startTestApp } from './support/channel-app.js';

afterAll(() => removeDataDirs());

/** A database with 50 subscriptions, closed (WAL checkpointed into the main file). */
async function populated(dir: string): Promise<string> {
  const file = join(dir, 'assistant.db');
  const store = new SqliteStore(file);
  for (let i = 0; i < 50; i++) await store.subscribe({ channel: 'telegram', chatId: String(1000 + i), agency: 'Bộ Công an' });
  await store.close();
  return file;
}

/** Overwrites pages 2–4 with garbage, as a disk fault would. */
function damage(file: string): void {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(pageSize * 3, 0xa5), 0, pageSize * 3, pageSize);
  closeSync(fd);
}

function openError(file: string): DatabaseIntegrityError {
  let caught: unknown;
  try {
    void new SqliteStore(file).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DatabaseIntegrityError);
  return caught as DatabaseIntegrityError;
}

describe('database integrity', () => {
  it('a 0-byte database stops start-up, naming the file; the app does not start and says so in one line', async () => {
    const dir = freshDataDir();
    const file = join(dir, 'assistant.db');
    writeFileSync(file, '');
    const err = openError(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain('rỗng');
    const appErr = await startTestApp({ DATA_DIR: dir }).then(
      async (app) => (await app.stop(), null),
      (e: unknown) => e,
    );
    expect(appErr).toBeInstanceOf(DatabaseIntegrityError);
    expect(startFailureMessage(appErr)).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['a garbage header', (file: string) => {
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
      closeSync(fd);
    }],
    ['a file cut in the middle of a page', (file: string) => truncateSync(file, Math.floor(statSync(file).size / 2) + 123)],
  ])('other damage (%s) stops start-up too, naming the file, in one line without a stack trace', async (_what, hurt) => {
    const dir = freshDataDir();
    const file = await populated(dir);
    hurt(file);
    const appErr = await startTestApp({ DATA_DIR: dir }).then(
      async (app) => (await app.stop(), null),
      (e: unknown) => e,
    );
    expect(appErr).toBeInstanceOf(DatabaseIntegrityError);
    expect(startFailureMessage(appErr)).toContain(file);
    expect(startFailureMessage(appErr)).not.toMatch(/\n\s+at /);
  });

  it('a damaged page stops start-up with the newest backup to restore, and restoring brings every subscription back', async () => {
    const dir = freshDataDir();
    const file = await populated(dir);
    const backup = await backupDatabase(file);
    damage(file);
    const err = openError(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain('bị hỏng');
    expect(err.message).toContain(`npm run db:restore -- ${backup}`);

    const { previous } = restoreDatabase(file, undefined);
    expect(previous && existsSync(previous)).toBe(true);
    const store = new SqliteStore(file);
    expect(await store.allActiveSubscriptions()).toHaveLength(50);
    await store.close();
  });

  it('backups keep the newest DB_BACKUP_KEEP; `npm run db:backup` works from the command line', async () => {
    const dir = freshDataDir();
    const file = await populated(dir);
    for (let i = 0; i < 4; i++) await backupDatabase(file, { keep: 2, now: new Date(Date.UTC(2024, 7, 1, 3, i)) });
    expect(listBackups(file).map((f) => f.slice(-18))).toEqual(['20240801-030300.db', '20240801-030200.db']);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db.ts', 'backup'], { env: { ...process.env, DATA_DIR: dir, DB_BACKUP_KEEP: '2' }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Đã sao lưu');
    expect(readdirSync(join(dir, 'backups')).filter((f) => f.endsWith('.db'))).toHaveLength(2);
  });

  it('/healthz turns 503 with the file named when the database gets damaged while running', async () => {
    const dir = freshDataDir();
    await populated(dir);
    const app = await startTestApp({ DATA_DIR: dir });
    try {
      expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status).toBe(200);
      damage(join(dir, 'assistant.db'));
      // quick_check results are cached for 30 s; the database error this message meets forces a new check.
      const session = (await (await fetch(`http://127.0.0.1:${app.port}/api/session`, { method: 'POST', body: '{}' })).json()) as { sessionId: string };
      await fetch(`http://127.0.0.1:${app.port}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId: session.sessionId, text: '/dangtheodoi' }) });
      const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
      const body = (await res.json()) as { error?: string };
      expect(res.status).toBe(503);
      expect(body.error).toContain('assistant.db');
    } finally {
      await app.stop();
    }
  });
});
