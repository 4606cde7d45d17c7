/**
 * npm run bench:cluster — several instances on PostgreSQL (bars of issue 11):
 *   A. 100,000 subscriptions in PostgreSQL: the pass decides (reads, computes the (task, kind) batches,
 *      records them), then the chunked per-chat claims of the fan-out, timed without sending;
 *   B. fan-out to 10,000 chats with two instances starting the pass at once: duplicates, losses;
 *   C. webhook load through a round-robin proxy to two `npm start` processes on PostgreSQL, beside one
 *      process on SQLite behind the same proxy: rate, latency update→sendMessage, lost, duplicated,
 *      follow-ups answered with their context.
 * The server is TEST_DATABASE_URL, else a throwaway cluster (.ci/postgres.sh). Every stage reports its
 * own failure and the next one still runs; the script never exits non-zero because a stage failed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createTelegramApi, TelegramSender } from '../src/channels/telegram/sender.js';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { Corpus, REPO_ROOT } from '../src/corpus/store.js';
import type { TaskRow } from '../src/corpus/types.js';
import { DuePlanner, isRemindable } from '../src/reminders/policy.js';
import { telegramGlobalThrottle } from '../src/reminders/senders.js';
import { FAN_OUT_CHUNK, PassInProgressError, runReminderPass } from '../src/reminders/service.js';
import { PostgresStore } from '../src/storage/postgres.js';
import { addDays } from '../src/text/dates.js';
import { freePort, startInstance, startRoundRobinProxy, type Instance } from '../tests/support/cluster.js';
import { fanOutTask } from '../tests/support/db-fixtures.js';
import { startFakeTelegram, type FakeTelegram } from '../tests/support/fake-telegram.js';
import { cpuWindow } from './cpu-usage.js';
import { fanOutCounts } from './fanout-count.js';

const { values: args } = parseArgs({
  options: {
    subs: { type: 'string', default: '100000' },
    chats: { type: 'string', default: '10000' },
    raised: { type: 'string', default: '300' },
    updates: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '300' },
    only: { type: 'string' },
  },
});
const SECRET = 'bench-cluster-secret';
const registry = AgencyRegistry.load();

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(52)} ${value}\n`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A PostgreSQL server for the bench: TEST_DATABASE_URL, else a throwaway cluster stopped at exit. */
function server(): { url: string; stop: () => void } {
  if (process.env.TEST_DATABASE_URL) return { url: process.env.TEST_DATABASE_URL, stop: () => undefined };
  const dir = join(mkdtempSync(join(tmpdir(), 'bench-pg-')), 'cluster');
  const script = join(REPO_ROOT, '.ci', 'postgres.sh');
  const url = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8' }).trim();
  return { url, stop: () => execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore' }) };
}

async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The day of the corpus table with the most d30/d7/d1/d0 triggers. */
function busiestDay(tasks: readonly TaskRow[]): string {
  const hits = new Map<string, number>();
  for (const t of tasks.filter(isRemindable)) for (const n of [30, 7, 1, 0]) hits.set(addDays(t.deadline.date!, -n), (hits.get(addDays(t.deadline.date!, -n)) ?? 0) + 1);
  return [...hits].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '2024-08-01';
}

// ------------------------------------------------------------------ A
async function stageDecide(serverUrl: string): Promise<void> {
  const subs = Number(args.subs);
  process.stdout.write(`\nA. ${subs.toLocaleString('en')} subscriptions in PostgreSQL: one pass decides (reads subscriptions, computes and records the (task, kind) batches)\n`);
  const url = await freshDatabase(serverUrl, 'bench_decide');
  const store = await PostgresStore.open(url, { poolSize: 4 });
  try {
    const agencies = registry.all().map((e) => e.name);
    const t0 = performance.now();
    // Setup (not measured): chats and subscriptions generated server-side.
    await store.pool.query(
      `INSERT INTO chats (channel, chat_id, created_at, updated_at) SELECT 'telegram', i::text, 'x', 'x' FROM generate_series(1, $1) i`,
      [Math.floor(subs * 0.8)],
    );
    await store.pool.query(
      `INSERT INTO subscriptions (channel, chat_id, agency, offsets, created_at)
       SELECT 'telegram', (1 + (i % $2))::text, CASE WHEN i % 50 = 0 THEN 'tất cả' ELSE ($3::text[])[1 + i % array_length($3::text[], 1)] END,
              CASE WHEN i % 5 = 0 THEN '[14,3,0]'::jsonb ELSE '[30,7,1,0]'::jsonb END, 'x'
       FROM generate_series(1, $1) i ON CONFLICT DO NOTHING`,
      [subs, Math.floor(subs * 0.8), agencies],
    );
    const { rows } = await store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions');
    line('setup: subscriptions inserted', `${rows[0]!.n.toLocaleString('en')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const { tasks } = Corpus.load();
    const now = busiestDay(tasks);
    // The decision of a pass, as runReminderPass does it: read the subscriptions, compute the (task, kind)
    // batches due in the window, record them with the pass date in one transaction.
    const tr = performance.now();
    const subscriptions = await store.allActiveSubscriptions();
    const muted = await store.allMutedTasks();
    const readMs = performance.now() - tr;
    const tc = performance.now();
    const planner = new DuePlanner(tasks, registry, now, null);
    const batches = planner.batches(subscriptions);
    const computeMs = performance.now() - tc;
    const tw = performance.now();
    const progress = { now, lastPass: null, batches, cursor: null as string | null };
    await store.beginPass(progress, now);
    const writeMs = performance.now() - tw;
    const total = (readMs + computeMs + writeMs) / 1000;
    line(`busiest day ${now} (${tasks.length} tasks)`, `${batches.length} (task, kind) batches decided`);
    line('read subscriptions / compute batches / record', `${readMs.toFixed(0)} ms / ${computeMs.toFixed(0)} ms / ${writeMs.toFixed(0)} ms`);
    line('decided in', `${total.toFixed(2)} s (bar ≤ 2 s: ${total <= 2 ? 'MET' : 'NOT MET'})`);
    // The fan-out then claims each chunk's per-chat rows (FAN_OUT_CHUNK chats) before sending it: here all
    // chunks are claimed back to back with no sending, to show the claims outrun any send rate.
    const byChat = new Map<string, typeof subscriptions>();
    for (const sub of subscriptions) byChat.set(`${sub.channel}:${sub.chatId}`, [...(byChat.get(`${sub.channel}:${sub.chatId}`) ?? []), sub]);
    const keys = [...byChat.keys()].sort();
    const decided = new Set(batches.map((b) => `${b.taskId}\u0000${b.kind}`));
    let claimedRows = 0;
    let slowest = 0;
    const tm = performance.now();
    for (let i = 0; i < keys.length; i += FAN_OUT_CHUNK) {
      const t = performance.now();
      const chunk = keys.slice(i, i + FAN_OUT_CHUNK);
      const due = planner.due(chunk.flatMap((k) => byChat.get(k)!), muted).filter((r) => decided.has(`${r.key.taskId}\u0000${r.key.kind}`));
      claimedRows += (await store.claimDeliveries(due.map((r) => r.key), new Date().toISOString())).length;
      await store.pendingDeliveries(chunk.map((k) => byChat.get(k)![0]!));
      progress.cursor = chunk[chunk.length - 1]!;
      await store.savePassProgress(progress);
      slowest = Math.max(slowest, performance.now() - t);
    }
    const materialiseS = (performance.now() - tm) / 1000;
    const chunks = Math.ceil(keys.length / FAN_OUT_CHUNK);
    line(`fan-out claims: ${keys.length.toLocaleString('en')} chats in ${chunks} chunks of ${FAN_OUT_CHUNK}`, `${claimedRows.toLocaleString("en")} per-chat rows in ${materialiseS.toFixed(1)} s (${(claimedRows / materialiseS).toFixed(0)} rows/s; slowest chunk ${slowest.toFixed(0)} ms)`);
    line('chunk claim vs sending the chunk at 30 msg/s', `${(materialiseS / chunks).toFixed(2)} s vs ${(FAN_OUT_CHUNK / 30).toFixed(1)} s (claimed while the previous chunk is sent)`);
  } finally {
    await store.close();
  }
}

// ------------------------------------------------------------------ B
async function stageFanOut(serverUrl: string): Promise<void> {
  const chats = Number(args.chats);
  const limit = Number(args.raised);
  process.stdout.write(`\nB. Fan-out to ${chats.toLocaleString('en')} chats, two instances start the pass at once (fake Bot API and sender at ${limit} msg/s — RAISED, not Telegram's 30/s)\n`);
  const url = await freshDatabase(serverUrl, 'bench_fanout');
  const fake = await startFakeTelegram({ rateLimits: { globalPerSecond: limit } });
  const stores = [await PostgresStore.open(url, { poolSize: 6 }), await PostgresStore.open(url, { poolSize: 6 })];
  try {
    const now = '2024-03-24';
    const task = fanOutTask(now);
    await stores[0]!.pool.query(`INSERT INTO chats (channel, chat_id, created_at, updated_at) SELECT 'telegram', (100000 + i)::text, 'x', 'x' FROM generate_series(0, $1 - 1) i`, [chats]);
    await stores[0]!.pool.query(
      `INSERT INTO subscriptions (channel, chat_id, agency, offsets, created_at) SELECT 'telegram', (100000 + i)::text, 'Bộ Công an', '[30,7,1,0]', 'x' FROM generate_series(0, $1 - 1) i`,
      [chats],
    );
    const instance = (i: number) => {
      const api = createTelegramApi({ token: fake.token, apiRoot: fake.apiRoot, throttle: { global: telegramGlobalThrottle(limit) } });
      return runReminderPass({ store: stores[i]!, tasks: [task], registry, titles: new Map([['bench', 'Văn bản thử']]), senders: new Map([['telegram', new TelegramSender(api)]]), now, owner: `instance-${i + 1}` })
        .then((r) => `instance ${i + 1}: sent ${r.messages.toLocaleString('en')}`)
        .catch((err: unknown) => (err instanceof PassInProgressError ? `instance ${i + 1}: lock held by ${err.holder}, sent nothing` : `instance ${i + 1}: ${(err as Error).message}`));
    };
    const t0 = performance.now();
    const outcomes = await Promise.all([instance(0), instance(1)]);
    const seconds = (performance.now() - t0) / 1000;
    const { duplicates, losses } = fanOutCounts(fake.sent(), chats);
    line('instances', outcomes.join('; '));
    line('messages accepted / wall time', `${fake.sent().length.toLocaleString('en')} in ${seconds.toFixed(1)} s = ${(fake.sent().length / seconds).toFixed(0)} msg/s vs limit ${limit}`);
    line('duplicates / losses', `${duplicates} / ${losses}`);
    line('429 answers (retried)', String(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 429).length));
  } finally {
    for (const s of stores) await s.close();
    await fake.close();
  }
}

// ------------------------------------------------------------------ C
function questions(): string[] {
  const lines = readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'eval', 'qa-dev.jsonl'), 'utf8').split('\n').filter(Boolean);
  return lines.map((l) => (JSON.parse(l) as { q: string }).q).slice(0, 20);
}

const FOLLOW_UP = 'hạn khi nào?';

async function stageWebhook(label: string, instanceCount: number, databaseUrl: string | undefined): Promise<void> {
  const n = Number(args.updates);
  const rate = Number(args.rate);
  process.stdout.write(`\nC. ${label}: ${n.toLocaleString('en')} webhook updates at ${rate}/s through a round-robin proxy (questions, each followed by «${FOLLOW_UP}»)\n`);
  const work = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
  const fake: FakeTelegram = await startFakeTelegram();
  const ports = await Promise.all(Array.from({ length: instanceCount }, () => freePort()));
  const proxy = await startRoundRobinProxy(() => ports);
  let instances: Instance[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  try {
    const env = (i: number): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = {
        ...process.env,
        DATA_DIR: join(work, `data-${i}`),
        ASSISTANT_NOW: '2024-08-01',
        LOG_LEVEL: 'error',
        RATE_LIMIT_PER_MINUTE: '600',
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_WEBHOOK_URL: `${proxy.url}/telegram/webhook`,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_THROTTLE: 'off',
      };
      if (databaseUrl) e.DATABASE_URL = databaseUrl;
      else delete e.DATABASE_URL;
      return e;
    };
    // One at a time: instances starting together would all build the same index cache on 2 cores.
    for (const [i, port] of ports.entries()) instances.push(await startInstance(env(i + 1), port, 180_000));
    const post = (body: string) =>
      new Promise<number>((resolve) => {
        const u = new URL(proxy.url);
        const req = request(
          { host: u.hostname, port: u.port, path: '/telegram/webhook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-telegram-bot-api-secret-token': SECRET } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
    const update = (id: number, chatId: number, text: string) =>
      JSON.stringify({ update_id: id, message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'Cán bộ' }, from: { id: chatId, is_bot: false, first_name: 'Cán bộ' }, text } });
    const repliesTo = (chatId: number) => fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 200 && Number(c.payload.chat_id) === chatId);
    const qs = questions();
    let updateId = 1;
    // Reference follow-up answers, one chat per question, sent one after the other.
    const reference = new Map<string, string>();
    for (const [i, q] of qs.entries()) {
      const chatId = 9_000_000 + i;
      // Webhooks are acknowledged once stored: wait for the answer before sending the follow-up.
      const until = Date.now() + 30_000;
      await post(update(updateId++, chatId, q));
      while (repliesTo(chatId).length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      await post(update(updateId++, chatId, FOLLOW_UP));
      while (repliesTo(chatId).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      reference.set(q, String(repliesTo(chatId)[1]?.payload.text ?? ''));
    }
    // The load: 50 chats; each chat alternates a question and its follow-up.
    const CHATS = 50;
    const items = Array.from({ length: n }, (_, i) => {
      const chatId = 1_000_000 + (i % CHATS);
      const turn = Math.floor(i / CHATS);
      const q = qs[(Math.floor(turn / 2) * 7 + i) % qs.length]!;
      return { chatId, text: turn % 2 === 0 ? q : FOLLOW_UP, question: q, start: 0 };
    });
    // The follow-up of a chat refers to that chat's previous question.
    for (const [i, it] of items.entries()) if (it.text === FOLLOW_UP && i >= CHATS) it.question = items[i - CHATS]!.question;
    const callsBefore = fake.calls.length;
    const usage = cpuWindow(instances.map((inst, i) => ({ label: `app instance ${i + 1}`, pgid: inst.child.pid! })));
    const t0 = Date.now();
    const sends: Array<Promise<number>> = [];
    /** Webhook acknowledgement times (update stored in the inbox → HTTP 200), beside the reply latency. */
    const acks: number[] = [];
    await new Promise<void>((resolve) => {
      let next = 0;
      const tick = () => {
        const due = Math.min(n, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
        while (next < due) {
          const it = items[next++]!;
          it.start = Date.now();
          const sent = Date.now();
          sends.push(post(update(updateId++, it.chatId, it.text)).then((status) => (acks.push(Date.now() - sent), status)));
        }
        if (next >= n) return resolve();
        setTimeout(tick, 2);
      };
      tick();
    });
    const statuses = await Promise.all(sends);
    const answers = () => fake.calls.slice(callsBefore).filter((c) => c.method === 'sendMessage' && c.status === 200);
    const until = Date.now() + 60_000;
    while (answers().length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const cpu = usage.stop();
    await new Promise((r) => setTimeout(r, 500));
    const byChat = new Map<number, Array<{ at: number; text: string }>>();
    for (const c of answers()) byChat.set(Number(c.payload.chat_id), [...(byChat.get(Number(c.payload.chat_id)) ?? []), { at: c.at, text: String(c.payload.text) }]);
    const seen = new Map<number, number>();
    /** Latencies by second of the load (when the update was posted): shows a warm-up apart from the steady state. */
    const bySecond: number[][] = [];
    const latencies: number[] = [];
    let lost = 0;
    let followUps = 0;
    let followUpsRight = 0;
    let firstAt = Infinity;
    let lastAt = 0;
    for (const it of items) {
      const k = seen.get(it.chatId) ?? 0;
      seen.set(it.chatId, k + 1);
      const a = byChat.get(it.chatId)?.[k];
      if (!a) {
        lost++;
        continue;
      }
      latencies.push(a.at - it.start);
      (bySecond[Math.floor((it.start - t0) / 1000)] ??= []).push(a.at - it.start);
      firstAt = Math.min(firstAt, a.at);
      lastAt = Math.max(lastAt, a.at);
      if (it.text === FOLLOW_UP) {
        followUps++;
        if (a.text === reference.get(it.question)) followUpsRight++;
      }
    }
    let duplicated = 0;
    for (const [chatId, list] of byChat) duplicated += Math.max(0, list.length - (seen.get(chatId) ?? 0));
    latencies.sort((a, b) => a - b);
    const achieved = latencies.length > 1 ? ((latencies.length - 1) / (lastAt - firstAt)) * 1000 : NaN;
    line('instances / proxy hits', `${instanceCount} (${[...proxy.hits.values()].join(' / ')})`);
    line('achieved rate', `${achieved.toFixed(1)} updates/s (offered ${rate}/s)`);
    acks.sort((a, b) => a - b);
    line('webhook acknowledged (stored → 200)', `p50 ${percentile(acks, 50).toFixed(1)} ms, p95 ${percentile(acks, 95).toFixed(1)} ms`);
    line('latency update→sendMessage (the bar)', `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    const perSecond = bySecond.filter(Boolean).map((l) => percentile(l.sort((x, y) => x - y), 95).toFixed(0));
    line('p95 by second of the load (warm-up → steady)', `${perSecond.join(', ')} ms`);
    for (const [i, l] of (cpu ?? ['n/a (no /proc)']).entries()) line(i === 0 ? 'CPU during the load (% of one core)' : '', l);
    line('lost / duplicated / HTTP errors', `${lost} / ${duplicated} / ${statuses.filter((s) => s !== 200).length}`);
    line('follow-ups answered as on one instance', `${followUpsRight}/${followUps}`);
    const met = achieved >= 297 && percentile(latencies, 95) <= 50 && lost === 0 && duplicated === 0;
    line('bar (≥ 300/s, p95 ≤ 50 ms, 0 lost, 0 duplicated)', met ? 'MET' : 'NOT MET');
  } finally {
    agent.destroy();
    await Promise.all(instances.map((i) => i.stop()));
    instances = [];
    await proxy.close();
    await fake.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function stage(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    process.stdout.write(`  STAGE FAILED (${name}): ${(err as Error)?.message?.split('\n')[0] ?? String(err)}\n`);
  }
}

async function main(): Promise<void> {
  process.stdout.write('Cluster benchmarks (PostgreSQL)\n');
  let pgServer: { url: string; stop: () => void } | undefined;
  try {
    pgServer = server();
  } catch (err) {
    process.stdout.write(`  No PostgreSQL server (set TEST_DATABASE_URL or install postgresql): ${(err as Error).message.split('\n')[0]}\n`);
  }
  const only = args.only;
  if (pgServer) {
    const url = pgServer.url;
    if (!only || only === 'decide') await stage('A', () => stageDecide(url));
    if (!only || only === 'fanout') await stage('B', () => stageFanOut(url));
    if (!only || only === 'webhook' || only === 'webhook-pg') {
      await stage('C1', async () => stageWebhook('two instances on PostgreSQL', 2, await freshDatabase(url, 'bench_webhook')));
    }
  }
  if (!only || only === 'webhook' || only === 'webhook-sqlite') await stage('C2', () => stageWebhook('one instance on SQLite (reference)', 1, undefined));
  try {
    pgServer?.stop();
  } catch {
    // a server that does not stop is not a benchmark figure
  }
  // The Telegram throttler keeps refresh timers alive.
  process.exit(0);
}

await main();
