/**
 * Which reminders are due: pure functions of the task table, the subscriptions,
 * the agency registry and the calendar. No I/O, no clock: the caller passes
 * `now` and the date of the previous pass, so tests and catch-up runs are exact.
 */

import type { AgencyRegistry } from '../corpus/agencies.js';
import type { TaskRow } from '../corpus/types.js';
import { addDays, daysBetween, weekOf } from '../text/dates.js';
import { ALL_AGENCIES, chatKey, type DeliveryKey, type Subscription } from '../storage/types.js';

/** "d30", "d7", "d1", "d0" (N days before the deadline), or the weekly overdue digest. */
export type ReminderKind = `d${number}` | 'overdue';

/** One reminder to one chat about one task. */
export interface Reminder {
  channel: string;
  chatId: string;
  task: TaskRow;
  kind: ReminderKind;
  /** deadline.date of the task (YYYY-MM-DD). */
  deadline: string;
  /** Days from `now` to the deadline; negative once it has passed. */
  daysLeft: number;
  /** The subscription (agency or "tất cả") that brought the task to this chat. */
  agency: string;
  /** Identity in the delivery log. */
  key: DeliveryKey;
}

export interface DueRemindersInput {
  tasks: readonly TaskRow[];
  /** Active subscriptions (paused chats already left out by the store). */
  subscriptions: readonly Subscription[];
  registry: AgencyRegistry;
  /** Today (YYYY-MM-DD, Asia/Ho_Chi_Minh). */
  now: string;
  /** Date of the previous pass; null/undefined on the first run ever. */
  lastPass?: string | null;
  /** Muted task ids per chat, keyed by {@link chatKey}. */
  muted?: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Tasks that can ever be reminded of. Indicator rows ("chỉ tiêu", e.g. "100% hồ sơ
 * được số hóa") are targets to report against, not actions someone must finish by a
 * date, so they never trigger; neither do tasks without a dated deadline, nor tasks
 * already marked done.
 */
export function isRemindable(task: TaskRow): task is TaskRow & { deadline: { date: string } } {
  return task.kind === 'task' && task.deadline.date !== null && task.status !== 'hoàn thành';
}

/** Sort key: lower is more urgent. The overdue digest beats every "dN". */
export function urgency(kind: ReminderKind): number {
  return kind === 'overdue' ? -1 : Number(kind.slice(1));
}

/**
 * The `reminder_kind` stored in the delivery log. "dN" happens once per task, the
 * overdue digest once per week, so its key names the week's Monday.
 */
export function deliveryKind(kind: ReminderKind, now: string): string {
  return kind === 'overdue' ? `overdue:${weekOf(now)[0]}` : kind;
}

/** Inverse of {@link deliveryKind}; undefined for a malformed value. */
export function parseDeliveryKind(stored: string): ReminderKind | undefined {
  if (stored.startsWith('overdue:')) return 'overdue';
  return /^d\d+$/.test(stored) ? (stored as ReminderKind) : undefined;
}

/**
 * The pass window. Reminders whose trigger date falls in (start, now] are due — the
 * whole missed span after downtime, but each task only once per pass.
 */
export interface PassWindow {
  /** Exclusive lower bound (YYYY-MM-DD). */
  start: string;
  now: string;
  /** True when no earlier pass ran in now's week (Monday-based): the overdue digest is due. */
  firstPassOfWeek: boolean;
}

/** Window of a pass given the previous pass date. */
export function passWindow(now: string, lastPass: string | null | undefined): PassWindow {
  // First run ever, or a clock set back (demo with --now in the past): just today.
  // The delivery log still stops anything already decided from going out twice.
  if (!lastPass || lastPass > now) return { start: addDays(now, -1), now, firstPassOfWeek: true };
  return { start: lastPass, now, firstPassOfWeek: weekOf(lastPass)[0] < weekOf(now)[0] };
}

/**
 * Task indices per agency, built once per pass. A subscriber of an agency is
 * reached by tasks that name it (lead or support), by tasks given to a group it
 * belongs to, by tasks of the agencies it took over in the 2025 restructuring
 * (once that succession is in force on `now`), by those of the province a former
 * province was merged into, and, for a province, by those of its own bodies.
 */
export class AgencyTaskIndex {
  /** Canonical name written in lead/support → indices of remindable tasks. */
  private readonly byName = new Map<string, number[]>();
  private readonly all: number[] = [];
  private readonly cache = new Map<string, readonly number[]>();
  private readonly groupMembers = new Map<string, Set<string>>();

  constructor(
    readonly tasks: readonly TaskRow[],
    private readonly registry: AgencyRegistry,
    private readonly now: string,
  ) {
    tasks.forEach((t, i) => {
      if (!isRemindable(t)) return;
      this.all.push(i);
      for (const name of new Set([...t.lead, ...t.support])) {
        let list = this.byName.get(name);
        if (!list) this.byName.set(name, (list = []));
        list.push(i);
      }
    });
  }

  /** Indices of the remindable tasks that concern a subscriber of `agency`, ascending. */
  tasksFor(agency: string): readonly number[] {
    const cached = this.cache.get(agency);
    if (cached) return cached;
    const result = agency === ALL_AGENCIES ? this.all : this.collect(agency);
    this.cache.set(agency, result);
    return result;
  }

  /** Agency names whose tasks reach a subscriber of `agency` (exported for tests and explanations). */
  reachingNames(agency: string): Set<string> {
    const entry = this.registry.get(agency) ?? this.registry.resolve(agency);
    const name = entry?.name ?? agency;
    const names = new Set([name]);
    for (const p of this.registry.predecessorsOf(name)) {
      if (p.succession && p.succession.date <= this.now) names.add(p.name);
    }
    // A former province's subscriber follows the unit that absorbed it; a province's, its own Sở, Công an…
    // (added after the group expansion: the Sở of Hà Nội being one of "Các sở, ban, ngành" of any
    // province does not make that group's tasks Hà Nội's).
    const related = this.registry.related(name, this.now);
    for (const r of related) if (r.via === 'successor') names.add(r.entry.name);
    for (const n of [...names]) for (const g of this.registry.groupsOf(n)) names.add(g.name);
    for (const r of related) if (r.via === 'body') names.add(r.entry.name);
    if (entry?.kind === 'group') {
      // A subscriber of "Các địa phương" also wants what "Các bộ, ngành, địa phương" must do.
      const mine = this.membersOf(entry.name);
      for (const g of this.registry.all()) {
        if (g.kind !== 'group' || g.name === entry.name || mine.size === 0) continue;
        const theirs = this.membersOf(g.name);
        if ([...mine].every((m) => theirs.has(m))) names.add(g.name);
      }
    }
    return names;
  }

  private collect(agency: string): number[] {
    const out = new Set<number>();
    for (const n of this.reachingNames(agency)) for (const i of this.byName.get(n) ?? []) out.add(i);
    return [...out].sort((a, b) => a - b);
  }

  private membersOf(group: string): Set<string> {
    let m = this.groupMembers.get(group);
    if (!m) this.groupMembers.set(group, (m = new Set(this.registry.membersOf(group))));
    return m;
  }
}

/**
 * What one (agency, offsets) pair triggers in a window: computed once and shared by
 * every subscriber of that pair, with everything a {@link Reminder} needs precomputed.
 */
interface Trigger {
  task: TaskRow;
  kind: ReminderKind;
  urgency: number;
  deadline: string;
  daysLeft: number;
  /** Stored reminder_kind. */
  stored: string;
}

/**
 * The most urgent reminder (if any) a task triggers for the given offsets.
 *
 * Offset N fires on D − N. Over a window (start, now] that is start < D − N ≤ now,
 * i.e. daysLeft ≤ N < daysBetween(start, D). If several offsets fell in the window
 * (catch-up after downtime) only the most urgent one is sent. If the deadline has
 * already passed, the reminder goes out as "overdue" — telling someone "còn 7 ngày"
 * about a date already gone would be wrong.
 */
function triggerOf(deadline: string, offsets: readonly number[], w: PassWindow): ReminderKind | undefined {
  const daysLeft = daysBetween(w.now, deadline);
  if (daysLeft < 0 && w.firstPassOfWeek) return 'overdue';
  const upper = daysBetween(w.start, deadline);
  let best: number | undefined;
  for (const n of offsets) {
    if (n >= daysLeft && n < upper && (best === undefined || n < best)) best = n;
  }
  if (best === undefined) return undefined;
  return daysLeft < 0 ? 'overdue' : `d${best}`;
}

function compareTriggers(a: Trigger, b: Trigger): number {
  const ao = a.kind === 'overdue' ? 1 : 0;
  const bo = b.kind === 'overdue' ? 1 : 0;
  if (ao !== bo) return ao - bo;
  if (a.deadline !== b.deadline) return a.deadline < b.deadline ? -1 : 1;
  return a.task.id < b.task.id ? -1 : a.task.id > b.task.id ? 1 : 0;
}

/** One decided (task, stored reminder kind) pair of a pass: what is due, before it is fanned out to chats. */
export interface ReminderBatch {
  taskId: string;
  kind: string;
}

/**
 * The due-reminder computation of one pass window, built once and applied to any
 * set of subscriptions: the whole table ({@link dueReminders}) or one chunk of
 * chats at a time during fan-out. The agency index and the per-(agency, offsets)
 * trigger lists are built once and pre-sorted, so 100,000 subscriptions cost a
 * few map look-ups each plus one object per reminder actually due — never
 * subscriptions × tasks.
 */
export class DuePlanner {
  private readonly window: PassWindow;
  private readonly index: AgencyTaskIndex;
  private readonly overdueKind: string;
  private readonly triggers = new Map<string, Trigger[]>();

  constructor(
    private readonly tasks: readonly TaskRow[],
    registry: AgencyRegistry,
    private readonly now: string,
    lastPass: string | null | undefined,
  ) {
    this.window = passWindow(now, lastPass);
    this.index = new AgencyTaskIndex(tasks, registry, now);
    this.overdueKind = deliveryKind('overdue', now);
  }

  private triggersFor(agency: string, offsets: readonly number[]): Trigger[] {
    const k = `${agency}\u0000${offsets.join(',')}`;
    let list = this.triggers.get(k);
    if (list) return list;
    list = [];
    for (const i of this.index.tasksFor(agency)) {
      const task = this.tasks[i]!;
      const deadline = task.deadline.date!;
      const kind = triggerOf(deadline, offsets, this.window);
      if (!kind) continue;
      list.push({ task, kind, urgency: urgency(kind), deadline, daysLeft: daysBetween(this.now, deadline), stored: kind === 'overdue' ? this.overdueKind : kind });
    }
    list.sort(compareTriggers);
    this.triggers.set(k, list);
    return list;
  }

  /**
   * The (task, kind) pairs any of these subscriptions can trigger: the pass's decision, a few
   * hundred rows however many chats follow them. Every reminder {@link due} returns for the
   * same subscriptions is in it (a superset: muted tasks are left out per chat later).
   */
  batches(subscriptions: readonly Subscription[]): ReminderBatch[] {
    const seen = new Set<string>();
    const out = new Map<string, ReminderBatch>();
    for (const sub of subscriptions) {
      if (sub.mutedUntil && sub.mutedUntil >= this.now) continue;
      const k = `${sub.agency}\u0000${sub.offsets.join(',')}`;
      if (seen.has(k)) continue;
      seen.add(k);
      for (const t of this.triggersFor(sub.agency, sub.offsets)) out.set(`${t.task.id}\u0000${t.stored}`, { taskId: t.task.id, kind: t.stored });
    }
    return [...out.values()];
  }

  /**
   * Reminders due: one per (chat, task) — the most urgent kind across the chat's
   * subscriptions — minus muted tasks and snoozed subscriptions. Each chat's
   * reminders are contiguous, upcoming ones first, then by deadline ({@link compareReminders}).
   */
  due(subscriptions: readonly Subscription[], mutedTasks?: ReadonlyMap<string, ReadonlySet<string>>): Reminder[] {
    // Group the subscriptions that trigger something by chat. Most chats have one
    // subscription, whose pre-sorted list is used as is; only chats with several are merged.
    const perChat = new Map<string, { sub: Subscription; lists: Trigger[][]; agencies: string[] }>();
    for (const sub of subscriptions) {
      if (sub.mutedUntil && sub.mutedUntil >= this.now) continue;
      const list = this.triggersFor(sub.agency, sub.offsets);
      if (list.length === 0) continue;
      const ck = chatKey(sub.channel, sub.chatId);
      const entry = perChat.get(ck);
      if (entry) {
        entry.lists.push(list);
        entry.agencies.push(sub.agency);
      } else {
        perChat.set(ck, { sub, lists: [list], agencies: [sub.agency] });
      }
    }

    const out: Reminder[] = [];
    for (const [ck, { sub, lists, agencies }] of perChat) {
      const muted = mutedTasks?.get(ck);
      let chosen: Trigger[];
      let from: Map<Trigger, string> | undefined;
      if (lists.length === 1) {
        chosen = lists[0]!;
      } else {
        const best = new Map<string, Trigger>();
        from = new Map();
        lists.forEach((list, j) => {
          for (const t of list) {
            const prev = best.get(t.task.id);
            if (!prev || t.urgency < prev.urgency) {
              best.set(t.task.id, t);
              from!.set(t, agencies[j]!);
            }
          }
        });
        chosen = [...best.values()].sort(compareTriggers);
      }
      const { channel, chatId } = sub;
      for (const t of chosen) {
        if (muted?.has(t.task.id)) continue;
        out.push({
          channel,
          chatId,
          task: t.task,
          kind: t.kind,
          deadline: t.deadline,
          daysLeft: t.daysLeft,
          agency: from?.get(t) ?? sub.agency,
          key: { channel, chatId, taskId: t.task.id, kind: t.stored },
        });
      }
    }
    return out;
  }
}

/** Reminders due on `now` for these subscriptions: {@link DuePlanner.due} over one window. */
export function dueReminders(input: DueRemindersInput): Reminder[] {
  return new DuePlanner(input.tasks, input.registry, input.now, input.lastPass).due(input.subscriptions, input.muted);
}

/** Upcoming before overdue, then by deadline, then by task id (stable output for tests and messages). */
export function compareReminders(a: Reminder, b: Reminder): number {
  const ao = a.kind === 'overdue' ? 1 : 0;
  const bo = b.kind === 'overdue' ? 1 : 0;
  if (ao !== bo) return ao - bo;
  if (a.deadline !== b.deadline) return a.deadline < b.deadline ? -1 : 1;
  return a.task.id < b.task.id ? -1 : a.task.id > b.task.id ? 1 : 0;
}

/** Groups reminders by chat, keeping each chat's order. */
export function groupByChat<T extends { channel: string; chatId: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of items) {
    const k = chatKey(r.channel, r.chatId);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}
