/**
 * Reminder benchmarks: `npm run bench:reminders [-- --chats 10000 --raised 1000 --real-chats 300]`
 *
 * 1. Policy: time of dueReminders() for 100,000 subscriptions over the task table
 *    (corpus/tasks.json; 300 synthetic tasks when it is empty). Target ≤ 1 s.
 * 2. Fan-out through the real pass (SQLite claim → TelegramSender → fake Telegram
 *    server enforcing its global rate limit → markSent):
 *    A. 10,000 chats with the limit RAISED on both sides (fake server and sender), because
 *       10,000 messages at Telegram's 30 msg/s would take 5.5 minutes. Default 300 msg/s:
 *       the sender's throttler (grammY transformer-throttler, i.e. Bottleneck) tops out
 *       near 350 msg/s in one process whatever its setting, so a higher "limit" would
 *       measure Bottleneck, not the pass;
 *    B. a short run at Telegram's REAL limit (30 msg/s).
 *    Each reports msgs/s achieved vs the limit, 429 answers, duplicates and losses.
 */

import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { createTelegramApi, TelegramSender } from '../src/channels/telegram/sender.js';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { Corpus } from '../src/corpus/store.js';
import type { TaskRow } from '../src/corpus/types.js';
import { dueReminders, isRemindable } from '../src/reminders/policy.js';
import { telegramGlobalThrottle } from '../src/reminders/senders.js';
import { DEFAULT_CONCURRENCY, runReminderPass } from '../src/reminders/service.js';
import { ALL_AGENCIES, SqliteStore, type Subscription } from '../src/storage/index.js';
import { addDays } from '../src/text/dates.js';
import { startFakeTelegram } from '../tests/support/fake-telegram.js';
import { fanOutTask, tempDir } from '../tests/support/db-fixtures.js';
import { fanOutCounts } from './fanout-count.js';

const { values: args } = parseArgs({
  options: {
    subs: { type: 'string', default: '100000' },
    chats: { type: 'string', default: '10000' },
    raised: { type: 'string', default: '300' },
    'real-chats': { type: 'string', default: '300' },
    concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
  },
});
const SUBS = Number(args.subs);
const CHATS = Number(args.chats);
const RAISED = Number(args.raised);
const REAL_LIMIT = 30;
const REAL_CHATS = Number(args['real-chats']);
const CONCURRENCY = Number(args.concurrency);

const registry = AgencyRegistry.load();
const agencies = registry.all().map((e) => e.name);

function syntheticTasks(n: number): TaskRow[] {
  const out: TaskRow[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      id: `bench/${i}`,
      docId: 'bench',
      section: `A.${i}`,
      task: `Nhiệm vụ thử số ${i}: triển khai nền tảng số dùng chung`,
      lead: [agencies[i % agencies.length]!],
      support: i % 3 === 0 ? [agencies[(i * 7) % agencies.length]!] : [],
      deadline: i % 10 === 0 ? { date: null, text: null, precision: 'none' } : { date: addDays('2024-03-01', i % 120), text: null, precision: 'day' },
      kind: i % 17 === 0 ? 'indicator' : 'task',
      quote: '',
    });
  }
  return out;
}

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(50)} ${value}\n`);
}

// ------------------------------------------------------------------ 1. policy
function benchPolicy(): void {
  const corpusTasks = Corpus.load().tasks;
  const tasks = corpusTasks.length > 0 ? corpusTasks : syntheticTasks(300);
  const source = corpusTasks.length > 0 ? 'corpus/tasks.json' : '300 synthetic tasks (corpus/tasks.json is empty)';
  // The busiest weekday of the table (most trigger dates), and the Monday after it.
  const hits = new Map<string, number>();
  for (const t of tasks.filter(isRemindable)) {
    for (const n of [30, 14, 7, 3, 1, 0]) {
      const d = addDays(t.deadline.date!, -n);
      hits.set(d, (hits.get(d) ?? 0) + 1);
    }
  }
  const isMonday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay() === 1;
  const busiest = [...hits].filter(([d]) => !isMonday(d)).sort((a, b) => b[1] - a[1])[0]?.[0] ?? '2024-03-26';
  let now = addDays(busiest, 1);
  while (!isMonday(now)) now = addDays(now, 1);
  const subs: Subscription[] = [];
  for (let i = 0; i < SUBS; i++) {
    subs.push({
      id: i,
      channel: i % 4 === 0 ? 'zalo' : 'telegram',
      chatId: String(i % Math.floor(SUBS * 0.8)), // some chats have several subscriptions
      agency: i % 50 === 0 ? ALL_AGENCIES : agencies[i % agencies.length]!,
      offsets: i % 5 === 0 ? [14, 3, 0] : [30, 7, 1, 0],
      createdAt: '2024-01-01T00:00:00.000Z',
      mutedUntil: null,
    });
  }
  process.stdout.write(`\n1. Policy — dueReminders() for ${SUBS.toLocaleString('en')} subscriptions over ${tasks.length} tasks (${source})\n`);
  const scenario = (label: string, day: string, lastPass: string): void => {
    const times: number[] = [];
    let count = 0;
    for (let run = 0; run < 6; run++) {
      const t0 = performance.now();
      count = dueReminders({ tasks, subscriptions: subs, registry, now: day, lastPass, muted: new Map() }).length;
      times.push(performance.now() - t0);
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    const median = warm[2]!;
    line(`${label} ${day}`, `cold ${times[0]!.toFixed(0)} ms, median of 5 warm ${median.toFixed(0)} ms (target ≤ 1000 ms: ${median <= 1000 ? 'OK' : 'MISSED'}); ${count.toLocaleString('en')} reminders`);
  };
  scenario('busiest weekday (d30/d7/d1/d0 only)', busiest, addDays(busiest, -1));
  scenario('Monday pass (+ weekly overdue digest)', now, addDays(now, -1));
  scenario('catch-up after 10 days down, Monday', now, addDays(now, -10));
}

// ------------------------------------------------------------------ 2. fan-out
interface FanOut {
  label: string;
  chats: number;
  limit: number;
}

async function benchFanOut({ label, chats, limit }: FanOut): Promise<void> {
  const tmp = tempDir('bench-reminders-');
  const fake = await startFakeTelegram({ rateLimits: { globalPerSecond: limit } });
  const store = new SqliteStore(join(tmp.dir, 'assistant.db'));
  try {
    const now = '2024-03-24';
    const task = fanOutTask(now);
    store.db.exec('BEGIN');
    for (let i = 0; i < chats; i++) await store.subscribe({ channel: 'telegram', chatId: String(100_000 + i), agency: 'Bộ Công an' });
    store.db.exec('COMMIT');
    const api = createTelegramApi({
      token: fake.token,
      apiRoot: fake.apiRoot,
      throttle: { global: telegramGlobalThrottle(limit) },
    });
    const senders = new Map([['telegram', new TelegramSender(api)]]);
    const t0 = performance.now();
    const r = await runReminderPass({ store, tasks: [task], registry, titles: new Map([['bench', 'Văn bản thử']]), senders, now, concurrency: CONCURRENCY });
    const seconds = (performance.now() - t0) / 1000;

    const { duplicates, losses } = fanOutCounts(fake.sent(), chats);
    const tooMany = fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 429).length;
    const pending = (await store.pendingDeliveries()).length;
    const rate = fake.sent().length / seconds;

    process.stdout.write(`\n${label}\n`);
    line('chats / messages accepted', `${chats.toLocaleString('en')} / ${fake.sent().length.toLocaleString('en')}`);
    line('wall time', `${seconds.toFixed(1)} s`);
    line('throughput achieved vs limit', `${rate.toFixed(1)} msg/s vs ${limit} msg/s (${((100 * rate) / limit).toFixed(0)}%)`);
    line('429 answers from the fake (retried)', String(tooMany));
    line('duplicates', String(duplicates));
    line('losses (chat got nothing)', String(losses));
    line('still pending in the delivery log', String(pending));
    line('pass result', `messages=${r.messages} failures=${r.failures} paused=${r.paused}`);
  } finally {
    await store.close();
    await fake.close();
    tmp.cleanup();
  }
}

async function main(): Promise<void> {
  process.stdout.write('Reminder benchmarks\n');
  benchPolicy();
  await benchFanOut({
    label: `2A. Fan-out to ${CHATS.toLocaleString('en')} chats — RAISED limit: fake server and sender both at ${RAISED} msg/s (NOT Telegram's real limit)`,
    chats: CHATS,
    limit: RAISED,
  });
  await benchFanOut({
    label: `2B. Fan-out to ${REAL_CHATS} chats — REAL Telegram limit: fake server and sender both at ${REAL_LIMIT} msg/s`,
    chats: REAL_CHATS,
    limit: REAL_LIMIT,
  });
  // The Telegram throttler keeps refresh timers alive.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
