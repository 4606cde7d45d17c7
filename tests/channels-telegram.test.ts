/**
 * End-to-end tests of the Telegram channel: the real app (startApp, as `npm start` runs it) and the
 * real grammY adapter talk over HTTP to the fake Bot API server; assertions are on what a user sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from 'grammy/types';
import type { App } from '../src/main.js';
import { createLogger } from '../src/config/logger.js';
import type { Conversation } from '../src/conversation/conversation.js';
import type { Reply } from '../src/conversation/types.js';
import { TelegramChannel } from '../src/channels/telegram/bot.js';
import { startFakeTelegram, type FakeTelegram, type SentMessage } from './support/fake-telegram.js';
import {
  freshDataDir,
  post,
  queryDb,
  removeDataDirs,
  sleep,
  startTestApp,
  telegramPlain,
  telegramTextUpdate,
  waitFor,
} from './support/channel-app.js';

const WAIT = { timeoutMs: 60_000 };
const LUAT_DU_LIEU = 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?';

/** Answers (accepted sendMessage calls) to one chat, as the user reads them. */
const plainSent = (fake: FakeTelegram, chatId: number) => fake.sent(chatId).map((m) => telegramPlain(m.text));

/** Sends `text` from a private chat and waits for `replies` new messages to that chat. */
async function ask(fake: FakeTelegram, chatId: number, text: string, replies = 1, extra: Partial<Parameters<FakeTelegram['queueMessage']>[0]> = {}): Promise<SentMessage[]> {
  const before = fake.sent(chatId).length;
  fake.queueMessage({ chatId, text, ...extra });
  const all = await fake.waitForSent(before + replies, { chatId, ...WAIT });
  return all.slice(before);
}

function telegramEnv(fake: FakeTelegram, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, DATA_DIR: dataDir, ...extra };
}

/** Every sendMessage the fake received was accepted (no HTML parse error, no length error). */
function expectAllSendsAccepted(fake: FakeTelegram): void {
  const rejected = fake.calls.filter((c) => c.method === 'sendMessage' && c.status !== 200 && c.status !== 0 && c.status !== 429 && c.status < 500);
  expect(rejected.map((c) => c.payload?.text)).toEqual([]);
}

afterAll(() => removeDataDirs());

describe('Telegram, long polling through startApp', () => {
  let fake: FakeTelegram;
  let app: App;
  let dataDir: string;
  let chat = 5_000;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    dataDir = freshDataDir();
    // "typing…" before every answer here (by default only for an answer slower than 1 s).
    app = await startTestApp(telegramEnv(fake, dataDir, { TELEGRAM_THROTTLE: 'off', TELEGRAM_TYPING_DELAY_MS: '0' }));
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('starts like npm start: commands registered, no webhook, long polling for messages and buttons', async () => {
    expect(fake.commands().map((c) => c.command)).toEqual(expect.arrayContaining(['hoi', 'nhiemvu', 'theodoi', 'trogiup']));
    expect(fake.webhook().url).toBe('');
    const poll = await waitFor(() => fake.calls.find((c) => c.method === 'getUpdates'), 'a getUpdates call');
    expect(poll.payload.allowed_updates).toEqual(['message', 'callback_query']);
  });

  it('answers a question in HTML with a verbatim quote, 👍/👎 buttons, after a typing action', async () => {
    const id = ++chat;
    const [m] = await ask(fake, id, LUAT_DU_LIEU);
    expect(m!.chat_id).toBe(id);
    expect(m!.parse_mode).toBe('HTML');
    expect(m!.text.startsWith('<b>')).toBe(true);
    const text = telegramPlain(m!.text);
    expect(text).toContain('Bộ Công an');
    expect(text).toMatch(/“[^”]{20,}”/);
    expect(text).toContain('Luật Dữ liệu');
    const buttons = m!.reply_markup.inline_keyboard.flat() as Array<{ text: string; callback_data: string }>;
    expect(buttons.map((b) => b.text)).toEqual(['👍 Hữu ích', '👎 Chưa đúng']);
    expect(buttons[0]!.callback_data).toMatch(/^fb:up:[\w-]+$/);
    expect(buttons[1]!.callback_data).toMatch(/^fb:down:[\w-]+$/);
    const typing = fake.calls.find((c) => c.method === 'sendChatAction' && Number(c.payload.chat_id) === id);
    expect(typing?.payload.action).toBe('typing');
    const sendAt = fake.calls.find((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === id)!.at;
    expect(typing!.at).toBeLessThanOrEqual(sendAt);
  });

  it('👍 answers the button press, removes the buttons and stores the vote with the question in SQLite', async () => {
    const id = ++chat;
    const [m] = await ask(fake, id, 'Bộ Công Thương được giao những nhiệm vụ gì theo kết luận Hội nghị ngày 19/7/2024?');
    expect(telegramPlain(m!.text)).toContain('thương mại điện tử');
    const up = m!.reply_markup.inline_keyboard[0][0].callback_data as string;
    const answerId = up.split(':')[2];
    fake.queueCallbackQuery({ chatId: id, data: up, messageId: m!.message_id });
    const answered = await waitFor(() => fake.answeredCallbacks().find((a) => a.text !== undefined && fake.calls.some((c) => c.method === 'editMessageReplyMarkup' && Number(c.payload.chat_id) === id && c.status === 200)), 'the callback answer and keyboard removal');
    expect(answered.text).toBe('Cảm ơn bạn đã đánh giá!');
    const rows = queryDb<{ channel: string; answer_id: string; vote: string; question: string }>(dataDir, 'SELECT channel, answer_id, vote, question FROM feedback WHERE chat_id = ?', String(id));
    expect(rows).toEqual([{ channel: 'telegram', answer_id: answerId, vote: 'up', question: expect.stringContaining('Bộ Công Thương') }]);

    // 👎 on the same answer: a different thank-you, a second row.
    const down = m!.reply_markup.inline_keyboard[0][1].callback_data as string;
    const before = fake.answeredCallbacks().length;
    fake.queueCallbackQuery({ chatId: id, data: down, messageId: m!.message_id });
    const second = await waitFor(() => fake.answeredCallbacks()[before], 'the 👎 callback answer');
    expect(second.text).toContain('xem lại');
    expect(queryDb(dataDir, 'SELECT vote FROM feedback WHERE chat_id = ? ORDER BY id', String(id))).toEqual([{ vote: 'up' }, { vote: 'down' }]);
  });

  it('refuses what the documents do not cover, without feedback buttons', async () => {
    const [m] = await ask(fake, ++chat, 'Ai chịu trách nhiệm xây dựng sân bay Long Thành?');
    expect(telegramPlain(m!.text)).toContain('không đề cập');
    expect(m!.reply_markup).toBeUndefined();
  });

  it('delivers list answers (/quahan, /nhiemvu) whole, within 4,096 characters, with HTML Telegram accepts', async () => {
    const id = ++chat;
    const [overdue] = await ask(fake, id, '/quahan');
    const [tasks] = await ask(fake, id, '/nhiemvu Bộ Công an');
    for (const m of [overdue!, tasks!]) expect(telegramPlain(m.text).length).toBeLessThanOrEqual(4096);
    expect(telegramPlain(overdue!.text)).toMatch(/^Có \d+ nhiệm vụ đã quá hạn/);
    expect(telegramPlain(tasks!.text)).toMatch(/^Bộ Công an được giao \d+ nhiệm vụ/);
    expectAllSendsAccepted(fake);
  });

  it('renders <script>, & and *_ typed by the user as text (escaped HTML), and every message is accepted', async () => {
    const id = ++chat;
    const [unknown] = await ask(fake, id, '/<script>alert(1)</script>&*_x_*');
    // Markup is stripped before the command is read; nothing of the script comes back.
    expect(telegramPlain(unknown!.text)).toContain('Không có lệnh');
    expect(unknown!.text).not.toContain('script');
    const [question] = await ask(fake, id, 'Luật Dữ liệu <b>ai</b> chủ trì & hạn *_khi nào_*? <script>alert(1)</script>');
    expect(telegramPlain(question!.text).length).toBeGreaterThan(20);
    expect(question!.text).not.toMatch(/<(?!\/?b>)/); // the only tags are the bold first line
    expectAllSendsAccepted(fake);
  });

  it('renders a document quote containing “ ” and & (Bộ TT&TT)', async () => {
    const [m] = await ask(fake, ++chat, 'Có bao nhiêu thành viên Tổ CNSCĐ được tập huấn?');
    expect(m!.text).toContain('TT&amp;TT');
    const text = telegramPlain(m!.text);
    expect(text).toMatch(/“[^”]*Bộ TT&TT phối hợp[^”]*”?/);
    expect(text).toContain('255.545');
  });

  it('retries 429 (retry_after) and then 500, and the answer arrives exactly once each time', async () => {
    const id = ++chat;
    fake.failNext('sendMessage', { status: 429, retryAfter: 1 });
    const t0 = Date.now();
    const [first] = await ask(fake, id, LUAT_DU_LIEU);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(telegramPlain(first!.text)).toContain('Bộ Công an');
    const mine = () => fake.calls.filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === id);
    expect(mine().map((c) => c.status)).toEqual([429, 200]);

    fake.failNext('sendMessage', { status: 500 });
    const [second] = await ask(fake, id, 'Bộ Y tế phải làm gì?', 1);
    expect(telegramPlain(second!.text)).toContain('Bộ Y tế');
    expect(mine().map((c) => c.status)).toEqual([429, 200, 500, 200]);
    await sleep(300);
    expect(fake.sent(id)).toHaveLength(2);
  });

  it('in a group: ignores plain messages, answers @mentions, replies to the bot and commands', async () => {
    const group = -1_001_234_500_000 - ++chat;
    fake.queueMessage({ chatId: group, chatType: 'supergroup', text: 'Bộ Y tế phải làm gì?' });
    fake.queueMessage({ chatId: group, chatType: 'supergroup', text: `@${fake.botInfo.username} ${LUAT_DU_LIEU}` });
    const [mention] = await fake.waitForSent(1, { chatId: group, ...WAIT });
    expect(telegramPlain(mention!.text)).toContain('Bộ Công an');

    const [reply] = await ask(fake, group, 'Bộ Tài chính phải làm gì?', 1, { chatType: 'supergroup', replyToBot: true, fromId: 2002 });
    expect(telegramPlain(reply!.text)).toContain('Bộ Tài chính');
    const [help] = await ask(fake, group, `/trogiup@${fake.botInfo.username}`, 1, { chatType: 'supergroup', fromId: 2003 });
    expect(telegramPlain(help!.text)).toContain('/nhiemvu');
    const [command] = await ask(fake, group, '/nhiemvu Bộ Y tế', 1, { chatType: 'supergroup', fromId: 2004 });
    expect(telegramPlain(command!.text)).toContain('Bộ Y tế được giao');

    // The plain message got nothing: no answer, no typing.
    await sleep(200);
    expect(fake.sent(group)).toHaveLength(4);
    expect(plainSent(fake, group).some((t) => t.startsWith('Bộ Y tế được giao') && !t.includes('/nhiemvu'))).toBe(true);
    const typing = fake.calls.filter((c) => c.method === 'sendChatAction' && Number(c.payload.chat_id) === group);
    expect(typing).toHaveLength(4);
  });

  it('answers a photo in a private chat with a hint, and ignores it in a group', async () => {
    const id = ++chat;
    const group = -1_009_000_000 - id;
    const photo = (chatId: number, type: 'private' | 'supergroup') =>
      fake.queueUpdate({
        message: {
          message_id: 70_000 + id,
          date: Math.floor(Date.now() / 1000),
          chat: type === 'private' ? { id: chatId, type, first_name: 'A' } : { id: chatId, type, title: 'Nhóm' },
          from: { id: id, is_bot: false, first_name: 'A' },
          photo: [{ file_id: 'f1', file_unique_id: 'u1', width: 90, height: 90 }],
        },
      } as Omit<Update, 'update_id'>);
    photo(group, 'supergroup');
    photo(id, 'private');
    const [m] = await fake.waitForSent(1, { chatId: id, ...WAIT });
    expect(telegramPlain(m!.text)).toContain('chỉ đọc được tin nhắn chữ');
    await sleep(200);
    expect(fake.sent(group)).toHaveLength(0);
  });

  it('answers an unknown command, an empty-looking message and a > 2,000-character message politely', async () => {
    const id = ++chat;
    const [unknown] = await ask(fake, id, '/khongcolenh abc');
    expect(telegramPlain(unknown!.text)).toMatch(/Không có lệnh «\/khongcolenh».*\/trogiup/);
    const [blank] = await ask(fake, id, ' \u200b \u00a0 ');
    expect(telegramPlain(blank!.text)).toContain('Tin nhắn trống');
    const [long] = await ask(fake, id, `${LUAT_DU_LIEU} `.repeat(60));
    expect(telegramPlain(long!.text)).toMatch(/Tin nhắn quá dài \([\d.]+ ký tự\).*tối đa 2\.000 ký tự/);
    expect(long!.reply_markup).toBeUndefined();
  });

  it('follows up: "còn Bộ Tài chính thì sao?" after "Bộ Y tế phải làm gì?" answers about Bộ Tài chính', async () => {
    const id = ++chat;
    const [first] = await ask(fake, id, 'Bộ Y tế phải làm gì?');
    expect(telegramPlain(first!.text)).toMatch(/^Bộ Y tế được giao/);
    const [second] = await ask(fake, id, 'còn Bộ Tài chính thì sao?');
    const text = telegramPlain(second!.text);
    expect(text).toMatch(/^Bộ Tài chính được giao \d+ nhiệm vụ/);
    expect(text).not.toMatch(/^Bộ Y tế/);
  });

  it('"tiếp" shows the next page of a long list', async () => {
    const id = ++chat;
    const [page1] = await ask(fake, id, '/nhiemvu Bộ Công an');
    const first = telegramPlain(page1!.text);
    const pages = /Trang 1\/(\d+) — gõ «tiếp»/.exec(first);
    expect(pages, first).not.toBeNull();
    const [page2] = await ask(fake, id, 'tiếp');
    const second = telegramPlain(page2!.text);
    expect(second).toMatch(/^Bộ Công an được giao \d+ nhiệm vụ/);
    expect(second).toContain(`Trang 2/${pages![1]}`);
    expect(second).not.toEqual(first);
  });

  it('/theodoi Bộ Công an 7,1 then /dangtheodoi lists the subscription', async () => {
    const id = ++chat;
    const [ok] = await ask(fake, id, '/theodoi Bộ Công an 7,1');
    expect(telegramPlain(ok!.text)).toContain('Đã đăng ký nhắc hạn cho Bộ Công an: nhắc trước 7 ngày, 1 ngày');
    const [list] = await ask(fake, id, '/dangtheodoi');
    expect(telegramPlain(list!.text)).toContain('• Bộ Công an — nhắc trước 7 ngày, 1 ngày');
    expect(queryDb(dataDir, 'SELECT agency FROM subscriptions WHERE chat_id = ?', String(id))).toEqual([{ agency: 'Bộ Công an' }]);
  });

  it('survives bad updates: odd shapes and unknown button data are skipped, the next question is answered', async () => {
    const id = ++chat;
    const now = Math.floor(Date.now() / 1000);
    fake.queueUpdate({ message: { message_id: 1, date: now, chat: { id } } } as unknown as Omit<Update, 'update_id'>);
    fake.queueUpdate({ message: { message_id: 2, date: now, text: 'không có chat' } } as unknown as Omit<Update, 'update_id'>);
    fake.queueUpdate({ message: { message_id: 3, date: now, chat: { id, type: 'private' }, text: 42 } } as unknown as Omit<Update, 'update_id'>);
    fake.queueCallbackQuery({ chatId: id, data: 'không:rõ' });
    fake.queueUpdate({ callback_query: { id: 'cbq-unknown', from: { id, is_bot: false, first_name: 'A' }, chat_instance: 'x', data: 'fb:up:abc' } } as unknown as Omit<Update, 'update_id'>);
    fake.queueMessage({ chatId: id, text: LUAT_DU_LIEU });
    const replies = await waitFor(() => {
      const texts = plainSent(fake, id);
      return texts.some((t) => t.includes('Bộ Công an')) && texts;
    }, 'the answer to the normal question');
    // The message whose text is a number gets a polite error; nothing else is sent to this chat.
    expect(replies.at(-1)).toContain('Bộ Công an');
    expect(replies.slice(0, -1).every((t) => t.startsWith('Xin lỗi'))).toBe(true);
    expect(fake.answeredCallbacks().some((a) => a.callback_query_id && a.text === undefined)).toBe(true);
    await waitFor(() => fake.pendingUpdates().length === 0, 'every update confirmed');
  });
});

describe('Telegram adapter, replies longer than one message', () => {
  it('splits a long reply into parts ≤ 4,096 characters, in order, bold first line only, buttons on the last part', async () => {
    const fake = await startFakeTelegram();
    const paragraph = (i: number) =>
      `${i}. Bộ TT&TT chủ trì, “phối hợp” với các bộ <ngành> & địa phương triển khai nền tảng số; *_báo cáo_* kết quả trước 31/12/2024. `.repeat(3).trim();
    const text = ['Danh sách nhiệm vụ (dài)', ...Array.from({ length: 40 }, (_, i) => paragraph(i + 1))].join('\n\n');
    expect(text.length).toBeGreaterThan(4096 * 2);
    const reply: Reply = { kind: 'answer', text, answerId: 'abc123' };
    const conversation = { handle: async () => [reply], feedback: () => 'ok' } as unknown as Conversation;
    const channel = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation, logger: createLogger('silent'), throttle: false });
    try {
      await channel.start();
      fake.queueMessage({ chatId: 42, text: 'Cho tôi danh sách đầy đủ' });
      await fake.waitForSent(3, { chatId: 42, ...WAIT });
      await sleep(300);
      const sent = fake.sent(42);
      const parts = sent.map((m) => telegramPlain(m.text));
      expect(parts.length).toBeGreaterThanOrEqual(3);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
      expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
      expect(sent[0]!.text.startsWith('<b>Danh sách nhiệm vụ (dài)</b>')).toBe(true);
      expect(sent.slice(1).every((m) => !m.text.includes('<b>'))).toBe(true);
      expect(sent.map((m) => m.reply_markup !== undefined)).toEqual(sent.map((_, i) => i === sent.length - 1));
      expect(sent.every((m) => m.parse_mode === 'HTML')).toBe(true);
    } finally {
      await channel.stop();
      await fake.close();
    }
  });
});

describe('Telegram access control', () => {
  it('ALLOWED_CHAT_IDS=123: only chat 123 is answered, others get the registration hint', async () => {
    const fake = await startFakeTelegram();
    const app = await startTestApp(telegramEnv(fake, freshDataDir(), { TELEGRAM_THROTTLE: 'off', ALLOWED_CHAT_IDS: '123' }));
    try {
      const [ok] = await ask(fake, 123, LUAT_DU_LIEU);
      expect(telegramPlain(ok!.text)).toContain('Bộ Công an');
      const [no] = await ask(fake, 456, LUAT_DU_LIEU);
      expect(telegramPlain(no!.text)).toContain('chưa được cấp quyền');
      expect(telegramPlain(no!.text)).toContain('/dangky');
      expect(no!.reply_markup).toBeUndefined();
      const [start] = await ask(fake, 456, '/start');
      expect(telegramPlain(start!.text)).toContain('Xin chào');
    } finally {
      await app.stop();
      await fake.close();
    }
  });

  describe('ACCESS_CODE, subscriptions, and a restart on the same DATA_DIR', () => {
    let fake: FakeTelegram;
    let dataDir: string;
    let app: App | undefined;
    const env = () => telegramEnv(fake, dataDir, { TELEGRAM_THROTTLE: 'off', ACCESS_CODE: 'abcd1234' });

    beforeAll(async () => {
      fake = await startFakeTelegram();
      dataDir = freshDataDir();
      app = await startTestApp(env());
    });
    afterAll(async () => {
      await app?.stop();
      await fake?.close();
    });

    it('refuses a chat until /dangky with the right code, then answers it', async () => {
      const [refused] = await ask(fake, 777, LUAT_DU_LIEU);
      expect(telegramPlain(refused!.text)).toContain('chưa được cấp quyền');
      const [wrong] = await ask(fake, 777, '/dangky sai-ma-99');
      expect(telegramPlain(wrong!.text)).toContain('Mã truy cập không đúng');
      const [ok] = await ask(fake, 777, '/dangky abcd1234');
      expect(telegramPlain(ok!.text)).toContain('Đăng ký thành công');
      const [answer] = await ask(fake, 777, LUAT_DU_LIEU);
      expect(telegramPlain(answer!.text)).toContain('Bộ Công an');
      const [sub] = await ask(fake, 777, '/theodoi Bộ Công an 7,1');
      expect(telegramPlain(sub!.text)).toContain('Đã đăng ký nhắc hạn cho Bộ Công an');
    });

    it('after stop() and a new startApp on the same DATA_DIR: still registered, subscription still listed', async () => {
      await app!.stop();
      app = await startTestApp(env());
      const [list] = await ask(fake, 777, '/dangtheodoi');
      expect(telegramPlain(list!.text)).toContain('• Bộ Công an — nhắc trước 7 ngày, 1 ngày');
      const [answer] = await ask(fake, 777, 'Bộ Y tế phải làm gì?');
      expect(telegramPlain(answer!.text)).toContain('Bộ Y tế được giao');
      const [other] = await ask(fake, 778, 'Bộ Y tế phải làm gì?');
      expect(telegramPlain(other!.text)).toContain('chưa được cấp quyền');
    });
  });
});

describe('Telegram restart with pending updates (default throttling)', () => {
  it('answers every update exactly once across a graceful stop() and a new app on the same server', async () => {
    const fake = await startFakeTelegram();
    const dataDir = freshDataDir();
    const questions = [LUAT_DU_LIEU, 'Bộ Y tế phải làm gì?', '/quahan', 'Bộ Tài chính phải làm gì?', '/nhiemvu Bộ Công an'];
    const chats = [301, 302, 303, 304, 305];
    let app: App | undefined;
    try {
      for (let i = 0; i < 3; i++) fake.queueMessage({ chatId: chats[i]!, text: questions[i]! });
      app = await startTestApp(telegramEnv(fake, dataDir));
      await fake.waitForSent(3, WAIT);
      await app.stop();
      app = undefined;
      expect(fake.pendingUpdates()).toHaveLength(0);
      for (let i = 3; i < 5; i++) fake.queueMessage({ chatId: chats[i]!, text: questions[i]! });
      app = await startTestApp(telegramEnv(fake, dataDir));
      await fake.waitForSent(5, WAIT);
      await sleep(1000); // a duplicate would have arrived by now
      expect(fake.sent()).toHaveLength(5);
      expect(chats.map((c) => fake.sent(c).length)).toEqual([1, 1, 1, 1, 1]);
      expect(telegramPlain(fake.sent(301)[0]!.text)).toContain('Bộ Công an');
      expect(telegramPlain(fake.sent(304)[0]!.text)).toContain('Bộ Tài chính');
      await waitFor(() => fake.pendingUpdates().length === 0, 'all updates confirmed');
    } finally {
      await app?.stop();
      await fake.close();
    }
  });

  it('stop() returns only after the updates in hand are answered (confirmed ⇒ answered)', async () => {
    const fake = await startFakeTelegram();
    let app: App | undefined;
    try {
      const chats = [401, 402, 403, 404];
      for (const c of chats) fake.queueMessage({ chatId: c, text: 'Bộ Y tế phải làm gì?' });
      // Each answer is held up ~1 s by a 429, so stop() comes while they are in hand.
      fake.failNext('sendMessage', { status: 429, retryAfter: 1 }, chats.length);
      app = await startTestApp(telegramEnv(fake, freshDataDir(), { TELEGRAM_THROTTLE: 'off' }));
      await waitFor(() => fake.calls.some((c) => c.method === 'sendMessage' && c.status === 429), 'the first answer attempt');
      await app.stop();
      app = undefined;
      const pending = new Set(fake.pendingUpdates().map((u) => u.message?.chat.id));
      const confirmed = chats.filter((c) => !pending.has(c));
      expect(confirmed.length).toBeGreaterThan(0);
      const answeredAtStop = confirmed.filter((c) => fake.sent(c).length > 0);
      expect(answeredAtStop).toEqual(confirmed);
      // And nothing trickles out after stop() has returned.
      const sentAtStop = fake.sent().length;
      await sleep(500);
      expect(fake.sent()).toHaveLength(sentAtStop);
    } finally {
      await app?.stop();
      await fake.close();
    }
  });
});

describe('Telegram webhook mode', () => {
  const SECRET = 'webhook_Secret-123456';
  let fake: FakeTelegram;
  let app: App;
  let url: string;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    app = await startTestApp(
      telegramEnv(fake, freshDataDir(), {
        TELEGRAM_THROTTLE: 'off',
        TELEGRAM_WEBHOOK_URL: 'https://example.gov.vn/telegram/webhook',
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        // An answer quicker than a minute shows no "typing…" (no useless sendChatAction call).
        TELEGRAM_TYPING_DELAY_MS: '60000',
      }),
    );
    url = `http://127.0.0.1:${app.port}/telegram/webhook`;
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('sets the webhook with the secret and does not poll', () => {
    expect(fake.webhook()).toEqual({ url: 'https://example.gov.vn/telegram/webhook', secretToken: SECRET });
    const set = fake.calls.find((c) => c.method === 'setWebhook')!;
    expect(set.payload.allowed_updates).toEqual(['message', 'callback_query']);
    expect(fake.calls.some((c) => c.method === 'getUpdates')).toBe(false);
  });

  it('answers an update POSTed with the right secret header', async () => {
    const res = await post(url, telegramTextUpdate(500_001, 601, LUAT_DU_LIEU), { 'x-telegram-bot-api-secret-token': SECRET });
    expect(res.status).toBe(200);
    const [m] = await fake.waitForSent(1, { chatId: 601, ...WAIT });
    expect(telegramPlain(m!.text)).toContain('Bộ Công an');
    // Answered before the typing delay: no chat action was sent.
    expect(fake.calls.filter((c) => c.method === 'sendChatAction')).toEqual([]);
  });

  it('refuses a body over 1 MB with 413 even with the right secret, and keeps serving', async () => {
    const update = telegramTextUpdate(500_090, 690, 'x'.repeat(2_000_000));
    const res = await post(url, update, { 'x-telegram-bot-api-secret-token': SECRET });
    expect(res.status).toBe(413);
    await sleep(200);
    expect(fake.sent(690)).toHaveLength(0);
    const ok = await post(url, telegramTextUpdate(500_091, 691, LUAT_DU_LIEU), { 'x-telegram-bot-api-secret-token': SECRET });
    expect(ok.status).toBe(200);
    await fake.waitForSent(1, { chatId: 691, ...WAIT });
  });

  it('rejects a wrong or missing secret with 401 and sends nothing', async () => {
    const before = fake.calls.length;
    const wrong = await post(url, telegramTextUpdate(500_002, 602, LUAT_DU_LIEU), { 'x-telegram-bot-api-secret-token': `${SECRET}x` });
    const missing = await post(url, telegramTextUpdate(500_003, 602, LUAT_DU_LIEU));
    const short = await post(url, telegramTextUpdate(500_004, 602, LUAT_DU_LIEU), { 'x-telegram-bot-api-secret-token': SECRET.slice(0, -1) });
    expect([wrong.status, missing.status, short.status]).toEqual([401, 401, 401]);
    await sleep(300);
    expect(fake.sent(602)).toHaveLength(0);
    expect(fake.calls.slice(before)).toEqual([]);
  });

  it('a bad update body is not fatal: the next update is answered', async () => {
    const bad = await post(url, '{"update_id": 1, "message": ', { 'x-telegram-bot-api-secret-token': SECRET });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    const odd = await post(url, { update_id: 500_010, message: { message_id: 1, date: 0, chat: { id: 603 } } }, { 'x-telegram-bot-api-secret-token': SECRET });
    expect(odd.status).toBe(200);
    // No chat at all: the handler fails, the error handler must not (a 5xx would make Telegram resend it).
    const noChat = await post(url, { update_id: 500_012, message: { message_id: 2, date: 0 } }, { 'x-telegram-bot-api-secret-token': SECRET });
    expect(noChat.status).toBe(200);
    const ok = await post(url, telegramTextUpdate(500_011, 603, 'Bộ Y tế phải làm gì?'), { 'x-telegram-bot-api-secret-token': SECRET });
    expect(ok.status).toBe(200);
    const [m] = await fake.waitForSent(1, { chatId: 603, ...WAIT });
    expect(telegramPlain(m!.text)).toContain('Bộ Y tế');
  });

  it('a failing update is answered with an apology and acknowledged with 200 (not resent by Telegram)', async () => {
    fake.failNext('sendMessage', { status: 400, description: 'Bad Request: something unexpected' });
    const res = await post(url, telegramTextUpdate(500_020, 604, LUAT_DU_LIEU), { 'x-telegram-bot-api-secret-token': SECRET });
    expect(res.status).toBe(200);
    const [m] = await fake.waitForSent(1, { chatId: 604, ...WAIT });
    expect(telegramPlain(m!.text)).toContain('Xin lỗi, đã có lỗi');
  });
});
