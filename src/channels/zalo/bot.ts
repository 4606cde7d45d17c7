/**
 * Zalo Bot Platform adapter: long polling (getUpdates) or webhook
 * (X-Bot-Api-Secret-Token verified in constant time), plain-text answers in
 * numbered parts of at most 2,000 characters, and a short hint for images,
 * stickers and other non-text events. Messages of one chat are answered in
 * order; a failing update is logged and never stops the loop. With an inbox,
 * every update is stored before it is acknowledged (webhook 200) or handled
 * (polling: Zalo has no offset, fetching confirms), marked done once answered,
 * and what is pending after a crash is answered at start-up (at most twice).
 */
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import type { Logger } from '../../config/logger.js';
import type { Conversation } from '../../conversation/conversation.js';
import { safeEqual } from '../../conversation/guards.js';
import { readBody } from '../http.js';
import type { Inbox } from '../../storage/types.js';
import { ZaloApiError, ZaloBotClient, type ZaloUpdate } from './client.js';
import { ZaloSender } from './sender.js';

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
  private polling = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private botName = '';
  /** Per-chat tail of work, so one chat's messages are answered in order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: ZaloBotOptions) {
    this.client = new ZaloBotClient({ token: opts.token, ...(opts.apiRoot && { apiRoot: opts.apiRoot }) });
    this.sender = new ZaloSender(this.client, { logger: opts.logger });
  }

  async start(): Promise<void> {
    const me = await this.client.getMe();
    this.botName = me.account_name ?? '';
    // Updates stored before a crash are answered now.
    await this.recoverInbox();
    await this.opts.inbox?.prune(CHANNEL);
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
   * cluster, those of instances that died. Returns how many were picked up.
   */
  async recoverInbox(): Promise<number> {
    if (!this.opts.inbox) return 0;
    const items = await this.opts.inbox.orphans(CHANNEL);
    for (const item of items) void this.enqueue(item.payload as ZaloUpdate, false);
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
    const previous = this.chains.get(chatId) ?? Promise.resolve();
    const key = updateKey(update);
    const inbox = this.opts.inbox;
    const next = previous
      .then(async () => {
        if (key !== undefined && inbox && !begun && !(await inbox.begin(CHANNEL, key))) return;
        await this.handle(update);
        if (key !== undefined) await inbox?.done(CHANNEL, key);
      })
      .catch((err) => this.opts.logger.error({ err }, 'zalo update failed'));
    this.chains.set(chatId, next);
    void next.finally(() => {
      if (this.chains.get(chatId) === next) this.chains.delete(chatId);
    });
    return next;
  }

  private async handle(update: ZaloUpdate): Promise<void> {
    const message = update.message;
    const chatId = String(message.chat.id);
    const group = String(message.chat.chat_type ?? '').toUpperCase() === 'GROUP';
    if (update.event_name !== 'message.text.received' || typeof message.text !== 'string') {
      if (!group) await this.sender.send({ chatId, text: NON_TEXT_HINT });
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
    for (const reply of replies) {
      // Zalo has no buttons: offer feedback as commands instead.
      const text = reply.kind === 'answer' ? `${reply.text}\n\nGõ /nguon để xem nguồn đầy đủ.` : reply.text;
      await this.sender.send({ chatId, text });
    }
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
  }
}
