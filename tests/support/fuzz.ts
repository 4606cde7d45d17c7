/**
 * The fuzzer behind `npm run fuzz` and tests/fuzz.test.ts: random and hostile updates sent to the
 * real app (startApp) through the real adapters — Telegram webhook and long polling (grammY),
 * Zalo long polling — against the fake Bot API servers, then checked: the process keeps
 * answering, every private text message gets a reply, every Telegram message is HTML Telegram
 * accepts, no reply shows a stack trace, nothing is answered more than twice.
 */
import { startApp } from '../../src/main.js';
import { startFakeTelegram } from './fake-telegram.js';
import { startFakeZalo } from './fake-zalo.js';
import { freshDataDir, post, removeDataDirs, telegramPlain, waitFor } from './channel-app.js';

export interface FuzzReport {
  sent: { telegramWebhook: number; telegramPolling: number; zalo: number };
  /** Private text messages that got no reply. */
  unanswered: number;
  /** Chats answered more than twice for one message. */
  overAnswered: number;
  /** Telegram messages Telegram would reject (bad HTML, too long). */
  badHtml: number;
  /** Replies that show a stack trace or an English error. */
  leaks: number;
  /** Webhook POSTs answered with 5xx. */
  serverErrors: number;
  problems: string[];
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [
  '', ' ', '\u0000\u0001\u0002', '<b>an sinh</b> & xã hội <script>alert(1)</script>', '</b></i><a href="x">', '&amp;&lt;&#x110000;&#0;',
  '/theodoi', '/theodoi ' + 'x'.repeat(300), '/nhiemvu @@@', '/sapdenhan -5', '/sapdenhan 99999999999', '/quahan Bộ Không Tồn Tại', '/gopy ' + '💥'.repeat(500),
  '/dangky 1234', '/hoi', '/nguon', 'tiếp', 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?', 'Bộ Y tế phải làm gì?', 'xin chào', 'cảm ơn',
  'a'.repeat(2001), 'Ж'.repeat(1999), '\u202e\u202dRLO', 'ｂｏ ｙ ｔｅ', 'B\u0301o\u0323\u0302 Y te\u0302\u0301', '${process.exit()}', '{{7*7}}', "'; DROP TABLE chats; --",
  '%00%0d%0aSet-Cookie: x', '\ud800', 'quý IV/2026 hạn chót?', '31/02/2024 có nhiệm vụ gì?', 'https://evil.example/?q=<x>', '*_`[]()~>#+-=|{}.!',
];

function randomText(rand: () => number): string {
  if (rand() < 0.6) return HOSTILE[Math.floor(rand() * HOSTILE.length)]!;
  const len = Math.floor(rand() * (rand() < 0.1 ? 3000 : 80));
  let s = '';
  for (let i = 0; i < len; i++) {
    const r = rand();
    s += r < 0.5 ? 'abcdeghiklmnopqrstuvxyđăâêôơư '.charAt(Math.floor(rand() * 30)) : r < 0.8 ? String.fromCodePoint(0x20 + Math.floor(rand() * 0x2f00)) : '<>&"\'/\\\n\t'.charAt(Math.floor(rand() * 10));
  }
  return s;
}

/** Odd update shapes a webhook may receive: missing chat, wrong types, unknown kinds. */
function oddUpdate(id: number, rand: () => number): Record<string, unknown> {
  const shapes: Array<Record<string, unknown>> = [
    { update_id: id },
    { update_id: id, message: null },
    { update_id: id, message: { message_id: 1, date: 0 } },
    { update_id: id, message: { message_id: 1, date: 0, chat: { id: 'x', type: 'private' }, text: 42 } },
    { update_id: id, edited_message: { message_id: 1, date: 0, chat: { id: 5, type: 'private' }, text: 'sửa' } },
    { update_id: id, callback_query: { id: 'q', from: { id: 1, is_bot: false, first_name: 'A' }, chat_instance: 'c', data: 'fb:up:' + 'z'.repeat(200) } },
    { update_id: id, message: { message_id: 1, date: 0, chat: { id: 7, type: 'channel' }, text: '/start' } },
  ];
  return shapes[Math.floor(rand() * shapes.length)]!;
}

/** Runs `n` fuzzed updates per door and returns what went wrong (nothing, when the product is sound). */
export async function runFuzz(opts: { n: number; seed: number; log?: (m: string) => void }): Promise<FuzzReport> {
  const rand = prng(opts.seed);
  const log = opts.log ?? (() => {});
  const report: FuzzReport = { sent: { telegramWebhook: 0, telegramPolling: 0, zalo: 0 }, unanswered: 0, overAnswered: 0, badHtml: 0, leaks: 0, serverErrors: 0, problems: [] };
  const SECRET = 'fuzz_Secret-123456';
  const env = (extra: Record<string, string>) => ({ ASSISTANT_NOW: '2024-08-01', PORT: '0', LOG_LEVEL: 'silent', TELEGRAM_THROTTLE: 'off', RATE_LIMIT_PER_MINUTE: '600', ...extra });

  const check = (chat: string, replies: string[], html: boolean) => {
    if (replies.length === 0) {
      report.unanswered++;
      report.problems.push(`no reply to ${chat}`);
    }
    if (replies.length > 8) report.overAnswered++;
    for (const r of replies) {
      if (/\n\s+at \S+ \(|TypeError|RangeError|SqliteError|undefined is not/.test(r)) {
        report.leaks++;
        report.problems.push(`stack trace or raw error to ${chat}: ${r.slice(0, 120)}`);
      }
      if (html) {
        try {
          telegramPlain(r);
        } catch (err) {
          report.badHtml++;
          report.problems.push(`bad HTML to ${chat}: ${(err as Error).message.slice(0, 120)}`);
        }
      }
    }
  };

  /** One door: starts the app on a fake server, sends the fuzz, waits for replies and checks them. */
  const door = async <C extends string | number>(
    name: string,
    fake: { close(): Promise<void>; sent(chatId: C): Array<{ text: string }> },
    appEnv: Record<string, string>,
    sendAll: (port: number) => Promise<C[]>,
    html: boolean,
  ): Promise<void> => {
    const app = await startApp(env({ DATA_DIR: freshDataDir(), ...appEnv }), { interactive: false });
    try {
      const chats = await sendAll(app.port);
      await waitFor(() => chats.every((c) => fake.sent(c).length > 0), `${name} replies`, 60_000).catch(() => undefined);
      for (const c of chats) check(`${name}:${c}`, fake.sent(c).map((m) => m.text), html);
    } finally {
      await app.stop();
      await fake.close();
    }
  };

  // Telegram webhook: hostile texts and odd shapes, all POSTed; private text chats must be answered.
  const webhookFake = await startFakeTelegram();
  await door<number>(
    'telegram webhook',
    webhookFake,
    { TELEGRAM_BOT_TOKEN: webhookFake.token, TELEGRAM_API_ROOT: webhookFake.apiRoot, TELEGRAM_WEBHOOK_URL: 'https://fuzz.example/telegram/webhook', TELEGRAM_WEBHOOK_SECRET: SECRET },
    async (port) => {
      const chats: number[] = [];
      for (let i = 0; i < opts.n; i++) {
        const id = 900_000 + i;
        const chatId = 3_000_000 + i;
        const odd = rand() < 0.15;
        const text = randomText(rand);
        const body = odd
          ? oddUpdate(id, rand)
          : { update_id: id, message: { message_id: id, date: 0, chat: { id: chatId, type: 'private', first_name: 'Fuzz' }, from: { id: chatId, is_bot: false, first_name: 'Fuzz' }, text } };
        const broken = rand() < 0.05; // a truncated body: refused with 400, never answered
        if (!odd && !broken) chats.push(chatId);
        const res = await post(`http://127.0.0.1:${port}/telegram/webhook`, broken ? '{"update_id":' : body, { 'x-telegram-bot-api-secret-token': SECRET });
        if (res.status >= 500) report.serverErrors++;
        report.sent.telegramWebhook++;
      }
      return chats;
    },
    true,
  );
  log(`Telegram webhook: ${report.sent.telegramWebhook} updates`);

  // Telegram long polling through the adapter's own polling loop.
  const pollingFake = await startFakeTelegram();
  await door<number>(
    'telegram polling',
    pollingFake,
    { TELEGRAM_BOT_TOKEN: pollingFake.token, TELEGRAM_API_ROOT: pollingFake.apiRoot },
    async () => {
      const chats: number[] = [];
      for (let i = 0; i < opts.n; i++) {
        const text = randomText(rand);
        if (text.trim() === '') continue; // Telegram never delivers an empty text message
        pollingFake.queueMessage({ chatId: 4_000_000 + i, text });
        chats.push(4_000_000 + i);
        report.sent.telegramPolling++;
      }
      return chats;
    },
    true,
  );
  log(`Telegram polling: ${report.sent.telegramPolling} updates`);

  // Zalo long polling.
  const zaloFake = await startFakeZalo();
  await door<string>(
    'zalo',
    zaloFake,
    { ZALO_BOT_TOKEN: zaloFake.token, ZALO_API_ROOT: zaloFake.apiRoot },
    async () => {
      const chats: string[] = [];
      for (let i = 0; i < Math.ceil(opts.n / 2); i++) {
        const text = randomText(rand).slice(0, 2000);
        if (text.trim() === '') continue;
        zaloFake.queueText({ chatId: `zfuzz${i}`, text });
        chats.push(`zfuzz${i}`);
        report.sent.zalo++;
      }
      return chats;
    },
    false,
  );
  log(`Zalo polling: ${report.sent.zalo} updates`);
  removeDataDirs();
  return report;
}
