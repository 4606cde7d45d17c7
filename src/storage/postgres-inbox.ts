/**
 * The cluster's inbox and question log on PostgreSQL.
 *
 * Inbox ownership: each instance picks a random owner number and holds the session
 * advisory lock (PRESENCE_NAMESPACE, owner) on a dedicated connection for as long as
 * it lives; its inbox rows carry that number. When the process dies (even SIGKILL)
 * the server ends the session and frees the lock, so any instance that can take the
 * lock knows the owner is gone and takes its pending rows over — one instance at a
 * time, since it holds the lock while it moves them. The attempts counter still bounds
 * every update to two answers.
 *
 * Reply retries (columns of migration 4): any instance may resend a row whose retry is
 * due; the claim clears `next_at` and makes the row its own in one statement (rows
 * locked by another claim are skipped), so one instance resends a given row at a time,
 * and the takeover of a dead owner's rows clears `next_at` too.
 *
 * The question log is written in batches (one INSERT per flush, every
 * {@link QUESTION_FLUSH_MS}): statistics need no round trip on the answer's path.
 */
import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { StatementBatcher } from './postgres-batch.js';
import { PRESENCE_NAMESPACE } from './postgres-schema.js';
import { MAX_QUESTION_CHARS, newSalt, pseudonym } from './questions.js';
import { inboxItem, KEEP_DONE_UPDATES, type InboxRow } from './sqlite-inbox.js';
import {
  MAX_INBOX_ATTEMPTS,
  type FeedbackRow,
  type Inbox,
  type InboxItem,
  chatKey,
  type MemoryWrite,
  type QuestionInput,
  type QuestionRow,
  type QuestionStats,
  type ReplyRetry,
  type StoredReply,
} from './types.js';

/** A plan, with the chat's memory (state as JSON text) when the conversation handed it over. */
type PlanCall = UpdateRef & { replies: string; memory?: Omit<MemoryWrite, 'state'> & { state: string } };

interface UpdateRef {
  channel: string;
  updateId: string;
}

interface ReceiveCall {
  channel: string;
  updates: Array<{ id: string; payload: unknown }>;
  begin: boolean;
}

/**
 * How long "done" marks wait to be written together. A crash in between only means the update is
 * answered again by the takeover (still at most twice overall, as for a crash just before the mark).
 */
export const DONE_GATHER_MS = 20;

/** Longest wait before logged questions are written. */
export const QUESTION_FLUSH_MS = 250;

/** The shared inbox; `presence()` resolves this instance's owner number once its lock is held. */
export class PostgresInbox implements Inbox {
  private held: Promise<{ owner: number; client: pg.PoolClient }> | undefined;
  // The statements of every update on the webhook path, coalesced under load (see postgres-batch.ts).
  private readonly receiving = new StatementBatcher((calls: ReceiveCall[]) => this.receiveBatch(calls), 200);
  private readonly planning = new StatementBatcher(async (calls: PlanCall[]) => {
    // A plan already stored stands (computed again after a crash); the first of one batch wins too.
    const first = [...new Map([...calls].reverse().map((c) => [`${c.channel}\u0000${c.updateId}`, c])).values()];
    // The chats' memories go in the same statement; of one chat written twice, the last call wins (as saveMemory).
    const memories = [...new Map(calls.flatMap((c) => (c.memory ? [[chatKey(c.memory.channel, c.memory.chatId), c.memory] as const] : []))).values()];
    await this.pool.query({
      name: 'inbox_plan_memory',
      text: `WITH memory AS (
         INSERT INTO conversation_memory (channel, chat_id, state, expires_at)
         SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[])
         ON CONFLICT (channel, chat_id) DO UPDATE SET state = EXCLUDED.state, expires_at = EXCLUDED.expires_at)
       UPDATE inbox i SET replies = u.replies, sent = 0 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(channel, update_id, replies)
       WHERE i.channel = u.channel AND i.update_id = u.update_id AND i.status = 'pending' AND i.replies IS NULL`,
      values: [
        first.map((c) => c.channel),
        first.map((c) => c.updateId),
        first.map((c) => c.replies),
        memories.map((m) => m.channel),
        memories.map((m) => m.chatId),
        memories.map((m) => m.state),
        memories.map((m) => m.expiresAt),
      ],
    });
    if (memories.length > 0) this.memoryWritten?.(memories.length);
    return calls.map(() => undefined);
  });
  // Marking an update done is off the user's path (its replies were accepted): gathered for DONE_GATHER_MS.
  private readonly finishing = new StatementBatcher(async (calls: UpdateRef[]) => {
    await this.pool.query({
      name: 'inbox_done',
      text: `UPDATE inbox i SET status = 'done', next_at = NULL, done_at = $3 FROM unnest($1::text[], $2::text[]) AS u(channel, update_id)
       WHERE i.channel = u.channel AND i.update_id = u.update_id`,
      values: [calls.map((c) => c.channel), calls.map((c) => c.updateId), new Date().toISOString()],
    });
    return calls.map(() => undefined);
  }, 500, DONE_GATHER_MS);

  /** @param memoryWritten counts memories written with a plan (the store sweeps expired ones now and then) */
  constructor(
    private readonly pool: pg.Pool,
    private readonly onError?: (err: Error) => void,
    private readonly memoryWritten?: (count: number) => void,
  ) {}

  /** This instance's owner number, holding its presence lock (taken on first use). */
  presence(): Promise<number> {
    this.held ??= this.takePresence().catch((err: unknown) => {
      this.held = undefined;
      throw err;
    });
    return this.held.then((h) => h.owner);
  }

  private async takePresence(): Promise<{ owner: number; client: pg.PoolClient }> {
    const client = await this.pool.connect();
    try {
      for (;;) {
        const owner = randomInt(1, 2 ** 31 - 1);
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [PRESENCE_NAMESPACE, owner]);
        if (rows[0]?.ok) {
          client.on('error', (err) => {
            // The lock went with the session: others may take this instance's rows over (bounded by attempts).
            // An error after close() (the server ending the session) finds the client already returned.
            if (released.has(client)) return;
            this.held = undefined;
            releaseOnce(client, err);
            this.onError?.(err);
          });
          return { owner, client };
        }
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
  }

  async receive(channel: string, updates: Array<{ id: string; payload: unknown }>, opts: { begin?: boolean } = {}): Promise<Array<{ id: string; payload: unknown }>> {
    if (updates.length === 0) return [];
    return this.receiving.call({ channel, updates, begin: opts.begin === true });
  }

  /** The updates of concurrent receive() calls stored by one INSERT; each call gets back its fresh ones. */
  private async receiveBatch(calls: ReceiveCall[]): Promise<Array<Array<{ id: string; payload: unknown }>>> {
    const owner = await this.presence();
    const rows = calls.flatMap((c) => c.updates.map((u) => ({ channel: c.channel, id: u.id, payload: JSON.stringify(u.payload), attempts: c.begin ? 1 : 0 })));
    const { rows: inserted } = await this.pool.query<{ channel: string; update_id: string }>({
      name: 'inbox_receive',
      text: `INSERT INTO inbox (channel, update_id, payload, attempts, owner, received_at)
       SELECT u.channel, u.id, u.payload, u.attempts, $5, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS u(channel, id, payload, attempts)
       ON CONFLICT (channel, update_id) DO NOTHING RETURNING channel, update_id`,
      values: [rows.map((r) => r.channel), rows.map((r) => r.id), rows.map((r) => r.payload), rows.map((r) => r.attempts), owner, new Date().toISOString()],
    });
    // The same update posted twice at once (a resend) is fresh for the first call only.
    const fresh = new Set(inserted.map((r) => `${r.channel}\u0000${r.update_id}`));
    return calls.map((c) => c.updates.filter((u) => fresh.delete(`${c.channel}\u0000${u.id}`)));
  }

  async begin(channel: string, updateId: string): Promise<boolean> {
    const r = await this.pool.query(
      // A retry scheduled before is superseded by this attempt.
      `UPDATE inbox SET attempts = attempts + 1, next_at = NULL WHERE channel = $1 AND update_id = $2 AND status = 'pending' AND attempts < ${MAX_INBOX_ATTEMPTS}`,
      [channel, updateId],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async done(channel: string, updateId: string): Promise<void> {
    await this.finishing.call({ channel, updateId });
  }

  async orphans(channel: string): Promise<InboxItem[]> {
    const me = await this.presence();
    const { rows: owners } = await this.pool.query<{ owner: number }>(
      `SELECT DISTINCT owner FROM inbox WHERE channel = $1 AND status = 'pending' AND owner <> $2`,
      [channel, me],
    );
    const out: InboxItem[] = [];
    for (const { owner } of owners) {
      const c = await this.pool.connect();
      try {
        const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [PRESENCE_NAMESPACE, owner]);
        if (!rows[0]?.ok) continue; // alive (or another instance is taking its rows over right now)
        try {
          // next_at cleared: a retry due now is resent by this takeover, not also by a claim (see due()).
          const taken = await c.query<InboxRow & { status: string }>(
            `UPDATE inbox SET owner = $3, next_at = NULL, status = CASE WHEN attempts >= ${MAX_INBOX_ATTEMPTS} THEN 'failed' ELSE status END
             WHERE channel = $1 AND owner = $2 AND status = 'pending' RETURNING update_id, payload, attempts, replies, sent, status`,
            [channel, owner, me],
          );
          for (const r of taken.rows) if (r.status === 'pending') out.push(inboxItem(r));
        } finally {
          await c.query('SELECT pg_advisory_unlock($1, $2)', [PRESENCE_NAMESPACE, owner]);
        }
      } finally {
        c.release();
      }
    }
    // Stored by this instance but never started (received before the channel was connected).
    const { rows } = await this.pool.query<InboxRow>(
      `SELECT update_id, payload, attempts, replies, sent FROM inbox WHERE channel = $1 AND owner = $2 AND status = 'pending' AND attempts = 0`,
      [channel, me],
    );
    for (const r of rows) out.push(inboxItem(r));
    return out.sort((a, b) => numericOrder(a.updateId, b.updateId));
  }

  async pendingCount(channel: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE channel = $1 AND status = 'pending'`, [channel]);
    return rows[0]?.n ?? 0;
  }

  async prune(channel: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM inbox WHERE channel = $1 AND status <> 'pending' AND done_at < COALESCE(
         (SELECT done_at FROM inbox WHERE channel = $1 AND status <> 'pending' ORDER BY done_at DESC OFFSET ${KEEP_DONE_UPDATES} LIMIT 1), '')`,
      [channel],
    );
  }

  async plan(channel: string, updateId: string, replies: StoredReply[], memory?: MemoryWrite): Promise<void> {
    await this.planning.call({ channel, updateId, replies: JSON.stringify(replies), ...(memory && { memory: { ...memory, state: JSON.stringify(memory.state) } }) });
  }

  async sent(channel: string, updateId: string, count: number): Promise<void> {
    await this.pool.query(`UPDATE inbox SET sent = $3 WHERE channel = $1 AND update_id = $2`, [channel, updateId, count]);
  }

  async retryLater(channel: string, updateId: string, delayFor: (retry: number) => number | undefined): Promise<ReplyRetry | undefined> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      try {
        const { rows } = await c.query<{ retries: number }>(
          `UPDATE inbox SET retries = retries + 1 WHERE channel = $1 AND update_id = $2 AND status = 'pending' RETURNING retries`,
          [channel, updateId],
        );
        const retries = rows[0]?.retries;
        const delayMs = retries === undefined ? undefined : delayFor(retries);
        if (retries !== undefined && delayMs === undefined) {
          await c.query(`UPDATE inbox SET status = 'failed', next_at = NULL, done_at = $3 WHERE channel = $1 AND update_id = $2`, [channel, updateId, new Date().toISOString()]);
        } else if (delayMs !== undefined) {
          await c.query(`UPDATE inbox SET next_at = $3 WHERE channel = $1 AND update_id = $2`, [channel, updateId, new Date(Date.now() + delayMs).toISOString()]);
        }
        await c.query('COMMIT');
        return retries !== undefined && delayMs !== undefined ? { retry: retries, delayMs } : undefined;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      c.release();
    }
  }

  async due(channel: string): Promise<InboxItem[]> {
    const me = await this.presence();
    // One statement: the rows are locked as they are picked (those another instance is claiming are
    // skipped), then made this instance's with next_at cleared, so no other claim can take them.
    const { rows } = await this.pool.query<InboxRow & { received_at: string }>(
      `UPDATE inbox SET next_at = NULL, owner = $3 WHERE (channel, update_id) IN (
         SELECT channel, update_id FROM inbox WHERE channel = $1 AND status = 'pending' AND next_at IS NOT NULL AND next_at <= $2
         FOR UPDATE SKIP LOCKED)
       RETURNING update_id, payload, attempts, replies, sent, received_at`,
      [channel, new Date().toISOString(), me],
    );
    return rows.sort((a, b) => a.received_at.localeCompare(b.received_at) || numericOrder(a.update_id, b.update_id)).map(inboxItem);
  }

  async fail(channel: string, updateId: string): Promise<void> {
    await this.pool.query(`UPDATE inbox SET status = 'failed', next_at = NULL, done_at = $3 WHERE channel = $1 AND update_id = $2`, [channel, updateId, new Date().toISOString()]);
  }

  /** Frees the presence lock: rows still pending (a reply waiting for its retry) are taken over by another instance. */
  async close(): Promise<void> {
    const held = await this.held?.catch(() => undefined);
    this.held = undefined;
    if (!held) return;
    try {
      await held.client.query('SELECT pg_advisory_unlock($1, $2)', [PRESENCE_NAMESPACE, held.owner]);
      releaseOnce(held.client);
    } catch (err) {
      releaseOnce(held.client, err as Error);
    }
  }
}

/** Presence clients already returned to the pool: pg-pool throws on a second release. */
const released = new WeakSet<pg.PoolClient>();

function releaseOnce(client: pg.PoolClient, err?: Error): void {
  if (released.has(client)) return;
  released.add(client);
  client.release(err);
}

/** Update ids are numbers on Telegram, message ids on Zalo: numeric order when both are numbers. */
function numericOrder(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The question log of the whole cluster; questions are buffered and written in batches. */
export class PostgresQuestionLog implements QuestionStats {
  private salt: Promise<string> | undefined;
  private buffer: QuestionInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly onError?: (err: Error) => void,
  ) {}

  private saltValue(): Promise<string> {
    this.salt ??= (async () => {
      await this.pool.query(`INSERT INTO reminder_state (key, value) VALUES ('question_salt', $1) ON CONFLICT (key) DO NOTHING`, [newSalt()]);
      const { rows } = await this.pool.query<{ value: string }>(`SELECT value FROM reminder_state WHERE key = 'question_salt'`);
      return rows[0]!.value;
    })().catch((err: unknown) => {
      this.salt = undefined;
      throw err;
    });
    return this.salt;
  }

  /** Queues a question; written within {@link QUESTION_FLUSH_MS}. */
  add(q: QuestionInput): void {
    this.buffer.push(q);
    this.timer ??= setTimeout(() => void this.flush(), QUESTION_FLUSH_MS);
  }

  /** Writes the queued questions now (close and the admin view call it). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        const salt = await this.saltValue();
        await this.pool.query(
          `INSERT INTO questions (asked_at, channel, asker, question, intent, grounded, agencies)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::jsonb[])`,
          [
            batch.map((q) => q.at),
            batch.map((q) => q.channel),
            batch.map((q) => pseudonym(salt, q.channel, q.chatId)),
            batch.map((q) => q.question.slice(0, MAX_QUESTION_CHARS)),
            batch.map((q) => q.intent),
            batch.map((q) => q.grounded),
            batch.map((q) => JSON.stringify(q.agencies)),
          ],
        );
      } catch (err) {
        this.onError?.(err as Error); // statistics only: a lost batch never fails an answer
      }
    });
    return this.flushing;
  }

  async purge(days: number, now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
    const r = await this.pool.query(`DELETE FROM questions WHERE asked_at < $1`, [cutoff]);
    return r.rowCount ?? 0;
  }

  async since(sinceIso: string, limit = 5000): Promise<QuestionRow[]> {
    await this.flush();
    const { rows } = await this.pool.query<{ asked_at: string; channel: string; asker: string; question: string; intent: string; grounded: boolean; agencies: string[] }>(
      `SELECT asked_at, channel, asker, question, intent, grounded, agencies FROM questions WHERE asked_at >= $1 ORDER BY asked_at DESC, id DESC LIMIT $2`,
      [sinceIso, limit],
    );
    return rows.map((r) => ({ askedAt: r.asked_at, channel: r.channel, asker: r.asker, question: r.question, intent: r.intent, grounded: r.grounded, agencies: r.agencies }));
  }

  async feedback(limit = 200): Promise<FeedbackRow[]> {
    const { rows } = await this.pool.query<{ created_at: string; channel: string; vote: 'up' | 'down' | null; question: string | null; answer: string | null; reason: string | null; text: string | null }>(
      `SELECT created_at, channel, vote, question, answer, reason, text FROM feedback ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ createdAt: r.created_at, channel: r.channel, vote: r.vote, question: r.question, answer: r.answer, reason: r.reason, text: r.text }));
  }
}
