/**
 * {@link Store} on PostgreSQL (node-postgres pool): the shared state of several
 * instances behind a load balancer. Batch operations of the reminder pass send
 * arrays (unnest) so 100,000 rows are one round trip, not 100,000.
 *
 * Leases are session advisory locks held on a dedicated connection: when the
 * holder process dies (even SIGKILL) the server ends its session and frees the
 * lock, so another instance takes over at once without waiting for an expiry.
 * The lease row in reminder_state only names the holder for diagnostics.
 */

import pg from 'pg';
import { StatementBatcher } from './postgres-batch.js';
import { PostgresInbox, PostgresQuestionLog } from './postgres-inbox.js';
import { LOCK_NAMESPACE, migratePostgres } from './postgres-schema.js';
import {
  chatKey,
  normalizeOffsets,
  PASS_PROGRESS,
  type ChatRef,
  type DeliveryKey,
  type FeedbackInput,
  type Lease,
  type MemoryState,
  type PassProgress,
  type PendingDelivery,
  type QuestionInput,
  type Store,
  type SubscribeInput,
  type Subscription,
} from './types.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Stamps created_at/updated_at (tests inject one). */
  clock?: () => Date;
  /** Receives errors of idle connections (server restart …) instead of crashing the process. */
  onError?: (err: Error) => void;
}

interface SubscriptionRow {
  id: number;
  channel: string;
  chat_id: string;
  agency: string;
  offsets: number[];
  created_at: string;
  muted_until: string | null;
}

function toSubscription(r: SubscriptionRow): Subscription {
  return { id: r.id, channel: r.channel, chatId: r.chat_id, agency: r.agency, offsets: r.offsets, createdAt: r.created_at, mutedUntil: r.muted_until };
}

const SUB_COLUMNS = 's.id, s.channel, s.chat_id, s.agency, s.offsets, s.created_at, s.muted_until';
const ACTIVE_SUBS = `SELECT ${SUB_COLUMNS} FROM subscriptions s JOIN chats c USING (channel, chat_id) WHERE s.active AND c.paused_at IS NULL`;
const UPSERT_CHAT = `INSERT INTO chats (channel, chat_id, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
  ON CONFLICT (channel, chat_id) DO UPDATE SET title = COALESCE(EXCLUDED.title, chats.title), updated_at = EXCLUDED.updated_at`;
/** Delivery keys as four parallel arrays: `unnest($1, $2, $3, $4) WITH ORDINALITY AS k(channel, chat_id, task_id, kind, ord)`. */
const KEYS = `unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k(channel, chat_id, task_id, kind, ord)`;
const KEY_MATCH = `d.channel = k.channel AND d.chat_id = k.chat_id AND d.task_id = k.task_id AND d.reminder_kind = k.kind`;
/** Rows per statement of a batch (keeps parameter arrays and locks bounded). */
const BATCH = 5000;

function columns(keys: readonly DeliveryKey[]): [string[], string[], string[], string[]] {
  return [keys.map((k) => k.channel), keys.map((k) => k.chatId), keys.map((k) => k.taskId), keys.map((k) => k.kind)];
}

function keyString(k: DeliveryKey): string {
  return `${k.channel}\u0000${k.chatId}\u0000${k.taskId}\u0000${k.kind}`;
}

/** Second key of a lease's advisory lock: a stable 31-bit hash of its name (1 upward; 0 is the migrations lock). */
export function leaseLockKey(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.codePointAt(0)!) | 0;
  return (Math.abs(h) % 0x7ffffffe) + 1;
}

/** Opens `count` connections, each having read the tables of the webhook path once (server-side caches). */
async function warmUp(pool: pg.Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  try {
    await Promise.all(clients.map((c) => c.query('SELECT (SELECT 1 FROM inbox LIMIT 1), (SELECT 1 FROM conversation_memory LIMIT 1), (SELECT 1 FROM chats LIMIT 1)')));
  } finally {
    for (const c of clients) c.release();
  }
}

/** The PostgreSQL store; open it with {@link PostgresStore.open}. */
export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  private readonly clock: () => Date;
  private readonly leases = new Map<string, { owner: string; client: pg.PoolClient }>();
  private memoryWrites = 0;
  // Conversation memory is read and written on every message: coalesced under load (postgres-batch.ts).
  private readonly memoryReads = new StatementBatcher((calls: Array<{ channel: string; chatId: string; now: string }>) => this.loadMemories(calls));
  private readonly memoryWritesBatch = new StatementBatcher((calls: Array<{ channel: string; chatId: string; state: string; expiresAt: string }>) => this.saveMemories(calls));
  private readonly knownChats = new Set<string>();
  private closed = false;
  private readonly onError: ((err: Error) => void) | undefined;
  /** The cluster's question log (admin statistics of every instance). */
  readonly questionStats: PostgresQuestionLog;
  /** The cluster's inbox: an instance's pending updates are taken over when it dies. */
  readonly inbox: PostgresInbox;

  private constructor(
    readonly pool: pg.Pool,
    opts: PostgresStoreOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.onError = opts.onError;
    this.questionStats = new PostgresQuestionLog(pool, opts.onError);
    this.inbox = new PostgresInbox(pool, opts.onError, (n) => this.memoryWritten(n));
  }

  /** Connects and brings the schema up to date (under the migrations advisory lock). */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const max = opts.poolSize ?? 10;
    // Connections are kept (min = max) and opened at start: a burst after a quiet spell then finds them
    // ready instead of waiting for new server processes to start and load their caches.
    const pool = new pg.Pool({ connectionString: url, max, min: max, connectionTimeoutMillis: 10_000 });
    pool.on('error', (err) => opts.onError?.(err));
    try {
      await migratePostgres(pool);
      await warmUp(pool, max);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(pool, opts);
  }

  private stamp(): string {
    return this.clock().toISOString();
  }

  /** Runs `fn` in one transaction on one connection. */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async upsertChat(chat: ChatRef & { title?: string }): Promise<void> {
    // Every message records its chat: a chat this process already recorded (without a new title)
    // needs no round trip. Bounded; the oldest are forgotten first.
    const k = chatKey(chat.channel, chat.chatId);
    if (chat.title === undefined && this.knownChats.has(k)) return;
    await this.pool.query(UPSERT_CHAT, [chat.channel, chat.chatId, chat.title ?? null, this.stamp()]);
    this.knownChats.add(k);
    if (this.knownChats.size > 50_000) this.knownChats.delete(this.knownChats.values().next().value!);
  }

  async setAllowed(channel: string, chatId: string, allowed: boolean): Promise<void> {
    const t = this.stamp();
    await this.pool.query(
      `INSERT INTO chats (channel, chat_id, allowed, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (channel, chat_id) DO UPDATE SET allowed = EXCLUDED.allowed, updated_at = EXCLUDED.updated_at`,
      [channel, chatId, allowed, t],
    );
  }

  async isAllowed(channel: string, chatId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ allowed: boolean }>(`SELECT allowed FROM chats WHERE channel = $1 AND chat_id = $2`, [channel, chatId]);
    return rows[0]?.allowed === true;
  }

  async subscribe(s: SubscribeInput): Promise<Subscription> {
    const offsets = normalizeOffsets(s.offsets);
    return this.transaction(async (c) => {
      const t = this.stamp();
      await c.query(UPSERT_CHAT, [s.channel, s.chatId, null, t]);
      const { rows } = await c.query<SubscriptionRow>(
        `INSERT INTO subscriptions AS s (channel, chat_id, agency, offsets, active, created_at) VALUES ($1, $2, $3, $4, TRUE, $5)
         ON CONFLICT (channel, chat_id, agency) DO UPDATE SET offsets = EXCLUDED.offsets, active = TRUE,
           created_at = CASE WHEN s.active THEN s.created_at ELSE EXCLUDED.created_at END, ended_at = NULL
         RETURNING ${SUB_COLUMNS}`,
        [s.channel, s.chatId, s.agency, JSON.stringify(offsets), t],
      );
      return toSubscription(rows[0]!);
    });
  }

  async unsubscribe(channel: string, chatId: string, agency: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE subscriptions SET active = FALSE, ended_at = $1 WHERE channel = $2 AND chat_id = $3 AND agency = $4 AND active`,
      [this.stamp(), channel, chatId, agency],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async subscriptions(channel?: string, chatId?: string): Promise<Subscription[]> {
    let sql = ACTIVE_SUBS;
    const params: string[] = [];
    if (channel !== undefined) sql += ` AND s.channel = $${params.push(channel)}`;
    if (channel !== undefined && chatId !== undefined) sql += ` AND s.chat_id = $${params.push(chatId)}`;
    const { rows } = await this.pool.query<SubscriptionRow>(`${sql} ORDER BY s.id`, params);
    return rows.map(toSubscription);
  }

  async allActiveSubscriptions(): Promise<Subscription[]> {
    return this.subscriptions();
  }

  async snoozeSubscription(channel: string, chatId: string, agency: string, until: string | null): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE subscriptions SET muted_until = $1 WHERE channel = $2 AND chat_id = $3 AND agency = $4 AND active`,
      [until, channel, chatId, agency],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async pauseChat(channel: string, chatId: string, reason: string): Promise<void> {
    // One transaction: a paused chat never keeps pending deliveries that a later pass would retry.
    await this.transaction(async (c) => {
      const t = this.stamp();
      await c.query(UPSERT_CHAT, [channel, chatId, null, t]);
      await c.query(`UPDATE chats SET paused_at = $1, paused_reason = $2, updated_at = $1 WHERE channel = $3 AND chat_id = $4`, [t, reason, channel, chatId]);
      await c.query(`UPDATE deliveries SET status = 'failed', last_error = $1 WHERE channel = $2 AND chat_id = $3 AND status = 'pending'`, [
        `chat paused: ${reason}`,
        channel,
        chatId,
      ]);
    });
  }

  async resumeChat(channel: string, chatId: string): Promise<void> {
    await this.pool.query(`UPDATE chats SET paused_at = NULL, paused_reason = NULL, updated_at = $1 WHERE channel = $2 AND chat_id = $3`, [
      this.stamp(),
      channel,
      chatId,
    ]);
  }

  async isPaused(channel: string, chatId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ p: boolean }>(`SELECT paused_at IS NOT NULL AS p FROM chats WHERE channel = $1 AND chat_id = $2`, [channel, chatId]);
    return rows[0]?.p === true;
  }

  async muteTask(channel: string, chatId: string, taskId: string): Promise<void> {
    await this.transaction(async (c) => {
      const t = this.stamp();
      await c.query(UPSERT_CHAT, [channel, chatId, null, t]);
      await c.query(`INSERT INTO muted_tasks (channel, chat_id, task_id, muted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [channel, chatId, taskId, t]);
    });
  }

  async unmuteTask(channel: string, chatId: string, taskId: string): Promise<boolean> {
    const r = await this.pool.query(`DELETE FROM muted_tasks WHERE channel = $1 AND chat_id = $2 AND task_id = $3`, [channel, chatId, taskId]);
    return (r.rowCount ?? 0) > 0;
  }

  async mutedTasks(channel: string, chatId: string): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ task_id: string }>(`SELECT task_id FROM muted_tasks WHERE channel = $1 AND chat_id = $2`, [channel, chatId]);
    return new Set(rows.map((r) => r.task_id));
  }

  async allMutedTasks(): Promise<Map<string, Set<string>>> {
    const { rows } = await this.pool.query<{ channel: string; chat_id: string; task_id: string }>(`SELECT channel, chat_id, task_id FROM muted_tasks`);
    const out = new Map<string, Set<string>>();
    for (const r of rows) {
      const k = chatKey(r.channel, r.chat_id);
      let set = out.get(k);
      if (!set) out.set(k, (set = new Set()));
      set.add(r.task_id);
    }
    return out;
  }

  async addFeedback(f: FeedbackInput): Promise<void> {
    await this.pool.query(
      `INSERT INTO feedback (channel, chat_id, answer_id, vote, text, question, answer, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [f.channel, f.chatId, f.answerId ?? null, f.vote ?? null, f.text ?? null, f.question ?? null, f.answer ?? null, f.reason ?? null, this.stamp()],
    );
  }

  async logQuestion(q: QuestionInput): Promise<void> {
    this.questionStats.add(q);
  }

  async claimDeliveries(items: DeliveryKey[], now: string): Promise<DeliveryKey[]> {
    if (items.length === 0) return [];
    const claimed = await this.transaction(async (c) => {
      const out = new Set<string>();
      for (let i = 0; i < items.length; i += BATCH) {
        const part = items.slice(i, i + BATCH);
        const { rows } = await c.query<{ channel: string; chat_id: string; task_id: string; reminder_kind: string }>(
          `INSERT INTO deliveries (channel, chat_id, task_id, reminder_kind, status, claimed_at)
           SELECT k.channel, k.chat_id, k.task_id, k.kind, 'pending', $5 FROM ${KEYS}
           ORDER BY k.channel, k.chat_id, k.task_id, k.kind -- one lock order: concurrent claims wait, never deadlock
           ON CONFLICT (channel, chat_id, task_id, reminder_kind) DO NOTHING
           RETURNING channel, chat_id, task_id, reminder_kind`,
          [...columns(part), now],
        );
        for (const r of rows) out.add(keyString({ channel: r.channel, chatId: r.chat_id, taskId: r.task_id, kind: r.reminder_kind }));
      }
      return out;
    });
    // In the caller's order, like the SQLite store (RETURNING order is not guaranteed).
    return items.filter((k) => claimed.delete(keyString(k)));
  }

  async markSent(keys: DeliveryKey[], at: string): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH) {
      await this.pool.query(
        `UPDATE deliveries d SET status = 'sent', sent_at = $5 FROM ${KEYS} WHERE ${KEY_MATCH} AND d.status = 'pending'`,
        [...columns(keys.slice(i, i + BATCH)), at],
      );
    }
  }

  async pendingDeliveries(chats?: readonly ChatRef[]): Promise<PendingDelivery[]> {
    // Of some chats: one statement over the (channel, chat_id) pairs, using the partial index of pending rows.
    const only = chats ? `JOIN unnest($1::text[], $2::text[]) AS q(channel, chat_id) ON d.channel = q.channel AND d.chat_id = q.chat_id` : '';
    const { rows } = await this.pool.query<{ channel: string; chat_id: string; task_id: string; reminder_kind: string; attempts: number; claimed_at: string }>(
      `SELECT d.channel, d.chat_id, d.task_id, d.reminder_kind, d.attempts, d.claimed_at
       FROM deliveries d JOIN chats c ON c.channel = d.channel AND c.chat_id = d.chat_id ${only}
       WHERE d.status = 'pending' AND c.paused_at IS NULL ORDER BY d.claimed_at, d.channel, d.chat_id, d.task_id, d.reminder_kind`,
      chats ? [chats.map((c) => c.channel), chats.map((c) => c.chatId)] : [],
    );
    return rows.map((r) => ({ channel: r.channel, chatId: r.chat_id, taskId: r.task_id, kind: r.reminder_kind, attempts: r.attempts, claimedAt: r.claimed_at }));
  }

  async recordAttempt(keys: DeliveryKey[], error: string): Promise<number[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.pool.query<{ ord: string; attempts: number }>(
      `UPDATE deliveries d SET attempts = d.attempts + 1, last_error = $5 FROM ${KEYS}
       WHERE ${KEY_MATCH} AND d.status = 'pending' RETURNING k.ord, d.attempts`,
      [...columns(keys), error],
    );
    const byOrd = new Map(rows.map((r) => [Number(r.ord), r.attempts]));
    return keys.map((_, i) => byOrd.get(i + 1) ?? 0);
  }

  async markFailed(keys: DeliveryKey[], error: string): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH) {
      await this.pool.query(
        `UPDATE deliveries d SET status = 'failed', last_error = $5 FROM ${KEYS} WHERE ${KEY_MATCH} AND d.status = 'pending'`,
        [...columns(keys.slice(i, i + BATCH)), error],
      );
    }
  }

  private async getState(key: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ value: string }>(`SELECT value FROM reminder_state WHERE key = $1`, [key]);
    return rows[0]?.value ?? null;
  }

  private async setState(key: string, value: string): Promise<void> {
    await this.pool.query(`INSERT INTO reminder_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [key, value]);
  }

  async lastPassDate(): Promise<string | null> {
    return this.getState('last_pass_date');
  }

  async setLastPassDate(date: string): Promise<void> {
    await this.setState('last_pass_date', date);
  }

  async passProgress(): Promise<PassProgress | null> {
    const raw = await this.getState(PASS_PROGRESS);
    return raw ? (JSON.parse(raw) as PassProgress) : null;
  }

  async beginPass(progress: PassProgress, passDate: string | null): Promise<void> {
    await this.transaction(async (c) => {
      const put = `INSERT INTO reminder_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
      await c.query(put, [PASS_PROGRESS, JSON.stringify(progress)]);
      if (passDate) await c.query(put, ['last_pass_date', passDate]);
    });
  }

  async savePassProgress(progress: PassProgress | null): Promise<void> {
    if (progress) await this.setState(PASS_PROGRESS, JSON.stringify(progress));
    else await this.pool.query(`DELETE FROM reminder_state WHERE key = $1`, [PASS_PROGRESS]);
  }

  /**
   * The advisory lock decides; `now`, `expiresAt` and `isStale` only matter to the
   * SQLite lease, because here the server frees the lock of a dead session itself.
   */
  async acquireLease(name: string, owner: string, _now: string, expiresAt: string): Promise<string> {
    const key = `lease:${name}`;
    const held = this.leases.get(name);
    if (held && held.owner !== owner) return held.owner;
    if (!held) {
      const client = await this.pool.connect();
      let ok = false;
      try {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NAMESPACE, leaseLockKey(name)]);
        ok = rows[0]?.ok === true;
      } finally {
        if (!ok) client.release();
      }
      if (!ok) {
        const raw = await this.getState(key);
        return raw ? (JSON.parse(raw) as Lease).owner : 'một phiên bản khác';
      }
      this.leases.set(name, { owner, client });
      // The lock lives as long as this connection: if it breaks, the lease is gone (another instance may take it).
      client.on('error', (err) => {
        if (this.leases.get(name)?.client === client) {
          this.leases.delete(name);
          client.release(err); // discarded, so pool.end() does not wait for it
        }
        this.onError?.(err);
      });
    }
    await this.setState(key, JSON.stringify({ owner, expiresAt } satisfies Lease));
    return owner;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    const held = this.leases.get(name);
    if (!held || held.owner !== owner) return;
    this.leases.delete(name);
    try {
      await this.pool.query(`DELETE FROM reminder_state WHERE key = $1`, [`lease:${name}`]);
      await held.client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, leaseLockKey(name)]);
      held.client.release();
    } catch (err) {
      // A broken connection is discarded: the server frees the lock with the session.
      held.client.release(err as Error);
    }
  }

  async loadMemory(channel: string, chatId: string, now: string): Promise<MemoryState | null> {
    return this.memoryReads.call({ channel, chatId, now });
  }

  async saveMemory(channel: string, chatId: string, state: MemoryState, expiresAt: string): Promise<void> {
    await this.memoryWritesBatch.call({ channel, chatId, state: JSON.stringify(state), expiresAt });
    await this.memoryWritten(1);
  }

  /** Counts memory writes (here or with an inbox plan): every 500th sweeps the expired ones. */
  private async memoryWritten(count: number): Promise<void> {
    const before = this.memoryWrites;
    this.memoryWrites += count;
    if (Math.floor(before / 500) === Math.floor(this.memoryWrites / 500)) return;
    await this.pool.query(`DELETE FROM conversation_memory WHERE expires_at <= $1`, [this.stamp()]).catch((err: Error) => this.onError?.(err));
  }

  /** The memories of several chats in one statement (concurrent loadMemory calls). */
  private async loadMemories(calls: Array<{ channel: string; chatId: string; now: string }>): Promise<Array<MemoryState | null>> {
    const { rows } = await this.pool.query<{ ord: string; state: string }>({
      name: 'memory_load',
      text: `SELECT q.ord, m.state FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS q(channel, chat_id, now, ord)
       JOIN conversation_memory m ON m.channel = q.channel AND m.chat_id = q.chat_id AND m.expires_at > q.now`,
      values: [calls.map((c) => c.channel), calls.map((c) => c.chatId), calls.map((c) => c.now)],
    });
    const byOrd = new Map(rows.map((r) => [Number(r.ord), r.state]));
    return calls.map((_, i) => {
      const state = byOrd.get(i + 1);
      return state === undefined ? null : (JSON.parse(state) as MemoryState);
    });
  }

  /** The memories of several chats written in one statement; of one chat written twice, the last call wins. */
  private async saveMemories(calls: Array<{ channel: string; chatId: string; state: string; expiresAt: string }>): Promise<void[]> {
    const last = [...new Map(calls.map((c) => [chatKey(c.channel, c.chatId), c])).values()];
    await this.pool.query({
      name: 'memory_save',
      text: `INSERT INTO conversation_memory (channel, chat_id, state, expires_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (channel, chat_id) DO UPDATE SET state = EXCLUDED.state, expires_at = EXCLUDED.expires_at`,
      values: [last.map((c) => c.channel), last.map((c) => c.chatId), last.map((c) => c.state), last.map((c) => c.expiresAt)],
    });
    return calls.map(() => undefined);
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [name, held] of [...this.leases]) await this.releaseLease(name, held.owner);
    await this.questionStats.flush();
    await this.inbox.close();
    await this.pool.end();
  }
}
