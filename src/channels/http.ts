/**
 * The HTTP front door, on Hono with its Node server: /healthz, the Telegram and
 * Zalo webhook routes, the JSON API (POST /api/ask returns the same object as
 * `npm run ask -- --json`; /api/session, /api/chat and /api/feedback serve the
 * web chat), and the web pages mounted from ./web/routes.ts. Every response
 * carries security headers; every route has a body limit; errors are JSON with
 * a Vietnamese message.
 *
 * Access policy (one for every door): when ALLOWED_CHAT_IDS or ACCESS_CODE is
 * set, /api/ask needs "Authorization: Bearer <ACCESS_CODE>" and the web chat
 * needs a session issued against that code. Web sessions are server-issued,
 * signed ids in their own namespace: never a Telegram or Zalo chat.
 */
import type { IncomingMessage as HttpRequest, Server, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../config/logger.js';
import type { Answerer, Conversation } from '../conversation/conversation.js';
import { RateLimiter, safeEqual } from '../conversation/guards.js';
import { registry as metricsRegistry } from '../config/metrics.js';
import { applyHttpLimits, DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.js';
import { WebSessions } from './web/session.js';
import { answerView } from './web/answer-view.js';
import { mountWeb, type WebOptions } from './web/routes.js';

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
  /** ACCESS_CODE: the credential of /api/ask (bearer) and of web chat sessions. */
  apiToken?: string;
  /** ALLOWED_CHAT_IDS or ACCESS_CODE is set: every door needs a credential. Default: apiToken is set. */
  accessRequired?: boolean;
  /** Key that signs web chat session ids (see loadSessionKey); default a key for this process. */
  sessionKey?: Buffer;
  /** Requests per client address per minute on /api/ask, /api/chat and /api/session. */
  ratePerMinute?: number;
  /** When set, GET /metrics requires "Authorization: Bearer <METRICS_TOKEN>". */
  metricsToken?: string;
  /** Refreshes gauges read from storage (pending deliveries, inbox) before /metrics is served. */
  beforeMetrics?: () => void;
  /** Timeouts and connection cap; default DEFAULT_HTTP_LIMITS. */
  limits?: HttpLimits;
  /** Web pages (chat, documents, task browser, admin); without it only the chat page is served. */
  web?: WebOptions;
  /** The clock of the answers (YYYY-MM-DD), e.g. ASSISTANT_NOW. */
  now?: () => string | undefined;
}

/** Body limits per route (bytes). */
export const BODY_LIMITS = { json: 64 * 1024, webhook: 1024 * 1024 } as const;

/** Hono context of this server (Node bindings). */
export type HttpContext = Context<{ Bindings: HttpBindings }>;

/**
 * Reads a request body up to a size limit (rejects beyond it). The rest of an
 * over-long body is discarded, not cut off: destroying the request would also
 * destroy the socket, and the client would get a reset instead of the 413.
 */
export function readBody(req: HttpRequest, limit: number): Promise<string> {
  return readBytes(req, limit).then((b) => b.toString('utf8'));
}

/** {@link readBody} as bytes. */
export function readBytes(req: HttpRequest, limit: number): Promise<Buffer> {
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
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** A JSON response that is never cached. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } });
}

export const TOO_LARGE = 'Nội dung gửi lên quá lớn.';

/** The body of a JSON API request as an object, or the error response to send. */
export async function readJsonObject(c: HttpContext, limit: number = BODY_LIMITS.json): Promise<Record<string, unknown> | Response> {
  try {
    const value = JSON.parse(await readBody(c.env.incoming, limit)) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    return jsonResponse(400, { error: 'Nội dung phải là một đối tượng JSON.' });
  } catch (err) {
    // Closing the connection after the 413 stops the rest of an over-long upload.
    if ((err as Error).message === 'body too large') return jsonResponse(413, { error: TOO_LARGE }, { connection: 'close' });
    return jsonResponse(400, { error: 'Nội dung gửi lên không phải JSON hợp lệ.' });
  }
}

/**
 * The request with its body read (up to `limit`), for handlers that read the
 * raw Node request themselves (grammY's webhook callback, the Zalo adapter).
 */
function bufferedRequest(req: HttpRequest, body: Buffer): HttpRequest {
  const copy = Readable.from([body]) as unknown as HttpRequest;
  return Object.assign(copy, { headers: req.headers, method: req.method, url: req.url, socket: req.socket, httpVersion: req.httpVersion });
}

const SECURITY_HEADERS = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'same-origin',
  crossOriginEmbedderPolicy: false,
});

/** Builds the Hono application (exported for tests of single routes). */
export function createHttpApp(opts: HttpServerOptions): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const limiter = new RateLimiter(opts.ratePerMinute ?? 60);
  const sessions = new WebSessions(opts.sessionKey ?? randomBytes(32));
  const accessRequired = opts.accessRequired ?? Boolean(opts.apiToken);
  const clientAddress = (c: HttpContext) => c.env.incoming.socket.remoteAddress ?? '?';

  app.use('*', SECURITY_HEADERS);
  app.onError((err, c) => {
    opts.logger.error({ err, url: c.req.path }, 'http request failed');
    return jsonResponse(500, { error: 'Lỗi máy chủ. Vui lòng thử lại sau.' });
  });
  app.notFound(() => jsonResponse(404, { error: 'Không có đường dẫn này.' }));

  app.get('/healthz', () => {
    // A health function reporting status "error" (e.g. a damaged database) makes the check fail.
    const health = opts.health();
    return jsonResponse(health.status === 'error' ? 503 : 200, { status: 'ok', ...health });
  });
  app.get('/readyz', () => {
    const r = opts.ready?.() ?? { ready: true };
    return jsonResponse(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
  });
  app.get('/metrics', async (c) => {
    if (opts.metricsToken && !safeEqual(c.req.header('authorization') ?? '', `Bearer ${opts.metricsToken}`)) {
      return jsonResponse(401, { error: 'Cần mã: gửi header "Authorization: Bearer <METRICS_TOKEN>".' });
    }
    opts.beforeMetrics?.();
    return new Response(await metricsRegistry.metrics(), { status: 200, headers: { 'content-type': metricsRegistry.contentType, 'cache-control': 'no-store' } });
  });

  const webhook = (handler: HttpServerOptions['telegramWebhook']) => async (c: HttpContext) => {
    if (!handler) return c.notFound();
    const { incoming, outgoing } = c.env;
    let body: Buffer;
    try {
      body = await readBytes(incoming, BODY_LIMITS.webhook);
    } catch {
      return jsonResponse(413, { ok: false, description: 'Payload Too Large' }, { connection: 'close' });
    }
    await handler(bufferedRequest(incoming, body), outgoing);
    return RESPONSE_ALREADY_SENT;
  };
  app.post('/telegram/webhook', webhook(opts.telegramWebhook));
  app.post('/zalo/webhook', webhook(opts.zaloWebhook));

  app.use('/api/*', async (c, next) => {
    // /api/session too: it checks the access code, which must not be guessable by brute force.
    if (c.req.method === 'POST' && ['/api/ask', '/api/chat', '/api/session'].includes(c.req.path) && !limiter.take(clientAddress(c))) {
      c.env.incoming.resume();
      return jsonResponse(429, { error: 'Quá nhiều yêu cầu — vui lòng thử lại sau một phút.' });
    }
    return next();
  });

  app.post('/api/ask', async (c) => {
    if (accessRequired && !(opts.apiToken && safeEqual(c.req.header('authorization') ?? '', `Bearer ${opts.apiToken}`))) {
      c.env.incoming.resume();
      return jsonResponse(401, {
        error: opts.apiToken
          ? 'Cần mã truy cập: gửi header "Authorization: Bearer <ACCESS_CODE>".'
          : 'Máy chủ chỉ phục vụ các cuộc trò chuyện trong ALLOWED_CHAT_IDS; đặt ACCESS_CODE để dùng API (header "Authorization: Bearer <ACCESS_CODE>").',
      });
    }
    const body = await readJsonObject(c);
    if (body instanceof Response) return body;
    const q = typeof body.q === 'string' ? body.q : '';
    if (q.trim() === '' || q.length > 2000) return jsonResponse(400, { error: 'Trường "q" phải là câu hỏi từ 1 đến 2.000 ký tự.' });
    const now = typeof body.now === 'string' ? body.now : undefined;
    try {
      return jsonResponse(200, await opts.answerer.ask(q, { ...(now && { now }) }));
    } catch (err) {
      if (err instanceof RangeError) return jsonResponse(400, { error: err.message });
      throw err;
    }
  });

  app.post('/api/session', async (c) => {
    const body = await readJsonObject(c);
    if (body instanceof Response) return body;
    if (!accessRequired) return jsonResponse(200, { sessionId: sessions.issue('o'), access: 'open' });
    if (!opts.apiToken) {
      return jsonResponse(403, { error: 'Trang trò chuyện web đang tắt: máy chủ chỉ phục vụ các cuộc trò chuyện được phép (ALLOWED_CHAT_IDS).', needCode: false });
    }
    const code = typeof body.code === 'string' ? body.code.trim() : '';
    if (!code) return jsonResponse(401, { error: 'Cần mã truy cập để dùng trợ lý (mã do đơn vị quản lý cung cấp).', needCode: true });
    if (!safeEqual(code, opts.apiToken)) return jsonResponse(401, { error: 'Mã truy cập không đúng.', needCode: true });
    return jsonResponse(200, { sessionId: sessions.issue('a'), access: 'code' });
  });

  /** The body of a web chat request and its verified session, or the error response. */
  const sessionRequest = async (c: HttpContext): Promise<{ body: Record<string, unknown>; chatId: string } | Response> => {
    const body = await readJsonObject(c);
    if (body instanceof Response) return body;
    if (typeof body.chatId !== 'string' || !/^[\w-]{6,64}$/.test(body.chatId)) return jsonResponse(400, { error: 'Thiếu mã phiên trò chuyện (chatId).' });
    const grant = sessions.verify(body.chatId);
    if (!grant || (accessRequired && grant !== 'a')) {
      return jsonResponse(401, { error: 'Phiên trò chuyện (chatId) không hợp lệ hoặc đã hết hạn — hãy tải lại trang.', session: 'invalid' });
    }
    return { body, chatId: body.chatId };
  };

  app.post('/api/chat', async (c) => {
    const request = await sessionRequest(c);
    if (request instanceof Response) return request;
    const { body, chatId } = request;
    const text = typeof body.text === 'string' ? body.text : '';
    const replies = await opts.conversation.handle({ channel: 'web', chatId, userId: chatId, text, chatType: 'private', authorized: true });
    const now = opts.now?.();
    const last = opts.conversation.lastResult({ channel: 'web', chatId });
    return jsonResponse(200, {
      replies,
      // The structured answer (direct answer, task cards, sources) for the web page to render.
      results: replies.map((r) => ((r.kind === 'answer' || r.kind === 'refusal') && last?.answer === r.text ? answerView(last, now) : null)),
    });
  });

  app.post('/api/feedback', async (c) => {
    const request = await sessionRequest(c);
    if (request instanceof Response) return request;
    const { body, chatId } = request;
    const answerId = typeof body.answerId === 'string' ? body.answerId : '';
    const vote = body.vote === 'up' || body.vote === 'down' ? body.vote : null;
    const reason = typeof body.reason === 'string' ? body.reason.trim().slice(0, 500) : undefined;
    if (!answerId || !vote) return jsonResponse(400, { error: 'Thiếu chatId, answerId hoặc vote.' });
    return jsonResponse(200, { message: opts.conversation.feedback({ channel: 'web', chatId }, answerId, vote, reason || undefined) });
  });

  mountWeb(app, opts.web ?? {});
  return app;
}

/** The Node HTTP server (not yet listening) with the limits applied. */
export function createHttpServer(opts: HttpServerOptions): Server {
  const app = createHttpApp(opts);
  const limits = opts.limits ?? DEFAULT_HTTP_LIMITS;
  // Node checks the header and request timeouts on this interval (default 30 s): check every second.
  const server = createAdaptorServer({ fetch: app.fetch, serverOptions: { connectionsCheckingInterval: 1000 } }) as Server;
  applyHttpLimits(server, limits);
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
