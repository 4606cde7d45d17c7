import { run } from '@grammyjs/runner';
import { Bot, GrammyError } from 'grammy';
import { describe, expect, it, type TestContext } from 'vitest';
import { splitMessage } from '../src/channels/split.js';
import { createTelegramApi, escapeHtml, TelegramSender } from '../src/channels/telegram/sender.js';
import { ChatUnreachableError } from '../src/channels/types.js';
import { ZaloApiError, ZaloBotClient } from '../src/channels/zalo/client.js';
import { ZaloSender } from '../src/channels/zalo/sender.js';
import { startFakeTelegram, type FakeTelegram } from './support/fake-telegram.js';
import { startFakeZalo, type FakeZalo } from './support/fake-zalo.js';

const PARAGRAPH =
  'Các cơ quan, đơn vị khẩn trương rà soát, số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực; ' +
  'bảo đảm kết nối, chia sẻ dữ liệu với Cổng Dịch vụ công quốc gia theo đúng lộ trình. 🚀';
const longText = (chars: number) => {
  const paras: string[] = [];
  for (let i = 1, total = 0; total < chars; i++) {
    const p = `${i}. ${PARAGRAPH}`;
    paras.push(p);
    total += p.length + 2;
  }
  return paras.join('\n\n');
};
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
const sendTimes = (calls: Array<{ method: string; at: number; status: number }>) =>
  calls.filter((c) => c.method === 'sendMessage' && c.status === 200).map((c) => c.at);

// Tests run concurrently (each has its own fake server) to keep the suite fast; every test closes
// its fake through the test context's onTestFinished (global hooks do not track concurrent tests).
type Ctx = Pick<TestContext, 'onTestFinished'>;

async function fakeTelegram(ctx: Ctx): Promise<FakeTelegram> {
  const fake = await startFakeTelegram();
  ctx.onTestFinished(() => fake.close());
  return fake;
}

async function telegram(ctx: Ctx, opts: Omit<Parameters<typeof createTelegramApi>[0], 'token' | 'apiRoot'> = {}) {
  const fake = await fakeTelegram(ctx);
  const api = createTelegramApi({ token: fake.token, apiRoot: fake.apiRoot, ...opts });
  return { fake, api, sender: new TelegramSender(api) };
}

async function zalo(ctx: Ctx, opts: ConstructorParameters<typeof ZaloSender>[1] = {}) {
  const fake: FakeZalo = await startFakeZalo();
  ctx.onTestFinished(() => fake.close());
  const client = new ZaloBotClient({ token: fake.token, apiRoot: fake.apiRoot, timeoutMs: 3000 });
  return { fake, client, sender: new ZaloSender(client, opts) };
}

const FAST = { out: { maxConcurrent: 1, minTime: 20 } };

describe.concurrent('TelegramSender (grammY Api + auto-retry + throttler) against the fake', () => {
  it('splits a long text into parts ≤ 4096 that arrive in order, as plain text', async (ctx) => {
    const { fake, sender } = await telegram(ctx, { throttle: FAST });
    const text = longText(10_000);
    await sender.send({ chatId: '4242', text });
    const sent = fake.sent(4242);
    expect(sent.map((m) => m.text)).toEqual(splitMessage(text, 4096));
    expect(sent.length).toBe(3);
    expect(sent.every((m) => m.text.length <= 4096 && m.parse_mode === undefined)).toBe(true);
    expect(sent[0]!.chat_id).toBe(4242); // numeric ids go out as numbers
  });

  it('retries a 429 after retry_after and succeeds', async (ctx) => {
    const { fake, sender } = await telegram(ctx, { throttle: FAST });
    fake.failNext('sendMessage', { status: 429, retryAfter: 1 });
    await sender.send({ chatId: '1', text: 'Nhắc hạn: báo cáo quý III' });
    const calls = fake.calls.filter((c) => c.method === 'sendMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('fails at once when retry_after exceeds maxDelaySeconds', async (ctx) => {
    const { fake, sender } = await telegram(ctx, { throttle: FAST, retry: { maxDelaySeconds: 5 } });
    fake.failNext('sendMessage', { status: 429, retryAfter: 60 });
    const err = await sender.send({ chatId: '1', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(429);
    // Not retried: the one 429 is the only call.
    expect(fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(1);
  });

  it('retries a 500 (auto-retry backs off 3 s) and succeeds', async (ctx) => {
    const { fake, sender } = await telegram(ctx, { throttle: FAST });
    fake.failNext('sendMessage', { status: 500 });
    await sender.send({ chatId: '1', text: 'Xin chào' });
    expect(fake.calls.filter((c) => c.method === 'sendMessage').map((c) => c.status)).toEqual([500, 200]);
    expect(fake.sent()).toHaveLength(1);
  });

  it('maps 403 blocked and 400 chat not found to ChatUnreachableError without retrying', async (ctx) => {
    const { fake, sender } = await telegram(ctx, { throttle: FAST });
    fake.blockChat(7);
    const err = await sender.send({ chatId: '7', text: longText(6000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatUnreachableError);
    expect(err).toMatchObject({ channel: 'telegram', chatId: '7', description: 'Forbidden: bot was blocked by the user' });
    expect(fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(1); // no retry, no further parts

    fake.forgetChat(-100123);
    await expect(sender.send({ chatId: '-100123', text: 'x' })).rejects.toMatchObject({
      name: 'ChatUnreachableError',
      description: 'Bad Request: chat not found',
    });
  });

  it('gives up on network errors after the bounded retries', async (ctx) => {
    const fake = await startFakeTelegram();
    const { token, apiRoot } = fake;
    await fake.close();
    const sender = new TelegramSender(createTelegramApi({ token, apiRoot, throttle: false, networkRetries: 1 }));
    const err = await sender.send({ chatId: '1', text: 'x' }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('HttpError');
    expect((err as Error).message).not.toContain(token);
  });

  it('throttles one chat to ~1 msg/s with the default settings, other chats are not held up', async (ctx) => {
    const { fake, api, sender } = await telegram(ctx);
    await Promise.all([
      sender.send({ chatId: '11', text: 'một' }),
      sender.send({ chatId: '11', text: 'hai' }),
      sender.send({ chatId: '11', text: 'ba' }),
      sender.send({ chatId: '12', text: 'khác' }),
      sender.send({ chatId: '13', text: 'khác' }),
    ]);
    expect(fake.sent(11).map((m) => m.text)).toEqual(['một', 'hai', 'ba']);
    const chat11 = fake.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === 11).map((c) => c.at);
    const others = fake.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id !== 11).map((c) => c.at);
    // No duration is asserted (a loaded machine stretches them): chat 11 is spaced out — each of its
    // gaps is longer than the other chats took altogether — and the other chats are not held behind it.
    const spread = Math.max(...others, chat11[0]!) - Math.min(...others, chat11[0]!);
    for (const gap of gaps(chat11)) expect(gap).toBeGreaterThan(spread);
    expect(Math.max(...others)).toBeLessThan(chat11[1]!);

    // sendChatAction bypasses the throttler: the answer after "typing" is not delayed by a second
    await api.sendChatAction(14, 'typing');
    await sender.send({ chatId: '14', text: 'trả lời' });
    await sender.send({ chatId: '14', text: 'thêm' });
    const [action] = fake.calls.filter((c) => c.method === 'sendChatAction' && Number(c.payload.chat_id) === 14).map((c) => c.at);
    const [first, second] = fake.calls.filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === 14).map((c) => c.at);
    // Compared with the one-second spacing between two messages, the answer after "typing" is not held back.
    expect(first! - action!).toBeLessThan(second! - first!);
  });

  it('does not interleave parts of concurrent messages to one chat', async (ctx) => {
    const { fake, sender } = await telegram(ctx, { throttle: FAST });
    const a = longText(6000);
    const b = longText(5000).replace(/^1\./, 'B1.');
    await Promise.all([sender.send({ chatId: '5', text: a }), sender.send({ chatId: '5', text: b })]);
    expect(fake.sent(5).map((m) => m.text)).toEqual([...splitMessage(a, 4096), ...splitMessage(b, 4096)]);
  });
});

describe.concurrent('fake Telegram protocol details', () => {
  it('validates HTML like Telegram, and escapeHtml output is accepted', async (ctx) => {
    const { fake, api } = await telegram(ctx, { throttle: false });
    const raw = 'Điều 5 < Điều 6 & "Phụ lục" > tóm tắt';
    await api.sendMessage(1, `<b>${escapeHtml(raw)}</b>\n<a href="https://vbpl.vn">nguồn</a>`, { parse_mode: 'HTML' });
    expect(fake.sent(1)).toHaveLength(1);
    for (const bad of ['<b>đậm', '<b>x</i>', '1 < 2', 'dòng<br>mới', '</b>', '<p>đoạn</p>']) {
      await expect(api.sendMessage(1, bad, { parse_mode: 'HTML' })).rejects.toMatchObject({
        error_code: 400,
        description: expect.stringContaining("Bad Request: can't parse entities"),
      });
    }
    await expect(api.sendMessage(1, 'x'.repeat(4097))).rejects.toMatchObject({ description: 'Bad Request: message is too long' });
    await expect(api.sendMessage(1, `<b>${'x'.repeat(4096)}</b>`, { parse_mode: 'HTML' })).resolves.toBeTruthy(); // length after parsing
    await expect(api.sendMessage(1, '  ')).rejects.toMatchObject({ description: 'Bad Request: message text is empty' });
    expect(escapeHtml(`<a href="x">&</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('rateLimits: the fake answers 429 to an unthrottled burst; the default throttler never trips it', async (ctx) => {
    const fake = await startFakeTelegram({ rateLimits: { perChatIntervalMs: 900, globalPerSecond: 30 } });
    ctx.onTestFinished(() => fake.close());
    const raw = createTelegramApi({ token: fake.token, apiRoot: fake.apiRoot, throttle: false, retry: { maxRetryAttempts: 0 } });
    const burst = await Promise.allSettled([1, 2, 3].map((i) => raw.sendMessage(31, `tin ${i}`)));
    expect(burst.filter((r) => r.status === 'rejected')).toHaveLength(2);
    expect(fake.calls.filter((c) => c.status === 429)).toHaveLength(2);

    const sender = new TelegramSender(createTelegramApi({ token: fake.token, apiRoot: fake.apiRoot }));
    await Promise.all([1, 2, 3].map((i) => sender.send({ chatId: '32', text: `tin ${i}` })));
    expect(fake.calls.filter((c) => c.payload?.chat_id === 32).map((c) => c.status)).toEqual([200, 200, 200]);
  });

  it('serves a grammY Bot under @grammyjs/runner: commands, replies, offsets, callbacks', async (ctx) => {
    const fake = await fakeTelegram(ctx);
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    bot.command('start', (ctx) => ctx.reply('Chào mừng', { reply_markup: { inline_keyboard: [[{ text: 'Hỏi', callback_data: 'ask' }]] } }));
    bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
    });
    bot.on('message:text', (ctx) => ctx.reply(`Bạn hỏi: ${ctx.message.text}`));
    await bot.api.setMyCommands([{ command: 'start', description: 'Bắt đầu' }]);
    const runner = run(bot, { runner: { fetch: { timeout: 1 } } });
    try {
      fake.queueMessage({ chatId: 501, text: '/start' });
      for (let i = 0; i < 20; i++) fake.queueMessage({ chatId: 600 + (i % 4), text: `câu ${i}` });
      fake.queueMessage({ chatId: -100777, chatType: 'supergroup', text: '/start@tro_ly_test_bot', fromId: 9 });
      await fake.waitForSent(22);
      fake.queueCallbackQuery({ chatId: 501, data: 'ask' });
      await expect.poll(() => fake.answeredCallbacks().length).toBe(1);
      await expect.poll(() => fake.calls.filter((c) => c.method === 'editMessageReplyMarkup' && c.status === 200).length).toBe(1);
    } finally {
      await runner.stop();
    }
    expect(fake.sent(501)[0]?.text).toBe('Chào mừng');
    expect(fake.sent(-100777)[0]?.text).toBe('Chào mừng');
    expect(fake.sent(600).map((m) => m.text)).toEqual(['câu 0', 'câu 4', 'câu 8', 'câu 12', 'câu 16'].map((t) => `Bạn hỏi: ${t}`));
    expect(fake.commands()).toEqual([{ command: 'start', description: 'Bắt đầu' }]);
    const polls = fake.calls.filter((c) => c.method === 'getUpdates');
    expect(polls.some((c) => c.payload.offset > 0)).toBe(true);
  });

  it('works with bot.start()/stop(): deleteWebhook, long poll, offset confirmed on stop', async (ctx) => {
    const fake = await fakeTelegram(ctx);
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    bot.on('message:text', (ctx) => ctx.reply('ok'));
    const started = bot.start({ timeout: 1 });
    fake.queueMessage({ chatId: 1, text: 'a' });
    fake.queueMessage({ chatId: 2, text: 'b' });
    await fake.waitForSent(2);
    await bot.stop();
    await started;
    expect(fake.pendingUpdates()).toEqual([]);
    expect(fake.calls[0]?.method).toBe('getMe');
    expect(fake.calls.some((c) => c.method === 'deleteWebhook')).toBe(true);
  });
});

describe.concurrent('ZaloSender against the fake', () => {
  it('splits into numbered parts ≤ 2000, in order, paced ~1 s apart in one chat', async (ctx) => {
    const { fake, sender } = await zalo(ctx);
    const text = longText(5000);
    await Promise.all([sender.send({ chatId: 'z1', text }), sender.send({ chatId: 'z2', text: 'chat khác' })]);
    const sent = fake.sent('z1').map((m) => m.text);
    expect(sent).toEqual(splitMessage(text, 2000, { numberParts: true }));
    expect(sent).toHaveLength(3);
    expect(sent.every((t, i) => t.length <= 2000 && t.startsWith(`(${i + 1}/3) `))).toBe(true);
    // Paced without asserting a duration: each gap between z1's parts is longer than it took the
    // other chat's message to go out beside the first part.
    const at = (chat: string) => fake.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chat).map((c) => c.at);
    const [z1, [z2]] = [at('z1'), at('z2')];
    for (const gap of gaps(z1)) expect(gap).toBeGreaterThan(Math.abs(z2! - z1[0]!));
  });

  it('retries 429 honouring retry_after, and 5xx with backoff', async (ctx) => {
    const { fake, sender } = await zalo(ctx, { perChatIntervalMs: 0, baseDelayMs: 100 });
    fake.failNext('sendMessage', { status: 429, retryAfter: 1 });
    await sender.send({ chatId: 'z1', text: 'một' });
    let calls = fake.calls.filter((c) => c.method === 'sendMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);

    fake.failNext('sendMessage', { status: 500 });
    fake.failNext('sendMessage', { status: 503 });
    await sender.send({ chatId: 'z1', text: 'hai' });
    calls = fake.calls.filter((c) => c.method === 'sendMessage').slice(2);
    expect(calls.map((c) => c.status)).toEqual([500, 503, 200]);
    expect(fake.sent('z1').map((m) => m.text)).toEqual(['một', 'hai']);
  });

  it('gives up after 3 attempts', async (ctx) => {
    const { fake, sender } = await zalo(ctx, { perChatIntervalMs: 0, baseDelayMs: 10 });
    fake.failNext('sendMessage', { status: 500 }, 5);
    await expect(sender.send({ chatId: 'z1', text: 'x' })).rejects.toBeInstanceOf(ZaloApiError);
    expect(fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(3);
  });

  it('maps 403 to ChatUnreachableError without retrying', async (ctx) => {
    const { fake, sender } = await zalo(ctx);
    fake.blockChat('z9');
    const err = await sender.send({ chatId: 'z9', text: longText(3000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatUnreachableError);
    expect(err).toMatchObject({ channel: 'zalo', chatId: 'z9' });
    expect(fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(1);
  });

  it('caps the global rate with a token bucket, and keeps concurrent messages to one chat whole', async (ctx) => {
    const { fake, sender } = await zalo(ctx, { globalPerSecond: 5, perChatIntervalMs: 0 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => sender.send({ chatId: `c${i}`, text: `tin ${i}` })));
    const times = sendTimes(fake.calls);
    expect(times).toHaveLength(10);
    // The first five go as a burst: the wait before the sixth is longer than the burst took.
    expect(times[5]! - times[4]!).toBeGreaterThan(times[4]! - times[0]!);

    const a = longText(2500);
    const b = longText(2500).replace(/^1\./, 'B1.');
    await Promise.all([sender.send({ chatId: 'same', text: a }), sender.send({ chatId: 'same', text: b })]);
    expect(fake.sent('same').map((m) => m.text)).toEqual([
      ...splitMessage(a, 2000, { numberParts: true }),
      ...splitMessage(b, 2000, { numberParts: true }),
    ]);
  });
});
