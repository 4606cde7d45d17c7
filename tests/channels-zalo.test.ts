/**
 * End-to-end tests of the Zalo channel: the real app (startApp) and the real Zalo adapter talk
 * over HTTP to the fake Zalo Bot API server (long polling and webhook); assertions are on what a
 * user reads: plain text in numbered parts of at most 2,000 characters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/main.js';
import { startFakeZalo, type FakeZalo, type FakeZaloUpdate, type ZaloSentMessage } from './support/fake-zalo.js';
import { freshDataDir, post, removeDataDirs, sleep, startTestApp, waitFor } from './support/channel-app.js';

const WAIT = { timeoutMs: 60_000 };
const LUAT_DU_LIEU = 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?';

async function ask(fake: FakeZalo, chatId: string, text: string, replies = 1, extra: Partial<Parameters<FakeZalo['queueText']>[0]> = {}): Promise<ZaloSentMessage[]> {
  const before = fake.sent(chatId).length;
  fake.queueText({ chatId, text, ...extra });
  const all = await fake.waitForSent(before + replies, { chatId, ...WAIT });
  return all.slice(before);
}

const zaloEnv = (fake: FakeZalo, extra: Record<string, string> = {}) => ({
  ZALO_BOT_TOKEN: fake.token,
  ZALO_API_ROOT: fake.apiRoot,
  DATA_DIR: freshDataDir(),
  ...extra,
});

afterAll(() => removeDataDirs());

describe('Zalo, long polling through startApp', () => {
  let fake: FakeZalo;
  let app: App;
  let n = 0;
  const chat = () => `zalo-user-${++n}`;

  beforeAll(async () => {
    fake = await startFakeZalo();
    app = await startTestApp(zaloEnv(fake));
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('removes any webhook and long-polls', async () => {
    await waitFor(() => fake.calls.some((c) => c.method === 'getUpdates'), 'a getUpdates call');
    expect(fake.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['getMe', 'deleteWebhook', 'getUpdates']));
    expect(fake.webhook().url).toBe('');
  });

  it('answers a question in plain text with a quote, after a typing action', async () => {
    const id = chat();
    const [m] = await ask(fake, id, LUAT_DU_LIEU);
    expect(m!.text).toContain('Bộ Công an');
    expect(m!.text).toMatch(/“[^”]{20,}”/);
    expect(m!.text).not.toMatch(/<\/?b>|&amp;/);
    expect(m!.text.length).toBeLessThanOrEqual(2000);
    expect(m!.text.endsWith('Gõ /nguon để xem nguồn đầy đủ.')).toBe(true);
    const typing = fake.calls.find((c) => c.method === 'sendChatAction' && c.payload.chat_id === id);
    expect(typing?.payload.action).toBe('typing');
  });

  it('refuses out-of-scope questions and answers /nguon with the full sources', async () => {
    const id = chat();
    const [refusal] = await ask(fake, id, 'Ai chịu trách nhiệm xây dựng sân bay Long Thành?');
    expect(refusal!.text).toContain('không đề cập');
    expect(refusal!.text).not.toContain('/nguon để xem nguồn');
    await ask(fake, id, 'Có bao nhiêu thành viên Tổ CNSCĐ được tập huấn?');
    const [sources] = await ask(fake, id, '/nguon');
    expect(sources!.text).toContain('Bộ TT&TT phối hợp'); // & stays & in plain text
    expect(sources!.text).toMatch(/^Nguồn của câu trả lời cho «Có bao nhiêu thành viên/);
  });

  it('splits a reply longer than 2,000 characters into numbered parts "(1/n) ", "(2/n) "…, all delivered in order', async () => {
    const id = chat();
    const token = `/${'x'.repeat(1_990)}`; // an unknown command is echoed back: the reply is > 2,000 characters
    const first = await ask(fake, id, token, 2);
    const n = Number(/^\(1\/(\d+)\) /.exec(first[0]!.text)?.[1]);
    expect(n).toBeGreaterThanOrEqual(2);
    const parts = await fake.waitForSent(n, { chatId: id, ...WAIT });
    await sleep(300);
    expect(fake.sent(id)).toHaveLength(n);
    parts.forEach((p, i) => {
      expect(p.text.startsWith(`(${i + 1}/${n}) `)).toBe(true);
      expect(p.text.length).toBeLessThanOrEqual(2000);
    });
    const joined = parts.map((p) => p.text.replace(/^\(\d+\/\d+\) /, '')).join(' ');
    expect(joined).toMatch(/^Không có lệnh «\/x+»\. Gõ \/trogiup/);
    expect(joined).toContain(token);
  });

  it('answers an image or a sticker with a hint, and ignores them in a group', async () => {
    const id = chat();
    fake.queueEvent('message.image.received', { chat: { id: 'zalo-group-1', chat_type: 'GROUP' }, photo: 'https://example.com/a.jpg' });
    fake.queueEvent('message.image.received', { chat: { id }, photo: 'https://example.com/a.jpg', caption: 'ảnh' });
    fake.queueEvent('message.sticker.received', { chat: { id }, sticker: 'abc' });
    const hints = await fake.waitForSent(2, { chatId: id, ...WAIT });
    for (const h of hints) expect(h.text).toContain('chỉ đọc được tin nhắn chữ');
    await sleep(200);
    expect(fake.sent('zalo-group-1')).toHaveLength(0);
  });

  it('in a group: answers only messages that mention the bot', async () => {
    const group = 'zalo-group-2';
    fake.queueText({ chatId: group, chatType: 'GROUP', text: 'Bộ Y tế phải làm gì?' });
    fake.queueText({ chatId: group, chatType: 'GROUP', text: `@bot.tro_ly_thu_nghiem ${LUAT_DU_LIEU}`, fromId: 'u-member-2' });
    const [m] = await fake.waitForSent(1, { chatId: group, ...WAIT });
    expect(m!.text).toContain('Bộ Công an');
    await sleep(300);
    expect(fake.sent(group)).toHaveLength(1);
  });

  it('retries 429 (retry_after) and 5xx: the answer arrives exactly once', async () => {
    const id = chat();
    fake.failNext('sendMessage', { status: 429, retryAfter: 1 });
    const [first] = await ask(fake, id, LUAT_DU_LIEU);
    expect(first!.text).toContain('Bộ Công an');
    fake.failNext('sendMessage', { status: 502 });
    fake.failNext('sendMessage', { status: 500 });
    const [second] = await ask(fake, id, 'Bộ Y tế phải làm gì?');
    expect(second!.text).toContain('Bộ Y tế');
    const statuses = fake.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === id).map((c) => c.status);
    expect(statuses).toEqual([429, 200, 502, 500, 200]);
    await sleep(300);
    expect(fake.sent(id)).toHaveLength(2);
  });

  it('survives odd updates: the next question is still answered', async () => {
    const id = chat();
    fake.queueEvent('message.text.received', { chat: { id } }); // no text
    fake.queueEvent('something.new', { chat: { id }, text: 42 as unknown as string });
    const replies = await ask(fake, id, 'Bộ Y tế phải làm gì?', 3);
    expect(replies.slice(0, 2).every((r) => r.text.includes('chỉ đọc được tin nhắn chữ'))).toBe(true);
    expect(replies[2]!.text).toContain('Bộ Y tế được giao');
  });

  it('follows up and pages in the same chat', async () => {
    const id = chat();
    await ask(fake, id, 'Bộ Y tế phải làm gì?');
    // An agency with more tasks than one Zalo message holds, so that «tiếp» has a page 2.
    const [follow] = await ask(fake, id, 'còn Bộ Công an thì sao?');
    expect(follow!.text).toMatch(/^Bộ Công an được giao/);
    const [page2] = await ask(fake, id, 'tiếp');
    expect(page2!.text).toMatch(/Trang 2\/\d+/);
  });
});

describe('Zalo webhook mode', () => {
  const SECRET = 'zalo_Webhook-secret-42';
  let fake: FakeZalo;
  let app: App;
  let url: string;
  let seq = 0;
  const update = (chatId: string, text: string): FakeZaloUpdate => ({
    event_name: 'message.text.received',
    message: { message_id: `m${++seq}`, date: Date.now(), text, chat: { id: chatId, chat_type: 'PRIVATE' }, from: { id: chatId, display_name: 'Trần Thị B' } },
  });

  beforeAll(async () => {
    fake = await startFakeZalo();
    app = await startTestApp(zaloEnv(fake, { ZALO_WEBHOOK_URL: 'https://example.gov.vn/zalo/webhook', ZALO_WEBHOOK_SECRET: SECRET }));
    url = `http://127.0.0.1:${app.port}/zalo/webhook`;
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('registers the webhook with the secret and does not poll', () => {
    expect(fake.webhook()).toEqual({ url: 'https://example.gov.vn/zalo/webhook', secretToken: SECRET });
    expect(fake.calls.some((c) => c.method === 'getUpdates')).toBe(false);
  });

  it('rejects a wrong or missing X-Bot-Api-Secret-Token with 401 and processes nothing', async () => {
    const before = fake.calls.length;
    const wrong = await post(url, update('zw-1', LUAT_DU_LIEU), { 'x-bot-api-secret-token': 'not-the-secret' });
    const missing = await post(url, update('zw-1', LUAT_DU_LIEU));
    const prefix = await post(url, update('zw-1', LUAT_DU_LIEU), { 'x-bot-api-secret-token': SECRET.slice(0, 8) });
    expect([wrong.status, missing.status, prefix.status]).toEqual([401, 401, 401]);
    await sleep(300);
    expect(fake.calls.slice(before)).toEqual([]);
  });

  it('answers an update POSTed with the right secret (flat and wrapped bodies)', async () => {
    const flat = await post(url, update('zw-2', LUAT_DU_LIEU), { 'x-bot-api-secret-token': SECRET });
    expect(flat.status).toBe(200);
    const [m] = await fake.waitForSent(1, { chatId: 'zw-2', ...WAIT });
    expect(m!.text).toContain('Bộ Công an');
    const wrapped = await post(url, { ok: true, result: update('zw-3', 'Bộ Y tế phải làm gì?') }, { 'x-bot-api-secret-token': SECRET });
    expect(wrapped.status).toBe(200);
    const [w] = await fake.waitForSent(1, { chatId: 'zw-3', ...WAIT });
    expect(w!.text).toContain('Bộ Y tế');
  });

  it('answers 400 to a body that is not JSON, and keeps working', async () => {
    const bad = await post(url, '{"event_name": ', { 'x-bot-api-secret-token': SECRET });
    expect(bad.status).toBe(400);
    const ok = await post(url, update('zw-4', '/trogiup'), { 'x-bot-api-secret-token': SECRET });
    expect(ok.status).toBe(200);
    const [m] = await fake.waitForSent(1, { chatId: 'zw-4', ...WAIT });
    expect(m!.text).toContain('/nhiemvu');
  });
});
