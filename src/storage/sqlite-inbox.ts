/**
 * The {@link Inbox} in the SQLite file: one process owns the file, so every update
 * still pending at start-up is an orphan of its previous run. The replies of an update
 * and their retry schedule live in its row (schema migration 6).
 */
import type Database from 'better-sqlite3';
import { MAX_INBOX_ATTEMPTS, type Inbox, type InboxItem, type MemoryWrite, type ReplyRetry, type StoredReply } from './types.js';

/** Done rows kept for de-duplicating redeliveries; older ones are pruned. */
export const KEEP_DONE_UPDATES = 10_000;

/** An inbox row as both engines read it. */
export interface InboxRow {
  update_id: string;
  payload: string;
  attempts: number;
  replies: string | null;
  sent: number;
}

/** The item of an inbox row (replies parsed when stored). */
export const inboxItem = (r: InboxRow): InboxItem => ({
  updateId: r.update_id,
  payload: JSON.parse(r.payload) as unknown,
  attempts: r.attempts,
  ...(r.replies !== null && { replies: JSON.parse(r.replies) as StoredReply[] }),
  sent: r.sent,
});

/** Inbox rows of every channel, in the product's database (table created by the schema migrations). */
export class SqliteInbox implements Inbox {
  private readonly st;

  /** @param saveMemory writes a chat's memory (synchronously, inside the plan's transaction) */
  constructor(
    private readonly db: Database.Database,
    private readonly saveMemory: (w: MemoryWrite) => void,
  ) {
    this.st = {
      insert: db.prepare(
        `INSERT INTO inbox (channel, update_id, payload, status, attempts, received_at)
         VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (channel, update_id) DO NOTHING`,
      ),
      // A retry scheduled before is superseded by this attempt.
      begin: db.prepare(
        `UPDATE inbox SET attempts = attempts + 1, next_at = NULL WHERE channel = ? AND update_id = ? AND status = 'pending' AND attempts < ${MAX_INBOX_ATTEMPTS} RETURNING attempts`,
      ),
      giveUp: db.prepare(`UPDATE inbox SET status = 'failed' WHERE channel = ? AND status = 'pending' AND attempts >= ${MAX_INBOX_ATTEMPTS}`),
      done: db.prepare(`UPDATE inbox SET status = 'done', next_at = NULL, done_at = ? WHERE channel = ? AND update_id = ?`),
      pending: db.prepare(
        `SELECT update_id, payload, attempts, replies, sent FROM inbox WHERE channel = ? AND status = 'pending' ORDER BY received_at, CAST(update_id AS INTEGER), update_id`,
      ),
      plan: db.prepare(`UPDATE inbox SET replies = ?, sent = 0 WHERE channel = ? AND update_id = ? AND status = 'pending' AND replies IS NULL`),
      sent: db.prepare(`UPDATE inbox SET sent = ? WHERE channel = ? AND update_id = ?`),
      retried: db.prepare(`UPDATE inbox SET retries = retries + 1 WHERE channel = ? AND update_id = ? AND status = 'pending' RETURNING retries`),
      schedule: db.prepare(`UPDATE inbox SET next_at = ? WHERE channel = ? AND update_id = ?`),
      fail: db.prepare(`UPDATE inbox SET status = 'failed', next_at = NULL, done_at = ? WHERE channel = ? AND update_id = ?`),
      // Claiming clears next_at, so a row is resent by one caller only.
      claim: db.prepare(
        `UPDATE inbox SET next_at = NULL WHERE channel = ? AND status = 'pending' AND next_at IS NOT NULL AND next_at <= ?
         RETURNING update_id, payload, attempts, replies, sent, received_at`,
      ),
      count: db.prepare(`SELECT count(*) AS n FROM inbox WHERE channel = ? AND status = 'pending'`),
      prune: db.prepare(
        `DELETE FROM inbox WHERE channel = ? AND status != 'pending' AND rowid NOT IN
           (SELECT rowid FROM inbox WHERE channel = ? AND status != 'pending' ORDER BY done_at DESC LIMIT ${KEEP_DONE_UPDATES})`,
      ),
    };
  }

  async receive(channel: string, updates: Array<{ id: string; payload: unknown }>, opts: { begin?: boolean } = {}): Promise<Array<{ id: string; payload: unknown }>> {
    const at = new Date().toISOString();
    const attempts = opts.begin ? 1 : 0;
    return this.db.transaction(() => updates.filter((u) => this.st.insert.run(channel, u.id, JSON.stringify(u.payload), attempts, at).changes > 0))();
  }

  async begin(channel: string, updateId: string): Promise<boolean> {
    return this.st.begin.get(channel, updateId) !== undefined;
  }

  async done(channel: string, updateId: string): Promise<void> {
    this.st.done.run(new Date().toISOString(), channel, updateId);
  }

  async orphans(channel: string): Promise<InboxItem[]> {
    this.st.giveUp.run(channel);
    return (this.st.pending.all(channel) as InboxRow[]).map(inboxItem);
  }

  async pendingCount(channel: string): Promise<number> {
    return (this.st.count.get(channel) as { n: number }).n;
  }

  async prune(channel: string): Promise<void> {
    this.st.prune.run(channel, channel);
  }

  async plan(channel: string, updateId: string, replies: StoredReply[], memory?: MemoryWrite): Promise<void> {
    this.db.transaction(() => {
      this.st.plan.run(JSON.stringify(replies), channel, updateId);
      if (memory) this.saveMemory(memory);
    })();
  }

  async sent(channel: string, updateId: string, count: number): Promise<void> {
    this.st.sent.run(count, channel, updateId);
  }

  async retryLater(channel: string, updateId: string, delayFor: (retry: number) => number | undefined): Promise<ReplyRetry | undefined> {
    return this.db.transaction(() => {
      const row = this.st.retried.get(channel, updateId) as { retries: number } | undefined;
      if (!row) return undefined;
      const delayMs = delayFor(row.retries);
      if (delayMs === undefined) {
        this.st.fail.run(new Date().toISOString(), channel, updateId);
        return undefined;
      }
      this.st.schedule.run(new Date(Date.now() + delayMs).toISOString(), channel, updateId);
      return { retry: row.retries, delayMs };
    })();
  }

  async due(channel: string): Promise<InboxItem[]> {
    const rows = this.st.claim.all(channel, new Date().toISOString()) as Array<InboxRow & { received_at: string }>;
    return rows.sort((a, b) => a.received_at.localeCompare(b.received_at)).map(inboxItem);
  }

  async fail(channel: string, updateId: string): Promise<void> {
    this.st.fail.run(new Date().toISOString(), channel, updateId);
  }
}
