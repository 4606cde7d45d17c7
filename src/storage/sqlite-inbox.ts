/**
 * The {@link Inbox} in the SQLite file: one process owns the file, so every update
 * still pending at start-up is an orphan of its previous run.
 */
import type Database from 'better-sqlite3';
import { MAX_INBOX_ATTEMPTS, type Inbox, type InboxItem } from './types.js';

/** Done rows kept for de-duplicating redeliveries; older ones are pruned. */
export const KEEP_DONE_UPDATES = 10_000;

/** Inbox rows of every channel, in the product's database (table created by the schema migrations). */
export class SqliteInbox implements Inbox {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      insert: db.prepare(
        `INSERT INTO inbox (channel, update_id, payload, status, attempts, received_at)
         VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (channel, update_id) DO NOTHING`,
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
    const rows = this.st.pending.all(channel) as Array<{ update_id: string; payload: string; attempts: number }>;
    return rows.map((r) => ({ updateId: r.update_id, payload: JSON.parse(r.payload) as unknown, attempts: r.attempts }));
  }

  async pendingCount(channel: string): Promise<number> {
    return (this.st.count.get(channel) as { n: number }).n;
  }

  async prune(channel: string): Promise<void> {
    this.st.prune.run(channel, channel);
  }
}
