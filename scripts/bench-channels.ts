/**
 * Chat-channel benchmark: `npm run bench:channels [-- --n 3000 --rate 300 --chats 50 --concurrency 64]`
 *
 * The real app (startApp, as `npm start` runs it) in Telegram WEBHOOK mode, against the fake
 * Telegram Bot API server (tests/support/fake-telegram.ts), everything on loopback.
 *
 * Two processes, so the load generator does not steal the app's event loop:
 * - this process runs the app (startApp with TELEGRAM_THROTTLE=off, TELEGRAM_WEBHOOK_URL/SECRET,
 *   the fake's apiRoot, RATE_LIMIT_PER_MINUTE=600) and measures where its time goes;
 * - a child process ("driver") runs the fake Bot API server and POSTs updates to the app's
 *   /telegram/webhook, then matches every update with the sendMessage the fake recorded.
 *
 * Phases (each on its own set of chats, so the per-chat mapping below stays exact):
 *   warm-up   200 updates at 100/s (not reported);
 *   sustained N updates offered at --rate updates/s (open loop: a slow app builds a backlog,
 *             bounded by --max-in-flight open requests);
 *   max       N updates as fast as possible with --concurrency requests in flight.
 *
 * Latency of an update = time from the start of its webhook POST to the moment the fake server
 * received the sendMessage answering it (both clocks in the driver process). Updates of one chat
 * are answered in order and every question here gets exactly one message (checked before the
 * run), so the k-th sendMessage to a chat answers the k-th update sent to it. Lost = updates with
 * no answer after the phase (a failed POST is redelivered first, as Telegram does; the count of
 * redeliveries is reported with the HTTP errors); duplicated = answers beyond one per update.
 *
 * Bar: ≥ 300 updates/s sustained, p95 ≤ 50 ms, zero lost, zero duplicated.
 *
 * Options: --phases sustained,max; --redeliveries 5 (0: a failed POST is not sent again); --mix help (every update is /trogiup: measures the channel
 * stack — HTTP, grammY, two Bot API calls — without the assistant, i.e. its ceiling).
 * Profile the app with: node --import tsx --cpu-prof --cpu-prof-dir=prof scripts/bench-channels.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const { values: args } = parseArgs({
  options: {
    driver: { type: 'boolean', default: false },
    n: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '300' },
    chats: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '64' },
    'max-in-flight': { type: 'string', default: '1000' },
    phases: { type: 'string', default: 'sustained,max' },
    /** 'dev': realistic questions; 'help': /trogiup only, i.e. the channel stack without the assistant (its ceiling). */
    mix: { type: 'string', default: 'dev' },
    /** 'off': the answer cache is disabled (ANSWER_CACHE_SIZE=0), so every question is answered from scratch. */
    cache: { type: 'string', default: 'on' },
    /** Worker threads answering questions (ASSISTANT_WORKERS). */
    workers: { type: 'string', default: '0' },
    /** Redeliveries of a failed webhook POST (Telegram's behaviour; 0 shows what a harness without them counts as lost). */
    redeliveries: { type: 'string', default: '5' },
  },
});
const N = Math.min(20_000, Math.max(1, Number(args.n)));
const RATE = Math.min(5_000, Math.max(1, Number(args.rate)));
const CHATS = Math.min(1_000, Math.max(1, Number(args.chats)));
const CONCURRENCY = Math.min(1_000, Math.max(1, Number(args.concurrency)));
const MAX_IN_FLIGHT = Math.min(5_000, Math.max(1, Number(args['max-in-flight'])));
const PHASES = String(args.phases).split(',').filter((p) => p === 'sustained' || p === 'max') as Array<'sustained' | 'max'>;
const SECRET = 'bench_webhook_secret_0123456789';
const WEBHOOK_URL = 'https://example.gov.vn/telegram/webhook';
const PHASE_TIMEOUT_MS = 120_000;
/** Failed webhook deliveries are retried this many times, as Telegram does. */
const REDELIVERIES = Math.min(20, Math.max(0, Number(args.redeliveries)));

/** Questions officials ask: the dev set plus commands, follow-ups and paging. */
function questions(): string[] {
  if (args.mix === 'help') return ['/trogiup'];
  const file = fileURLToPath(new URL('../tests/fixtures/eval/qa-dev.jsonl', import.meta.url));
  const dev = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { q: string }).q);
  return [
    ...dev,
    'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?',
    'Bộ Y tế phải làm gì?',
    'còn Bộ Tài chính thì sao?',
    'tiếp',
    '/nhiemvu Bộ Công an',
    '/quahan',
    '/sapdenhan 60',
    'Nhiệm vụ nào sắp đến hạn trong tháng này?',
    'Ai chịu trách nhiệm xây dựng sân bay Long Thành?',
    '/trogiup',
  ];
}

type PhaseName = 'warmup' | 'sustained' | 'max';
interface PhaseResult {
  phase: PhaseName;
  n: number;
  offeredRate: number | null;
  elapsedMs: number;
  achievedPerSec: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  ack: { p50: number; p95: number; p99: number };
  lost: number;
  duplicated: number;
  httpErrors: number;
  errorKinds: Record<string, number>;
  rateLimited: number;
  backlogPeak: number;
  timedOut: boolean;
}
type ToDriver = { type: 'app'; port: number } | { type: 'quit' };
type FromDriver =
  | { type: 'fake'; apiRoot: string; token: string }
  | { type: 'phase-start'; phase: PhaseName }
  | { type: 'phase-end'; result: PhaseResult }
  | { type: 'done' }
  | { type: 'error'; message: string };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// ====================================================================== driver (child process)

async function driver(): Promise<void> {
  // The fake stamps calls with Date.now(); sub-millisecond stamps make the percentiles exact.
  const origin = performance.timeOrigin;
  Date.now = () => origin + performance.now();
  const { startFakeTelegram } = await import('../tests/support/fake-telegram.js');
  const fake = await startFakeTelegram();
  const send = (m: FromDriver) => process.send!(m);
  send({ type: 'fake', apiRoot: fake.apiRoot, token: fake.token });
  const port = await new Promise<number>((resolve) => process.once('message', (m: ToDriver) => m.type === 'app' && resolve(m.port)));
  // One keep-alive agent per phase: a socket left idle between phases may be closed by the app's
  // server (keepAliveTimeout 5 s) just as it is reused, which would count as a failed delivery.
  let agent = new Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, MAX_IN_FLIGHT) });
  const errors = new Map<string, number>();
  const qs = questions();
  let updateId = 1_000_000;
  let chatBase = 10_000_000;

  const post = (body: string) =>
    new Promise<number>((resolve) => {
      const fail = (why: string) => {
        errors.set(why, (errors.get(why) ?? 0) + 1);
        resolve(0);
      };
      const req = request(
        { host: '127.0.0.1', port, path: '/telegram/webhook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-telegram-bot-api-secret-token': SECRET } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors.set(`HTTP ${res.statusCode}`, (errors.get(`HTTP ${res.statusCode}`) ?? 0) + 1);
            resolve(res.statusCode ?? 0);
          });
          res.on('error', (e) => fail(`response ${(e as NodeJS.ErrnoException).code ?? e.message}`));
        },
      );
      req.on('error', (e) => fail(`request ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      req.end(body);
    });

  async function phase(name: PhaseName, n: number, mode: { rate: number } | { concurrency: number }): Promise<PhaseResult> {
    send({ type: 'phase-start', phase: name });
    agent.destroy();
    agent = new Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, MAX_IN_FLIGHT) });
    errors.clear();
    const chats = Array.from({ length: CHATS }, (_, i) => chatBase + i);
    chatBase += CHATS + 1000;
    const items = Array.from({ length: n }, (_, i) => {
      const chatId = chats[i % chats.length]!;
      const text = qs[(i * 7 + Math.floor(i / chats.length)) % qs.length]!;
      const id = updateId++;
      const body = JSON.stringify({
        update_id: id,
        message: {
          message_id: id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: 'private', first_name: 'Cán bộ' },
          from: { id: chatId, is_bot: false, first_name: 'Cán bộ', language_code: 'vi' },
          text,
          ...(text.startsWith('/') && { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] }),
        },
      });
      return { chatId, body, start: 0, ack: 0, status: 0 };
    });
    const callsBefore = fake.calls.length;
    let inFlight = 0;
    let backlogPeak = 0;
    const t0 = Date.now();
    // Like Telegram, a delivery that failed (connection reset, non-200) is sent again: a "lost"
    // reply used to include updates whose POST failed once and that no one redelivered — a harness
    // artifact, not the product (the app acknowledges only updates it has stored in its inbox).
    const fire = async (item: (typeof items)[number]) => {
      inFlight++;
      item.start = Date.now();
      let status = await post(item.body);
      for (let attempt = 1; status !== 200 && attempt <= REDELIVERIES; attempt++) {
        errors.set('redelivered', (errors.get('redelivered') ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 50 * attempt));
        status = await post(item.body);
      }
      item.status = status;
      item.ack = Date.now() - item.start;
      inFlight--;
    };
    const pending: Array<Promise<void>> = [];
    if ('rate' in mode) {
      // Open loop: update i is due at t0 + i / rate; sent at once if the app keeps up.
      let next = 0;
      await new Promise<void>((resolve) => {
        const tick = () => {
          const due = Math.min(n, Math.floor(((Date.now() - t0) * mode.rate) / 1000) + 1);
          backlogPeak = Math.max(backlogPeak, due - next + inFlight);
          while (next < due && inFlight < MAX_IN_FLIGHT) pending.push(fire(items[next++]!));
          if (next >= n) return resolve();
          setTimeout(tick, 2);
        };
        tick();
      });
    } else {
      let next = 0;
      const worker = async () => {
        while (next < n) await fire(items[next++]!);
      };
      pending.push(...Array.from({ length: mode.concurrency }, worker));
    }
    await Promise.all(pending);
    // Webhook POSTs return once the update is handled; wait for stragglers, then a little more for duplicates.
    const expected = n;
    const answersOf = () => fake.calls.slice(callsBefore).filter((c) => c.method === 'sendMessage' && c.status === 200);
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    while (answersOf().length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const timedOut = answersOf().length < expected;
    await new Promise((r) => setTimeout(r, 500));

    const byChat = new Map<number, Array<{ at: number; text: string }>>();
    for (const c of answersOf()) {
      const list = byChat.get(Number(c.payload.chat_id)) ?? [];
      list.push({ at: c.at, text: String(c.payload.text) });
      byChat.set(Number(c.payload.chat_id), list);
    }
    const seen = new Map<number, number>();
    const latencies: number[] = [];
    let lost = 0;
    let rateLimited = 0;
    let lastAt = t0;
    let firstAt = Infinity;
    for (const item of items) {
      const k = seen.get(item.chatId) ?? 0;
      seen.set(item.chatId, k + 1);
      const answer = byChat.get(item.chatId)?.[k];
      if (!answer) {
        lost++;
        continue;
      }
      if (answer.text.includes('Bạn hỏi hơi nhanh')) rateLimited++;
      latencies.push(answer.at - item.start);
      lastAt = Math.max(lastAt, answer.at);
      firstAt = Math.min(firstAt, answer.at);
    }
    let duplicated = 0;
    for (const [chatId, list] of byChat) duplicated += Math.max(0, list.length - (seen.get(chatId) ?? 0));
    latencies.sort((a, b) => a - b);
    const acks = items.map((i) => i.ack).sort((a, b) => a - b);
    const elapsedMs = lastAt - t0;
    const result: PhaseResult = {
      phase: name,
      n,
      offeredRate: 'rate' in mode ? mode.rate : null,
      elapsedMs,
      // Answers per second between the first and the last answer: equals the offered rate when the app
      // keeps up, and the app's capacity when it does not (a backlog builds and drains at that rate).
      achievedPerSec: latencies.length > 1 ? ((latencies.length - 1) / (lastAt - firstAt)) * 1000 : NaN,
      latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN },
      ack: { p50: percentile(acks, 50), p95: percentile(acks, 95), p99: percentile(acks, 99) },
      lost,
      duplicated,
      httpErrors: items.filter((i) => i.status !== 200).length,
      errorKinds: Object.fromEntries(errors),
      rateLimited,
      backlogPeak,
      timedOut,
    };
    send({ type: 'phase-end', result });
    return result;
  }

  try {
    await phase('warmup', Math.min(200, N), { rate: 100 });
    for (const p of PHASES) await phase(p, N, p === 'sustained' ? { rate: RATE } : { concurrency: CONCURRENCY });
    send({ type: 'done' });
  } catch (err) {
    send({ type: 'error', message: String((err as Error)?.stack ?? err) });
  }
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  agent.destroy();
  await fake.close();
  process.exit(0);
}

// ====================================================================== app (this process)

async function main(): Promise<void> {
  const { startApp } = await import('../src/main.js');
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--driver', ...process.argv.slice(2)], {
    execArgv: process.execArgv.length > 0 ? process.execArgv : ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: FromDriver[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (m: FromDriver) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  // A driver that dies (crash, OOM kill) ends the run with what was measured, never a hang.
  child.on('exit', (code, signal) => {
    messages.push({ type: 'error', message: `driver process exited (${signal ?? `code ${code}`})` });
    for (const w of waiters.splice(0)) w();
  });
  const next = async (): Promise<FromDriver> => {
    while (messages.length === 0) await new Promise<void>((r) => waiters.push(r));
    return messages.shift()!;
  };

  const fakeInfo = await next();
  if (fakeInfo.type !== 'fake') throw new Error(`driver: unexpected ${fakeInfo.type}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-channels-'));
  const t = performance.now();
  const app = await startApp(
    {
      DATA_DIR: dataDir,
      PORT: '0',
      ASSISTANT_NOW: '2024-08-01',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '600',
      ANSWER_CACHE_SIZE: args.cache === 'off' ? '0' : '1000',
      ASSISTANT_WORKERS: String(args.workers),
      TELEGRAM_BOT_TOKEN: fakeInfo.token,
      TELEGRAM_API_ROOT: fakeInfo.apiRoot,
      TELEGRAM_THROTTLE: 'off',
      TELEGRAM_WEBHOOK_URL: WEBHOOK_URL,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    },
    { interactive: false },
  ).catch((err: unknown) => {
    console.error(`bench:channels: the app did not start: ${(err as Error)?.message ?? err}`);
    return undefined;
  });
  if (!app) {
    process.exitCode = 1;
    child.kill();
    rmSync(dataDir, { recursive: true, force: true });
    return;
  }
  console.log(
    `App started in ${(performance.now() - t).toFixed(0)} ms (webhook mode, answer cache ${args.cache === 'off' ? 'OFF: every question answered from scratch' : 'on (repeated questions are served from it)'}, ${args.workers} assistant worker thread(s), port ${app.port}; fake Bot API ${fakeInfo.apiRoot}); ${N} updates per phase from ${CHATS} chats; ` +
      `${args.mix === 'help' ? 'every update is /trogiup (channel stack only)' : `${questions().length} distinct questions (tests/fixtures/eval/qa-dev.jsonl + commands, follow-ups)`}.`,
  );

  // Every question gets exactly one message (the driver maps answers to updates by order per chat).
  // A question that does not would be counted as lost/duplicated: reported, and the run goes on.
  for (const [i, q] of questions().entries()) {
    const replies = await app.conversation.handle({ channel: 'telegram', chatId: `preflight-${i}`, userId: `preflight-${i}`, text: q, chatType: 'private' });
    if (replies.length !== 1 || replies[0]!.text.length > 3896) console.warn(`preflight: «${q}» gives ${replies.length} replies / ${replies[0]?.text.length} chars: its answers are mis-matched below`);
  }

  // Where the app's time goes: the conversation layer (incl. the assistant) vs the rest (grammY, HTTP).
  const conversation = app.conversation as unknown as { handle: (m: unknown) => Promise<unknown>; opts: { answerer: { ask: (...a: unknown[]) => Promise<unknown> } } };
  const answerer = conversation.opts.answerer;
  const counters = { handleMs: 0, handles: 0, askMs: 0, asks: 0 };
  const origHandle = conversation.handle.bind(conversation);
  conversation.handle = async (m) => {
    const s = performance.now();
    try {
      return await origHandle(m);
    } finally {
      counters.handleMs += performance.now() - s;
      counters.handles++;
    }
  };
  const origAsk = answerer.ask.bind(answerer);
  answerer.ask = async (...a) => {
    const s = performance.now();
    try {
      return await origAsk(...a);
    } finally {
      counters.askMs += performance.now() - s;
      counters.asks++;
    }
  };

  child.send({ type: 'app', port: app.port } satisfies ToDriver);
  const results: PhaseResult[] = [];
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let snap = { ...counters };
  for (;;) {
    const m = await next();
    if (m.type === 'phase-start') {
      elu = performance.eventLoopUtilization();
      cpu = process.cpuUsage();
      snap = { ...counters };
    } else if (m.type === 'phase-end') {
      const r = m.result;
      const used = performance.eventLoopUtilization(elu);
      const c = process.cpuUsage(cpu);
      const handles = counters.handles - snap.handles;
      const handleMs = counters.handleMs - snap.handleMs;
      const askMs = counters.askMs - snap.askMs;
      const cpuMs = (c.user + c.system) / 1000;
      if (r.phase !== 'warmup') {
        results.push(r);
        const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
        console.log('');
        console.log(`Phase ${r.phase}: ${r.n} updates${r.offeredRate ? ` offered at ${r.offeredRate}/s` : ` as fast as possible, ${CONCURRENCY} in flight`}${r.timedOut ? ' (TIMED OUT waiting for answers)' : ''}`);
        console.log(`  achieved:   ${r.achievedPerSec.toFixed(1)} updates/s answered (${(r.elapsedMs / 1000).toFixed(2)} s from first POST to last answer)`);
        console.log(`  latency update→sendMessage: p50 ${f(r.latency.p50)} ms, p95 ${f(r.latency.p95)} ms, p99 ${f(r.latency.p99)} ms, max ${f(r.latency.max)} ms`);
        console.log(`  webhook POST → HTTP response: p50 ${f(r.ack.p50)} ms, p95 ${f(r.ack.p95)} ms, p99 ${f(r.ack.p99)} ms`);
        const redelivered = r.errorKinds.redelivered ?? 0;
        const kinds = Object.entries(r.errorKinds).filter(([k]) => k !== 'redelivered');
        console.log(
          `  lost replies: ${r.lost}, duplicated replies: ${r.duplicated}, updates never delivered (POST failed ${REDELIVERIES + 1} times): ${r.httpErrors}, ` +
            `POSTs redelivered: ${redelivered}${kinds.length > 0 ? ` (failures: ${kinds.map(([k, v]) => `${k} ×${v}`).join(', ')})` : ''}, rate-limited replies: ${r.rateLimited}${r.offeredRate ? `, peak backlog: ${r.backlogPeak} updates` : ''}`,
        );
        console.log(
          `  app process: event loop ${(used.utilization * 100).toFixed(0)}% busy, CPU ${cpuMs.toFixed(0)} ms = ${(cpuMs / Math.max(1, handles)).toFixed(2)} ms/update; ` +
            `in Conversation.handle ${(handleMs / Math.max(1, handles)).toFixed(2)} ms/update (assistant.ask ${(askMs / Math.max(1, handles)).toFixed(2)} ms) = ${((askMs / Math.max(1, cpuMs)) * 100).toFixed(0)}% of CPU in the assistant`,
        );
      }
    } else if (m.type === 'error') {
      console.error(`driver failed: ${m.message}`);
      process.exitCode = 1;
      break;
    } else if (m.type === 'done') {
      break;
    }
  }

  const sustained = results.find((r) => r.phase === 'sustained');
  if (sustained) {
    // 1 % tolerance on the rate: a run that keeps up exactly measures 300 ± the jitter of its first and last answers.
    const ok = (sustained.offeredRate ?? 0) >= 300 && sustained.achievedPerSec >= 297 && sustained.latency.p95 <= 50 && results.every((r) => r.lost === 0 && r.duplicated === 0);
    console.log('');
    console.log(
      `Bar (≥ 300 updates/s sustained, p95 ≤ 50 ms, 0 lost, 0 duplicated): ${ok ? 'MET' : 'NOT MET'} — sustained ${sustained.achievedPerSec.toFixed(1)}/s at ${sustained.offeredRate}/s offered, p95 ${sustained.latency.p95.toFixed(1)} ms, lost ${results.reduce((s, r) => s + r.lost, 0)}, duplicated ${results.reduce((s, r) => s + r.duplicated, 0)}.`,
    );
  }
  if (results.some((r) => r.lost > 0 || r.duplicated > 0)) process.exitCode = 1;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.send({ type: 'quit' } satisfies ToDriver);
    await exited;
  }
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

if (args.driver) await driver();
else
  await main().catch((err: unknown) => {
    // A failed stage is reported in one line (figures measured so far were printed), never a stack trace.
    console.error(`bench:channels failed: ${(err as Error)?.message ?? err}`);
    process.exit(1);
  });
