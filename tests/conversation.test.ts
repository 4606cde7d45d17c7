/**
 * The conversation layer shared by every channel, on the real assistant and corpus and a real
 * SQLite store: commands and their Vietnamese spellings, follow-ups, paging, access control,
 * rate limiting, feedback, and "never throws".
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, HELP_TEXT, MAX_MESSAGE_CHARS, parseCommand, type Answerer } from '../src/conversation/conversation.js';
import type { IncomingMessage, Reply } from '../src/conversation/types.js';
import { Assistant } from '../src/qa/assistant.js';
import { SqliteStore } from '../src/storage/index.js';
import { freshDataDir, queryDb, removeDataDirs } from './support/channel-app.js';

let assistant: Assistant;
let store: SqliteStore;
let dataDir: string;

beforeAll(async () => {
  dataDir = freshDataDir();
  assistant = await Assistant.open({ dataDir });
  store = new SqliteStore(join(dataDir, 'assistant.db'));
});
afterAll(() => {
  store?.close();
  removeDataDirs();
});

let nextChat = 0;
/** A private chat on one channel: say(text) → replies. */
function chatWith(conversation: Conversation, opts: Partial<IncomingMessage> = {}) {
  const chatId = opts.chatId ?? `c${++nextChat}`;
  const base: IncomingMessage = { channel: 'telegram', chatId, userId: chatId, text: '', chatType: 'private', ...opts };
  return {
    chatId,
    say: (text: string, extra: Partial<IncomingMessage> = {}): Promise<Reply[]> => conversation.handle({ ...base, ...extra, text }),
    one: async (text: string, extra: Partial<IncomingMessage> = {}): Promise<Reply> => {
      const replies = await conversation.handle({ ...base, ...extra, text });
      expect(replies).toHaveLength(1);
      return replies[0]!;
    },
  };
}

const make = (opts: Partial<ConstructorParameters<typeof Conversation>[0]> = {}) =>
  new Conversation({ answerer: assistant, store, now: () => '2024-08-01', ratePerMinute: 600, ...opts });

describe('parseCommand', () => {
  it('reads commands with a bot suffix, Vietnamese spellings, case and diacritics', async () => {
    expect(parseCommand('/theodoi@tro_ly_bot Bộ Công an 7,1')).toEqual({ name: 'theodoi', args: 'Bộ Công an 7,1' });
    expect(parseCommand('/Nhiệm_Vụ Bộ Y tế')).toEqual({ name: 'nhiemvu', args: 'Bộ Y tế' });
    expect(parseCommand('/trợgiúp')).toEqual({ name: 'help', args: '' });
    expect(parseCommand('/HOI   Ai chủ trì?')).toEqual({ name: 'hoi', args: 'Ai chủ trì?' });
    expect(parseCommand('/sdh 14')).toEqual({ name: 'sapdenhan', args: '14' });
    expect(parseCommand('/follow all')).toEqual({ name: 'theodoi', args: 'all' });
  });

  it('returns null for unknown commands and plain text', async () => {
    expect(parseCommand('/khongco')).toBeNull();
    expect(parseCommand('Bộ Y tế phải làm gì?')).toBeNull();
    expect(parseCommand('a /hoi b')).toBeNull();
    expect(parseCommand('/')).toBeNull();
  });
});

describe('Conversation', () => {
  it('answers a question with an answer id; refusals and infos carry none', async () => {
    const c = chatWith(make());
    const answer = await c.one('Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?');
    expect(answer.kind).toBe('answer');
    expect(answer.text).toContain('Bộ Công an');
    expect(answer.answerId).toMatch(/^[\w-]{8}$/);
    const refusal = await c.one('Ai chịu trách nhiệm xây dựng sân bay Long Thành?');
    expect(refusal).toEqual({ kind: 'refusal', text: expect.stringContaining('không đề cập') });
  });

  it('commands: /start, /trogiup, /hoi, /nhiemvu, /sapdenhan, /quahan, /gopy', async () => {
    const c = chatWith(make());
    expect((await c.one('/start')).text).toContain('Xin chào');
    expect((await c.one('/trogiup')).text).toBe(HELP_TEXT);
    expect((await c.one('/hoi')).text).toContain('Hãy gõ câu hỏi sau /hoi');
    expect((await c.one('/hoi Ai chủ trì xây dựng Luật Dữ liệu?')).text).toContain('Bộ Công an');
    expect((await c.one('/nhiemvu')).text).toContain('Hãy gõ tên cơ quan');
    expect((await c.one('/nhiemvu Bộ Không Tồn Tại')).text).toContain('Không nhận ra cơ quan «Bộ Không Tồn Tại»');
    expect((await c.one('/nhiemvu NHNN')).text).toMatch(/^Ngân hàng Nhà nước Việt Nam được giao/);
    expect((await c.one('/sapdenhan 0')).text).toContain('Số ngày phải từ 1 đến 366');
    expect((await c.one('/sapdenhan 90')).text).toMatch(/^Có \d+ nhiệm vụ đến hạn từ 01\/08\/2024 đến 30\/10\/2024/);
    expect((await c.one('/quahan')).text).toMatch(/^Có \d+ nhiệm vụ đã quá hạn tính đến 01\/08\/2024/);
    const gopy = await c.one('/gopy Câu trả lời về Bộ Y tế thiếu một nhiệm vụ');
    expect(gopy.text).toContain('Cảm ơn bạn đã góp ý');
    expect(queryDb(dataDir, 'SELECT text FROM feedback WHERE chat_id = ?', c.chatId)).toEqual([{ text: 'Câu trả lời về Bộ Y tế thiếu một nhiệm vụ' }]);
  });

  it('/quahan <cơ quan> lists only that agency\'s overdue tasks', async () => {
    const c = chatWith(make());
    const all = await c.one('/quahan');
    const mine = await c.one('/quahan Bộ Công an');
    const total = Number(/^Có (\d+) nhiệm vụ/.exec(all.text)![1]);
    const own = /^Có (\d+) nhiệm vụ của Bộ Công an đã quá hạn/.exec(mine.text);
    expect(own, mine.text.slice(0, 120)).not.toBeNull();
    expect(Number(own![1])).toBeLessThan(total);
  });

  it('/nguon gives the full sources of the last answer, or a hint before any', async () => {
    const c = chatWith(make());
    expect((await c.one('/nguon')).text).toContain('Chưa có câu trả lời nào có nguồn');
    await c.one('Có bao nhiêu thành viên Tổ CNSCĐ được tập huấn?');
    const sources = await c.one('/nguon');
    expect(sources.text).toMatch(/^Nguồn của câu trả lời cho «Có bao nhiêu thành viên Tổ CNSCĐ được tập huấn\?»:/);
    expect(sources.text).toMatch(/\(mã văn bản bc-2022-12\):\n“[^”]*Bộ TT&TT/);
  });

  it('follow-ups: another agency ("còn … thì sao?") and a short question about the same topic ("hạn khi nào?")', async () => {
    const c = chatWith(make());
    await c.one('Bộ Y tế phải làm gì?');
    const other = await c.one('còn Bộ Tài chính thì sao?');
    expect(other.text).toMatch(/^Bộ Tài chính được giao \d+ nhiệm vụ/);
    const vay = await c.one('Vậy còn NHNN?');
    expect(vay.text).toMatch(/^Ngân hàng Nhà nước Việt Nam được giao/);

    const d = chatWith(make());
    await d.one('Ai chủ trì xây dựng Luật Dữ liệu?');
    const when = await d.one('hạn khi nào?');
    expect(when.kind).toBe('answer');
    expect(when.text).toMatch(/^Thời hạn: /);
    expect(when.text).toContain('31/12/2024');
  });

  it('follow-ups with a new subject ("thế X thì ai làm?", "còn X thì …") keep the document asked before', async () => {
    const late = () => '2026-11-29';
    const c = chatWith(make({ now: late }));
    await c.one('Theo QĐ 2629, ai xây dựng Hệ thống Từ điển dữ liệu quốc gia?');
    const portal = await c.one('còn Cổng dữ liệu quốc gia thì ai làm, bao giờ xong?');
    expect(portal.text).toContain('Bộ Công an');
    expect(portal.text).toContain('31/12/2026');
    const d = chatWith(make({ now: late }));
    await d.one('QĐ 2629 giao ai xây dựng nền tảng Trợ lý ảo quốc gia?');
    const mail = await d.one('thế hệ thống thư điện tử công vụ thống nhất thì ai làm?');
    expect(mail.text).toContain('Bộ Khoa học và Công nghệ');
    expect(mail.text).toContain('thư điện tử');
    // "còn tháng 6 thì sao?": the month asked before, replaced, with its year.
    const m = chatWith(make({ now: () => '2026-01-05' }));
    await m.one('Theo QĐ 2629 những việc nào đến hạn trong tháng 3/2026?');
    const june = await m.one('còn tháng 6 thì sao?');
    expect(june.text).toContain('30/06/2026');
    // "thế còn Luật …?" asks nothing itself: it asks what the question before asked.
    const e = chatWith(make({ now: late }));
    await e.one('Ai chủ trì xây dựng Luật Chuyển đổi số theo QĐ 2629?');
    const ai = await e.one('thế còn Luật Trí tuệ nhân tạo?');
    expect(ai.text).toMatch(/^Bộ Khoa học và Công nghệ chủ trì/u);
  });

  it('keeps each chat\'s memory to itself (other chats, other channels)', async () => {
    const conversation = make();
    const a = chatWith(conversation, { chatId: 'same-id' });
    const b = chatWith(conversation, { chatId: 'same-id', channel: 'zalo' });
    await a.one('Bộ Y tế phải làm gì?');
    expect((await b.one('tiếp')).text).toContain('Không có danh sách nào');
    const follow = await b.one('còn Bộ Tài chính thì sao?');
    expect(follow.text).toMatch(/^Bộ Tài chính/); // answered on its own, as a new question
  });

  it('"tiếp" shows page 2 of a long list, and says so when there is nothing to page', async () => {
    const c = chatWith(make());
    expect((await c.one('tiếp')).text).toContain('Không có danh sách nào để xem tiếp');
    const page1 = await c.one('/nhiemvu Bộ Công an');
    const pages = /Trang 1\/(\d+) — gõ «tiếp» để xem thêm\./.exec(page1.text);
    expect(pages, page1.text.slice(-200)).not.toBeNull();
    const page2 = await c.one('Tiếp.');
    expect(page2.kind).toBe('answer');
    expect(page2.text).toContain(`Trang 2/${pages![1]}`);
    const page3 = await c.one('xem tiếp');
    expect(page3.text).toContain(`Trang 3/${pages![1]}`);
  });

  it('paging shows every item of a long list (no item skipped between pages)', async () => {
    const c = chatWith(make());
    const numbers = (r: Reply) => [...r.text.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
    const seen = [...numbers(await c.one('/nhiemvu Bộ Công an')), ...numbers(await c.one('tiếp'))];
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
  });

  it('/theodoi, /dangtheodoi, /huytheodoi with offsets, "tất cả" and bad input', async () => {
    const c = chatWith(make({ reminderTime: '07:30' }));
    expect((await c.one('/dangtheodoi')).text).toContain('Bạn chưa theo dõi cơ quan nào');
    expect((await c.one('/theodoi')).text).toContain('Hãy gõ tên cơ quan');
    expect((await c.one('/theodoi Bộ Công an 400')).text).toContain('Số ngày nhắc trước phải từ 0 đến 365');
    expect((await c.one('/theodoi Bộ Ma')).text).toContain('Không nhận ra cơ quan');
    expect((await c.one('/theodoi BCA 1, 7')).text).toContain('Đã đăng ký nhắc hạn cho Bộ Công an: nhắc trước 7 ngày, 1 ngày, lúc 07:30');
    expect((await c.one('/theodoi tất cả')).text).toContain('nhắc trước 30 ngày, 7 ngày, 1 ngày, đúng ngày đến hạn');
    const list = (await c.one('/dangtheodoi')).text;
    expect(list).toContain('Đang theo dõi (nhắc lúc 07:30):');
    expect(list).toContain('• Bộ Công an — nhắc trước 7 ngày, 1 ngày');
    expect(list).toContain('• tất cả — nhắc trước 30 ngày');
    expect((await c.one('/huytheodoi Bộ Công an')).text).toBe('Đã thôi nhắc hạn cho Bộ Công an.');
    expect((await c.one('/huytheodoi Bộ Công an')).text).toBe('Bạn không theo dõi Bộ Công an.');
    expect((await c.one('/dangtheodoi')).text).not.toContain('Bộ Công an');
  });

  it('without a store, reminders and feedback say they are not enabled', async () => {
    const c = chatWith(new Conversation({ answerer: assistant, now: () => '2024-08-01' }));
    expect((await c.one('/theodoi Bộ Công an')).text).toContain('chưa được bật');
    expect((await c.one('/gopy tốt')).text).toContain('chưa được bật');
  });

  it('refuses empty and over-long messages politely, before anything else', async () => {
    const c = chatWith(make());
    expect(await c.say('   ')).toEqual([{ kind: 'info', text: expect.stringContaining('Tin nhắn trống') }]);
    expect(await c.say('\u200b\u00a0')).toEqual([{ kind: 'info', text: expect.stringContaining('Tin nhắn trống') }]);
    const long = await c.one('a'.repeat(MAX_MESSAGE_CHARS + 1));
    expect(long).toEqual({ kind: 'refusal', text: expect.stringMatching(/^Tin nhắn quá dài \(2\.001 ký tự\)/) });
    expect((await c.one('a'.repeat(MAX_MESSAGE_CHARS))).kind).not.toBe('error');
  });

  it('unknown commands get a hint', async () => {
    const c = chatWith(make());
    expect((await c.one('/xoahet tất cả')).text).toBe('Không có lệnh «/xoahet». Gõ /trogiup để xem các lệnh, hoặc gõ thẳng câu hỏi.');
  });

  it('in groups answers only commands and messages addressed to the bot', async () => {
    const conversation = make();
    const g = chatWith(conversation, { chatType: 'group', chatId: '-100500' });
    expect(await g.say('Bộ Y tế phải làm gì?')).toEqual([]);
    expect(await g.say('')).toEqual([]);
    expect((await g.one('Bộ Y tế phải làm gì?', { addressedToBot: true })).text).toMatch(/^Bộ Y tế được giao/);
    expect((await g.one('/trogiup')).text).toBe(HELP_TEXT);
  });

  it('rate-limits each user, not each chat', async () => {
    const conversation = make({ ratePerMinute: 3 });
    const group = chatWith(conversation, { chatType: 'group', chatId: '-100600', userId: 'u1' });
    for (let i = 0; i < 3; i++) expect((await group.one('/trogiup2 x', { addressedToBot: true })).kind).toBe('info');
    expect(await group.one('Bộ Y tế phải làm gì?', { addressedToBot: true })).toEqual({ kind: 'refusal', text: expect.stringContaining('Bạn hỏi hơi nhanh') });
    expect((await group.one('Bộ Y tế phải làm gì?', { addressedToBot: true, userId: 'u2' })).kind).toBe('answer');
    // /start and /trogiup still answer a user who is over the limit.
    expect((await group.one('/trogiup')).text).toBe(HELP_TEXT);
  });

  it('ALLOWED_CHAT_IDS: listed chats are answered; others are refused but can read /start and /trogiup', async () => {
    const conversation = make({ allowedChatIds: ['123'] });
    expect((await chatWith(conversation, { chatId: '123' }).one('Bộ Y tế phải làm gì?')).kind).toBe('answer');
    const other = chatWith(conversation, { chatId: '456' });
    expect(await other.one('Bộ Y tế phải làm gì?')).toEqual({ kind: 'refusal', text: expect.stringContaining('/dangky') });
    expect((await other.one('/start')).text).toContain('Xin chào');
    expect((await other.one('/dangky abcd')).text).toContain('Hãy gõ /dangky <mã truy cập>');
  });

  it('ACCESS_CODE: /dangky with the right code registers the chat (in the store), a wrong code does not', async () => {
    const conversation = make({ accessCode: 'abcd1234' });
    const c = chatWith(conversation);
    expect((await c.one('/nhiemvu Bộ Y tế')).kind).toBe('refusal');
    expect((await c.one('/dangky abcd')).text).toBe('Mã truy cập không đúng.');
    expect((await c.one('/dangky abcd1234x')).text).toBe('Mã truy cập không đúng.');
    expect((await c.one('/dangky   abcd1234  ')).text).toContain('Đăng ký thành công');
    expect((await c.one('/dangky abcd1234')).text).toContain('đã được cấp quyền');
    expect((await c.one('/nhiemvu Bộ Y tế')).kind).toBe('answer');
    expect(await store.isAllowed('telegram', c.chatId)).toBe(true);
    // A new Conversation on the same store (a restart) still knows the chat.
    expect((await chatWith(make({ accessCode: 'abcd1234' }), { chatId: c.chatId }).one('/nhiemvu Bộ Y tế')).kind).toBe('answer');
    expect((await chatWith(make()).one('/dangky abcd1234')).text).toContain('không yêu cầu đăng ký');
  });

  it('feedback() stores the vote with the question that produced the answer, and only for answers the chat received', async () => {
    const conversation = make();
    const c = chatWith(conversation);
    const answer = await c.one('Bộ Y tế phải làm gì?');
    expect(await conversation.feedback({ channel: 'telegram', chatId: c.chatId }, answer.answerId!, 'up')).toBe('Cảm ơn bạn đã đánh giá!');
    expect(await conversation.feedback({ channel: 'telegram', chatId: c.chatId }, 'unknown-id', 'down')).toContain('Không tìm thấy');
    expect(await conversation.feedback({ channel: 'telegram', chatId: 'another-chat' }, answer.answerId!, 'down')).toContain('Không tìm thấy');
    expect(queryDb(dataDir, 'SELECT answer_id, vote, question FROM feedback WHERE chat_id = ? ORDER BY id', c.chatId)).toEqual([
      { answer_id: answer.answerId, vote: 'up', question: 'Bộ Y tế phải làm gì?' },
    ]);
  });

  it('never throws: a failing assistant gives a Vietnamese apology and reports the error', async () => {
    const errors: unknown[] = [];
    const broken: Answerer = { registry: assistant.registry, ask: async () => Promise.reject(new Error('index is gone')) };
    const c = chatWith(new Conversation({ answerer: broken, onError: (err) => errors.push(err) }));
    expect(await c.say('Bộ Y tế phải làm gì?')).toEqual([{ kind: 'error', text: expect.stringContaining('Xin lỗi') }]);
    expect(errors).toHaveLength(1);
    expect(await c.say(undefined as unknown as string)).toEqual([expect.objectContaining({ kind: 'info' })]);
  });
});

describe('/tatnhac', () => {
  it('mutes one overdue task for this chat, and rejects something that is not a task id', async () => {
    const c = chatWith(make());
    expect((await c.one('/tatnhac')).text).toContain('Hãy gõ mã nhiệm vụ');
    expect((await c.one('/tatnhac hôm nay')).text).toContain('Hãy gõ mã nhiệm vụ');
    expect((await c.one('/tatnhac tb-2024-07-19/B.II.8.a#1')).text).toBe('Đã tắt nhắc quá hạn cho nhiệm vụ tb-2024-07-19/B.II.8.a#1.');
    expect([...(await store.mutedTasks('telegram', c.chatId))]).toEqual(['tb-2024-07-19/B.II.8.a#1']);
    expect([...(await store.mutedTasks('telegram', 'someone-else'))]).toEqual([]);
  });
});
