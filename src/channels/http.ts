/**
 * The HTTP front door: /healthz, the Telegram and Zalo webhook routes, the web
 * chat page, and the JSON API (POST /api/ask returns the same object as
 * `npm run ask -- --json`). Request bodies are size-limited; errors are JSON
 * with a Vietnamese message.
 */
import { createServer, type IncomingMessage as HttpRequest, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../config/logger.js';
import type { Conversation } from '../conversation/conversation.js';
import type { Answerer } from '../conversation/conversation.js';
import { RateLimiter, safeEqual } from '../conversation/guards.js';
import { registry as metricsRegistry } from '../config/metrics.js';
import { WEB_CHAT_PAGE } from './web/page.js';

export interface HttpServerOptions {
  port: number;
  host?: string;
  logger: Logger;
  conversation: Conversation;
  answerer: Answerer;
  /** Extra facts for /healthz. */
  health: () => Record<string, unknown>;
  /** For /readyz: false while a chat channel cannot receive updates (e.g. Telegram unreachable). */
  ready?: () => { ready: boolean } & Record<string, unknown>;
  telegramWebhook?: (req: HttpRequest, res: ServerResponse) => Promise<void>;
  zaloWebhook?: (req: HttpRequest, res: ServerResponse) => Promise<void>;
  /** When access control is on (ACCESS_CODE), /api/ask requires "Authorization: Bearer <code>". */
  apiToken?: string;
  /** Requests per client address per minute on /api/ask and /api/chat. */
  ratePerMinute?: number;
  /** When set, GET /metrics requires "Authorization: Bearer <METRICS_TOKEN>". */
  metricsToken?: string;
  /** Refreshes gauges read from storage (pending deliveries, inbox) before /metrics is served. */
  beforeMetrics?: () => void;
}

const MAX_JSON_BYTES = 64 * 1024;

/**
 * Reads a request body up to a size limit (rejects beyond it). The rest of an
 * over-long body is discarded, not cut off: destroying the request would also
 * destroy the socket, and the client would get a reset instead of the 413.
 */
export function readBody(req: HttpRequest, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let tooLarge = false;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        reject(new Error('body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readJson(req: HttpRequest, res: ServerResponse): Promise<Record<string, unknown> | null> {
  try {
    const value = JSON.parse(await readBody(req, MAX_JSON_BYTES)) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    json(res, 400, { error: 'Nội dung phải là một đối tượng JSON.' });
  } catch (err) {
    // Closing the connection after the 413 stops the rest of an over-long upload.
    if ((err as Error).message === 'body too large') res.setHeader('connection', 'close');
    json(res, (err as Error).message === 'body too large' ? 413 : 400, {
      error: (err as Error).message === 'body too large' ? 'Nội dung gửi lên quá lớn.' : 'Nội dung gửi lên không phải JSON hợp lệ.',
    });
  }
  return null;
}

export function createHttpServer(opts: HttpServerOptions): Server {
  const limiter = new RateLimiter(opts.ratePerMinute ?? 60);
  const allow = (req: HttpRequest): boolean => limiter.take(req.socket.remoteAddress ?? '?');

  const server = createServer((req, res) => {
    void route(req, res).catch((err) => {
      opts.logger.error({ err, url: req.url }, 'http request failed');
      if (!res.headersSent) json(res, 500, { error: 'Lỗi máy chủ. Vui lòng thử lại sau.' });
      else res.end();
    });
  });

  async function route(req: HttpRequest, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      // A health function reporting status "error" (e.g. a damaged database) makes the check fail.
      const health = opts.health();
      return json(res, health.status === 'error' ? 503 : 200, { status: 'ok', ...health });
    }
    if (req.method === 'GET' && path === '/metrics') {
      if (opts.metricsToken && !safeEqual(req.headers.authorization ?? '', `Bearer ${opts.metricsToken}`)) {
        return json(res, 401, { error: 'Cần mã: gửi header "Authorization: Bearer <METRICS_TOKEN>".' });
      }
      opts.beforeMetrics?.();
      res.writeHead(200, { 'content-type': metricsRegistry.contentType, 'cache-control': 'no-store' }).end(await metricsRegistry.metrics());
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      const r = opts.ready?.() ?? { ready: true };
      return json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
    }
    if (req.method === 'POST' && path === '/telegram/webhook' && opts.telegramWebhook) return opts.telegramWebhook(req, res);
    if (req.method === 'POST' && path === '/zalo/webhook' && opts.zaloWebhook) return opts.zaloWebhook(req, res);
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" });
      res.end(WEB_CHAT_PAGE);
      return;
    }
    if (req.method === 'POST' && (path === '/api/ask' || path === '/api/chat') && !allow(req)) {
      req.resume();
      return json(res, 429, { error: 'Quá nhiều yêu cầu — vui lòng thử lại sau một phút.' });
    }
    if (req.method === 'POST' && path === '/api/ask') {
      const auth = req.headers.authorization ?? '';
      if (opts.apiToken && !safeEqual(auth, `Bearer ${opts.apiToken}`)) {
        req.resume();
        return json(res, 401, { error: 'Cần mã truy cập: gửi header "Authorization: Bearer <ACCESS_CODE>".' });
      }
      const body = await readJson(req, res);
      if (!body) return;
      const q = typeof body.q === 'string' ? body.q : '';
      if (q.trim() === '' || q.length > 2000) return json(res, 400, { error: 'Trường "q" phải là câu hỏi từ 1 đến 2.000 ký tự.' });
      const now = typeof body.now === 'string' ? body.now : undefined;
      try {
        return json(res, 200, await opts.answerer.ask(q, { ...(now && { now }) }));
      } catch (err) {
        if (err instanceof RangeError) return json(res, 400, { error: err.message });
        throw err;
      }
    }
    if (req.method === 'POST' && path === '/api/chat') {
      const body = await readJson(req, res);
      if (!body) return;
      const chatId = typeof body.chatId === 'string' && /^[\w-]{6,64}$/.test(body.chatId) ? body.chatId : null;
      if (!chatId) return json(res, 400, { error: 'Thiếu mã phiên trò chuyện (chatId).' });
      const replies = await opts.conversation.handle({ channel: 'web', chatId, userId: chatId, text: typeof body.text === 'string' ? body.text : '', chatType: 'private' });
      return json(res, 200, { replies });
    }
    if (req.method === 'POST' && path === '/api/feedback') {
      const body = await readJson(req, res);
      if (!body) return;
      const chatId = typeof body.chatId === 'string' ? body.chatId : '';
      const answerId = typeof body.answerId === 'string' ? body.answerId : '';
      const vote = body.vote === 'up' || body.vote === 'down' ? body.vote : null;
      if (!chatId || !answerId || !vote) return json(res, 400, { error: 'Thiếu chatId, answerId hoặc vote.' });
      return json(res, 200, { message: opts.conversation.feedback({ channel: 'web', chatId }, answerId, vote) });
    }
    json(res, 404, { error: 'Không có đường dẫn này.' });
  }
  return server;
}

/** Listens and resolves with the bound port. */
export function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
