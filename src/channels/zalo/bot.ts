/**
 * Zalo Bot Platform adapter: long polling (getUpdates) or webhook
 * (X-Bot-Api-Secret-Token verified in constant time), plain-text answers in
 * numbered parts of at most 2,000 characters, and a short hint for images,
 * stickers and other non-text events. Messages of one chat are answered in
 * order; a failing update is logged and never stops the loop. With an inbox,
 * every update is stored before it is acknowledged (webhook 200) or handled
 * (polling: Zalo has no offset, fetching confirms), marked done once answered,
 * and what is pending after a crash is answered at start-up (at most twice). A reply
 * Zalo refuses (5xx, unreachable) is sent again by the running process, with a growing
 * delay ({@link ReplyDelivery}).
 */
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import type { Logger } from '../../config/logger.js';
import type { Conversation } from '../../conversation/conversation.js';
import { safeEqual } from '../../conversation/guards.js';
import { readBody } from '../http.js';
import type { Inbox, StoredReply } from '../../storage/types.js';
import { ReplyDeferred, ReplyDelivery, type ReplyRetryOptions } from '../replies.js';
import { ZaloApiError, ZaloBotClient, type ZaloUpdate } from './client.js';
import { ZaloSender, type ZaloSenderOptions } from './sender.js';

export interface ZaloBotOptions {
  token: string;
  apiRoot?: string;
  conversation: Conversation;
  logger: Logger;
  webhook?: { url: string; secret: string };
  /** Long-poll timeout in seconds (default 30). */
  pollTimeoutSeconds?: number;
  /** Where updates wait until answered. */
  inbox?: Inbox;
  /** Retries of one message inside the sender (default 3 attempts, 0.5 s then 1 s apart). */
  sendRetry?: Pick<ZaloSenderOptions, 'maxAttempts' | 'baseDelayMs'>;
  /** Replies refused by Zalo (5xx, unreachable) are sent again later by the running process. */
  replyRetry?: ReplyRetryOptions;
}

const CHANNEL = 'zalo';

/** The inbox key of an update: its message id (none: not stored, handled directly). */
function updateKey(update: ZaloUpdate): string | undefined {
  const id = (update as { message?: { message_id?: unknown } })?.message?.message_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

const NON_TEXT_HINT = 'Tôi chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi, ví dụ: «Bộ Y tế phải làm gì?», hoặc /trogiup để xem các lệnh.';
const MAX_BODY_BYTES = 256 * 1024;

export class ZaloChannel {
  readonly client: ZaloBotClient;
  readonly sender: ZaloSender;
  private readonly replies: ReplyDelivery;
  private polling = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private botName = '';
  /** Per-chat tail of work, so one chat's messages are answered in order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: ZaloBotOptions) {
    this.client = new ZaloBotClient({ token: opts.token, ...(opts.apiRoot && { apiRoot: opts.apiRoot }) });
    this.sender = new ZaloSender(this.client, { logger: opts.logger, ...opts.sendRetry });
    this.replies = new ReplyDelivery({
      channel: CHANNEL,
      ...(opts.inbox && { inbox: opts.inbox }),
      logger: opts.logger,
      send: (r) => this.sender.sendPart(r.chatId, r.text),
      // Zalo's side or the network (status 0), not the chat (403 is a ChatUnreachableError).
      transient: (err) => err instanceof ZaloApiError && (err.status === 0 || err.status >= 500 || err.errorCode >= 500 || err.errorCode === 429),
      ...(opts.replyRetry && { retry: opts.replyRetry }),
    });
  }

  async start(): Promise<void> {
    const me = await this.client.getMe();
    this.botName = me.account_name ?? '';
    // Updates stored before a crash are answered now; those whose replies were computed get the
    // replies not yet accepted, without asking again.
    await this.recoverInbox();
    await this.opts.inbox?.prune(CHANNEL);
    this.replies.start();
    if (this.opts.webhook) {
      await this.client.setWebhook(this.opts.webhook.url, this.opts.webhook.secret);
      return;
    }
    await this.client.deleteWebhook().catch(() => undefined);
    this.polling = true;
    this.loop = this.poll();
  }

  private async poll(): Promise<void> {
    let backoff = 1000;
    while (this.polling) {
      this.abort = new AbortController();
      try {
        const updates = await this.client.getUpdates({ timeoutSeconds: this.opts.pollTimeoutSeconds ?? 30, signal: this.abort.signal });
        for (const u of await this.receive(updates)) void this.enqueue(u, true);
        backoff = 1000;
      } catch (err) {
        if (!this.polling) break;
        if (err instanceof ZaloApiError && err.status === 401) {
          this.opts.logger.error('Zalo từ chối token (401): kiểm tra ZALO_BOT_TOKEN. Ngừng nhận tin Zalo.');
          this.polling = false;
          break;
        }
        this.opts.logger.warn({ err }, 'zalo getUpdates failed; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  /**
   * Answers the updates nobody is answering: this process's from before a restart and, in a
   * cluster, those of instances that died; those whose replies were computed get the replies
   * not yet accepted, without asking again. Returns how many were picked up.
   */
  async recoverInbox(): Promise<number> {
    const inbox = this.opts.inbox;
    if (!inbox) return 0;
    const items = await inbox.orphans(CHANNEL);
    for (const item of items) {
      const replies = item.replies;
      if (!replies) void this.enqueue(item.payload as ZaloUpdate, false);
      else
        void this.chain(String(replies[0]?.chatId ?? ''), async () => {
          if (await inbox.begin(CHANNEL, item.updateId)) await this.replies.resume({ ...item, replies });
        });
    }
    return items.length;
  }

  /** Stores updates in the inbox, counted as being processed now; returns those not seen before (all of them without an inbox). */
  private async receive(updates: ZaloUpdate[]): Promise<ZaloUpdate[]> {
    const inbox = this.opts.inbox;
    if (!inbox) return updates;
    const keyed = updates.filter((u) => updateKey(u) !== undefined);
    const fresh = new Set((await inbox.receive(CHANNEL, keyed.map((u) => ({ id: updateKey(u)!, payload: u })), { begin: true })).map((u) => u.id));
    return updates.filter((u) => updateKey(u) === undefined || fresh.has(updateKey(u)!));
  }

  /**
   * Queues an update behind the previous ones of the same chat; done in the inbox once answered.
   * `begun`: its attempt was counted when it was stored.
   */
  enqueue(update: ZaloUpdate, begun: boolean): Promise<void> {
    const chatId = update?.message?.chat?.id;
    if (!chatId) return Promise.resolve();
    const key = updateKey(update);
    const inbox = this.opts.inbox;
    return this.chain(chatId, async () => {
      if (key !== undefined && inbox && !begun && !(await inbox.begin(CHANNEL, key))) return;
      await this.handle(update, key);
      if (key !== undefined) await inbox?.done(CHANNEL, key);
    });
  }

  /** Runs `work` after the chat's previous work; a failure is logged (a deferred reply was already). */
  private chain(chatId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(chatId) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      if (!(err instanceof ReplyDeferred)) this.opts.logger.error({ err }, 'zalo update failed');
    });
    this.chains.set(chatId, next);
    void next.finally(() => {
      if (this.chains.get(chatId) === next) this.chains.delete(chatId);
    });
    return next;
  }

  private async handle(update: ZaloUpdate, key: string | undefined): Promise<void> {
    const message = update.message;
    const chatId = String(message.chat.id);
    const group = String(message.chat.chat_type ?? '').toUpperCase() === 'GROUP';
    // The parts of every reply, stored in the inbox before the first is sent (retried later if Zalo refuses one).
    const deliver = (texts: string[]) => this.replies.deliver(this.opts.inbox ? key : undefined, texts.flatMap((t) => this.sender.parts(t).map((text): StoredReply => ({ chatId, text }))));
    if (update.event_name !== 'message.text.received' || typeof message.text !== 'string') {
      if (!group) await deliver([NON_TEXT_HINT]);
      return;
    }
    let text = message.text;
    let addressed = !group;
    if (group && this.botName) {
      const mention = `@${this.botName}`;
      if (text.includes(mention)) {
        addressed = true;
        text = text.replace(mention, ' ').trim();
      }
    }
    void this.client.sendChatAction(chatId, 'typing').catch(() => undefined);
    const replies = await this.opts.conversation.handle({
      channel: 'zalo',
      chatId,
      userId: String(message.from?.id ?? chatId),
      ...((message.from?.display_name ?? message.from?.first_name) && { userName: String(message.from.display_name ?? message.from.first_name) }),
      text,
      chatType: group ? 'group' : 'private',
      addressedToBot: addressed,
    });
    // Zalo has no buttons: offer the sources as a command instead.
    await deliver(replies.map((reply) => (reply.kind === 'answer' ? `${reply.text}\n\nGõ /nguon để xem nguồn đầy đủ.` : reply.text)));
  }

  /** Webhook POST: verifies the secret header in constant time, then answers 200 at once and handles the update. */
  async handleWebhook(req: HttpRequest, res: ServerResponse): Promise<void> {
    const expected = this.opts.webhook?.secret;
    const given = req.headers['x-bot-api-secret-token'];
    if (!expected || typeof given !== 'string' || !safeEqual(given, expected)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"ok":false,"description":"Unauthorized"}');
      req.resume();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
    } catch (err) {
      const tooLarge = (err as Error).message === 'body too large';
      res.writeHead(tooLarge ? 413 : 400, { 'content-type': 'application/json', ...(tooLarge && { connection: 'close' }) });
      res.end(tooLarge ? '{"ok":false,"description":"Payload Too Large"}' : '{"ok":false,"description":"Bad Request"}');
      return;
    }
    const b = (body ?? {}) as { result?: ZaloUpdate } & Partial<ZaloUpdate>;
    const update = b.result ?? (b.message ? (b as ZaloUpdate) : undefined);
    // Stored before the 200: an acknowledged update survives a crash.
    let fresh: ZaloUpdate[];
    try {
      fresh = update ? await this.receive([update]) : [];
    } catch (err) {
      this.opts.logger.error({ err }, 'inbox write failed; the update is refused so that Zalo resends it');
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"ok":false,"description":"Service Unavailable"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    for (const u of fresh) await this.enqueue(u, true);
  }

  async stop(): Promise<void> {
    this.polling = false;
    this.abort?.abort();
    await this.loop;
    await Promise.allSettled([...this.chains.values()]);
    await this.replies.stop();
  }
}
