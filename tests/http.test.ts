/**
 * The HTTP front door of the real app (startApp): /healthz, the JSON API (/api/ask, /api/chat,
 * /api/feedback), the web chat page, errors in Vietnamese, body limits.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/main.js';
import { freshDataDir, post, queryDb, removeDataDirs, startTestApp } from './support/channel-app.js';

let app: App;
let base: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = freshDataDir();
  app = await startTestApp({ DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '600' });
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(async () => {
  await app?.stop();
  removeDataDirs();
});

const json = (text: string) => JSON.parse(text) as Record<string, any>;

/** A web chat session issued by the server (POST /api/session). */
async function newSession(url = base, body: Record<string, unknown> = {}): Promise<string> {
  const res = await post(`${url}/api/session`, body);
  expect(res.status).toBe(200);
  return json(res.text).sessionId as string;
}

describe('HTTP server', () => {
  it('GET /healthz answers 200 JSON with the corpus size and channels', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', telegram: false, zalo: false });
    expect(body.documents).toBeGreaterThanOrEqual(5);
    expect(body.tasks).toBeGreaterThan(100);
  });

  it('POST /api/ask returns the JSON contract (question, intent, grounded, answer, tasks, citations, passages)', async () => {
    const res = await post(`${base}/api/ask`, { q: 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = json(res.text);
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['question', 'intent', 'grounded', 'answer', 'tasks', 'citations', 'passages']));
    expect(body.question).toBe('Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?');
    expect(typeof body.intent).toBe('string');
    expect(body.grounded).toBe(true);
    expect(body.answer).toContain('Bộ Công an');
    expect(body.tasks.length).toBeGreaterThan(0);
    expect(body.tasks[0]).toMatchObject({ id: expect.any(String), task: expect.any(String), lead: expect.arrayContaining(['Bộ Công an']), docId: expect.any(String) });
    expect(body.citations[0]).toMatchObject({ docId: expect.any(String), title: expect.any(String), quote: expect.any(String) });
    expect(body.passages.length).toBeGreaterThan(0);
    expect(body.passages[0]).toMatchObject({ docId: expect.any(String), text: expect.any(String), score: expect.any(Number) });
  });

  it('POST /api/ask says so when the documents do not cover the question, and honours "now"', async () => {
    const refusal = json((await post(`${base}/api/ask`, { q: 'Ai chịu trách nhiệm xây dựng sân bay Long Thành?' })).text);
    expect(refusal).toMatchObject({ grounded: false, intent: 'out_of_scope', tasks: [], citations: [] });
    expect(refusal.answer).toContain('không đề cập');
    // Days left are counted from "now": four months later, 122 days fewer.
    const daysLeft = async (now: string) => {
      const answer = json((await post(`${base}/api/ask`, { q: 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?', now })).text).answer as string;
      return Number(/còn ([\d.]+) ngày/.exec(answer)![1]!.replace('.', ''));
    };
    expect((await daysLeft('2024-08-01')) - (await daysLeft('2024-12-01'))).toBe(122);
  });

  it('rejects bad requests with 400 and a Vietnamese error', async () => {
    const notJson = await post(`${base}/api/ask`, '{"q": "Ai chủ trì');
    expect(notJson.status).toBe(400);
    expect(json(notJson.text).error).toBe('Nội dung gửi lên không phải JSON hợp lệ.');
    const array = await post(`${base}/api/ask`, ['q']);
    expect(array.status).toBe(400);
    expect(json(array.text).error).toBe('Nội dung phải là một đối tượng JSON.');
    const empty = await post(`${base}/api/ask`, { q: '   ' });
    expect(empty.status).toBe(400);
    expect(json(empty.text).error).toContain('Trường "q"');
    expect((await post(`${base}/api/ask`, { q: 'a'.repeat(2001) })).status).toBe(400);
    expect((await post(`${base}/api/ask`, { question: 'Bộ Y tế phải làm gì?' })).status).toBe(400);
    const badNow = await post(`${base}/api/ask`, { q: 'Bộ Y tế phải làm gì?', now: '2024-13-45' });
    expect(badNow.status).toBe(400);
    expect(json(badNow.text).error).toContain('Ngày "2024-13-45" không hợp lệ — cần dạng YYYY-MM-DD');
  });

  it('answers 413 (not a reset connection) to a body over 64 KB, and keeps serving', async () => {
    for (const size of [70_000, 1_000_000]) {
      const res = await post(`${base}/api/ask`, { q: 'x'.repeat(size) });
      expect(res.status).toBe(413);
      expect(json(res.text).error).toBe('Nội dung gửi lên quá lớn.');
    }
    const chat = await post(`${base}/api/chat`, { chatId: await newSession(), text: 'y'.repeat(70_000) });
    expect(chat.status).toBe(413);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('GET / serves the web chat page', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain('Trợ lý chuyển đổi số');
    expect(html).toContain('/api/chat');
    expect(html).not.toMatch(/innerHTML/);
    expect((await fetch(`${base}/index.html?x=1`)).status).toBe(200);
  });

  it('POST /api/chat talks to the conversation: answers, follow-ups, commands', async () => {
    const chatId = await newSession();
    const first = await post(`${base}/api/chat`, { chatId, text: 'Bộ Y tế phải làm gì?' });
    expect(first.status).toBe(200);
    const { replies } = json(first.text);
    expect(replies).toEqual([{ kind: 'answer', text: expect.stringMatching(/^Bộ Y tế được giao/), answerId: expect.any(String) }]);
    const follow = json((await post(`${base}/api/chat`, { chatId, text: 'còn Bộ Tài chính thì sao?' })).text);
    expect(follow.replies[0].text).toMatch(/^Bộ Tài chính được giao/);
    const help = json((await post(`${base}/api/chat`, { chatId, text: '/trogiup' })).text);
    expect(help.replies[0]).toMatchObject({ kind: 'info', text: expect.stringContaining('/nhiemvu') });
    const other = json((await post(`${base}/api/chat`, { chatId: await newSession(), text: 'tiếp' })).text);
    expect(other.replies[0].text).toContain('Không có danh sách nào');
    const script = json((await post(`${base}/api/chat`, { chatId, text: '/<script>alert(1)</script>' })).text);
    // Markup is stripped at the conversation entry: the script never comes back.
    expect(script.replies[0].text).toContain('Không có lệnh');
    expect(script.replies[0].text).not.toContain('<script>'); // plain text; the page inserts it with textContent
  });

  it('POST /api/chat rejects a missing or malformed chatId', async () => {
    for (const body of [{ text: 'x' }, { chatId: 'abc', text: 'x' }, { chatId: '../../etc', text: 'x' }, { chatId: 42, text: 'x' }]) {
      const res = await post(`${base}/api/chat`, body);
      expect(res.status).toBe(400);
      expect(json(res.text).error).toContain('chatId');
    }
  });

  it('POST /api/feedback stores a vote on a web answer', async () => {
    const chatId = await newSession();
    const { replies } = json((await post(`${base}/api/chat`, { chatId, text: 'Ai chủ trì xây dựng Luật Dữ liệu?' })).text);
    const answerId = replies[0].answerId as string;
    const res = await post(`${base}/api/feedback`, { chatId, answerId, vote: 'down' });
    expect(res.status).toBe(200);
    expect(json(res.text).message).toContain('xem lại');
    expect(queryDb(dataDir, "SELECT channel, vote, question FROM feedback WHERE chat_id = ? AND answer_id = ?", chatId, answerId)).toEqual([
      { channel: 'web', vote: 'down', question: 'Ai chủ trì xây dựng Luật Dữ liệu?' },
    ]);
    expect((await post(`${base}/api/feedback`, { chatId, answerId, vote: 'maybe' })).status).toBe(400);
    expect((await post(`${base}/api/feedback`, { chatId, vote: 'up' })).status).toBe(400);
  });

  it('answers 404 in Vietnamese to unknown paths, wrong methods and unconfigured webhooks', async () => {
    for (const [method, path] of [['GET', '/khong-co'], ['GET', '/api/ask'], ['POST', '/telegram/webhook'], ['POST', '/zalo/webhook'], ['DELETE', '/healthz']] as const) {
      const res = await fetch(`${base}${path}`, { method, ...(method === 'POST' && { body: '{}' }) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe('Không có đường dẫn này.');
    }
  });

  it('serves concurrent requests', async () => {
    const questions = ['Bộ Y tế phải làm gì?', 'Ai chủ trì xây dựng Luật Dữ liệu?', '/quahan', 'Nhiệm vụ nào sắp đến hạn?'];
    const ids = await Promise.all(Array.from({ length: 10 }, () => newSession()));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(`${base}/api/chat`, { chatId: ids[i % 10]!, text: questions[i % questions.length]! })),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
  });

  it('a client that drops its connection mid-body does not break the server', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"q": "Bộ Y');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect((await post(`${base}/api/ask`, { q: 'Bộ Y tế phải làm gì?' })).status).toBe(200);
  });
});

describe('HTTP access control and rate limit', () => {
  it('with ACCESS_CODE, /api/ask needs the bearer code and too many requests get 429', async () => {
    const guarded = await startTestApp({ DATA_DIR: freshDataDir(), ACCESS_CODE: 'ma-truy-cap-2024', RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const url = `http://127.0.0.1:${guarded.port}/api/ask`;
      const ask = (headers: Record<string, string>) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ q: 'Bộ Y tế phải làm gì?', now: '2024-08-01' }) });
      const anonymous = await ask({});
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: string }).error).toContain('Authorization');
      expect((await ask({ authorization: 'Bearer sai-ma' })).status).toBe(401);
      const ok = await ask({ authorization: 'Bearer ma-truy-cap-2024' });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { grounded: boolean }).grounded).toBe(true);
      // The bucket holds 60 requests a minute at least; exhaust it.
      let limited = false;
      for (let i = 0; i < 70 && !limited; i++) limited = (await ask({ authorization: 'Bearer ma-truy-cap-2024' })).status === 429;
      expect(limited).toBe(true);
    } finally {
      await guarded.stop();
    }
  });
});
