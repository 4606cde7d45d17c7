/**
 * One access policy for every HTTP door, the security headers, the structured answers of the web
 * chat API, and the HTTP limits (body timeout, connection cap that keeps webhooks served).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from './support/fake-telegram.js';
import { freshDataDir, post, removeDataDirs, startTestApp, telegramTextUpdate, waitFor } from './support/channel-app.js';

afterAll(() => removeDataDirs());

const json = (text: string) => JSON.parse(text) as Record<string, any>;

describe('security headers and the web chat API', () => {
  it('every page and API answer carries CSP without inline script, nosniff and frame-ancestors; the page has no inline script', async () => {
    const app = await startTestApp({ DATA_DIR: freshDataDir() });
    try {
      const base = `http://127.0.0.1:${app.port}`;
      for (const path of ['/', '/static/chat.js', '/healthz', '/khong-co']) {
        const res = await fetch(`${base}${path}`);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp, path).toContain("script-src 'self'");
        expect(csp, path).not.toContain('unsafe-inline');
        expect(csp, path).toContain("frame-ancestors 'none'");
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      }
      const html = await (await fetch(`${base}/`)).text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
      expect((await fetch(`${base}/static/chat.js`)).headers.get('content-type')).toContain('text/javascript');
      expect((await fetch(`${base}/static/..%2Fpage.ts`)).status).toBe(404);
    } finally {
      await app.stop();
    }
  });

  it('/api/chat returns each answer as a structured view: direct answer, task cards with dd/mm/yyyy, sources linking to the document', async () => {
    const app = await startTestApp({ DATA_DIR: freshDataDir() });
    try {
      const base = `http://127.0.0.1:${app.port}`;
      const { sessionId } = json((await post(`${base}/api/session`, {})).text);
      expect(sessionId).toMatch(/^wo/);
      const question = 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?';
      const body = json((await post(`${base}/api/chat`, { chatId: sessionId, text: question })).text);
      const contract = json((await post(`${base}/api/ask`, { q: question, now: '2024-08-01' })).text);
      const view = body.results[0];
      expect(view.grounded).toBe(true);
      expect(view.direct).toContain('Bộ Công an chủ trì');
      expect(view.direct).not.toMatch(/^\d+\. /m); // the numbered list became cards
      expect(view.tasks.length).toBeGreaterThan(0);
      for (const card of view.tasks) {
        const row = contract.tasks.find((t: any) => t.id === card.id);
        expect(card.deadline).toBe(row.deadline ? row.deadline.split('-').reverse().join('/') : null);
        expect(card.lead).toEqual(row.lead);
        expect(body.replies[0].text).toContain(`mục ${card.section}`); // only the rows on this page
      }
      expect(view.sources.map((s: any) => s.quote)).toEqual(contract.citations.map((c: any) => c.quote));
      expect(view.sources[0].href).toBe(`/van-ban/${contract.citations[0].docId}?muc=${encodeURIComponent(contract.citations[0].section)}&trich=${encodeURIComponent(contract.citations[0].quote)}#trich`);
      // A list long enough to page (an agency's own tasks; those of its groups are summarised in one line).
      const paged = json((await post(`${base}/api/chat`, { chatId: sessionId, text: 'Bộ Công an phải làm gì?' })).text);
      const pages = /Trang 1\/(\d+)/.exec(paged.replies[0].text)!;
      expect(paged.results[0].page).toEqual({ current: 1, total: Number(pages[1]) });
      expect(paged.results[0].tasks.length).toBe((paged.replies[0].text.match(/^\d+\. /gm) ?? []).length);
      const help = json((await post(`${base}/api/chat`, { chatId: sessionId, text: '/trogiup' })).text);
      expect(help.results).toEqual([null]);
    } finally {
      await app.stop();
    }
  });
});

describe('one access policy for every door', () => {
  it('with ALLOWED_CHAT_IDS only: /api/ask, the web session and a web chat posing as the allowed Telegram chat are all refused', async () => {
    const app = await startTestApp({ DATA_DIR: freshDataDir(), ALLOWED_CHAT_IDS: '123456789' });
    try {
      const base = `http://127.0.0.1:${app.port}`;
      const ask = await post(`${base}/api/ask`, { q: 'Bộ Y tế phải làm gì?' });
      expect(ask.status).toBe(401);
      expect(json(ask.text).error).toContain('ACCESS_CODE');
      const session = await post(`${base}/api/session`, {});
      expect(session.status).toBe(403);
      for (const chatId of ['123456789', 'wa' + 'A'.repeat(46)]) {
        const chat = await post(`${base}/api/chat`, { chatId, text: '/theodoi Bộ Công an' });
        expect(chat.status, chatId).toBe(401);
        expect(chat.text).not.toContain('Đã đăng ký');
      }
    } finally {
      await app.stop();
    }
  });

  it('with ACCESS_CODE: a web session needs the code; a session issued while the server was open no longer works', async () => {
    const dataDir = freshDataDir();
    const open = await startTestApp({ DATA_DIR: dataDir });
    const oldSession = json((await post(`http://127.0.0.1:${open.port}/api/session`, {})).text).sessionId as string;
    await open.stop();
    const app = await startTestApp({ DATA_DIR: dataDir, ACCESS_CODE: 'ma-truy-cap-2024' });
    try {
      const base = `http://127.0.0.1:${app.port}`;
      const none = await post(`${base}/api/session`, {});
      expect(none.status).toBe(401);
      expect(json(none.text)).toMatchObject({ needCode: true });
      expect((await post(`${base}/api/session`, { code: 'sai-ma' })).status).toBe(401);
      expect((await post(`${base}/api/chat`, { chatId: oldSession, text: 'Bộ Y tế phải làm gì?' })).status).toBe(401);
      const ok = await post(`${base}/api/session`, { code: 'ma-truy-cap-2024' });
      expect(ok.status).toBe(200);
      const chat = json((await post(`${base}/api/chat`, { chatId: json(ok.text).sessionId, text: 'Bộ Y tế phải làm gì?' })).text);
      expect(chat.replies[0]).toMatchObject({ kind: 'answer', text: expect.stringMatching(/^Bộ Y tế được giao/) });
      // A forged id (right shape, wrong signature) is refused.
      const forged = `${json(ok.text).sessionId.slice(0, 26)}${'A'.repeat(22)}`;
      expect((await post(`${base}/api/chat`, { chatId: forged, text: 'Bộ Y tế phải làm gì?' })).status).toBe(401);
      // The code cannot be guessed by brute force: /api/session is rate-limited per address.
      let limited = false;
      for (let i = 0; i < 70 && !limited; i++) limited = (await post(`${base}/api/session`, { code: `thu-${i}` })).status === 429;
      expect(limited).toBe(true);
    } finally {
      await app.stop();
    }
  });
});

describe('HTTP limits', () => {
  function slowClient(port: number, head: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write(head);
        resolve(s);
      });
      s.on('error', () => undefined);
      s.once('error', reject);
    });
  }

  it('a request whose body or headers never finish is cut off after HTTP_REQUEST_TIMEOUT_MS', async () => {
    const app = await startTestApp({ DATA_DIR: freshDataDir(), HTTP_REQUEST_TIMEOUT_MS: '1500' });
    try {
      const s = await slowClient(app.port, 'POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"q":');
      let reply = '';
      let closed = false;
      s.on('data', (d: Buffer) => (reply += d.toString()));
      s.on('close', () => (closed = true));
      // Headers that never finish are cut off too.
      const h = await slowClient(app.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
      let hReply = '';
      let hClosed = false;
      h.on('data', (d: Buffer) => (hReply += d.toString()));
      h.on('close', () => (hClosed = true));
      await waitFor(() => closed && hClosed, 'the server to close the slow request and the slow headers');
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
      expect(hReply).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await app.stop();
    }
  });

  it('at the connection cap, slow uploads are evicted and Telegram webhook updates are still answered', async () => {
    const fake = await startFakeTelegram();
    const SECRET = 'webhook_Secret-123456';
    const app = await startTestApp({
      DATA_DIR: freshDataDir(),
      HTTP_MAX_CONNECTIONS: '8',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_THROTTLE: 'off',
      TELEGRAM_WEBHOOK_URL: 'https://example.gov.vn/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    });
    const sockets: Socket[] = [];
    try {
      let closedByServer = 0;
      for (let i = 0; i < 30; i++) {
        const s = await slowClient(app.port, 'POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"q":"');
        s.on('close', () => closedByServer++);
        sockets.push(s);
      }
      await waitFor(() => closedByServer >= 22, 'slow uploads over the cap to be closed');
      const url = `http://127.0.0.1:${app.port}/telegram/webhook`;
      for (let i = 0; i < 3; i++) {
        const res = await post(url, telegramTextUpdate(700_000 + i, 7000 + i, 'Bộ Y tế phải làm gì?'), { 'x-telegram-bot-api-secret-token': SECRET });
        expect(res.status).toBe(200);
        await fake.waitForSent(1, { chatId: 7000 + i, timeoutMs: 60_000 });
      }
    } finally {
      for (const s of sockets) s.destroy();
      await app.stop();
      await fake.close();
    }
  });
});
