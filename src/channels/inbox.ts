/**
 * The inbox: every incoming chat update is written to SQLite before the platform is
 * told it was received (webhook 200, or the next polling offset), processed from
 * there, and marked done once its reply was accepted. After a crash the updates
 * still pending are processed again at start-up — each at most {@link MAX_INBOX_ATTEMPTS}
 * times, so no question is lost and none is answered more than twice.
 *
 * The replies computed for an update are stored with it before they are sent, with the
 * number accepted so far: a reply the platform refused (5xx, unreachable) is retried later
 * by the running process ({@link ReplyDelivery}), from the first one not accepted, without
 * asking the question again.
 */
import type Database from 'better-sqlite3';

/** Processing attempts per update: a crash mid-reply repeats it once, never more. */
export const MAX_INBOX_ATTEMPTS = 2;
/** Done rows kept for de-duplicating redeliveries; older ones are pruned. */
const KEEP_DONE = 10_000;

/** One outgoing message of a reply, as the channel sends it (options: platform fields such as parse_mode). */
export interface StoredReply {
  chatId: string;
  text: string;
  options?: Record<string, unknown>;
}

export interface InboxItem {
  updateId: string;
  payload: unknown;
  attempts: number;
  /** The replies computed before a crash or a failed send (undefined: not computed yet). */
  replies?: StoredReply[];
  /** How many of `replies` the platform accepted. */
  sent: number;
}

interface Row {
  update_id: string;
  payload: string;
  attempts: number;
  replies: string | null;
  sent: number;
}

const toItem = (r: Row): InboxItem => ({
  updateId: r.update_id,
  payload: JSON.parse(r.payload) as unknown,
  attempts: r.attempts,
  ...(r.replies !== null && { replies: JSON.parse(r.replies) as StoredReply[] }),
  sent: r.sent,
});

/** Inbox rows of every channel, in the product's database (table created by the schema migrations). */
export class Inbox {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      insert: db.prepare(
        `INSERT INTO inbox (channel, update_id, payload, status, attempts, received_at)
         VALUES (?, ?, ?, 'pending', 0, ?) ON CONFLICT (channel, update_id) DO NOTHING`,
      ),
      // A retry scheduled before is superseded by this attempt.
      begin: db.prepare(
        `UPDATE inbox SET attempts = attempts + 1, next_at = NULL WHERE channel = ? AND update_id = ? AND status = 'pending' AND attempts < ${MAX_INBOX_ATTEMPTS} RETURNING attempts`,
      ),
      giveUp: db.prepare(`UPDATE inbox SET status = 'failed' WHERE channel = ? AND status = 'pending' AND attempts >= ${MAX_INBOX_ATTEMPTS}`),
      done: db.prepare(`UPDATE inbox SET status = 'done', done_at = ? WHERE channel = ? AND update_id = ?`),
      pending: db.prepare(
        `SELECT update_id, payload, attempts, replies, sent FROM inbox WHERE channel = ? AND status = 'pending' ORDER BY received_at, CAST(update_id AS INTEGER), update_id`,
      ),
      plan: db.prepare(`UPDATE inbox SET replies = ?, sent = 0 WHERE channel = ? AND update_id = ? AND replies IS NULL`),
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
    return (this.st.pending.all(channel) as Row[]).map(toItem);
  }

  /** Stores the replies computed for an update before any is sent (kept if already stored). */
  plan(channel: string, updateId: string, replies: StoredReply[]): void {
    this.st.plan.run(JSON.stringify(replies), channel, updateId);
  }

  /** The first `count` replies of the update were accepted by the platform. */
  sent(channel: string, updateId: string, count: number): void {
    this.st.sent.run(count, channel, updateId);
  }

  /**
   * A send failed: counts a retry and schedules it `delayFor(retry)` ms from now, or marks the
   * update failed when `delayFor` gives undefined (out of retries). Returns the retry number and
   * delay, or undefined when the update was given up (or is no longer pending).
   */
  retryLater(channel: string, updateId: string, delayFor: (retry: number) => number | undefined): { retry: number; delayMs: number } | undefined {
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

  /** Claims the updates whose retry is due (each handed to one caller), oldest first. */
  due(channel: string): InboxItem[] {
    const rows = this.st.claim.all(channel, new Date().toISOString()) as Array<Row & { received_at: string }>;
    return rows.sort((a, b) => a.received_at.localeCompare(b.received_at)).map(toItem);
  }

  /** Gives an update up (its reply cannot be delivered): never processed again. */
  fail(channel: string, updateId: string): void {
    this.st.fail.run(new Date().toISOString(), channel, updateId);
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
