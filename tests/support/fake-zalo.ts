/**
 * A fake Zalo Bot API server for tests and benchmarks (node:http on 127.0.0.1, random port),
 * following src/channels/zalo/API.md: `${apiRoot}/bot${token}/${method}`, POST JSON,
 * replies `{ ok, result?, error_code?, description? }`.
 *
 * Where the real API is not documented the fake picks one behaviour and says so:
 * - error replies use the error code as HTTP status (`errorHttpStatus: 200` answers HTTP 200 instead);
 * - getUpdates has no offset: each update is handed out once (consumed when answered);
 * - getUpdates while a webhook is set answers error 409;
 * - webhook deliveries carry the bare update `{ event_name, message }` (`webhookBody: 'wrapped'`
 *   sends `{ ok: true, result: update }`, the other shape seen in public code).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHolds, startLoopbackServer, type Holds } from './loopback-server.js';

export interface FakeZaloOptions {
  /** Default '1234567890123456789:FakeZaloSecretForTests'. */
  token?: string;
  /** 'object' (default): `result` is one update; 'array': `result` is a list of every pending update (≤ 100). */
  updateShape?: 'object' | 'array';
  /** 'mirror' (default): HTTP status = error_code; 200: always HTTP 200 with ok:false. */
  errorHttpStatus?: 'mirror' | 200;
  /** Hold long polls at most this long, whatever `timeout` asks (default: no cap). Missing `timeout` means 30 s. */
  maxLongPollMs?: number;
  /** Shape of webhook POST bodies (see file comment). Default 'flat'. */
  webhookBody?: 'flat' | 'wrapped';
}

export interface ZaloRecordedCall {
  method: string;
  payload: any;
  /** Date.now() when the request arrived. */
  at: number;
  /** HTTP status answered (0 while pending). */
  status: number;
}

/** `{ status: 429, retryAfter?: 1 }`, `{ status: 500 }`, `{ status: 403, description?: '...' }`. */
export interface ZaloFailureSpec {
  status: number;
  retryAfter?: number;
  description?: string;
}

export interface FakeZaloUpdate {
  event_name: string;
  message: {
    message_id: string;
    date: number;
    text?: string;
    chat: { id: string; chat_type: 'PRIVATE' | 'GROUP' | string };
    from: { id: string; display_name?: string; first_name?: string };
    [extra: string]: unknown;
  };
}

/** Message fields for queueEvent: only `chat.id` is required; extra fields (photo, sticker…) are passed through. */
export interface ZaloEventInput {
  chat: { id: string; chat_type?: string };
  message_id?: string;
  date?: number;
  text?: string;
  from?: { id: string; display_name?: string; first_name?: string };
  [extra: string]: unknown;
}

/** An accepted sendMessage payload plus the message_id the fake assigned. */
export interface ZaloSentMessage {
  chat_id: string;
  text: string;
  message_id: string;
}

export interface QueueTextInput {
  chatId: string;
  text: string;
  chatType?: 'PRIVATE' | 'GROUP';
  /** Sender id; default chatId for private chats, 'u-member-1' in groups. */
  fromId?: string;
  fromName?: string;
  /** The field carrying the sender name (both were seen); default 'display_name'. */
  nameField?: 'display_name' | 'first_name';
}

export interface FakeZalo extends Pick<Holds, 'hold' | 'release' | 'heldCount'> {
  readonly apiRoot: string;
  readonly token: string;
  readonly calls: ZaloRecordedCall[];
  /** Accepted sendMessage payloads (optionally for one chat), in order. */
  sent(chatId?: string): ZaloSentMessage[];
  /** Resolves once `count` messages were accepted (for `chatId` if given); rejects after timeoutMs (default 30000: generous for a loaded machine). */
  waitForSent(count: number, opts?: { chatId?: string; timeoutMs?: number }): Promise<ZaloSentMessage[]>;
  /** Queues a `message.text.received` update. */
  queueText(input: QueueTextInput): FakeZaloUpdate;
  /** Queues any event, e.g. queueEvent('message.image.received', { chat: { id: 'c1' }, photo: 'https://…' }). */
  queueEvent(eventName: string, message: ZaloEventInput): FakeZaloUpdate;
  pendingUpdates(): FakeZaloUpdate[];
  /** The next `times` calls of `method` ('*' = any) fail with `spec`. */
  failNext(method: string, spec: ZaloFailureSpec, times?: number): void;
  /** Every sendMessage/sendChatAction to this chat gets 403. */
  blockChat(chatId: string, description?: string): void;
  unblockChat(chatId: string): void;
  webhook(): { url: string; secretToken?: string };
  /** POSTs pending updates to the webhook with X-Bot-Api-Secret-Token; a 2xx consumes the update. */
  deliverWebhook(): Promise<Array<{ message_id: string; status: number }>>;
  /** Ends pending long polls (408) and closes the server. */
  close(): Promise<void>;
}

class ZaloError {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {}
}

interface Waiter {
  res: ServerResponse;
  call: ZaloRecordedCall;
  timer: NodeJS.Timeout;
  done: boolean;
}

const hexId = () => randomBytes(10).toString('hex');

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeZalo(opts: FakeZaloOptions = {}): Promise<FakeZalo> {
  const token = opts.token ?? '1234567890123456789:FakeZaloSecretForTests';
  const botId = token.split(':')[0] ?? 'bot';
  const calls: ZaloRecordedCall[] = [];
  const sentMessages: ZaloSentMessage[] = [];
  let queue: FakeZaloUpdate[] = [];
  const waiters: Waiter[] = [];
  const failures: Array<{ method: string; spec: ZaloFailureSpec; left: number }> = [];
  const blocked = new Map<string, string>();
  const sentWaiters = new Set<() => void>();
  const sentCount = new Map<string, number>();
  let webhookUrl = '';
  let webhookSecret: string | undefined;
  let webhookUpdatedAt = Date.now();

  function send(res: ServerResponse, call: ZaloRecordedCall, body: Record<string, unknown>, retryAfter?: number) {
    const code = body.ok === true ? 200 : Number(body.error_code ?? 500);
    const status = opts.errorHttpStatus === 200 ? 200 : code;
    call.status = status;
    if (res.writableEnded || res.destroyed) return;
    const json = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) };
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    res.writeHead(status, headers);
    res.end(json);
  }

  const sendError = (res: ServerResponse, call: ZaloRecordedCall, e: ZaloError) =>
    send(
      res,
      call,
      {
        ok: false,
        error_code: e.code,
        description: e.description,
        ...(e.retryAfter !== undefined ? { parameters: { retry_after: e.retryAfter } } : {}),
      },
      e.retryAfter,
    );

  function takeUpdates(): FakeZaloUpdate[] {
    if (opts.updateShape === 'array') {
      const batch = queue.slice(0, 100);
      queue = queue.slice(batch.length);
      return batch;
    }
    const first = queue.shift();
    return first ? [first] : [];
  }

  function answerUpdates(res: ServerResponse, call: ZaloRecordedCall, updates: FakeZaloUpdate[]) {
    send(res, call, { ok: true, result: opts.updateShape === 'array' ? updates : updates[0] });
  }

  function wake() {
    while (queue.length > 0) {
      const w = waiters.shift();
      if (!w) return;
      if (w.done) continue;
      w.done = true;
      clearTimeout(w.timer);
      if (w.res.destroyed) continue;
      answerUpdates(w.res, w.call, takeUpdates());
    }
  }

  function timeoutReply(w: Waiter) {
    if (w.done) return;
    w.done = true;
    clearTimeout(w.timer);
    const i = waiters.indexOf(w);
    if (i !== -1) waiters.splice(i, 1);
    sendError(w.res, w.call, new ZaloError(408, 'Request timeout'));
  }

  function enqueue(update: FakeZaloUpdate): FakeZaloUpdate {
    queue.push(update);
    wake();
    return update;
  }

  function queueText(input: QueueTextInput): FakeZaloUpdate {
    const chatType = input.chatType ?? 'PRIVATE';
    const fromId = input.fromId ?? (chatType === 'PRIVATE' ? input.chatId : 'u-member-1');
    return enqueue({
      event_name: 'message.text.received',
      message: {
        message_id: hexId(),
        date: Date.now(),
        text: input.text,
        chat: { id: input.chatId, chat_type: chatType },
        from: { id: fromId, [input.nameField ?? 'display_name']: input.fromName ?? 'Nguyễn Văn A' },
      },
    });
  }

  function queueEvent(eventName: string, message: ZaloEventInput) {
    const chat = { id: message.chat.id, chat_type: message.chat.chat_type ?? 'PRIVATE' };
    return enqueue({
      event_name: eventName,
      message: {
        ...message,
        message_id: message.message_id ?? hexId(),
        date: message.date ?? Date.now(),
        chat,
        from: message.from ?? { id: chat.id, display_name: 'Nguyễn Văn A' },
      },
    });
  }

  function sent(chatId?: string) {
    return chatId === undefined ? [...sentMessages] : sentMessages.filter((m) => m.chat_id === chatId);
  }

  function requireChat(payload: any): string {
    const id = payload.chat_id;
    if (typeof id !== 'string' || id === '') throw new ZaloError(400, 'Bad Request: chat_id is required');
    const reason = blocked.get(id);
    if (reason !== undefined) throw new ZaloError(403, reason);
    return id;
  }

  function execute(method: string, payload: any): unknown {
    switch (method) {
      case 'getMe':
        return { id: botId, account_name: 'bot.tro_ly_thu_nghiem', account_type: 'BASIC', can_join_groups: true };
      case 'sendMessage': {
        const chatId = requireChat(payload);
        const text = payload.text;
        if (typeof text !== 'string' || text.trim() === '') throw new ZaloError(400, 'Bad Request: text is empty');
        if (text.length > 2000) throw new ZaloError(400, 'Bad Request: text is too long (max 2000 characters)');
        const result = { message_id: hexId(), date: Date.now() };
        sentMessages.push({ chat_id: chatId, text, message_id: result.message_id });
        sentCount.set(chatId, (sentCount.get(chatId) ?? 0) + 1);
        for (const w of [...sentWaiters]) w();
        return result;
      }
      case 'sendPhoto': {
        requireChat(payload);
        if (typeof payload.photo !== 'string' || payload.photo === '') throw new ZaloError(400, 'Bad Request: photo is required');
        return { message_id: hexId(), date: Date.now() };
      }
      case 'sendChatAction':
        requireChat(payload);
        if (payload.action !== 'typing' && payload.action !== 'upload_photo') throw new ZaloError(400, 'Bad Request: invalid action');
        return true;
      case 'setWebhook': {
        const url = payload.url;
        if (typeof url !== 'string' || !/^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost)[:/])/.test(url)) {
          throw new ZaloError(400, 'Bad Request: url must be an https URL');
        }
        const secret = payload.secret_token;
        if (typeof secret !== 'string' || secret.length < 8 || secret.length > 256) {
          throw new ZaloError(400, 'Bad Request: secret_token must be 8-256 characters');
        }
        webhookUrl = url;
        webhookSecret = secret;
        webhookUpdatedAt = Date.now();
        return { url, updated_at: webhookUpdatedAt };
      }
      case 'deleteWebhook':
        webhookUrl = '';
        webhookSecret = undefined;
        webhookUpdatedAt = Date.now();
        return { url: '', updated_at: webhookUpdatedAt };
      case 'getWebhookInfo':
        return { url: webhookUrl, updated_at: webhookUpdatedAt };
      default:
        throw new ZaloError(404, 'Not Found: unknown method');
    }
  }

  function injected(method: string): ZaloError | undefined {
    const idx = failures.findIndex((f) => f.method === method || f.method === '*');
    if (idx === -1) return undefined;
    const f = failures[idx]!;
    if (--f.left <= 0) failures.splice(idx, 1);
    const defaults: Record<number, string> = {
      400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden: the user has blocked the bot', 404: 'Not Found',
      429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
    };
    return new ZaloError(f.spec.status, f.spec.description ?? defaults[f.spec.status] ?? `Error ${f.spec.status}`, f.spec.retryAfter);
  }

  const holds = createHolds();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // A held call (e.g. sendMessage while testing a crash) waits here, before it is recorded or executed.
    if (!(await holds.wait(/\/([A-Za-z]+)$/.exec(url.pathname)?.[1] ?? '', req, res))) return;
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const method = m?.[2] ?? url.pathname;
    const call: ZaloRecordedCall = { method, payload: {}, at: Date.now(), status: 0 };
    calls.push(call);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    try {
      call.payload = raw === '' ? {} : JSON.parse(raw);
    } catch {
      return sendError(res, call, new ZaloError(400, 'Bad Request: body must be JSON'));
    }
    if (!m) return sendError(res, call, new ZaloError(404, 'Not Found'));
    if (decodeURIComponent(m[1]!) !== token) return sendError(res, call, new ZaloError(401, 'Unauthorized'));
    try {
      const failure = injected(method);
      if (failure) throw failure;
      if (method === 'getUpdates') {
        if (webhookUrl !== '') throw new ZaloError(409, 'Conflict: webhook is active, call deleteWebhook before getUpdates');
        const ready = takeUpdates();
        if (ready.length > 0) return answerUpdates(res, call, ready);
        const seconds = call.payload.timeout === undefined ? 30 : Number(call.payload.timeout);
        const holdMs = Math.min(Number.isFinite(seconds) ? Math.max(0, seconds) * 1000 : 30_000, opts.maxLongPollMs ?? Infinity);
        const w: Waiter = { res, call, done: false, timer: setTimeout(() => timeoutReply(w), holdMs) };
        waiters.push(w);
        res.on('close', () => {
          if (!w.done) {
            w.done = true;
            clearTimeout(w.timer);
            const i = waiters.indexOf(w);
            if (i !== -1) waiters.splice(i, 1);
          }
        });
        return;
      }
      send(res, call, { ok: true, result: execute(method, call.payload) });
    } catch (e) {
      sendError(res, call, e instanceof ZaloError ? e : new ZaloError(500, `Internal Server Error: ${String(e)}`));
    }
  }

  const server = await startLoopbackServer(handle);
  const { port } = server;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    calls,
    sent,
    waitForSent(count, o = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const n = o.chatId === undefined ? sentMessages.length : (sentCount.get(o.chatId) ?? 0);
          if (n < count) return;
          sentWaiters.delete(check);
          clearTimeout(timer);
          resolve(sent(o.chatId));
        };
        const timer = setTimeout(() => {
          sentWaiters.delete(check);
          reject(new Error(`fake-zalo: expected ${count} sent messages${o.chatId ? ` to ${o.chatId}` : ''}, got ${sent(o.chatId).length}`));
        }, o.timeoutMs ?? 30_000);
        sentWaiters.add(check);
        check();
      });
    },
    queueText,
    queueEvent,
    pendingUpdates: () => [...queue],
    hold: holds.hold,
    release: holds.release,
    heldCount: holds.heldCount,
    failNext(method, spec, times = 1) {
      failures.push({ method, spec, left: times });
    },
    blockChat(chatId, description = 'Forbidden: the user has blocked the bot') {
      blocked.set(chatId, description);
    },
    unblockChat(chatId) {
      blocked.delete(chatId);
    },
    webhook: () => ({ url: webhookUrl, ...(webhookSecret ? { secretToken: webhookSecret } : {}) }),
    async deliverWebhook() {
      if (webhookUrl === '') throw new Error('fake-zalo: no webhook set (call setWebhook first)');
      const results: Array<{ message_id: string; status: number }> = [];
      while (queue.length > 0) {
        const update = queue[0]!;
        const res = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-bot-api-secret-token': webhookSecret ?? '' },
          body: JSON.stringify(opts.webhookBody === 'wrapped' ? { ok: true, result: update } : update),
        });
        await res.arrayBuffer();
        results.push({ message_id: update.message.message_id, status: res.status });
        if (!res.ok) break;
        queue.shift();
      }
      return results;
    },
    async close() {
      for (const w of [...waiters]) timeoutReply(w);
      await server.close();
    },
  };
}
