/**
 * {@link Store} on one SQLite file (better-sqlite3, prepared statements): the
 * embedded default when DATABASE_URL is not set. Methods are async only to share
 * the interface with PostgreSQL; each resolves at once.
 */

import type Database from 'better-sqlite3';
import { assertDatabaseUsable } from './integrity.js';
import { QuestionLog } from './questions.js';
import { SqliteInbox } from './sqlite-inbox.js';
import { defaultDatabasePath, migrate, openDatabase } from './sqlite-schema.js';
import {
  chatKey,
  normalizeOffsets,
  PASS_PROGRESS,
  type ChatRef,
  type DeliveryKey,
  type FeedbackInput,
  type Lease,
  type MemoryState,
  type MemoryWrite,
  type PassProgress,
  type PendingDelivery,
  type QuestionInput,
  type Store,
  type SubscribeInput,
  type Subscription,
} from './types.js';

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

/** The embedded store. */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly st;
  private memoryWrites = 0;

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
      pendingOf: db.prepare(
        `SELECT d.channel, d.chat_id, d.task_id, d.reminder_kind, d.attempts, d.claimed_at
         FROM deliveries d JOIN chats c USING (channel, chat_id)
         WHERE d.status = 'pending' AND c.paused_at IS NULL AND d.channel = ? AND d.chat_id = ? ORDER BY d.id`,
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
      loadMemory: db.prepare(`SELECT state, expires_at FROM conversation_memory WHERE channel = ? AND chat_id = ?`),
      saveMemory: db.prepare(
        `INSERT INTO conversation_memory (channel, chat_id, state, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel, chat_id) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`,
      ),
      purgeMemory: db.prepare(`DELETE FROM conversation_memory WHERE expires_at <= ?`),
      setState: db.prepare(
        `INSERT INTO reminder_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  private stamp(): string {
    return this.clock().toISOString();
  }

  private touchChat(chat: ChatRef & { title?: string }): void {
    const t = this.stamp();
    this.st.upsertChat.run(chat.channel, chat.chatId, chat.title ?? null, t, t);
  }

  async upsertChat(chat: ChatRef & { title?: string }): Promise<void> {
    this.touchChat(chat);
  }

  async setAllowed(channel: string, chatId: string, allowed: boolean): Promise<void> {
    this.db.transaction(() => {
      this.touchChat({ channel, chatId });
      this.st.setAllowed.run(allowed ? 1 : 0, this.stamp(), channel, chatId);
    })();
  }

  async isAllowed(channel: string, chatId: string): Promise<boolean> {
    return this.st.isAllowed.get(channel, chatId) === 1;
  }

  async subscribe(s: SubscribeInput): Promise<Subscription> {
    const offsets = normalizeOffsets(s.offsets);
    return this.db.transaction(() => {
      this.touchChat({ channel: s.channel, chatId: s.chatId });
      const row = this.st.subscribe.get(s.channel, s.chatId, s.agency, JSON.stringify(offsets), this.stamp()) as SubscriptionRow;
      return toSubscription(row);
    })();
  }

  async unsubscribe(channel: string, chatId: string, agency: string): Promise<boolean> {
    return this.st.unsubscribe.run(this.stamp(), channel, chatId, agency).changes > 0;
  }

  async subscriptions(channel?: string, chatId?: string): Promise<Subscription[]> {
    let rows: unknown[];
    if (channel !== undefined && chatId !== undefined) rows = this.st.subsChat.all(channel, chatId);
    else if (channel !== undefined) rows = this.st.subsChannel.all(channel);
    else rows = this.st.subsAll.all();
    return (rows as SubscriptionRow[]).map(toSubscription);
  }

  async allActiveSubscriptions(): Promise<Subscription[]> {
    return (this.st.subsAll.all() as SubscriptionRow[]).map(toSubscription);
  }

  async snoozeSubscription(channel: string, chatId: string, agency: string, until: string | null): Promise<boolean> {
    return this.st.snooze.run(until, channel, chatId, agency).changes > 0;
  }

  async pauseChat(channel: string, chatId: string, reason: string): Promise<void> {
    // One transaction: a paused chat never keeps pending deliveries that a later pass would retry.
    this.db.transaction(() => {
      const t = this.stamp();
      this.touchChat({ channel, chatId });
      this.st.pause.run(t, reason, t, channel, chatId);
      this.st.failPendingOfChat.run(`chat paused: ${reason}`, channel, chatId);
    })();
  }

  async resumeChat(channel: string, chatId: string): Promise<void> {
    this.st.resume.run(this.stamp(), channel, chatId);
  }

  async isPaused(channel: string, chatId: string): Promise<boolean> {
    return this.st.isPaused.get(channel, chatId) === 1;
  }

  async muteTask(channel: string, chatId: string, taskId: string): Promise<void> {
    this.db.transaction(() => {
      this.touchChat({ channel, chatId });
      this.st.mute.run(channel, chatId, taskId, this.stamp());
    })();
  }

  async unmuteTask(channel: string, chatId: string, taskId: string): Promise<boolean> {
    return this.st.unmute.run(channel, chatId, taskId).changes > 0;
  }

  async mutedTasks(channel: string, chatId: string): Promise<Set<string>> {
    return new Set(this.st.muted.all(channel, chatId) as string[]);
  }

  async allMutedTasks(): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const r of this.st.allMuted.iterate() as Iterable<{ channel: string; chat_id: string; task_id: string }>) {
      const k = chatKey(r.channel, r.chat_id);
      let set = out.get(k);
      if (!set) out.set(k, (set = new Set()));
      set.add(r.task_id);
    }
    return out;
  }

  async addFeedback(f: FeedbackInput): Promise<void> {
    this.st.feedback.run(f.channel, f.chatId, f.answerId ?? null, f.vote ?? null, f.text ?? null, f.question ?? null, f.answer ?? null, f.reason ?? null, this.stamp());
  }

  /** Questions asked, without who asked (see {@link QuestionLog}). */
  get questions(): QuestionLog {
    return (this.questionLog ??= new QuestionLog(this.db));
  }
  private questionLog?: QuestionLog;

  get questionStats(): QuestionLog {
    return this.questions;
  }

  /** Incoming chat updates (see {@link SqliteInbox}). */
  get inbox(): SqliteInbox {
    return (this.inboxRows ??= new SqliteInbox(this.db, (w) => this.writeMemory(w)));
  }
  private inboxRows?: SqliteInbox;

  async logQuestion(q: QuestionInput): Promise<void> {
    this.questions.add(q);
  }

  async claimDeliveries(items: DeliveryKey[], now: string): Promise<DeliveryKey[]> {
    return this.db.transaction(() => {
      const fresh: DeliveryKey[] = [];
      for (const k of items) {
        if (this.st.claim.run(k.channel, k.chatId, k.taskId, k.kind, now).changes === 1) fresh.push(k);
      }
      return fresh;
    }).immediate();
  }

  async markSent(keys: DeliveryKey[], at: string): Promise<void> {
    this.db.transaction(() => {
      for (const k of keys) this.st.markSent.run(at, k.channel, k.chatId, k.taskId, k.kind);
    })();
  }

  async pendingDeliveries(chats?: readonly ChatRef[]): Promise<PendingDelivery[]> {
    const rows = chats
      ? this.db.transaction(() => chats.flatMap((c) => this.st.pendingOf.all(c.channel, c.chatId) as PendingRow[]))()
      : (this.st.pending.all() as PendingRow[]);
    return rows.map((r) => ({
      channel: r.channel,
      chatId: r.chat_id,
      taskId: r.task_id,
      kind: r.reminder_kind,
      attempts: r.attempts,
      claimedAt: r.claimed_at,
    }));
  }

  async recordAttempt(keys: DeliveryKey[], error: string): Promise<number[]> {
    return this.db.transaction(() =>
      keys.map((k) => (this.st.attempt.get(error, k.channel, k.chatId, k.taskId, k.kind) as number | undefined) ?? 0),
    )();
  }

  async markFailed(keys: DeliveryKey[], error: string): Promise<void> {
    this.db.transaction(() => {
      for (const k of keys) this.st.markFailed.run(error, k.channel, k.chatId, k.taskId, k.kind);
    })();
  }

  async lastPassDate(): Promise<string | null> {
    return (this.st.getState.get('last_pass_date') as string | undefined) ?? null;
  }

  async setLastPassDate(date: string): Promise<void> {
    this.st.setState.run('last_pass_date', date);
  }

  async passProgress(): Promise<PassProgress | null> {
    const raw = this.st.getState.get(PASS_PROGRESS) as string | undefined;
    return raw ? (JSON.parse(raw) as PassProgress) : null;
  }

  async beginPass(progress: PassProgress, passDate: string | null): Promise<void> {
    this.db.transaction(() => {
      this.st.setState.run(PASS_PROGRESS, JSON.stringify(progress));
      if (passDate) this.st.setState.run('last_pass_date', passDate);
    })();
  }

  async savePassProgress(progress: PassProgress | null): Promise<void> {
    if (progress) this.st.setState.run(PASS_PROGRESS, JSON.stringify(progress));
    else this.st.deleteState.run(PASS_PROGRESS);
  }

  async acquireLease(name: string, owner: string, now: string, expiresAt: string, isStale?: (holder: string) => boolean): Promise<string> {
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

  async releaseLease(name: string, owner: string): Promise<void> {
    const key = `lease:${name}`;
    this.db.transaction(() => {
      const raw = this.st.getState.get(key) as string | undefined;
      if (raw && (JSON.parse(raw) as Lease).owner === owner) this.st.deleteState.run(key);
    })();
  }

  async loadMemory(channel: string, chatId: string, now: string): Promise<MemoryState | null> {
    const row = this.st.loadMemory.get(channel, chatId) as { state: string; expires_at: string } | undefined;
    if (!row || row.expires_at <= now) return null;
    return JSON.parse(row.state) as MemoryState;
  }

  async saveMemory(channel: string, chatId: string, state: MemoryState, expiresAt: string): Promise<void> {
    this.writeMemory({ channel, chatId, state, expiresAt });
  }

  /** saveMemory, synchronous: also run inside the inbox's plan transaction. */
  private writeMemory(w: MemoryWrite): void {
    this.st.saveMemory.run(w.channel, w.chatId, JSON.stringify(w.state), w.expiresAt);
    // Expired rows are swept now and then rather than on every write.
    if (++this.memoryWrites % 500 === 0) this.st.purgeMemory.run(this.stamp());
  }

  async ping(): Promise<boolean> {
    return this.db.open;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
