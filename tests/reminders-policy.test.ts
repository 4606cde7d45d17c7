import { describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import type { TaskRow } from '../src/corpus/types.js';
import { AgencyTaskIndex, dueReminders, passWindow, type Reminder } from '../src/reminders/policy.js';
import { ALL_AGENCIES, chatKey, DEFAULT_OFFSETS, type Subscription } from '../src/reminders/store.js';
import { TASKS } from './support/db-fixtures.js';

const registry = AgencyRegistry.load();
let nextId = 1;

function sub(agency: string, chatId = 'c1', offsets: number[] = [...DEFAULT_OFFSETS], channel = 'telegram'): Subscription {
  return { id: nextId++, channel, chatId, agency, offsets, createdAt: '2024-01-01T00:00:00.000Z', mutedUntil: null };
}

function due(subs: Subscription[], now: string, lastPass: string | null, muted?: Map<string, Set<string>>, tasks: TaskRow[] = TASKS): Reminder[] {
  return dueReminders({ tasks, subscriptions: subs, registry, now, lastPass, ...(muted ? { muted } : {}) });
}

const brief = (rs: Reminder[]) => rs.map((r) => `${r.chatId} ${r.task.id} ${r.key.kind} ${r.daysLeft}`);

const T1 = TASKS[0]!.id; // Bộ Công an, due 2024-03-31
const T2 = TASKS[1]!.id; // Các bộ, ngành, địa phương, due 2024-04-10
const T3 = TASKS[2]!.id; // Bộ Thông tin và Truyền thông, due 2025-06-30 (quarter)
const T7 = TASKS[6]!.id; // Bộ Tài chính, due 2024-03-20

describe('dueReminders: offsets', () => {
  it('a task due on D triggers dN on D−N, and only then', () => {
    expect(brief(due([sub('Bộ Công an')], '2024-03-24', '2024-03-23'))).toEqual([`c1 ${T1} d7 7`]);
    expect(brief(due([sub('Bộ Công an')], '2024-03-30', '2024-03-29'))).toEqual([`c1 ${T1} d1 1`]);
    expect(brief(due([sub('Bộ Công an')], '2024-03-31', '2024-03-30'))).toEqual([`c1 ${T1} d0 0`]);
    expect(due([sub('Bộ Công an')], '2024-03-25', '2024-03-24')).toEqual([]);
  });

  it("uses the subscription's own offsets", () => {
    expect(brief(due([sub('Bộ Công an', 'c1', [3])], '2024-03-28', '2024-03-27'))).toEqual([`c1 ${T1} d3 3`]);
    expect(due([sub('Bộ Công an', 'c1', [3])], '2024-03-24', '2024-03-23')).toEqual([]);
  });

  it('never triggers for a null deadline, an indicator row or a finished task', () => {
    // T4 (no date), T5 (indicator, 2024-03-31), T6 (Cà Mau, done, 2024-03-31) all belong to subscribed agencies.
    const all = [sub('Bộ Công an'), sub('Cà Mau', 'c2'), sub(ALL_AGENCIES, 'c3')];
    for (const day of ['2024-03-01', '2024-03-24', '2024-03-30', '2024-03-31']) {
      const ids = due(all, day, null).map((r) => r.task.id);
      expect(ids).not.toContain(TASKS[3]!.id);
      expect(ids).not.toContain(TASKS[4]!.id);
      expect(ids).not.toContain(TASKS[5]!.id);
    }
  });
});

describe('dueReminders: who is reached', () => {
  it('a task for "Các bộ, ngành, địa phương" reaches a ministry and a province', () => {
    const subs = [sub('Bộ Công an', 'bca'), sub('Cà Mau', 'cm'), sub('Tập đoàn Điện lực Việt Nam', 'evn')];
    expect(brief(due(subs, '2024-03-11', '2024-03-10'))).toEqual([`bca ${T2} d30 30`, `cm ${T2} d30 30`]);
  });

  it('a subscriber of "Các địa phương" gets tasks of the wider group too', () => {
    expect(brief(due([sub('Các địa phương', 'g')], '2024-03-11', '2024-03-10'))).toEqual([`g ${T2} d30 30`]);
  });

  it('support agencies are reached like leads', () => {
    expect(brief(due([sub('Văn phòng Chính phủ', 'vpcp')], '2024-03-24', '2024-03-23'))).toEqual([`vpcp ${T1} d7 7`]);
  });

  it('a 2025 subscriber of Bộ Khoa học và Công nghệ gets what Bộ Thông tin và Truyền thông was assigned', () => {
    expect(brief(due([sub('Bộ Khoa học và Công nghệ', 'khcn')], '2025-05-31', '2025-05-30'))).toEqual([`khcn ${T3} d30 30`]);
    // 2025-06-23 is a Monday: the weekly digest also brings back the 2024 group task, still open.
    expect(brief(due([sub('Bộ Khoa học và Công nghệ', 'khcn')], '2025-06-23', '2025-06-22'))).toEqual([
      `khcn ${T3} d7 7`,
      `khcn ${T2} overdue:2025-06-23 -439`,
    ]);
  });

  it('successions count only once in force', () => {
    const before = new AgencyTaskIndex(TASKS, registry, '2024-06-01').reachingNames('Bộ Khoa học và Công nghệ');
    const after = new AgencyTaskIndex(TASKS, registry, '2026-01-05').reachingNames('Bộ Khoa học và Công nghệ');
    expect(before.has('Bộ Thông tin và Truyền thông')).toBe(false);
    expect(after.has('Bộ Thông tin và Truyền thông')).toBe(true);
    expect(after.has('Các bộ, ngành, địa phương')).toBe(true);
  });

  it('"tất cả" matches every remindable task, and aliases resolve', () => {
    const ids = due([sub(ALL_AGENCIES)], '2024-03-11', '2024-03-10').map((r) => r.task.id);
    expect(ids).toEqual([T2]);
    expect(brief(due([sub('BCA', 'alias')], '2024-03-24', '2024-03-23'))).toEqual([`alias ${T1} d7 7`]);
  });

  it('one reminder per chat and task across overlapping subscriptions: the most urgent', () => {
    const subs = [sub('Bộ Công an', 'c1', [7]), sub(ALL_AGENCIES, 'c1', [10, 6]), sub('Văn phòng Chính phủ', 'c2', [7])];
    // 2024-03-25: d6 of the "tất cả" subscription; 2024-03-24: d7 of the others. It is a
    // Monday, so "tất cả" also brings the overdue T7 to c1.
    const rs = due(subs, '2024-03-25', '2024-03-23');
    expect(brief(rs)).toEqual([`c1 ${T1} d6 6`, `c1 ${T7} overdue:2024-03-25 -5`, `c2 ${T1} d7 6`]);
  });
});

describe('dueReminders: catch-up', () => {
  it('a reminder whose day fell during downtime is sent once, on the next pass', () => {
    const s = [sub('Bộ Công an')];
    expect(brief(due(s, '2024-03-28', '2024-03-20'))).toEqual([`c1 ${T1} d7 3`]);
    // The following day has nothing new (d1 is on 03-30).
    expect(due(s, '2024-03-29', '2024-03-28')).toEqual([]);
  });

  it('several kinds of one task in the window: only the most urgent', () => {
    expect(brief(due([sub('Bộ Công an')], '2024-03-31', '2024-03-20'))).toEqual([`c1 ${T1} d0 0`]);
  });

  it('a deadline that passed during downtime is reported as overdue, not "còn N ngày"', () => {
    const rs = due([sub('Bộ Công an')], '2024-04-02', '2024-03-27'); // Tuesday; last pass Wednesday before
    expect(brief(rs)).toEqual([`c1 ${T1} overdue:2024-04-01 -2`]);
    expect(rs[0]!.kind).toBe('overdue');
  });

  it('first run ever: the window is just today', () => {
    expect(due([sub('Bộ Công an')], '2024-03-28', null)).toEqual([]);
    expect(brief(due([sub('Bộ Công an')], '2024-03-24', null))).toEqual([`c1 ${T1} d7 7`]);
  });

  it('a second pass the same day decides nothing', () => {
    expect(passWindow('2024-03-24', '2024-03-24')).toEqual({ start: '2024-03-24', now: '2024-03-24', firstPassOfWeek: false });
    expect(due([sub('Bộ Công an')], '2024-03-24', '2024-03-24')).toEqual([]);
  });
});

describe('dueReminders: weekly overdue digest', () => {
  const tc = [sub('Bộ Tài chính', 'tc')];

  it('on Monday (first pass of the week) past-due tasks come back', () => {
    expect(brief(due(tc, '2024-03-25', '2024-03-24'))).toEqual([`tc ${T7} overdue:2024-03-25 -5`]);
    expect(due(tc, '2024-03-26', '2024-03-25')).toEqual([]);
    expect(brief(due(tc, '2024-04-01', '2024-03-31'))).toEqual([`tc ${T7} overdue:2024-04-01 -12`]);
  });

  it('when Monday was missed, the first pass of the week sends it', () => {
    expect(brief(due(tc, '2024-03-27', '2024-03-22'))).toEqual([`tc ${T7} overdue:2024-03-25 -7`]);
  });

  it('stops once the subscriber mutes the task', () => {
    const muted = new Map([[chatKey('telegram', 'tc'), new Set([T7])]]);
    expect(due(tc, '2024-03-25', '2024-03-24', muted)).toEqual([]);
  });

  it('a snoozed subscription is skipped until the day after mutedUntil', () => {
    const s = { ...sub('Bộ Tài chính', 'tc'), mutedUntil: '2024-03-31' };
    expect(due([s], '2024-03-25', '2024-03-24')).toEqual([]);
    expect(due([s], '2024-04-01', '2024-03-31')).toHaveLength(1);
  });
});

describe('dueReminders: scale', () => {
  it('100,000 subscriptions over 300 tasks in well under a second', () => {
    const agencies = registry.all().map((e) => e.name);
    const tasks: TaskRow[] = [];
    for (let i = 0; i < 300; i++) {
      const base = TASKS[i % TASKS.length]!;
      const day = String((i % 28) + 1).padStart(2, '0');
      tasks.push({
        ...base,
        id: `synthetic/${i}`,
        kind: 'task',
        status: undefined,
        lead: [agencies[i % agencies.length]!],
        support: [agencies[(i * 7) % agencies.length]!],
        deadline: { date: `2024-04-${day}`, text: null, precision: 'day' },
      });
    }
    const subs: Subscription[] = [];
    for (let i = 0; i < 100_000; i++) subs.push(sub(i % 50 === 0 ? ALL_AGENCIES : agencies[i % agencies.length]!, `chat${i}`));
    const rs = dueReminders({ tasks, subscriptions: subs, registry, now: '2024-03-25', lastPass: '2024-03-24', muted: new Map() });
    expect(rs.length).toBeGreaterThan(10_000);
    // Speed is measured by npm run bench:reminders, never asserted here.
  });
});
