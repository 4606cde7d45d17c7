/**
 * Telegram adapter (grammY). Long polling by default, webhook when a URL is
 * configured; answers in HTML parse mode with every dynamic piece escaped, split
 * at paragraph boundaries within 4,096 characters, with 👍/👎 buttons; typing
 * action while answering; in groups only commands and messages that mention or
 * reply to the bot are answered. One bad update is logged and answered politely;
 * it never stops the bot.
 *
 * No question is lost to a crash: every update is stored in the inbox (SQLite)
 * before Telegram is told it was received — the webhook's 200, or the next
 * polling offset — and marked done once its reply was accepted; start-up
 * processes what is still pending. A reply Telegram refuses (5xx, unreachable)
 * is sent again by the running process, with a growing delay ({@link ReplyDelivery}).
 * Telegram faults never crash the process:
 * 409 (another instance polls with this token) and an unreachable server are
 * retried with a growing delay and a warning each time; a refused token (401/404)
 * at start-up is a {@link TelegramStartError}.
 */
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import { Bot, GrammyError, HttpError, InlineKeyboard, type BotError, type Context } from 'grammy';
import type { Update } from 'grammy/types';
import { sequentialize } from '@grammyjs/runner';
import type { Conversation } from '../../conversation/conversation.js';
import type { Reply } from '../../conversation/types.js';
import type { Logger } from '../../config/logger.js';
import { safeEqual } from '../../conversation/guards.js';
import { readBody } from '../http.js';
import type { Inbox, MemoryWrite, StoredReply } from '../../storage/types.js';
import { ReplyDeferred, ReplyDelivery, type ReplyRetryOptions } from '../replies.js';
import { splitMessage } from '../split.js';
import { escapeHtml, installTelegramTransformers, TelegramSender, type TelegramApiOptions } from './sender.js';

export interface TelegramBotOptions {
  token: string;
  apiRoot?: string;
  conversation: Conversation;
  logger: Logger;
  /** Webhook mode: Telegram posts updates to this URL with this secret header. */
  webhook?: { url: string; secret: string };
  /** Outbound throttling (on by default; benchmarks against a local server turn it off). */
  throttle?: boolean;
  /** Where updates wait until answered; without it an update in hand is lost to a crash. */
  inbox?: Inbox;
  /** Delay before retrying a failed poll or connection, doubling up to `maxMs` (default 1 s → 60 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** Long-poll timeout in seconds (default 30). */
  pollTimeoutSeconds?: number;
  /** Retries of one API call (auto-retry: 429 and 5xx; default 2). */
  sendRetry?: TelegramApiOptions['retry'];
  /** Replies refused by Telegram (5xx, unreachable) are sent again later by the running process. */
  replyRetry?: ReplyRetryOptions;
  /**
   * "typing…" is shown only when the answer takes longer than this (default 1,000 ms; 0: always, at once).
   * Telegram advises the chat action only for a noticeable wait; a quick answer would cost a useless call.
   */
  typingDelayMs?: number;
}

/** Default of {@link TelegramBotOptions.typingDelayMs}. */
export const TYPING_DELAY_MS = 1000;

/** Telegram refused the token at start-up (401 Unauthorized, 404 Not Found): the operator must fix it. */
export class TelegramStartError extends Error {
  constructor(status: number) {
    super(
      `Telegram từ chối token (lỗi ${status}${status === 401 ? ' Unauthorized' : ' Not Found'}): TELEGRAM_BOT_TOKEN sai hoặc đã bị thu hồi. ` +
        'Hãy lấy lại token từ @BotFather, sửa biến TELEGRAM_BOT_TOKEN rồi khởi động lại.',
    );
    this.name = 'TelegramStartError';
  }
}

const CHANNEL = 'telegram';
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;
/** Updates handled at once; polling waits for room before fetching more. */
const MAX_IN_FLIGHT = 256;
const MAX_WEBHOOK_BYTES = 1024 * 1024;

type Fault = 'auth' | 'conflict' | 'unreachable' | 'server';

function faultOf(err: unknown): Fault {
  if (err instanceof GrammyError) {
    if (err.error_code === 401 || err.error_code === 404) return 'auth';
    if (err.error_code === 409) return 'conflict';
    return 'server';
  }
  return err instanceof HttpError ? 'unreachable' : 'server';
}

/** Vietnamese warning for a fault that is retried, naming the next delay. */
function faultMessage(fault: Fault, err: unknown, delayMs: number): string {
  const next = `Thử lại sau ${String(Math.round(delayMs / 10) / 100).replace('.', ',')} giây.`;
  switch (fault) {
    case 'conflict':
      return `Telegram báo xung đột (409): một phiên bản khác đang nhận tin (polling) với cùng token, hoặc bot đang đặt webhook. Hãy chỉ chạy một phiên bản. ${next}`;
    case 'unreachable':
      return `Không kết nối được máy chủ Telegram (${(err as Error).message.replace(/bot[^/\s:]+:[^/\s]+/g, 'bot***').slice(0, 160)}). ${next}`;
    default:
      return `Telegram trả lỗi (${err instanceof GrammyError ? err.error_code : '?'}). ${next}`;
  }
}

const MAX_TELEGRAM = 4096;

export class TelegramChannel {
  readonly bot: Bot;
  readonly sender: TelegramSender;
  private readonly replies: ReplyDelivery;
  /** Next polling offset: everything below it is stored in the inbox. */
  private offset = 0;
  /** Updates being handled: stop() waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private connected = false;
  private stopping = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** Why the channel is not ready (undefined when it is): shown by /readyz. */
  private problem: string | undefined = 'chưa kết nối Telegram';

  constructor(private readonly opts: TelegramBotOptions) {
    // Webhook updates are acknowledged as soon as they are stored (inbox), so no call can ride in
    // the webhook reply: every API call is a request of its own.
    this.bot = new Bot(opts.token, { client: { ...(opts.apiRoot && { apiRoot: opts.apiRoot }) } });
    installTelegramTransformers(this.bot.api, { ...(opts.throttle === false && { throttle: false }), ...(opts.sendRetry && { retry: opts.sendRetry }) });
    this.sender = new TelegramSender(this.bot.api);
    this.replies = new ReplyDelivery({
      channel: CHANNEL,
      ...(opts.inbox && { inbox: opts.inbox }),
      logger: opts.logger,
      // Chat ids are stored as text; Telegram's are integers (< 2^52), sent back as numbers.
      send: async (r) => void (await this.bot.api.sendMessage(/^-?\d+$/.test(r.chatId) ? Number(r.chatId) : r.chatId, r.text, r.options)),
      // Telegram's side or the network, not the chat (403 blocked, 400 chat not found are final).
      transient: (err) => err instanceof HttpError || (err instanceof GrammyError && (err.error_code >= 500 || err.error_code === 429)),
      ...(opts.replyRetry && { retry: opts.replyRetry }),
    });
    this.install();
  }

  /** Connected to Telegram and receiving updates; otherwise why not (for /readyz). */
  readiness(): { ready: boolean; reason?: string } {
    return this.problem === undefined ? { ready: true } : { ready: false, reason: this.problem };
  }

  private install(): void {
    const { conversation, logger } = this.opts;
    const onError = async (err: BotError) => {
      // A reply Telegram refused is retried later (ReplyDeferred); Telegram unreachable on another call: the
      // update stays in the inbox and is answered after a restart.
      if (err.error instanceof HttpError || err.error instanceof ReplyDeferred) throw err.error;
      logger.error({ err: err.error, update_id: err.ctx.update.update_id }, 'telegram update failed');
      // ctx.reply throws synchronously (not a rejected promise) when the update has no chat.
      if (err.ctx.chat) await err.ctx.reply('Xin lỗi, đã có lỗi khi xử lý tin nhắn này. Vui lòng thử lại.').catch(() => undefined);
    };
    // Both modes hand updates to bot.handleUpdate, which rethrows: the boundary answers a failing update politely.
    const bot = this.bot.errorBoundary(onError);
    // Updates of one chat are handled in order; different chats in parallel.
    bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));

    bot.on('message:text', async (ctx) => {
      const chatType = ctx.chat.type === 'private' ? 'private' : 'group';
      const me = ctx.me.username;
      let text = ctx.message.text;
      let addressed = chatType === 'private';
      if (chatType === 'group') {
        const mention = new RegExp(`@${me}\\b`, 'i');
        if (mention.test(text)) {
          addressed = true;
          text = text.replace(mention, ' ').trim();
        }
        if (ctx.message.reply_to_message?.from?.id === ctx.me.id) addressed = true;
        // "/lenh@bot_khac" is meant for another bot in the group.
        const target = /^\/[^\s@]+@(\S+)/.exec(text)?.[1];
        if (target && target.toLowerCase() !== me.toLowerCase()) return;
        if (!addressed && !text.startsWith('/')) return;
      }
      const delay = this.opts.typingDelayMs ?? TYPING_DELAY_MS;
      let typing: Promise<unknown> | undefined;
      const showTyping = () => (typing = ctx.replyWithChatAction('typing').catch(() => undefined));
      const timer = delay > 0 ? setTimeout(showTyping, delay) : (showTyping(), undefined);
      // With an inbox, the chat's new memory is stored with the planned replies (one round trip).
      let memory: MemoryWrite | undefined;
      const replies = await conversation.handle({
        channel: 'telegram',
        chatId: String(ctx.chat.id),
        userId: String(ctx.from?.id ?? ctx.chat.id),
        ...(ctx.from?.first_name && { userName: ctx.from.first_name }),
        text,
        chatType,
        addressedToBot: addressed,
      }, this.opts.inbox ? { deferMemory: (write) => (memory = write) } : {});
      clearTimeout(timer);
      await typing;
      await this.deliver(ctx, replies.flatMap((reply) => this.render(String(ctx.chat.id), reply)), memory);
    });

    bot.on('callback_query:data', async (ctx) => {
      const m = /^fb:(up|down):([\w-]{1,32})$/.exec(ctx.callbackQuery.data);
      if (!m || !ctx.chat) {
        await ctx.answerCallbackQuery();
        return;
      }
      const text = await conversation.feedback({ channel: 'telegram', chatId: String(ctx.chat.id) }, m[2]!, m[1] as 'up' | 'down');
      await ctx.answerCallbackQuery({ text });
      await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
    });

    bot.on('message', async (ctx) => {
      if (ctx.chat.type !== 'private') return;
      await this.deliver(ctx, [{ chatId: String(ctx.chat.id), text: 'Tôi chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi, ví dụ: «Bộ Y tế phải làm gì?», hoặc /trogiup.' }]);
    });
  }

  /** One reply as Telegram messages: escaped HTML split within Telegram's limit; feedback buttons on the last part of an answer. */
  private render(chatId: string, reply: Reply): StoredReply[] {
    const parts = splitMessage(reply.text, MAX_TELEGRAM - 200);
    return parts.map((part, i) => {
      const markup = reply.answerId && i === parts.length - 1 ? new InlineKeyboard().text('👍 Hữu ích', `fb:up:${reply.answerId}`).text('👎 Chưa đúng', `fb:down:${reply.answerId}`) : undefined;
      // Plain JSON (the keyboard too): stored in the inbox until Telegram accepts it.
      const options = { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(markup && { reply_markup: { inline_keyboard: markup.inline_keyboard } }) };
      return { chatId, text: renderHtml(part, reply.kind === 'answer' && i === 0), options };
    });
  }

  /** Sends the messages answering this update (stored in the inbox first, retried later if Telegram refuses them). */
  private deliver(ctx: Context, messages: StoredReply[], memory?: MemoryWrite): Promise<void> {
    // In a forum topic the answer goes to the topic asked in, as ctx.reply would.
    const thread = ctx.msg?.is_topic_message ? { message_thread_id: ctx.msg.message_thread_id } : undefined;
    const all = thread ? messages.map((m) => ({ ...m, options: { ...m.options, ...thread } })) : messages;
    return this.replies.deliver(this.opts.inbox ? String(ctx.update.update_id) : undefined, all, memory);
  }

  /**
   * Connects (getMe, commands, webhook set or deleted) and starts receiving updates, then
   * answers what the inbox still holds from before a crash. A refused token throws a
   * {@link TelegramStartError}; an unreachable server is retried in the background.
   */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      if (faultOf(err) === 'auth') throw new TelegramStartError((err as GrammyError).error_code);
      this.warnFault(err, this.initialDelay());
    }
    this.loop = this.run();
  }

  private initialDelay(): number {
    return this.opts.retry?.initialMs ?? 1000;
  }

  private warnFault(err: unknown, delayMs: number): void {
    const fault = faultOf(err);
    this.problem = fault === 'conflict' ? 'xung đột 409: một phiên bản khác đang nhận tin với cùng token' : fault === 'unreachable' ? 'không kết nối được Telegram' : 'Telegram trả lỗi';
    this.opts.logger.warn({ status: err instanceof GrammyError ? err.error_code : undefined, retry_in_ms: delayMs }, faultMessage(fault, err, delayMs));
  }

  private async connect(): Promise<void> {
    // Not bot.init(): it retries an unreachable server forever, silently. Our loop warns and backs off.
    if (!this.bot.isInited()) this.bot.botInfo = await this.bot.api.getMe();
    await this.bot.api.setMyCommands([
      { command: 'hoi', description: 'Hỏi về văn bản chỉ đạo' },
      { command: 'nhiemvu', description: 'Nhiệm vụ của một cơ quan, địa phương' },
      { command: 'sapdenhan', description: 'Nhiệm vụ sắp đến hạn' },
      { command: 'quahan', description: 'Nhiệm vụ đã quá hạn' },
      { command: 'nguon', description: 'Nguồn đầy đủ của câu trả lời vừa rồi' },
      { command: 'theodoi', description: 'Nhận nhắc hạn cho một cơ quan' },
      { command: 'huytheodoi', description: 'Thôi nhắc hạn' },
      { command: 'dangtheodoi', description: 'Danh sách đang theo dõi' },
      { command: 'gopy', description: 'Góp ý' },
      { command: 'trogiup', description: 'Hướng dẫn' },
    ]).catch((err) => this.opts.logger.warn({ err }, 'setMyCommands failed'));
    if (this.opts.webhook) {
      await this.bot.api.setWebhook(this.opts.webhook.url, { secret_token: this.opts.webhook.secret, allowed_updates: [...ALLOWED_UPDATES] });
    } else {
      await this.bot.api.deleteWebhook();
    }
    this.connected = true;
    if (this.opts.webhook) this.problem = undefined;
    // Updates stored before a crash (or a failed reply) are answered now, each at most twice overall.
    await this.recoverInbox();
    await this.opts.inbox?.prune(CHANNEL);
    this.replies.start();
  }

  /**
   * Answers the updates nobody is answering: this process's from before a restart and, in a
   * cluster, those of instances that died; those whose replies were computed get the replies
   * not yet accepted, without asking again. Returns how many were picked up.
   */
  async recoverInbox(): Promise<number> {
    const inbox = this.opts.inbox;
    if (!inbox || !this.connected || this.stopping) return 0;
    const items = await inbox.orphans(CHANNEL);
    for (const item of items) {
      const replies = item.replies;
      if (!replies) this.dispatch(item.payload as Update, false);
      else {
        const resumed = (async () => {
          if (await inbox.begin(CHANNEL, item.updateId)) await this.replies.resume({ ...item, replies });
        })();
        this.track(resumed.catch((err: unknown) => this.opts.logger.error({ err, update_id: item.updateId }, 'inbox write failed')));
      }
    }
    return items.length;
  }

  /** Connects (when start() could not) and, without a webhook, long-polls until stop(). */
  private async run(): Promise<void> {
    let delay = this.initialDelay();
    const maxDelay = this.opts.retry?.maxMs ?? 60_000;
    while (!this.stopping) {
      try {
        if (!this.connected) await this.connect();
        if (this.opts.webhook) return;
        const updates = await this.bot.api.getUpdates(
          { offset: this.offset, timeout: this.opts.pollTimeoutSeconds ?? 30, allowed_updates: [...ALLOWED_UPDATES] },
          // grammY types its signal with the abort-controller polyfill; the native one is what it uses at run time.
          this.abort.signal as never,
        );
        if (this.problem !== undefined) this.opts.logger.info('Đã nhận tin từ Telegram trở lại.');
        this.problem = undefined;
        delay = this.initialDelay();
        // Stored before the next getUpdates confirms them to Telegram.
        const fresh = await this.receive(updates, true);
        if (updates.length > 0) this.offset = updates[updates.length - 1]!.update_id + 1;
        for (const u of fresh) this.dispatch(u, true);
        while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
      } catch (err) {
        if (this.stopping) break;
        if (faultOf(err) === 'auth') {
          this.problem = 'Telegram từ chối token (401/404)';
          this.opts.logger.error(`${new TelegramStartError((err as GrammyError).error_code).message} Kênh Telegram ngừng nhận tin.`);
          return;
        }
        this.warnFault(err, delay);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  }

  /**
   * Stores updates in the inbox; returns those not seen before (all of them without an inbox).
   * With `begin` they count as being processed now (one statement instead of two).
   */
  private async receive(updates: Update[], begin: boolean): Promise<Update[]> {
    const inbox = this.opts.inbox;
    if (!inbox || updates.length === 0) return updates;
    const fresh = new Set((await inbox.receive(CHANNEL, updates.map((u) => ({ id: String(u.update_id), payload: u })), { begin })).map((u) => u.id));
    return updates.filter((u) => fresh.has(String(u.update_id)));
  }

  /**
   * Handles one update in the background; done in the inbox once it went through (replies accepted).
   * `begun`: its attempt was already counted when it was stored.
   */
  private dispatch(update: Update, begun: boolean): void {
    const id = String(update.update_id);
    const inbox = this.opts.inbox;
    const handled = (async () => {
      if (inbox && !begun && !(await inbox.begin(CHANNEL, id))) return;
      try {
        await this.bot.handleUpdate(update);
      } catch (err) {
        // A deferred reply was logged with its retry delay; it stays pending.
        if (!(err instanceof ReplyDeferred)) this.opts.logger.warn({ err, update_id: update.update_id }, 'Chưa trả lời được tin (sẽ thử lại khi khởi động lại).');
        return;
      }
      await inbox?.done(CHANNEL, id);
    })().catch((err: unknown) => this.opts.logger.error({ err, update_id: update.update_id }, 'inbox write failed'));
    this.track(handled);
  }

  /** Work that stop() waits for. */
  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /**
   * Handles a webhook POST: checks the secret header (constant time; 401 otherwise), stores the
   * update in the inbox, answers 200, then processes it. A body that is not an update gets 400.
   */
  async handleWebhook(req: HttpRequest, res: ServerResponse): Promise<void> {
    const secret = this.opts.webhook?.secret;
    if (!secret) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const header = req.headers['x-telegram-bot-api-secret-token'];
    if (typeof header !== 'string' || !safeEqual(header, secret)) {
      req.resume();
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' }).end('secret token is wrong');
      return;
    }
    let update: Update;
    try {
      update = JSON.parse(await readBody(req, MAX_WEBHOOK_BYTES)) as Update;
    } catch (err) {
      const tooLarge = (err as Error).message === 'body too large';
      res.writeHead(tooLarge ? 413 : 400, tooLarge ? { connection: 'close' } : {}).end();
      return;
    }
    if (!update || typeof update !== 'object' || !Number.isSafeInteger(update.update_id)) {
      res.writeHead(400).end();
      return;
    }
    // Stored (durably) before the 200: a crash after it loses nothing. Not connected yet: stored
    // unstarted and answered from the inbox once connected.
    const connected = this.connected;
    let fresh: Update[];
    try {
      fresh = await this.receive([update], connected);
    } catch (err) {
      this.opts.logger.error({ err, update_id: update.update_id }, 'inbox write failed; Telegram will resend the update');
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (!connected) return;
    for (const u of fresh) this.dispatch(u, true);
  }

  /**
   * Stops after the updates in hand are answered, then confirms the polling offset to
   * Telegram (everything below it is stored in the inbox anyway).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.loop?.catch(() => undefined);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.replies.stop();
    if (!this.opts.webhook && this.offset > 0 && this.connected) {
      await this.bot.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }).catch(() => undefined);
    }
  }
}

/** Escapes the reply and makes its first line bold. */
export function renderHtml(text: string, boldFirstLine: boolean): string {
  if (!boldFirstLine) return escapeHtml(text);
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  return `<b>${escapeHtml(first)}</b>${nl < 0 ? '' : escapeHtml(text.slice(nl))}`;
}
