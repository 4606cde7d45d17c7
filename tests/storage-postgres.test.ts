/**
 * PostgreSQL-specific guarantees: instances starting together migrate once, and a
 * lease dies with its holder's session (no waiting for an expiry after a crash); upgrades keep data.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migratePostgres, PG_SCHEMA_VERSION, PG_MIGRATIONS } from '../src/storage/postgres-schema.js';
import { PostgresStore } from '../src/storage/postgres.js';
import { freshDatabase, PG_SERVER_URL } from './support/postgres.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function database(): Promise<string> {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  return db.url;
}

async function open(url: string): Promise<PostgresStore> {
  const s = await PostgresStore.open(url, { poolSize: 3 });
  cleanups.push(() => s.close());
  return s;
}

describe.skipIf(!PG_SERVER_URL)('PostgresStore', () => {
  it('four instances starting at once apply each migration exactly once', async () => {
    const url = await database();
    const stores = await Promise.all([open(url), open(url), open(url), open(url)]);
    const { rows } = await stores[0]!.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    expect(rows.at(-1)!.version).toBe(PG_SCHEMA_VERSION);
    // Every instance works on the migrated schema.
    await Promise.all(stores.map((s, i) => s.subscribe({ channel: 'telegram', chatId: String(i), agency: 'Bộ Công an' })));
    expect(await stores[3]!.allActiveSubscriptions()).toHaveLength(4);
  });

  it('an upgrade keeps the conversation memory written before it (jsonb → text, migration 5)', async () => {
    const url = await database();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migratePostgres(pool, 4);
      const state = { question: 'Bộ Y tế phải làm gì?', page: 2, answers: [['x1', { question: 'q', answer: 'câu trả lời «có dấu»' }]] };
      await pool.query(`INSERT INTO conversation_memory (channel, chat_id, state, expires_at) VALUES ('telegram', '1', $1, '2099-01-01T00:00:00.000Z')`, [JSON.stringify(state)]);
      const s = await open(url);
      expect(await s.loadMemory('telegram', '1', '2024-03-24T01:00:00.000Z')).toEqual(state);
    } finally {
      await pool.end();
    }
  });

  it('the inbox\'s presence session ending after close() does not crash the process', async () => {
    const url = await database();
    const a = await open(url);
    await a.inbox.presence();
    const { rows } = await a.pool.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
    expect(rows.length).toBeGreaterThan(0);
    await a.inbox.close();
    // The session goes on in the pool; the server ending it now reaches the released client's error handler.
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await killer.end();
    await new Promise((r) => setTimeout(r, 200));
    // Still usable: the pool replaces the ended session.
    expect((await a.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });

  it('a lease whose holder session dies is free at once for another instance', async () => {
    const url = await database();
    const a = await open(url);
    const b = await open(url);
    const t = '2024-03-24T01:00:00.000Z';
    const farFuture = '2099-01-01T00:00:00.000Z';
    expect(await a.acquireLease('reminder-pass', 'A', t, farFuture)).toBe('A');
    expect(await b.acquireLease('reminder-pass', 'B', t, farFuture)).toBe('A');
    // The holder's connection is cut (what a SIGKILL does): the server frees its advisory lock.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`);
    await admin.end();
    let holder = '';
    for (let i = 0; i < 50 && holder !== 'B'; i++) {
      holder = await b.acquireLease('reminder-pass', 'B', t, farFuture);
      if (holder !== 'B') await new Promise((r) => setTimeout(r, 100));
    }
    expect(holder).toBe('B');
  });
});
