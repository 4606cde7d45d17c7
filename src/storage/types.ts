/**
 * The storage layer's contract: every piece of state the product keeps between
 * messages and passes — chats and their access rights, subscriptions, muted
 * tasks, feedback, the delivery log that makes every reminder "decided once",
 * leases, the pass date, and per-chat conversation memory.
 *
 * Two implementations ship: SQLite (one file, the embedded default) and
 * PostgreSQL (DATABASE_URL, several instances sharing one database). The
 * interface is async because PostgreSQL is; the SQLite one resolves at once.
 * The conversation layer and the reminders both sit above this layer.
 */

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
  /** YYYY-MM-DD: the subscription is snoozed up to and including this day; null when not snoozed. */
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

/**
 * A decided reminder pass whose fan-out is not finished. Deciding writes only this
 * (a few hundred (task, kind) pairs, whatever the number of chats); the per-chat
 * delivery rows are claimed chunk by chunk during the fan-out, and `cursor` says how
 * far it got, so a pass on any instance resumes a crashed one where it stopped.
 */
export interface PassProgress {
  /** Date of the pass (YYYY-MM-DD). */
  now: string;
  /** Date of the pass before it (its window is (lastPass, now]). */
  lastPass: string | null;
  /** The decision: every (task, stored kind) due in the window. */
  batches: Array<{ taskId: string; kind: string }>;
  /** Key ({@link chatKey}) of the last chat whose chunk was fully handled; null before the first. */
  cursor: string | null;
}

/** What a user told us about an answer or the bot in general. */
export interface FeedbackInput extends ChatRef {
  answerId?: string;
  vote?: 'up' | 'down';
  text?: string;
  /** The question that produced the answer. */
  question?: string;
  /** The answer rated, and the reason given with a 👎. */
  answer?: string;
  reason?: string;
}

/** A question asked, for the admin view (stored without who asked: see questions.ts). */
export interface QuestionInput {
  channel: string;
  chatId: string;
  question: string;
  intent: string;
  grounded: boolean;
  agencies: string[];
  /** ISO instant. */
  at: string;
}

export interface SubscribeInput extends ChatRef {
  /** Canonical agency name or {@link ALL_AGENCIES}. */
  agency: string;
  /** Days before the deadline; default {@link DEFAULT_OFFSETS}. */
  offsets?: number[];
}

/** A JSON object: the storage layer keeps conversation memory opaque. */
export type MemoryState = Record<string, unknown>;

/** One chat's conversation memory to store (see {@link ConversationMemory.saveMemory}). */
export interface MemoryWrite {
  channel: string;
  chatId: string;
  state: MemoryState;
  /** ISO instant. */
  expiresAt: string;
}

/** A question of the admin view, as stored: the asker is a pseudonym. */
export interface QuestionRow {
  askedAt: string;
  channel: string;
  asker: string;
  question: string;
  intent: string;
  grounded: boolean;
  agencies: string[];
}

/** Feedback with the answer it was about (no chat ids), for the admin view. */
export interface FeedbackRow {
  createdAt: string;
  channel: string;
  vote: 'up' | 'down' | null;
  question: string | null;
  answer: string | null;
  reason: string | null;
  text: string | null;
}

/** The admin view's statistics: every question the store logged (the whole cluster on PostgreSQL). */
export interface QuestionStats {
  /** Questions asked since `sinceIso`, newest first. */
  since(sinceIso: string, limit?: number): Promise<QuestionRow[]>;
  /** Feedback, newest first. */
  feedback(limit?: number): Promise<FeedbackRow[]>;
  /** Deletes questions asked more than `days` days before `now`; returns how many. */
  purge(days: number, now?: Date): Promise<number>;
}

/** Processing attempts per inbox update: a crash mid-reply repeats it once, never more. */
export const MAX_INBOX_ATTEMPTS = 2;

/** One outgoing message of a reply, as the channel sends it (options: platform fields such as parse_mode). */
export interface StoredReply {
  chatId: string;
  text: string;
  options?: Record<string, unknown>;
}

/** An update stored in the inbox and not yet answered. */
export interface InboxItem {
  updateId: string;
  payload: unknown;
  attempts: number;
  /** The replies computed before a crash or a failed send (undefined: not computed yet). */
  replies?: StoredReply[];
  /** How many of `replies` the platform accepted. */
  sent: number;
}

/** A failed send counted by {@link Inbox.retryLater}: the retry's number and its delay. */
export interface ReplyRetry {
  retry: number;
  delayMs: number;
}

/**
 * The inbox: every incoming chat update is stored before the platform is told it was
 * received (webhook 200, or the next polling offset), processed from there, and marked
 * done once its reply was accepted. Updates left pending by a crash are processed again
 * — each at most {@link MAX_INBOX_ATTEMPTS} times — so none is lost and none answered
 * more than twice. On PostgreSQL the inbox is shared: each row names the instance
 * handling it, and the updates of an instance that died are taken over by another one
 * (or by itself once restarted).
 *
 * The replies computed for an update are stored with it before they are sent, with the
 * number accepted so far: a reply the platform refused (5xx, unreachable) is sent again
 * later by a running process, from the first one not accepted, without asking the
 * question again (see channels/replies.ts).
 */
export interface Inbox {
  /**
   * Stores updates (durable before it resolves) and returns those not seen before: a platform
   * resending an update already stored does not get it processed twice. With `begin`, the
   * returned ones already count this process's first attempt (no {@link Inbox.begin} call needed).
   */
  receive(channel: string, updates: Array<{ id: string; payload: unknown }>, opts?: { begin?: boolean }): Promise<Array<{ id: string; payload: unknown }>>;
  /** Counts a processing attempt; false when the update is done, unknown or out of attempts. */
  begin(channel: string, updateId: string): Promise<boolean>;
  /** The reply was accepted (or the update needs none): never processed again. */
  done(channel: string, updateId: string): Promise<void>;
  /**
   * Updates nobody is answering, oldest first (those out of attempts are marked failed): at
   * start-up, what this process stored but did not answer before it stopped; on PostgreSQL
   * also, at any time, those of instances that died (this instance takes them over).
   */
  orphans(channel: string): Promise<InboxItem[]>;
  /** Updates not yet done (metrics, tests). */
  pendingCount(channel: string): Promise<number>;
  /** Drops old done rows, keeping the newest few thousand for de-duplication. */
  prune(channel: string): Promise<void>;
  /**
   * Stores the replies computed for a pending update before any is sent (kept if already stored),
   * with the chat's new conversation memory when given: one round trip instead of two, and the
   * memory moves exactly when the replies are settled.
   */
  plan(channel: string, updateId: string, replies: StoredReply[], memory?: MemoryWrite): Promise<void>;
  /** The first `count` replies of the update were accepted by the platform. */
  sent(channel: string, updateId: string, count: number): Promise<void>;
  /**
   * A send failed: counts a retry and schedules it `delayFor(retry)` ms from now, or marks the
   * update failed when `delayFor` gives undefined (out of retries). Resolves to the retry, or
   * undefined when the update was given up (or is no longer pending).
   */
  retryLater(channel: string, updateId: string, delayFor: (retry: number) => number | undefined): Promise<ReplyRetry | undefined>;
  /**
   * Claims the pending updates whose retry is due, oldest first: each is handed to one caller
   * only, even with several instances on one database (the claim clears the schedule).
   */
  due(channel: string): Promise<InboxItem[]>;
  /** Gives an update up (its reply cannot be delivered): never processed again. */
  fail(channel: string, updateId: string): Promise<void>;
}

/**
 * Per-chat conversation memory (last question, paging, follow-up context),
 * kept with a time-to-live so that any instance answers a follow-up and a
 * restart keeps the context.
 */
export interface ConversationMemory {
  /** The chat's memory, or null when there is none or it expired before `now` (ISO). */
  loadMemory(channel: string, chatId: string, now: string): Promise<MemoryState | null>;
  /** Replaces the chat's memory until `expiresAt` (ISO). */
  saveMemory(channel: string, chatId: string, state: MemoryState, expiresAt: string): Promise<void>;
}

/** Storage of the whole product. All dates are YYYY-MM-DD, all instants ISO strings. */
export interface Store extends ConversationMemory {
  /** "sqlite" or "postgres": shown by /readyz and the logs. */
  readonly engine: 'sqlite' | 'postgres';
  /** Records a chat (or updates its title); new chats are not allowed until {@link setAllowed}. */
  upsertChat(chat: ChatRef & { title?: string }): Promise<void>;
  /** Access-control allowlist; persists across restarts. */
  setAllowed(channel: string, chatId: string, allowed: boolean): Promise<void>;
  isAllowed(channel: string, chatId: string): Promise<boolean>;
  /** Subscribes (or re-subscribes with new offsets); creates the chat row if needed. */
  subscribe(s: SubscribeInput): Promise<Subscription>;
  /** Ends a subscription; false when there was none. */
  unsubscribe(channel: string, chatId: string, agency: string): Promise<boolean>;
  /** Active subscriptions (not unsubscribed, chat not paused), optionally of one channel/chat. */
  subscriptions(channel?: string, chatId?: string): Promise<Subscription[]>;
  /** Every active subscription, for the daily pass. */
  allActiveSubscriptions(): Promise<Subscription[]>;
  /** Snoozes one subscription up to and including `until` (YYYY-MM-DD), or clears it with null. */
  snoozeSubscription(channel: string, chatId: string, agency: string, until: string | null): Promise<boolean>;
  /** Stops reminders to a chat that blocked the bot (HTTP 403); its pending deliveries fail. */
  pauseChat(channel: string, chatId: string, reason: string): Promise<void>;
  /** Undoes {@link pauseChat} (the user wrote to the bot again). */
  resumeChat(channel: string, chatId: string): Promise<void>;
  isPaused(channel: string, chatId: string): Promise<boolean>;
  /** The subscriber does not want reminders (incl. the overdue digest) for this task any more. */
  muteTask(channel: string, chatId: string, taskId: string): Promise<void>;
  unmuteTask(channel: string, chatId: string, taskId: string): Promise<boolean>;
  mutedTasks(channel: string, chatId: string): Promise<Set<string>>;
  /** Every chat's muted tasks, keyed by {@link chatKey}: one query for the daily pass. */
  allMutedTasks(): Promise<Map<string, Set<string>>>;
  addFeedback(f: FeedbackInput): Promise<void>;
  /** Records an asked question without who asked it (pseudonymous), for the admin view. */
  logQuestion(q: QuestionInput): Promise<void>;
  /** What the admin view reads: the logged questions and the feedback. */
  readonly questionStats: QuestionStats;
  /** Incoming chat updates, stored before they are acknowledged. */
  readonly inbox: Inbox;
  /**
   * Inserts 'pending' rows for the keys not yet in the log and returns exactly those,
   * in one transaction. A key already in the log (pending, sent or failed) is skipped:
   * each reminder is decided once.
   */
  claimDeliveries(items: DeliveryKey[], now: string): Promise<DeliveryKey[]>;
  /** Confirms that the message carrying these deliveries was accepted by the platform. */
  markSent(keys: DeliveryKey[], at: string): Promise<void>;
  /** Claimed but not confirmed sent, for chats that are not paused (crash recovery and retries); only of `chats` when given. */
  pendingDeliveries(chats?: readonly ChatRef[]): Promise<PendingDelivery[]>;
  /** Counts one failed attempt and keeps the deliveries pending; returns each key's attempt count, in order (0 if no longer pending). */
  recordAttempt(keys: DeliveryKey[], error: string): Promise<number[]>;
  /** Gives up on these deliveries (status 'failed'). */
  markFailed(keys: DeliveryKey[], error: string): Promise<void>;
  /** Civil date (YYYY-MM-DD) of the last completed decision pass, or null before the first. */
  lastPassDate(): Promise<string | null>;
  setLastPassDate(date: string): Promise<void>;
  /** The pass being fanned out (or left unfinished by a crash), or null. */
  passProgress(): Promise<PassProgress | null>;
  /** Records a pass's decision and, when `passDate` is given, the pass date — in one transaction. */
  beginPass(progress: PassProgress, passDate: string | null): Promise<void>;
  /** Saves the fan-out's cursor, or clears the progress (null) once the fan-out is done. */
  savePassProgress(progress: PassProgress | null): Promise<void>;
  /**
   * Cross-process mutual exclusion (two passes at once could both send the same pending
   * rows). Takes lease `name` for `owner` until `expiresAt` (ISO) when it is free, expired
   * at `now`, already held by `owner` (renewal), or `isStale(holder)` says the holder is
   * gone. Returns the holder after the call: `owner` when taken. On PostgreSQL the lease
   * is also a session advisory lock, released by the server when the holder dies.
   */
  acquireLease(name: string, owner: string, now: string, expiresAt: string, isStale?: (holder: string) => boolean): Promise<string>;
  /** Releases a lease held by `owner` (no-op otherwise). */
  releaseLease(name: string, owner: string): Promise<void>;
  /** True when the database answers (readiness probe). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** reminder_state key of the {@link PassProgress} (JSON), in both engines. */
export const PASS_PROGRESS = 'pass_progress';

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

/** Value of a lease in the state table. */
export interface Lease {
  owner: string;
  expiresAt: string;
}
