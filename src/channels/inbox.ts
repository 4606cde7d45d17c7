/**
 * The inbox: every incoming chat update is written to SQLite before the platform is
 * told it was received (webhook 200, or the next polling offset), processed from
 * there, and marked done once its reply was accepted. After a crash the updates
 * still pending are processed again at start-up — each at most {@link MAX_INBOX_ATTEMPTS}
 * times, so no question is lost and none is answered more than twice.
 */
import type Database from 'better-sqlite3';

/** Processing attempts per update: a crash mid-reply repeats it once, never more. */
export const MAX_INBOX_ATTEMPTS = 2;
/** Done rows kept for de-duplicating redeliveries; older ones are pruned. */
const KEEP_DONE = 10_000;

export interface InboxItem {
  updateId: string;
  payload: unknown;
  attempts: number;
}

/** Inbox rows of every channel, in the product's database (table created by the schema migrations). */
export class Inbox {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      insert: db.prepare(
        `INSERT INTO inbox (channel, update_id, payload, status, attempts, received_at)
         VALUES (?, ?, ?, 'pending', 0, ?) ON CONFLICT (channel, update_id) DO NOTHING`,
      ),
      begin: db.prepare(
        `UPDATE inbox SET attempts = attempts + 1 WHERE channel = ? AND update_id = ? AND status = 'pending' AND attempts < ${MAX_INBOX_ATTEMPTS} RETURNING attempts`,
      ),
      giveUp: db.prepare(`UPDATE inbox SET status = 'failed' WHERE channel = ? AND status = 'pending' AND attempts >= ${MAX_INBOX_ATTEMPTS}`),
      done: db.prepare(`UPDATE inbox SET status = 'done', done_at = ? WHERE channel = ? AND update_id = ?`),
      pending: db.prepare(
        `SELECT update_id, payload, attempts FROM inbox WHERE channel = ? AND status = 'pending' ORDER BY received_at, CAST(update_id AS INTEGER), update_id`,
      ),
      count: db.prepare(`SELECT count(*) AS n FROM inbox WHERE channel = ? AND status = 'pending'`),
      prune: db.prepare(
        `DELETE FROM inbox WHERE channel = ? AND status != 'pending' AND rowid NOT IN
           (SELECT rowid FROM inbox WHERE channel = ? AND status != 'pending' ORDER BY done_at DESC LIMIT ${KEEP_DONE})`,
      ),
    };
  }

  /**
   * Stores updates (one transaction, durable before it returns) and returns those not seen
   * before: a platform resending an update already stored does not get it processed twice.
   */
  receive(channel: string, updates: Array<{ id: string; payload: unknown }>): Array<{ id: string; payload: unknown }> {
    const at = new Date().toISOString();
    return this.db.transaction(() => updates.filter((u) => this.st.insert.run(channel, u.id, JSON.stringify(u.payload), at).changes > 0))();
  }

  /** Counts a processing attempt; false when the update is done, unknown or out of attempts. */
  begin(channel: string, updateId: string): boolean {
    return this.st.begin.get(channel, updateId) !== undefined;
  }

  /** The reply was accepted (or the update needs none): never processed again. */
  done(channel: string, updateId: string): void {
    this.st.done.run(new Date().toISOString(), channel, updateId);
  }

  /** Updates stored but not done, oldest first; those out of attempts are marked failed. */
  pending(channel: string): InboxItem[] {
    this.st.giveUp.run(channel);
    const rows = this.st.pending.all(channel) as Array<{ update_id: string; payload: string; attempts: number }>;
    return rows.map((r) => ({ updateId: r.update_id, payload: JSON.parse(r.payload) as unknown, attempts: r.attempts }));
  }

  /** Number of updates not yet done (for metrics and tests). */
  pendingCount(channel: string): number {
    return (this.st.count.get(channel) as { n: number }).n;
  }

  /** Drops old done rows, keeping the newest few thousand for de-duplication. */
  prune(channel: string): void {
    this.st.prune.run(channel, channel);
  }
}
