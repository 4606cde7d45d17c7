/**
 * SQLite schema of the embedded store: versioned migrations recorded in
 * PRAGMA user_version, and the connection settings the product needs.
 */

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';


/** One schema step. Steps run in order, each in its own transaction, at start-up. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * The schema history. Never edit a released step: add a new one, so databases
 * created by any earlier version upgrade in place (PRAGMA user_version records
 * the last step applied).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema: chats, subscriptions, muted tasks, feedback, delivery log, state',
    sql: `
      CREATE TABLE chats (
        channel       TEXT NOT NULL,
        chat_id       TEXT NOT NULL,
        title         TEXT,
        allowed       INTEGER NOT NULL DEFAULT 0 CHECK (allowed IN (0, 1)),
        paused_at     TEXT,
        paused_reason TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (channel, chat_id)
      );
      CREATE TABLE subscriptions (
        id         INTEGER PRIMARY KEY,
        channel    TEXT NOT NULL,
        chat_id    TEXT NOT NULL,
        agency     TEXT NOT NULL,
        offsets    TEXT NOT NULL,            -- JSON array of days before the deadline
        active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at TEXT NOT NULL,
        ended_at   TEXT,
        UNIQUE (channel, chat_id, agency),
        FOREIGN KEY (channel, chat_id) REFERENCES chats (channel, chat_id) ON DELETE CASCADE
      );
      CREATE INDEX subscriptions_active ON subscriptions (active);
      CREATE TABLE muted_tasks (
        channel  TEXT NOT NULL,
        chat_id  TEXT NOT NULL,
        task_id  TEXT NOT NULL,
        muted_at TEXT NOT NULL,
        PRIMARY KEY (channel, chat_id, task_id),
        FOREIGN KEY (channel, chat_id) REFERENCES chats (channel, chat_id) ON DELETE CASCADE
      );
      CREATE TABLE feedback (
        id         INTEGER PRIMARY KEY,
        channel    TEXT NOT NULL,
        chat_id    TEXT NOT NULL,
        answer_id  TEXT,
        vote       TEXT CHECK (vote IN ('up', 'down')),
        text       TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE deliveries (
        id            INTEGER PRIMARY KEY,
        channel       TEXT NOT NULL,
        chat_id       TEXT NOT NULL,
        task_id       TEXT NOT NULL,
        reminder_kind TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        claimed_at    TEXT NOT NULL,
        sent_at       TEXT,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        UNIQUE (channel, chat_id, task_id, reminder_kind),
        FOREIGN KEY (channel, chat_id) REFERENCES chats (channel, chat_id) ON DELETE CASCADE
      );
      -- Partial index: the pending set is tiny compared with the log and is read every pass.
      CREATE INDEX deliveries_pending ON deliveries (channel, chat_id) WHERE status = 'pending';
      CREATE TABLE reminder_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'feedback keeps the question asked; subscriptions can be snoozed until a date',
    sql: `
      ALTER TABLE feedback ADD COLUMN question TEXT;
      ALTER TABLE subscriptions ADD COLUMN muted_until TEXT;
    `,
  },
  {
    version: 3,
    description: 'inbox: every incoming chat update is stored before it is acknowledged, until its reply is accepted',
    sql: `
      CREATE TABLE inbox (
        channel     TEXT NOT NULL,
        update_id   TEXT NOT NULL,
        payload     TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        received_at TEXT NOT NULL,
        done_at     TEXT,
        PRIMARY KEY (channel, update_id)
      );
      CREATE INDEX inbox_pending ON inbox (channel) WHERE status = 'pending';
    `,
  },
  {
    version: 4,
    description: 'feedback keeps the answer and the reason; questions asked, without who asked (admin view)',
    sql: `
      ALTER TABLE feedback ADD COLUMN answer TEXT;
      ALTER TABLE feedback ADD COLUMN reason TEXT;
      CREATE TABLE questions (
        id        INTEGER PRIMARY KEY,
        asked_at  TEXT NOT NULL,
        channel   TEXT NOT NULL,
        asker     TEXT NOT NULL,
        question  TEXT NOT NULL,
        intent    TEXT NOT NULL,
        grounded  INTEGER NOT NULL,
        agencies  TEXT NOT NULL
      );
      CREATE INDEX questions_asked_at ON questions (asked_at);
    `,
  },
  {
    version: 5,
    description: 'conversation memory per chat (follow-ups, paging) with a time-to-live',
    sql: `
      CREATE TABLE conversation_memory (
        channel    TEXT NOT NULL,
        chat_id    TEXT NOT NULL,
        state      TEXT NOT NULL,            -- JSON object owned by the conversation layer
        expires_at TEXT NOT NULL,
        PRIMARY KEY (channel, chat_id)
      );
      CREATE INDEX conversation_memory_expiry ON conversation_memory (expires_at);
    `,
  },
  {
    version: 6,
    description: 'inbox keeps the replies of an update until each is accepted, and when to retry a failed one',
    sql: `
      ALTER TABLE inbox ADD COLUMN replies TEXT;                         -- JSON array, set once computed
      ALTER TABLE inbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;      -- replies accepted so far
      ALTER TABLE inbox ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;   -- failed sends retried in process
      ALTER TABLE inbox ADD COLUMN next_at TEXT;                         -- next retry (NULL: none scheduled)
    `,
  },
];

/** Latest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Applies the migrations above the database's user_version, up to `upTo`
 * (default: all). Each step and its version bump commit together, so a crash
 * mid-upgrade leaves the database at the previous version, never in between.
 */
export function migrate(db: Database.Database, upTo: number = SCHEMA_VERSION): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `Cơ sở dữ liệu nhắc hạn ở phiên bản lược đồ ${current}, mới hơn phiên bản mã nguồn hỗ trợ (${SCHEMA_VERSION}). Hãy cập nhật mã nguồn.`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > upTo) continue;
    db.transaction(() => {
      db.exec(m.sql);
      // PRAGMA cannot take bound parameters; the version is a trusted integer.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    current = m.version;
  }
  return current;
}

/** Database file of the product: <DATA_DIR>/assistant.db (DATA_DIR default ./data). */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.DATA_DIR && env.DATA_DIR.trim() !== '' ? env.DATA_DIR : 'data'), 'assistant.db');
}

/**
 * Opens a SQLite connection configured the way the product needs it: WAL (the bot
 * and the reminder pass may use the file at the same time), a busy timeout instead
 * of immediate SQLITE_BUSY, foreign keys on.
 */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(resolve(file, '..'), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // NORMAL is durable across application crashes in WAL mode (only an OS crash may lose the last commit).
  db.pragma('synchronous = NORMAL');
  return db;
}

