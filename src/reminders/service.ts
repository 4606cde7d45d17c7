/**
 * One reminder pass: decide what is due, record the decision, send one batched
 * message per chat, confirm.
 *
 * Delivery guarantee. The order is decide → per chunk of chats: claim → send → markSent:
 * - deciding records the pass's (task, kind) batches, its window and the pass date
 *   in one transaction (a few hundred rows, not one per chat), and each chunk's
 *   per-chat rows are claimed as 'pending' before that chunk is sent, with a cursor
 *   saved after it; if the process dies at any later point, the next pass (any
 *   instance) resumes the same decision from the cursor and sends what is pending;
 * - a row becomes 'sent' only after the platform accepted the chat's message, and
 *   each chat has a single message in flight, so a crash between send and markSent
 *   repeats at most that one message per chat on the next pass;
 * - the UNIQUE (channel, chat_id, task_id, reminder_kind) key means a reminder is
 *   decided once: recomputing the same window (crash before setLastPassDate, a
 *   second pass the same day) claims nothing new.
 * Two passes at once could both pick up the same pending rows, so a pass holds a
 * lease in the database (renewed while it runs, released at the end, taken over
 * when its holder process is dead or the lease expired); a second pass meanwhile
 * fails with {@link PassInProgressError} and sends nothing.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { TaskRow } from '../corpus/types.js';
import { ChatUnreachableError, type MessageSender } from '../channels/types.js';
import { daysBetween } from '../text/dates.js';
import { formatReminderMessage, type FormattableReminder } from './format.js';
import { DuePlanner, dueReminders, groupByChat, parseDeliveryKind } from './policy.js';
import { REMINDER_CHANNELS } from '../conversation/types.js';
import { deliveries, reminderPasses } from '../config/metrics.js';
import { chatKey, MAX_DELIVERY_ATTEMPTS, type DeliveryKey, type PassProgress, type PendingDelivery, type Store, type Subscription } from '../storage/types.js';

/** The subset of a pino logger the pass uses. */
export interface PassLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const SILENT: PassLogger = { info() {}, warn() {}, error() {} };

/** Default number of chats sent to at the same time (the senders throttle per platform). */
export const DEFAULT_CONCURRENCY = 25;

export interface ReminderPassInput {
  store: Store;
  tasks: readonly TaskRow[];
  registry: AgencyRegistry;
  /** Document titles by docId. */
  titles: ReadonlyMap<string, string>;
  /** One sender per channel name ("telegram", "zalo"). Chats of a channel without a sender stay pending. */
  senders: ReadonlyMap<string, MessageSender>;
  /** Date of the pass (YYYY-MM-DD, Asia/Ho_Chi_Minh). */
  now: string;
  logger?: PassLogger;
  /** Time shown in the message header (default "08:00"). */
  time?: string;
  /** Chats sent to concurrently (default {@link DEFAULT_CONCURRENCY}). */
  concurrency?: number;
  /** Failed passes after which a delivery is given up (default {@link MAX_DELIVERY_ATTEMPTS}). */
  maxAttempts?: number;
  /** Compute and format only: nothing is claimed, sent or recorded. */
  dryRun?: boolean;
  /** Instants written to the log (tests inject one). */
  clock?: () => Date;
  /** Lease owner id (default "<pid>@<host>#<random>"). */
  owner?: string;
  /** Lease duration, renewed every third of it while the pass runs (default 120 s). */
  leaseMs?: number;
}

/** Name of the lease that keeps passes from overlapping. */
export const PASS_LEASE = 'reminder-pass';

/** Another pass holds the lease: this one did nothing. */
export class PassInProgressError extends Error {
  constructor(readonly holder: string) {
    super(`Một lượt nhắc hạn khác đang chạy (${holder}); lượt này không gửi gì.`);
    this.name = 'PassInProgressError';
  }
}

/** A lease owner id naming this process: "<pid>@<host>#<random>". */
export function processOwner(): string {
  return `${process.pid}@${hostname()}#${randomUUID().slice(0, 8)}`;
}

/** True when `holder` is a process of this host that no longer exists (killed, crashed). */
export function isDeadLocalProcess(holder: string): boolean {
  const m = /^(\d+)@(.*)#[^#]*$/.exec(holder);
  if (!m || m[2] !== hostname()) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0); // signal 0: existence check only
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // A killed process whose parent has not reaped it yet (common in containers whose
  // PID 1 does not reap orphans) still answers signal 0: it is a zombie, state Z.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false; // no /proc (macOS, Windows): trust signal 0
  }
}

/** A message of a dry run. */
export interface PreviewMessage {
  channel: string;
  chatId: string;
  text: string;
  reminders: number;
}

export interface ReminderPassResult {
  /** Chats that had something to send this pass. */
  chats: number;
  /** Messages accepted by a platform. */
  messages: number;
  /** Reminders confirmed sent (a message carries several). */
  reminders: number;
  /** Chats whose send failed for a reason other than being blocked (left pending or given up). */
  failures: number;
  /** Chats paused because they blocked the bot. */
  paused: number;
  /** Reminders computed as due on this date. */
  due: number;
  /** Of those, newly decided by this pass (the rest were decided before). */
  claimed: number;
  /** Pending reminders of earlier passes sent again (crash recovery, retries). */
  retried: number;
  /** Reminders given up this pass (retries exhausted, task gone or muted). */
  givenUp: number;
  /** Date of an interrupted pass whose fan-out this pass finished (crash recovery), if any. */
  resumed?: string;
  /** Dry run only: the messages that would be sent. */
  preview?: PreviewMessage[];
}

/** Runs `worker` over `items` with at most `limit` in flight. */
export async function mapWithConcurrency<T>(items: readonly T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await worker(item);
    }
  });
  await Promise.all(lanes);
}

function isUnreachable(err: unknown): err is ChatUnreachableError {
  // Name check too: a second copy of the module (tsx + vitest) breaks instanceof.
  return err instanceof ChatUnreachableError || (err instanceof Error && err.name === 'ChatUnreachableError');
}

function keyString(k: DeliveryKey): string {
  return `${k.channel}\u0000${k.chatId}\u0000${k.taskId}\u0000${k.kind}`;
}

/**
 * Runs one pass; see the module comment for the guarantee. Send errors never throw
 * (they are counted and retried); throws {@link PassInProgressError} when another
 * pass holds the lease.
 */
export async function runReminderPass(input: ReminderPassInput): Promise<ReminderPassResult> {
  if (input.dryRun) return previewPass(input);
  const { store } = input;
  const log = input.logger ?? SILENT;
  const clock = input.clock ?? (() => new Date());
  const owner = input.owner ?? processOwner();
  const leaseMs = input.leaseMs ?? 120_000;
  const takeLease = (): Promise<string> => {
    const t = clock();
    return store.acquireLease(PASS_LEASE, owner, t.toISOString(), new Date(t.getTime() + leaseMs).toISOString(), isDeadLocalProcess);
  };
  const holder = await takeLease();
  if (holder !== owner) {
    reminderPasses.inc({ result: 'busy' });
    throw new PassInProgressError(holder);
  }
  const renew = setInterval(() => {
    takeLease().then(
      (now) => {
        if (now !== owner) log.error({ holder: now }, 'reminder pass: lease lost to another pass (this one stalled past the lease)');
      },
      (err: unknown) => log.warn({ err: (err as Error).message }, 'reminder pass: lease renewal failed'),
    );
  }, Math.max(1000, leaseMs / 3));
  renew.unref();
  try {
    const result = await leasedPass(input, log, clock);
    reminderPasses.inc({ result: 'ok' });
    return result;
  } catch (err) {
    reminderPasses.inc({ result: 'failed' });
    throw err;
  } finally {
    clearInterval(renew);
    await store.releaseLease(PASS_LEASE, owner);
  }
}

function emptyResult(): ReminderPassResult {
  return { chats: 0, messages: 0, reminders: 0, failures: 0, paused: 0, due: 0, claimed: 0, retried: 0, givenUp: 0 };
}

/** Dry run: what would be sent, with no write to the store. */
async function previewPass(input: ReminderPassInput): Promise<ReminderPassResult> {
  const { store, tasks, registry, titles, now } = input;
  const result = emptyResult();
  const muted = await store.allMutedTasks();
  const due = dueReminders({ tasks, subscriptions: await store.allActiveSubscriptions(), registry, now, lastPass: await store.lastPassDate(), muted });
  result.due = due.length;
  const seen = new Set(due.map((r) => keyString(r.key)));
  const items: FormattableWithKey[] = [...due];
  for (const p of await store.pendingDeliveries()) {
    if (seen.has(keyString(p))) continue;
    const r = rebuild(p, tasks, now);
    if (r) items.push(r);
  }
  result.preview = [];
  for (const list of groupByChat(items.map((r) => ({ ...r, channel: r.key.channel, chatId: r.key.chatId }))).values()) {
    const first = list[0]!;
    const text = formatReminderMessage(list, { now, titles, time: input.time });
    result.preview.push({ channel: first.channel, chatId: first.chatId, text, reminders: list.length });
  }
  result.chats = result.preview.length;
  return result;
}

/** Chats whose delivery rows are claimed, sent and confirmed per step of the fan-out (the cursor moves after each). */
export const FAN_OUT_CHUNK = 500;

/**
 * Decide → (claim → send → confirm, one chunk of chats at a time), run under the lease.
 *
 * Deciding writes only the pass's (task, kind) batches and the pass date, whatever the
 * number of chats; each chunk's per-chat rows are claimed (the unique key still makes
 * each reminder decided once), sent and confirmed, then the cursor is saved. A pass
 * killed mid-fan-out leaves its progress: the next pass on any instance claims the
 * remaining chunks of that same decision and sends what is still pending.
 */
async function leasedPass(input: ReminderPassInput, log: PassLogger, clock: () => Date): Promise<ReminderPassResult> {
  const { store, tasks, registry, titles, senders, now } = input;
  const maxAttempts = input.maxAttempts ?? MAX_DELIVERY_ATTEMPTS;
  const stamp = (): string => clock().toISOString();
  const result = emptyResult();

  const muted = await store.allMutedTasks();
  // Chats on channels that can never receive a reminder (web, terminal: subscriptions made before
  // those channels refused them) are not claimed: their rows would stay pending forever.
  const subscriptions = (await store.allActiveSubscriptions()).filter((s) => REMINDER_CHANNELS.has(s.channel));
  /** Chats sent to (or attempted) by this pass: the final sweep of older pending rows skips them. */
  const handled = new Set<string>();

  let progress = await store.passProgress();
  if (progress && progress.now !== now) {
    // A pass of an earlier day died mid-fan-out: finish its decision first (its rows are formatted for today).
    log.info({ passOf: progress.now, cursor: progress.cursor }, 'reminder pass: resuming an interrupted pass');
    result.resumed = progress.now;
    await fanOut(progress, false);
    progress = null;
  }
  if (progress) {
    log.info({ passOf: progress.now, cursor: progress.cursor }, 'reminder pass: resuming an interrupted pass');
    result.resumed = progress.now;
  } else {
    const lastPass = await store.lastPassDate();
    const batches = new DuePlanner(tasks, registry, now, lastPass).batches(subscriptions);
    progress = { now, lastPass, batches, cursor: null };
    // Together: a crash after this finds the progress; before it, the next pass decides the same window again.
    await store.beginPass(progress, !lastPass || now > lastPass ? now : null);
    log.info({ now, lastPass, batches: batches.length }, 'reminder pass: decided');
  }
  await fanOut(progress, true);
  // Pending rows of chats no chunk reached (unsubscribed since, earlier failures): retried once per pass.
  const rest = (await store.pendingDeliveries()).filter((p) => !handled.has(chatKey(p.channel, p.chatId)));
  await sendRows(rest, new Map(), new Set());
  await store.savePassProgress(null);

  log.info({ now, ...result }, 'reminder pass: done');
  deliveries.inc({ status: 'sent' }, result.reminders);
  deliveries.inc({ status: 'failed' }, result.givenUp);
  return result;

  /** Claims, sends and confirms `p`'s decision chunk by chunk from its cursor; the next chunk is claimed while one is sent. */
  async function fanOut(p: PassProgress, today: boolean): Promise<void> {
    if (p.batches.length === 0) return;
    const planner = new DuePlanner(tasks, registry, p.now, p.lastPass);
    const decided = new Set(p.batches.map((b) => `${b.taskId}\u0000${b.kind}`));
    const byChat = new Map<string, Subscription[]>();
    for (const s of subscriptions) {
      const k = chatKey(s.channel, s.chatId);
      if (p.cursor !== null && k <= p.cursor) continue;
      const list = byChat.get(k);
      if (list) list.push(s);
      else byChat.set(k, [s]);
    }
    const keys = [...byChat.keys()].sort();
    const prepare = async (chunk: string[]) => {
      const subs = chunk.flatMap((k) => byChat.get(k)!);
      const due = planner.due(subs, muted).filter((r) => decided.has(`${r.key.taskId}\u0000${r.key.kind}`));
      const fresh = await store.claimDeliveries(due.map((r) => r.key), stamp());
      result.due += due.length;
      result.claimed += fresh.length;
      const pending = await store.pendingDeliveries(chunk.map((k) => byChat.get(k)![0]!));
      return { pending, byKey: today ? new Map(due.map((r) => [keyString(r.key), r as FormattableWithKey])) : new Map<string, FormattableWithKey>(), fresh: new Set(fresh.map(keyString)) };
    };
    let next = keys.length > 0 ? prepare(keys.slice(0, FAN_OUT_CHUNK)) : undefined;
    for (let i = 0; i < keys.length; i += FAN_OUT_CHUNK) {
      const chunk = keys.slice(i, i + FAN_OUT_CHUNK);
      const ready = await next!;
      next = i + FAN_OUT_CHUNK < keys.length ? prepare(keys.slice(i + FAN_OUT_CHUNK, i + 2 * FAN_OUT_CHUNK)) : undefined;
      next?.catch(() => undefined); // awaited next turn; this only keeps an early failure from being "unhandled"
      await sendRows(ready.pending, ready.byKey, ready.fresh);
      for (const k of chunk) handled.add(k);
      p.cursor = chunk[chunk.length - 1]!;
      await store.savePassProgress(p);
    }
  }

  /** Sends pending rows, one message per chat (`byKey`: this pass's reminders; others are rebuilt). */
  async function sendRows(pending: readonly PendingDelivery[], byKey: ReadonlyMap<string, FormattableWithKey>, fresh: ReadonlySet<string>): Promise<void> {
    result.retried += pending.filter((p) => !fresh.has(keyString(p))).length;
    const sendable: FormattableWithKey[] = [];
    const dropped: { keys: DeliveryKey[]; why: string }[] = [];
    for (const p of pending) {
      handled.add(chatKey(p.channel, p.chatId));
      if (muted.get(chatKey(p.channel, p.chatId))?.has(p.taskId)) {
        dropped.push({ keys: [p], why: 'task muted by the subscriber before sending' });
        continue;
      }
      const r = byKey.get(keyString(p)) ?? rebuild(p, tasks, now);
      if (r) sendable.push(r);
      else dropped.push({ keys: [p], why: 'task no longer in the task table or without a deadline' });
    }
    for (const d of dropped) {
      await store.markFailed(d.keys, d.why);
      result.givenUp += d.keys.length;
    }

    const chats = [...groupByChat(sendable.map((r) => ({ ...r, channel: r.key.channel, chatId: r.key.chatId }))).values()];
    const missing = new Set<string>();
    const work = chats.filter((list) => {
      const channel = list[0]!.channel;
      if (senders.has(channel)) return true;
      missing.add(channel);
      return false;
    });
    for (const channel of missing) {
      log.warn({ channel }, 'reminder pass: no sender configured for this channel; its reminders count a failed attempt');
    }
    // A channel without a sender counts a failed attempt per pass, so its rows end as failed after
    // maxAttempts instead of piling up pending.
    for (const list of chats.filter((l) => missing.has(l[0]!.channel))) {
      const keys = list.map((r) => r.key);
      const attempts = await store.recordAttempt(keys, 'no sender configured for this channel');
      const exhausted = keys.filter((_, i) => (attempts[i] ?? 0) >= maxAttempts);
      if (exhausted.length > 0) {
        await store.markFailed(exhausted, `gave up after ${maxAttempts} passes: no sender configured for this channel`);
        result.givenUp += exhausted.length;
      }
    }
    result.chats += work.length;

    await mapWithConcurrency(work, input.concurrency ?? DEFAULT_CONCURRENCY, async (list) => {
      try {
        await sendToChat(list);
      } catch (err) {
        // Only store writes get here (send errors are handled below): the rows stay pending.
        log.error({ channel: list[0]!.channel, chatId: list[0]!.chatId, err: (err as Error).message }, 'reminder pass: store error');
      }
    });
  }

  async function sendToChat(list: Array<FormattableWithKey & { channel: string; chatId: string }>): Promise<void> {
    const { channel, chatId } = list[0]!;
    const sender = senders.get(channel)!;
    const keys = list.map((r) => r.key);
    const text = formatReminderMessage(list, { now, titles, time: input.time });
    try {
      await sender.send({ chatId, text });
    } catch (err) {
      if (isUnreachable(err)) {
        await store.pauseChat(channel, chatId, err.description);
        result.paused++;
        log.warn({ channel, chatId, reason: err.description }, 'reminder pass: chat unreachable, subscriptions paused');
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      result.failures++;
      const attempts = await store.recordAttempt(keys, message);
      const exhausted = keys.filter((_, i) => (attempts[i] ?? 0) >= maxAttempts);
      if (exhausted.length > 0) {
        await store.markFailed(exhausted, `gave up after ${maxAttempts} failed passes: ${message}`);
        result.givenUp += exhausted.length;
        log.error({ channel, chatId, reminders: exhausted.length, error: message }, 'reminder pass: delivery given up');
      } else {
        log.warn({ channel, chatId, error: message }, 'reminder pass: send failed, will retry next pass');
      }
      return;
    }
    result.messages++;
    try {
      await store.markSent(keys, stamp());
      result.reminders += keys.length;
    } catch (err) {
      // Sent but not recorded (e.g. the database stayed locked past busy_timeout): the rows
      // stay pending and this one message is repeated next pass — the documented bound.
      log.error({ channel, chatId, err: (err as Error).message }, 'reminder pass: sent but could not record it');
    }
  }
}

interface FormattableWithKey extends FormattableReminder {
  key: DeliveryKey;
}

/** A pending row of an earlier pass, rebuilt against today's task table; undefined when the task is gone. */
function rebuild(p: DeliveryKey, tasks: readonly TaskRow[], now: string): FormattableWithKey | undefined {
  const task = taskIndex(tasks).get(p.taskId);
  const kind = parseDeliveryKind(p.kind);
  if (!task || !kind || !task.deadline.date) return undefined;
  const deadline = task.deadline.date;
  return { task, kind, deadline, daysLeft: daysBetween(now, deadline), key: p };
}

const taskIndexes = new WeakMap<readonly TaskRow[], Map<string, TaskRow>>();
function taskIndex(tasks: readonly TaskRow[]): Map<string, TaskRow> {
  let m = taskIndexes.get(tasks);
  if (!m) taskIndexes.set(tasks, (m = new Map(tasks.map((t) => [t.id, t]))));
  return m;
}
