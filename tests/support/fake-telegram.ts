/**
 * A fake Telegram Bot API server for tests and benchmarks (node:http on 127.0.0.1, random port).
 * Point grammY at it with `new Bot(fake.token, { client: { apiRoot: fake.apiRoot } })` or
 * `new Api(fake.token, { apiRoot: fake.apiRoot })`: grammY calls `${apiRoot}/bot${token}/${method}`.
 *
 * It mimics what matters for the bot: update queue with offset confirmation and long polling,
 * sendMessage validation (length, Telegram-style HTML parsing errors), error replies in Telegram's
 * exact shape (429 with parameters.retry_after, 403 blocked, 409 conflicts), webhooks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotCommand, Message, MessageEntity, Update, UserFromGetMe } from 'grammy/types';
import { createHolds, startLoopbackServer } from './loopback-server.js';

export interface FakeTelegramOptions {
  /** Bot token; default '7000000001:AAFakeTokenForTests_abcdefghijklmnopq'. The part before ':' is the bot id. */
  token?: string;
  /** Username returned by getMe (default 'tro_ly_test_bot'). */
  username?: string;
  /** Hold long polls at most this long, whatever `timeout` asks (default: no cap). */
  maxLongPollMs?: number;
  /**
   * Enforce rate limits like Telegram by answering 429 (off by default).
   * perChatIntervalMs: minimum gap between messages to one chat; globalPerSecond: messages in any
   * 1 s window over all chats; groupPerMinute: messages to one group (negative id) in any 60 s window.
   */
  rateLimits?: { perChatIntervalMs?: number; globalPerSecond?: number; groupPerMinute?: number };
}

/** One HTTP call to the fake. `status` is the HTTP status it answered (0 while still pending). */
export interface RecordedCall {
  method: string;
  payload: any;
  /** Date.now() when the request arrived. */
  at: number;
  status: number;
}

/** An error to inject: `{ status: 429, retryAfter: 1 }`, `{ status: 500 }`, `{ status: 403, description: '...' }`. */
export interface FailureSpec {
  status: number;
  retryAfter?: number;
  description?: string;
}

/** A sendMessage payload that was accepted, plus the message_id the fake assigned. */
export type SentMessage = Record<string, any> & { chat_id: number | string; text: string; message_id: number };

export interface QueueMessageInput {
  chatId: number;
  text: string;
  /** Sender id; default chatId for private chats, 1001 in groups. */
  fromId?: number;
  chatType?: 'private' | 'group' | 'supergroup';
  /** Default: bot_command and mention entities computed from the text, like Telegram does. */
  entities?: MessageEntity[];
  /** Make the message a reply to the bot's last message in that chat (or to a synthetic one). */
  replyToBot?: boolean;
  firstName?: string;
  username?: string;
}

export interface QueueCallbackInput {
  chatId: number;
  data: string;
  fromId?: number;
  /** Message carrying the keyboard; default the bot's last message in that chat. */
  messageId?: number;
  chatType?: 'private' | 'group' | 'supergroup';
}

export interface FakeTelegram {
  /** e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly apiRoot: string;
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  /** Every HTTP call, in arrival order (getUpdates included). */
  readonly calls: RecordedCall[];
  /** Accepted sendMessage payloads (optionally for one chat), in order. */
  sent(chatId?: number | string): SentMessage[];
  /** Resolves once `count` messages were accepted (for `chatId` if given); rejects after timeoutMs (default 30000: generous for a loaded machine). */
  waitForSent(count: number, opts?: { chatId?: number | string; timeoutMs?: number }): Promise<SentMessage[]>;
  /** Queues a raw update (update_id assigned if missing) and wakes a pending long poll. */
  queueUpdate(update: Omit<Update, 'update_id'> & { update_id?: number }): Update;
  /** Queues a realistic text-message update. */
  queueMessage(input: QueueMessageInput): Update;
  /** Queues a callback_query update (inline keyboard button press). */
  queueCallbackQuery(input: QueueCallbackInput): Update;
  /** Updates not yet confirmed by an offset (or delivered by webhook). */
  pendingUpdates(): Update[];
  /** The next `times` calls of `method` ('*' = any method) fail with `spec`. */
  failNext(method: string, spec: FailureSpec, times?: number): void;
  /** Every sendMessage/sendChatAction to this chat gets 403 (default 'Forbidden: bot was blocked by the user'). */
  blockChat(chatId: number | string, description?: string): void;
  unblockChat(chatId: number | string): void;
  /** Every call to this chat gets 400 'Bad Request: chat not found'. */
  forgetChat(chatId: number | string): void;
  /** Current webhook settings (url '' when none). */
  webhook(): { url: string; secretToken?: string };
  /**
   * POSTs pending updates, in order, to the webhook URL with X-Telegram-Bot-Api-Secret-Token.
   * A 2xx confirms the update; a JSON body with `method` (grammY webhook reply) is executed as an API call.
   */
  deliverWebhook(): Promise<Array<{ update_id: number; status: number }>>;
  /**
   * While held, calls of `method` wait unanswered (like a slow Telegram); release() answers the
   * waiting calls whose client is still connected (a killed client's calls are dropped, unsent).
   */
  hold(method: string): void;
  release(method: string): void;
  /** Calls of `method` currently held. */
  heldCount(method: string): number;
  /** Commands registered with setMyCommands. */
  commands(): BotCommand[];
  /** answerCallbackQuery payloads received. */
  answeredCallbacks(): Array<Record<string, any>>;
  /** Ends pending long polls (empty result) and closes the server and its keep-alive connections. */
  close(): Promise<void>;
}

class ApiError {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {}
}

interface Poller {
  res: ServerResponse;
  offset: number;
  limit: number;
  allowed?: string[];
  timer?: NodeJS.Timeout;
  done: boolean;
  finish: (status: number, body: unknown) => void;
}

const SUPPORTED_TAGS = new Set([
  'a', 'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'blockquote', 'tg-spoiler', 'span', 'tg-emoji',
]);

/**
 * Parses Telegram HTML the way the Bot API does (tdlib's parse_html, simplified):
 * returns the plain text, or the error description Telegram sends.
 */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const fail = (msg: string) => ({ error: `Bad Request: can't parse entities: ${msg}` });
  const byteOffset = (i: number) => Buffer.byteLength(html.slice(0, i));
  const stack: string[] = [];
  let out = '';
  let i = 0;
  while (i < html.length) {
    const c = html[i]!;
    if (c === '&') {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-f]{1,6});/i.exec(html.slice(i, i + 12));
      if (m) {
        const name = m[1]!.toLowerCase();
        const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
        out += named[name] ?? String.fromCodePoint(name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
        i += m[0].length;
        continue;
      }
      out += c; // a lone '&' is kept as is
      i++;
      continue;
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }
    const begin = i;
    const gt = html.indexOf('>', i);
    if (html[i + 1] !== '/') {
      let j = i + 1;
      while (j < html.length && !/\s/.test(html[j]!) && html[j] !== '>') j++;
      if (j >= html.length || gt === -1) return fail(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
      const tag = html.slice(i + 1, j).toLowerCase();
      if (!SUPPORTED_TAGS.has(tag)) return fail(`Unsupported start tag "${tag}" at byte offset ${byteOffset(begin)}`);
      const attrs = html.slice(j, gt);
      if (tag === 'span' && !/class\s*=\s*["']?tg-spoiler/i.test(attrs)) return fail('Tag "span" must have class "tg-spoiler"');
      stack.push(tag);
      i = gt + 1;
    } else {
      if (stack.length === 0) return fail(`Unexpected end tag at byte offset ${byteOffset(begin)}`);
      if (gt === -1) return fail(`Unclosed end tag at byte offset ${byteOffset(begin)}`);
      const endTag = html.slice(i + 2, gt).trim().toLowerCase();
      const open = stack.pop()!;
      if (endTag !== '' && endTag !== open) {
        return fail(`Unmatched end tag at byte offset ${byteOffset(begin)}, expected "</${open}>", found "</${endTag}>"`);
      }
      i = gt + 1;
    }
  }
  if (stack.length > 0) return fail(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`);
  return { text: out };
}

/** bot_command and mention entities, as Telegram computes them (offsets in UTF-16 units). */
function autoEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const m of text.matchAll(/(^|[\s(])(\/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{5,32})?|@[a-zA-Z0-9_]{5,32})(?=$|[\s.,!?)])/g)) {
    const offset = m.index + m[1]!.length;
    const value = m[2]!;
    entities.push({ type: value.startsWith('/') ? 'bot_command' : 'mention', offset, length: value.length });
  }
  return entities;
}

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = opts.token ?? '7000000001:AAFakeTokenForTests_abcdefghijklmnopq';
  const botId = Number(token.split(':')[0]) || 7000000001;
  const botInfo: UserFromGetMe = {
    id: botId,
    is_bot: true,
    first_name: 'Trợ lý thử nghiệm',
    username: opts.username ?? 'tro_ly_test_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  } as UserFromGetMe;

  const calls: RecordedCall[] = [];
  const sentMessages: SentMessage[] = [];
  const messages = new Map<string, Message>(); // `${chatId}:${messageId}` → message sent by the bot
  const lastBotMessage = new Map<string, number>();
  let queue: Update[] = [];
  let nextUpdateId = 100_000_001;
  let nextMessageId = 1;
  let nextCallbackId = 1;
  const failures: Array<{ method: string; spec: FailureSpec; left: number }> = [];
  const blocked = new Map<string, string>();
  const forgotten = new Set<string>();
  let webhookUrl = '';
  let webhookSecret: string | undefined;
  let commands: BotCommand[] = [];
  const callbacks = new Set<string>();
  const answered: Array<Record<string, any>> = [];
  let poller: Poller | undefined;
  const sentWaiters = new Set<() => void>();
  const sentCount = new Map<string, number>();
  const sendTimes = new Map<string, number[]>();
  const globalSendTimes: number[] = [];

  const now = () => Math.floor(Date.now() / 1000);
  const chatFor = (chatId: number, type: 'private' | 'group' | 'supergroup', firstName: string) =>
    type === 'private'
      ? { id: chatId, type, first_name: firstName }
      : { id: chatId, type, title: 'Nhóm thử nghiệm' };

  function queueUpdate(update: Omit<Update, 'update_id'> & { update_id?: number }): Update {
    const full = { ...update, update_id: update.update_id ?? nextUpdateId } as Update;
    nextUpdateId = Math.max(nextUpdateId, full.update_id) + 1;
    queue.push(full);
    wakePoller();
    return full;
  }

  function botReplyTarget(chatId: number, type: 'private' | 'group' | 'supergroup', messageId?: number): Message {
    const id = messageId ?? lastBotMessage.get(String(chatId));
    const known = id !== undefined ? messages.get(`${chatId}:${id}`) : undefined;
    if (known) return known;
    return {
      message_id: id ?? nextMessageId++,
      date: now() - 60,
      chat: chatFor(chatId, type, 'Người dùng'),
      from: botInfo,
      text: 'Tin nhắn trước của bot',
    } as Message;
  }

  function queueMessage(input: QueueMessageInput): Update {
    const type = input.chatType ?? 'private';
    const fromId = input.fromId ?? (type === 'private' ? input.chatId : 1001);
    const firstName = input.firstName ?? 'Nguyễn Văn A';
    const entities = input.entities ?? autoEntities(input.text);
    const message = {
      message_id: nextMessageId++,
      date: now(),
      chat: chatFor(input.chatId, type, firstName),
      from: {
        id: fromId,
        is_bot: false,
        first_name: firstName,
        ...(input.username ? { username: input.username } : {}),
        language_code: 'vi',
      },
      text: input.text,
      ...(entities.length > 0 ? { entities } : {}),
      ...(input.replyToBot ? { reply_to_message: botReplyTarget(input.chatId, type) } : {}),
    } as Message;
    return queueUpdate({ message } as Omit<Update, 'update_id'>);
  }

  function queueCallbackQuery(input: QueueCallbackInput): Update {
    const type = input.chatType ?? 'private';
    const fromId = input.fromId ?? (type === 'private' ? input.chatId : 1001);
    const id = `cbq-${nextCallbackId++}`;
    callbacks.add(id);
    const callback_query = {
      id,
      from: { id: fromId, is_bot: false, first_name: 'Nguyễn Văn A', language_code: 'vi' },
      message: botReplyTarget(input.chatId, type, input.messageId),
      chat_instance: `ci-${input.chatId}`,
      data: input.data,
    };
    return queueUpdate({ callback_query } as Omit<Update, 'update_id'>);
  }

  function confirmBelow(offset: number) {
    if (queue.length > 0 && queue[0]!.update_id < offset) queue = queue.filter((u) => u.update_id >= offset);
  }

  function selectUpdates(p: Pick<Poller, 'limit' | 'allowed'>): Update[] {
    const list = p.allowed && p.allowed.length > 0 ? queue.filter((u) => p.allowed!.some((k) => k in u)) : queue;
    return list.slice(0, p.limit);
  }

  function wakePoller() {
    const p = poller;
    if (!p || p.done) return;
    const updates = selectUpdates(p);
    if (updates.length > 0) p.finish(200, { ok: true, result: updates });
  }

  function notifySent() {
    for (const w of [...sentWaiters]) w();
  }

  function sent(chatId?: number | string): SentMessage[] {
    return chatId === undefined ? [...sentMessages] : sentMessages.filter((m) => String(m.chat_id) === String(chatId));
  }

  function checkRate(chatKey: string, isGroup: boolean): void {
    const limits = opts.rateLimits;
    if (!limits) return;
    const t = Date.now();
    const times = sendTimes.get(chatKey) ?? [];
    const last = times[times.length - 1];
    if (limits.perChatIntervalMs !== undefined && last !== undefined && t - last < limits.perChatIntervalMs) {
      throw tooMany(Math.ceil((limits.perChatIntervalMs - (t - last)) / 1000));
    }
    if (isGroup && limits.groupPerMinute !== undefined) {
      const recent = times.filter((x) => t - x < 60_000);
      if (recent.length >= limits.groupPerMinute) throw tooMany(Math.ceil((60_000 - (t - recent[0]!)) / 1000));
    }
    if (limits.globalPerSecond !== undefined) {
      while (globalSendTimes.length > 0 && t - globalSendTimes[0]! >= 1000) globalSendTimes.shift();
      if (globalSendTimes.length >= limits.globalPerSecond) throw tooMany(1);
    }
  }

  function recordSend(chatKey: string) {
    const t = Date.now();
    const times = sendTimes.get(chatKey) ?? [];
    times.push(t);
    if (times.length > 100) times.shift();
    sendTimes.set(chatKey, times);
    globalSendTimes.push(t);
  }

  function validateText(text: unknown, parseMode: unknown): void {
    if (typeof text !== 'string' || text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    let plain = text;
    if (typeof parseMode === 'string' && parseMode.toLowerCase() === 'html') {
      const parsed = parseTelegramHtml(text);
      if ('error' in parsed) throw new ApiError(400, parsed.error);
      plain = parsed.text;
    } else if (parseMode !== undefined && parseMode !== null && parseMode !== '' && !/^markdown(v2)?$/i.test(String(parseMode))) {
      throw new ApiError(400, `Bad Request: unsupported parse_mode "${String(parseMode)}"`);
    }
    if (plain.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    if (plain.length > 4096) throw new ApiError(400, 'Bad Request: message is too long');
  }

  function requireChat(payload: any): string {
    const chatId = payload.chat_id;
    if (chatId === undefined || chatId === null || chatId === '') throw new ApiError(400, 'Bad Request: chat_id is empty');
    const key = String(chatId);
    if (forgotten.has(key)) throw new ApiError(400, 'Bad Request: chat not found');
    return key;
  }

  function requireNotBlocked(key: string) {
    const description = blocked.get(key);
    if (description !== undefined) throw new ApiError(403, description);
  }

  function storedMessage(payload: any): Message {
    const key = requireChat(payload);
    const msg = messages.get(`${key}:${Number(payload.message_id)}`);
    if (!msg) throw new ApiError(400, 'Bad Request: message to edit not found');
    return msg;
  }

  /** Executes one API method; returns `result` or throws ApiError. */
  function execute(method: string, payload: any): unknown {
    switch (method) {
      case 'getMe':
        return botInfo;
      case 'sendMessage': {
        const key = requireChat(payload);
        requireNotBlocked(key);
        validateText(payload.text, payload.parse_mode);
        const numericId = Number(payload.chat_id);
        checkRate(key, numericId < 0);
        recordSend(key);
        const message = {
          message_id: nextMessageId++,
          date: now(),
          chat: Number.isFinite(numericId)
            ? chatFor(numericId, numericId < 0 ? 'supergroup' : 'private', 'Người dùng')
            : { id: -1, type: 'channel', title: key },
          from: botInfo,
          text: payload.text,
          ...(payload.reply_markup ? { reply_markup: payload.reply_markup } : {}),
        } as Message;
        messages.set(`${key}:${message.message_id}`, message);
        lastBotMessage.set(key, message.message_id);
        sentMessages.push({ ...payload, message_id: message.message_id });
        sentCount.set(key, (sentCount.get(key) ?? 0) + 1);
        notifySent();
        return message;
      }
      case 'sendChatAction': {
        const key = requireChat(payload);
        requireNotBlocked(key);
        if (typeof payload.action !== 'string' || payload.action === '') throw new ApiError(400, 'Bad Request: wrong parameter action in request');
        return true;
      }
      case 'answerCallbackQuery': {
        const id = String(payload.callback_query_id ?? '');
        if (!callbacks.has(id)) throw new ApiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        callbacks.delete(id);
        answered.push(payload);
        return true;
      }
      case 'editMessageReplyMarkup': {
        const msg = storedMessage(payload);
        if (JSON.stringify(msg.reply_markup ?? null) === JSON.stringify(payload.reply_markup ?? null)) {
          throw new ApiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        const updated = { ...msg, edit_date: now() } as Message & { reply_markup?: unknown };
        if (payload.reply_markup) updated.reply_markup = payload.reply_markup;
        else delete updated.reply_markup;
        messages.set(`${String(payload.chat_id)}:${msg.message_id}`, updated as Message);
        return updated;
      }
      case 'editMessageText': {
        const msg = storedMessage(payload);
        validateText(payload.text, payload.parse_mode);
        if (msg.text === payload.text && JSON.stringify(msg.reply_markup ?? null) === JSON.stringify(payload.reply_markup ?? null)) {
          throw new ApiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        const updated = { ...msg, text: payload.text, edit_date: now(), ...(payload.reply_markup ? { reply_markup: payload.reply_markup } : {}) } as Message;
        messages.set(`${String(payload.chat_id)}:${msg.message_id}`, updated);
        return updated;
      }
      case 'deleteMessage': {
        const key = requireChat(payload);
        if (!messages.delete(`${key}:${Number(payload.message_id)}`)) throw new ApiError(400, 'Bad Request: message to delete not found');
        return true;
      }
      case 'setWebhook': {
        if (typeof payload.url !== 'string') throw new ApiError(400, 'Bad Request: bad webhook: URL must be provided');
        if (payload.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(payload.secret_token))) {
          throw new ApiError(400, 'Bad Request: secret token contains unallowed characters');
        }
        webhookUrl = payload.url;
        webhookSecret = payload.url === '' ? undefined : payload.secret_token;
        if (payload.drop_pending_updates) queue = [];
        return true;
      }
      case 'deleteWebhook':
        webhookUrl = '';
        webhookSecret = undefined;
        if (payload.drop_pending_updates) queue = [];
        return true;
      case 'getWebhookInfo':
        return { url: webhookUrl, has_custom_certificate: false, pending_update_count: queue.length, max_connections: 40 };
      case 'setMyCommands': {
        const list = payload.commands;
        if (!Array.isArray(list)) throw new ApiError(400, 'Bad Request: field "commands" must be an Array');
        for (const cmd of list) {
          if (!/^[a-z0-9_]{1,32}$/.test(String(cmd?.command ?? ''))) throw new ApiError(400, 'Bad Request: BOT_COMMAND_INVALID');
          const d = String(cmd?.description ?? '');
          if (d.length < 1 || d.length > 256) throw new ApiError(400, 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID');
        }
        commands = list as BotCommand[];
        return true;
      }
      case 'getMyCommands':
        return commands;
      case 'deleteMyCommands':
        commands = [];
        return true;
      default:
        throw new ApiError(404, 'Not Found');
    }
  }

  function tooMany(retryAfter: number): ApiError {
    const s = Math.max(1, retryAfter);
    return new ApiError(429, `Too Many Requests: retry after ${s}`, { retry_after: s });
  }

  function injected(method: string): ApiError | undefined {
    const idx = failures.findIndex((f) => f.method === method || f.method === '*');
    if (idx === -1) return undefined;
    const f = failures[idx]!;
    if (--f.left <= 0) failures.splice(idx, 1);
    const { status, retryAfter, description } = f.spec;
    if (status === 429) return new ApiError(429, description ?? `Too Many Requests: retry after ${retryAfter ?? 1}`, { retry_after: retryAfter ?? 1 });
    const defaults: Record<number, string> = {
      400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden: bot was blocked by the user', 404: 'Not Found',
      409: 'Conflict', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
    };
    return new ApiError(status, description ?? defaults[status] ?? `Error ${status}`);
  }

  function send(res: ServerResponse, status: number, body: unknown, call?: RecordedCall) {
    if (call) call.status = status;
    if (res.writableEnded || res.destroyed) return;
    const json = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) };
    const retryAfter = (body as { parameters?: { retry_after?: number } }).parameters?.retry_after;
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    res.writeHead(status, headers);
    res.end(json);
  }

  const errorBody = (e: ApiError) => ({
    ok: false,
    error_code: e.status,
    description: e.description,
    ...(e.parameters ? { parameters: e.parameters } : {}),
  });

  function handleGetUpdates(payload: any, res: ServerResponse, call: RecordedCall) {
    if (webhookUrl !== '') {
      throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    const offset = Number(payload.offset ?? 0);
    if (offset < 0) queue = queue.slice(Math.max(0, queue.length + offset));
    else confirmBelow(offset);
    const limit = Math.min(100, Math.max(1, Number(payload.limit ?? 100) || 100));
    const timeoutMs = Math.min(Math.max(0, Number(payload.timeout ?? 0)) * 1000, opts.maxLongPollMs ?? Infinity);
    const allowed = Array.isArray(payload.allowed_updates) ? (payload.allowed_updates as string[]) : undefined;

    // A newer getUpdates terminates the pending one, exactly like Telegram.
    if (poller && !poller.done) {
      poller.finish(409, { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
    }
    const p: Poller = {
      res,
      offset,
      limit,
      ...(allowed ? { allowed } : {}),
      done: false,
      finish: (status, body) => {
        if (p.done) return;
        p.done = true;
        if (p.timer) clearTimeout(p.timer);
        if (poller === p) poller = undefined;
        send(res, status, body, call);
      },
    };
    const ready = selectUpdates(p);
    if (ready.length > 0 || timeoutMs <= 0) {
      p.done = true;
      send(res, 200, { ok: true, result: ready }, call);
      return;
    }
    poller = p;
    p.timer = setTimeout(() => p.finish(200, { ok: true, result: [] }), timeoutMs);
    res.on('close', () => {
      // Client went away (e.g. runner stopped): forget the poll without answering.
      if (!p.done) {
        p.done = true;
        if (p.timer) clearTimeout(p.timer);
        if (poller === p) poller = undefined;
      }
    });
  }

  async function readPayload(req: IncomingMessage, url: URL): Promise<any> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const payload: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const type = req.headers['content-type'] ?? '';
    if (raw === '') return payload;
    if (type.includes('application/json')) return { ...payload, ...(JSON.parse(raw) as object) };
    if (type.includes('application/x-www-form-urlencoded')) {
      const form = Object.fromEntries(new URLSearchParams(raw));
      for (const [k, v] of Object.entries(form)) {
        try {
          payload[k] = JSON.parse(v);
        } catch {
          payload[k] = v;
        }
      }
      return payload;
    }
    throw new ApiError(400, 'Bad Request: the fake Telegram server only accepts JSON and url-encoded bodies (no file uploads)');
  }

  const holds = createHolds();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!(await holds.wait(/\/([A-Za-z]+)$/.exec(url.pathname)?.[1] ?? '', req, res))) return;
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const method = m?.[2] ?? url.pathname;
    const call: RecordedCall = { method, payload: undefined, at: Date.now(), status: 0 };
    calls.push(call);
    try {
      call.payload = await readPayload(req, url);
    } catch (e) {
      call.payload = {};
      const err = e instanceof ApiError ? e : new ApiError(400, 'Bad Request: invalid JSON');
      send(res, err.status, errorBody(err), call);
      return;
    }
    if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' }, call);
    if (decodeURIComponent(m[1]!) !== token) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' }, call);
    try {
      const failure = injected(method);
      if (failure) throw failure;
      if (method === 'getUpdates') return handleGetUpdates(call.payload, res, call);
      const result = execute(method, call.payload);
      send(res, 200, { ok: true, result }, call);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, `Internal Server Error: ${String(e)}`);
      send(res, err.status, errorBody(err), call);
    }
  }

  const server = await startLoopbackServer(handle);
  const { port } = server;

  async function deliverWebhook(): Promise<Array<{ update_id: number; status: number }>> {
    if (webhookUrl === '') throw new Error('fake-telegram: no webhook set (call setWebhook first)');
    const results: Array<{ update_id: number; status: number }> = [];
    while (queue.length > 0) {
      const update = queue[0]!;
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(webhookSecret ? { 'x-telegram-bot-api-secret-token': webhookSecret } : {}),
        },
        body: JSON.stringify(update),
      });
      const text = await res.text();
      results.push({ update_id: update.update_id, status: res.status });
      if (!res.ok) break; // Telegram keeps the update and retries later
      queue.shift();
      if (text.trim().startsWith('{')) {
        const reply = JSON.parse(text) as { method?: string };
        if (typeof reply.method === 'string') {
          const { method, ...payload } = reply;
          const call: RecordedCall = { method, payload, at: Date.now(), status: 0 };
          calls.push(call);
          try {
            execute(method, payload);
            call.status = 200;
          } catch (e) {
            call.status = e instanceof ApiError ? e.status : 500;
          }
        }
      }
    }
    return results;
  }

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botInfo,
    calls,
    sent,
    waitForSent(count, o = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const n = o.chatId === undefined ? sentMessages.length : (sentCount.get(String(o.chatId)) ?? 0);
          if (n >= count) {
            sentWaiters.delete(check);
            clearTimeout(timer);
            resolve(sent(o.chatId));
          }
        };
        const timer = setTimeout(() => {
          sentWaiters.delete(check);
          reject(new Error(`fake-telegram: expected ${count} sent messages${o.chatId !== undefined ? ` to ${o.chatId}` : ''}, got ${sent(o.chatId).length}`));
        }, o.timeoutMs ?? 30_000);
        sentWaiters.add(check);
        check();
      });
    },
    queueUpdate,
    queueMessage,
    queueCallbackQuery,
    pendingUpdates: () => [...queue],
    failNext(method, spec, times = 1) {
      failures.push({ method, spec, left: times });
    },
    blockChat(chatId, description = 'Forbidden: bot was blocked by the user') {
      blocked.set(String(chatId), description);
    },
    unblockChat(chatId) {
      blocked.delete(String(chatId));
    },
    forgetChat(chatId) {
      forgotten.add(String(chatId));
    },
    webhook: () => ({ url: webhookUrl, ...(webhookSecret ? { secretToken: webhookSecret } : {}) }),
    deliverWebhook,
    hold: holds.hold,
    release: holds.release,
    heldCount: holds.heldCount,
    commands: () => [...commands],
    answeredCallbacks: () => [...answered],
    async close() {
      if (poller && !poller.done) poller.finish(200, { ok: true, result: [] });
      await server.close();
    },
  };
}
