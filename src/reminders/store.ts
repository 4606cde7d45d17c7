/**
 * Persistent state of the reminder service: chats and their access rights,
 * subscriptions, muted tasks, feedback, and the delivery log that makes every
 * reminder "decided once".
 *
 * Callers only see {@link ReminderStore}; the SQLite implementation below is the
 * one that ships, and the interface is kept small and synchronous-free of SQLite
 * idioms so that a PostgreSQL implementation can replace it without touching
 * the policy, the service or the bot. (A Postgres version would make the methods
 * async; every caller already sits in an async function, so that change stays local.)
 */

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { assertDatabaseUsable } from './integrity.js';
import { QuestionLog, type QuestionInput } from './questions.js';

/** The pseudo-agency of a subscription that follows every task. */
export const ALL_AGENCIES = 'tất cả';

/** Days-before-deadline offsets used when a subscriber gives none. */
export const DEFAULT_OFFSETS: readonly number[] = [30, 7, 1, 0];

/** After this many failed passes a pending delivery is given up (status 'failed'). */
export const MAX_DELIVERY_ATTEMPTS = 5;

/** A chat on one platform (Telegram chat id, Zalo user id …). */
export interface ChatRef {
  channel: string;
  chatId: string;
}

/** One active subscription of a chat to an agency's deadlines. */
export interface Subscription extends ChatRef {
  id: number;
  /** Canonical agency name (agency registry) or {@link ALL_AGENCIES}. */
  agency: string;
  /** Days before the deadline at which to remind, distinct, descending (e.g. [30, 7, 1, 0]). */
  offsets: number[];
  /** ISO timestamp of the (latest) subscribe call. */
  createdAt: string;
  /** YYYY-MM-DD: the subscription is snoozed up to and including this day (schema v2); null when not snoozed. */
  mutedUntil: string | null;
}

/**
 * Identity of one reminder in the delivery log. `kind` is the stored
 * `reminder_kind`: "d30", "d7", "d1", "d0" … or "overdue:<Monday YYYY-MM-DD>"
 * (the weekly digest repeats every week, so its key carries the week).
 */
export interface DeliveryKey extends ChatRef {
  taskId: string;
  kind: string;
}

/** A claimed delivery not yet confirmed sent. */
export interface PendingDelivery extends DeliveryKey {
  /** Failed send attempts so far. */
  attempts: number;
  /** ISO timestamp of the claim. */
  claimedAt: string;
}

/** What a user told us about an answer or the bot in general. */
export interface FeedbackInput extends ChatRef {
  answerId?: string;
  vote?: 'up' | 'down';
  text?: string;
  /** The question that produced the answer (schema v2). */
  question?: string;
  /** The answer rated, and the reason given with a 👎 (schema v3). */
  answer?: string;
  reason?: string;
}

export interface SubscribeInput extends ChatRef {
  /** Canonical agency name or {@link ALL_AGENCIES}. */
  agency: string;
  /** Days before the deadline; default {@link DEFAULT_OFFSETS}. */
  offsets?: number[];
}

/** Storage of the reminder service. All dates are YYYY-MM-DD, all instants ISO strings. */
export interface ReminderStore {
  /** Records a chat (or updates its title); new chats are not allowed until {@link setAllowed}. */
  upsertChat(chat: ChatRef & { title?: string }): void;
  /** Access-control allowlist; persists across restarts. */
  setAllowed(channel: string, chatId: string, allowed: boolean): void;
  isAllowed(channel: string, chatId: string): boolean;
  /** Subscribes (or re-subscribes with new offsets); creates the chat row if needed. */
  subscribe(s: SubscribeInput): Subscription;
  /** Ends a subscription; false when there was none. */
  unsubscribe(channel: string, chatId: string, agency: string): boolean;
  /** Active subscriptions (not unsubscribed, chat not paused), optionally of one channel/chat. */
  subscriptions(channel?: string, chatId?: string): Subscription[];
  /** Every active subscription, for the daily pass. */
  allActiveSubscriptions(): Subscription[];
  /** Snoozes one subscription up to and including `until` (YYYY-MM-DD), or clears it with null. */
  snoozeSubscription(channel: string, chatId: string, agency: string, until: string | null): boolean;
  /** Stops reminders to a chat that blocked the bot (HTTP 403); its pending deliveries fail. */
  pauseChat(channel: string, chatId: string, reason: string): void;
  /** Undoes {@link pauseChat} (the user wrote to the bot again). */
  resumeChat(channel: string, chatId: string): void;
  isPaused(channel: string, chatId: string): boolean;
  /** The subscriber does not want reminders (incl. the overdue digest) for this task any more. */
  muteTask(channel: string, chatId: string, taskId: string): void;
  unmuteTask(channel: string, chatId: string, taskId: string): boolean;
  mutedTasks(channel: string, chatId: string): Set<string>;
  /** Every chat's muted tasks, keyed by {@link chatKey}: one query for the daily pass. */
  allMutedTasks(): Map<string, Set<string>>;
  addFeedback(f: FeedbackInput): void;
  /**
   * Inserts 'pending' rows for the keys not yet in the log and returns exactly those,
   * in one transaction. A key already in the log (pending, sent or failed) is skipped:
   * each reminder is decided once.
   */
  claimDeliveries(items: DeliveryKey[], now: string): DeliveryKey[];
  /** Confirms that the message carrying these deliveries was accepted by the platform. */
  markSent(keys: DeliveryKey[], at: string): void;
  /** Claimed but not confirmed sent, for chats that are not paused (crash recovery and retries). */
  pendingDeliveries(): PendingDelivery[];
  /** Counts one failed attempt and keeps the deliveries pending; returns each key's attempt count, in order (0 if no longer pending). */
  recordAttempt(keys: DeliveryKey[], error: string): number[];
  /** Gives up on these deliveries (status 'failed'). */
  markFailed(keys: DeliveryKey[], error: string): void;
  /** Civil date (YYYY-MM-DD) of the last completed decision pass, or null before the first. */
  lastPassDate(): string | null;
  setLastPassDate(date: string): void;
  /**
   * Cross-process mutual exclusion (two passes at once could both send the same pending
   * rows). Takes lease `name` for `owner` until `expiresAt` (ISO) when it is free, expired
   * at `now`, already held by `owner` (renewal), or `isStale(holder)` says the holder is
   * gone. Returns the holder after the call: `owner` when taken.
   */
  acquireLease(name: string, owner: string, now: string, expiresAt: string, isStale?: (holder: string) => boolean): string;
  /** Releases a lease held by `owner` (no-op otherwise). */
  releaseLease(name: string, owner: string): void;
  close(): void;
}

/** Value of a lease in the state table. */
interface Lease {
  owner: string;
  expiresAt: string;
}

/** Map key of a chat: "<channel>:<chatId>". */
export function chatKey(channel: string, chatId: string): string {
  return `${channel}:${chatId}`;
}

/** Normalises offsets: integers ≥ 0, distinct, descending; the default when empty. */
export function normalizeOffsets(offsets: readonly number[] | undefined): number[] {
  const list = offsets && offsets.length > 0 ? offsets : DEFAULT_OFFSETS;
  for (const o of list) {
    if (!Number.isInteger(o) || o < 0 || o > 3650) {
      throw new RangeError(`Số ngày nhắc trước hạn không hợp lệ: ${o} (cần số nguyên từ 0 đến 3650)`);
    }
  }
  return [...new Set(list)].sort((a, b) => b - a);
}

// ------------------------------------------------------------------ schema

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

// ------------------------------------------------------------------ SQLite

interface SubscriptionRow {
  id: number;
  channel: string;
  chat_id: string;
  agency: string;
  offsets: string;
  created_at: string;
  muted_until: string | null;
}

interface PendingRow {
  channel: string;
  chat_id: string;
  task_id: string;
  reminder_kind: string;
  attempts: number;
  claimed_at: string;
}

function toSubscription(r: SubscriptionRow): Subscription {
  return {
    id: r.id,
    channel: r.channel,
    chatId: r.chat_id,
    agency: r.agency,
    offsets: JSON.parse(r.offsets) as number[],
    createdAt: r.created_at,
    mutedUntil: r.muted_until,
  };
}

const SUBSCRIPTION_COLUMNS = 's.id, s.channel, s.chat_id, s.agency, s.offsets, s.created_at, s.muted_until';
const ACTIVE = `s.active = 1 AND c.paused_at IS NULL`;

/** {@link ReminderStore} on one SQLite file (better-sqlite3, prepared statements). */
export class SqliteReminderStore implements ReminderStore {
  readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly st;

  /**
   * Opens (creating if needed) the database file and brings its schema up to date.
   * `clock` stamps created_at/updated_at columns (tests inject one).
   */
  constructor(file: string = defaultDatabasePath(), opts: { clock?: () => Date } = {}) {
    this.clock = opts.clock ?? (() => new Date());
    // An empty or damaged file stops here, with the backup to restore, instead of failing every message later.
    assertDatabaseUsable(file);
    this.db = openDatabase(file);
    try {
      migrate(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    const db = this.db;
    this.st = {
      upsertChat: db.prepare(
        `INSERT INTO chats (channel, chat_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (channel, chat_id) DO UPDATE SET title = COALESCE(excluded.title, chats.title), updated_at = excluded.updated_at`,
      ),
      setAllowed: db.prepare(`UPDATE chats SET allowed = ?, updated_at = ? WHERE channel = ? AND chat_id = ?`),
      isAllowed: db.prepare(`SELECT allowed FROM chats WHERE channel = ? AND chat_id = ?`).pluck(),
      subscribe: db.prepare(
        `INSERT INTO subscriptions (channel, chat_id, agency, offsets, active, created_at) VALUES (?, ?, ?, ?, 1, ?)
         ON CONFLICT (channel, chat_id, agency) DO UPDATE SET offsets = excluded.offsets, active = 1,
           created_at = CASE WHEN subscriptions.active = 1 THEN subscriptions.created_at ELSE excluded.created_at END,
           ended_at = NULL
         RETURNING id, channel, chat_id, agency, offsets, created_at, muted_until`,
      ),
      unsubscribe: db.prepare(
        `UPDATE subscriptions SET active = 0, ended_at = ? WHERE channel = ? AND chat_id = ? AND agency = ? AND active = 1`,
      ),
      snooze: db.prepare(
        `UPDATE subscriptions SET muted_until = ? WHERE channel = ? AND chat_id = ? AND agency = ? AND active = 1`,
      ),
      subsAll: db.prepare(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions s JOIN chats c USING (channel, chat_id) WHERE ${ACTIVE} ORDER BY s.id`,
      ),
      subsChannel: db.prepare(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions s JOIN chats c USING (channel, chat_id) WHERE ${ACTIVE} AND s.channel = ? ORDER BY s.id`,
      ),
      subsChat: db.prepare(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions s JOIN chats c USING (channel, chat_id) WHERE ${ACTIVE} AND s.channel = ? AND s.chat_id = ? ORDER BY s.id`,
      ),
      pause: db.prepare(`UPDATE chats SET paused_at = ?, paused_reason = ?, updated_at = ? WHERE channel = ? AND chat_id = ?`),
      failPendingOfChat: db.prepare(
        `UPDATE deliveries SET status = 'failed', last_error = ? WHERE channel = ? AND chat_id = ? AND status = 'pending'`,
      ),
      resume: db.prepare(`UPDATE chats SET paused_at = NULL, paused_reason = NULL, updated_at = ? WHERE channel = ? AND chat_id = ?`),
      isPaused: db.prepare(`SELECT paused_at IS NOT NULL FROM chats WHERE channel = ? AND chat_id = ?`).pluck(),
      mute: db.prepare(`INSERT OR IGNORE INTO muted_tasks (channel, chat_id, task_id, muted_at) VALUES (?, ?, ?, ?)`),
      unmute: db.prepare(`DELETE FROM muted_tasks WHERE channel = ? AND chat_id = ? AND task_id = ?`),
      muted: db.prepare(`SELECT task_id FROM muted_tasks WHERE channel = ? AND chat_id = ?`).pluck(),
      allMuted: db.prepare(`SELECT channel, chat_id, task_id FROM muted_tasks`),
      feedback: db.prepare(
        `INSERT INTO feedback (channel, chat_id, answer_id, vote, text, question, answer, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      claim: db.prepare(
        `INSERT INTO deliveries (channel, chat_id, task_id, reminder_kind, status, claimed_at) VALUES (?, ?, ?, ?, 'pending', ?)
         ON CONFLICT (channel, chat_id, task_id, reminder_kind) DO NOTHING`,
      ),
      markSent: db.prepare(
        `UPDATE deliveries SET status = 'sent', sent_at = ? WHERE channel = ? AND chat_id = ? AND task_id = ? AND reminder_kind = ? AND status = 'pending'`,
      ),
      pending: db.prepare(
        `SELECT d.channel, d.chat_id, d.task_id, d.reminder_kind, d.attempts, d.claimed_at
         FROM deliveries d JOIN chats c USING (channel, chat_id)
         WHERE d.status = 'pending' AND c.paused_at IS NULL ORDER BY d.id`,
      ),
      attempt: db.prepare(
        `UPDATE deliveries SET attempts = attempts + 1, last_error = ?
         WHERE channel = ? AND chat_id = ? AND task_id = ? AND reminder_kind = ? AND status = 'pending'
         RETURNING attempts`,
      ).pluck(),
      markFailed: db.prepare(
        `UPDATE deliveries SET status = 'failed', last_error = ? WHERE channel = ? AND chat_id = ? AND task_id = ? AND reminder_kind = ? AND status = 'pending'`,
      ),
      getState: db.prepare(`SELECT value FROM reminder_state WHERE key = ?`).pluck(),
      deleteState: db.prepare(`DELETE FROM reminder_state WHERE key = ?`),
      setState: db.prepare(
        `INSERT INTO reminder_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  private stamp(): string {
    return this.clock().toISOString();
  }

  upsertChat(chat: ChatRef & { title?: string }): void {
    const t = this.stamp();
    this.st.upsertChat.run(chat.channel, chat.chatId, chat.title ?? null, t, t);
  }

  setAllowed(channel: string, chatId: string, allowed: boolean): void {
    this.db.transaction(() => {
      this.upsertChat({ channel, chatId });
      this.st.setAllowed.run(allowed ? 1 : 0, this.stamp(), channel, chatId);
    })();
  }

  isAllowed(channel: string, chatId: string): boolean {
    return this.st.isAllowed.get(channel, chatId) === 1;
  }

  subscribe(s: SubscribeInput): Subscription {
    const offsets = normalizeOffsets(s.offsets);
    return this.db.transaction(() => {
      this.upsertChat({ channel: s.channel, chatId: s.chatId });
      const row = this.st.subscribe.get(s.channel, s.chatId, s.agency, JSON.stringify(offsets), this.stamp()) as SubscriptionRow;
      return toSubscription(row);
    })();
  }

  unsubscribe(channel: string, chatId: string, agency: string): boolean {
    return this.st.unsubscribe.run(this.stamp(), channel, chatId, agency).changes > 0;
  }

  subscriptions(channel?: string, chatId?: string): Subscription[] {
    let rows: unknown[];
    if (channel !== undefined && chatId !== undefined) rows = this.st.subsChat.all(channel, chatId);
    else if (channel !== undefined) rows = this.st.subsChannel.all(channel);
    else rows = this.st.subsAll.all();
    return (rows as SubscriptionRow[]).map(toSubscription);
  }

  allActiveSubscriptions(): Subscription[] {
    return this.subscriptions();
  }

  snoozeSubscription(channel: string, chatId: string, agency: string, until: string | null): boolean {
    return this.st.snooze.run(until, channel, chatId, agency).changes > 0;
  }

  pauseChat(channel: string, chatId: string, reason: string): void {
    // One transaction: a paused chat never keeps pending deliveries that a later pass would retry.
    this.db.transaction(() => {
      const t = this.stamp();
      this.upsertChat({ channel, chatId });
      this.st.pause.run(t, reason, t, channel, chatId);
      this.st.failPendingOfChat.run(`chat paused: ${reason}`, channel, chatId);
    })();
  }

  resumeChat(channel: string, chatId: string): void {
    this.st.resume.run(this.stamp(), channel, chatId);
  }

  isPaused(channel: string, chatId: string): boolean {
    return this.st.isPaused.get(channel, chatId) === 1;
  }

  muteTask(channel: string, chatId: string, taskId: string): void {
    this.db.transaction(() => {
      this.upsertChat({ channel, chatId });
      this.st.mute.run(channel, chatId, taskId, this.stamp());
    })();
  }

  unmuteTask(channel: string, chatId: string, taskId: string): boolean {
    return this.st.unmute.run(channel, chatId, taskId).changes > 0;
  }

  mutedTasks(channel: string, chatId: string): Set<string> {
    return new Set(this.st.muted.all(channel, chatId) as string[]);
  }

  allMutedTasks(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const r of this.st.allMuted.iterate() as Iterable<{ channel: string; chat_id: string; task_id: string }>) {
      const k = chatKey(r.channel, r.chat_id);
      let set = out.get(k);
      if (!set) out.set(k, (set = new Set()));
      set.add(r.task_id);
    }
    return out;
  }

  addFeedback(f: FeedbackInput): void {
    this.st.feedback.run(f.channel, f.chatId, f.answerId ?? null, f.vote ?? null, f.text ?? null, f.question ?? null, f.answer ?? null, f.reason ?? null, this.stamp());
  }

  /** Questions asked, without who asked (see {@link QuestionLog}). */
  get questions(): QuestionLog {
    return (this.questionLog ??= new QuestionLog(this.db));
  }
  private questionLog?: QuestionLog;

  logQuestion(q: QuestionInput): void {
    this.questions.add(q);
  }

  claimDeliveries(items: DeliveryKey[], now: string): DeliveryKey[] {
    return this.db.transaction(() => {
      const fresh: DeliveryKey[] = [];
      for (const k of items) {
        if (this.st.claim.run(k.channel, k.chatId, k.taskId, k.kind, now).changes === 1) fresh.push(k);
      }
      return fresh;
    }).immediate();
  }

  markSent(keys: DeliveryKey[], at: string): void {
    this.db.transaction(() => {
      for (const k of keys) this.st.markSent.run(at, k.channel, k.chatId, k.taskId, k.kind);
    })();
  }

  pendingDeliveries(): PendingDelivery[] {
    return (this.st.pending.all() as PendingRow[]).map((r) => ({
      channel: r.channel,
      chatId: r.chat_id,
      taskId: r.task_id,
      kind: r.reminder_kind,
      attempts: r.attempts,
      claimedAt: r.claimed_at,
    }));
  }

  recordAttempt(keys: DeliveryKey[], error: string): number[] {
    return this.db.transaction(() =>
      keys.map((k) => (this.st.attempt.get(error, k.channel, k.chatId, k.taskId, k.kind) as number | undefined) ?? 0),
    )();
  }

  markFailed(keys: DeliveryKey[], error: string): void {
    this.db.transaction(() => {
      for (const k of keys) this.st.markFailed.run(error, k.channel, k.chatId, k.taskId, k.kind);
    })();
  }

  lastPassDate(): string | null {
    return (this.st.getState.get('last_pass_date') as string | undefined) ?? null;
  }

  setLastPassDate(date: string): void {
    this.st.setState.run('last_pass_date', date);
  }

  acquireLease(name: string, owner: string, now: string, expiresAt: string, isStale?: (holder: string) => boolean): string {
    const key = `lease:${name}`;
    // IMMEDIATE: the read and the write happen under the write lock, so two processes cannot both win.
    return this.db.transaction(() => {
      const raw = this.st.getState.get(key) as string | undefined;
      const current = raw ? (JSON.parse(raw) as Lease) : undefined;
      if (current && current.owner !== owner && current.expiresAt > now && !(isStale?.(current.owner) ?? false)) {
        return current.owner;
      }
      this.st.setState.run(key, JSON.stringify({ owner, expiresAt } satisfies Lease));
      return owner;
    }).immediate();
  }

  releaseLease(name: string, owner: string): void {
    const key = `lease:${name}`;
    this.db.transaction(() => {
      const raw = this.st.getState.get(key) as string | undefined;
      if (raw && (JSON.parse(raw) as Lease).owner === owner) this.st.deleteState.run(key);
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
