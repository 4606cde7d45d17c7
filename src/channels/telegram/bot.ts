/**
 * Telegram adapter (grammY). Long polling with @grammyjs/runner by default,
 * webhook when a URL is configured; answers in HTML parse mode with every
 * dynamic piece escaped, split at paragraph boundaries within 4,096
 * characters, with 👍/👎 buttons; typing action while answering; in groups
 * only commands and messages that mention or reply to the bot are answered.
 * One bad update is logged and answered politely; it never stops the bot.
 */
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import { Bot, InlineKeyboard, webhookCallback, type BotError, type Context } from 'grammy';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import type { Conversation } from '../../conversation/conversation.js';
import type { Reply } from '../../conversation/types.js';
import type { Logger } from '../../config/logger.js';
import { splitMessage } from '../split.js';
import { escapeHtml, installTelegramTransformers, TelegramSender } from './sender.js';

export interface TelegramBotOptions {
  token: string;
  apiRoot?: string;
  conversation: Conversation;
  logger: Logger;
  /** Webhook mode: Telegram posts updates to this URL with this secret header. */
  webhook?: { url: string; secret: string };
  /** Outbound throttling (on by default; benchmarks against a local server turn it off). */
  throttle?: boolean;
}

const MAX_TELEGRAM = 4096;

export class TelegramChannel {
  readonly bot: Bot;
  readonly sender: TelegramSender;
  private runner: RunnerHandle | undefined;
  private lastUpdateId = -1;
  /** Updates being handled: stop() waits for them (runner.stop() only stops fetching). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly webhookHandler: ((req: HttpRequest, res: ServerResponse) => Promise<void>) | undefined;

  constructor(private readonly opts: TelegramBotOptions) {
    this.bot = new Bot(opts.token, {
      client: {
        ...(opts.apiRoot && { apiRoot: opts.apiRoot }),
        // Webhook mode: the typing action rides in the reply to Telegram's POST instead of costing
        // a request of its own (its result is never needed). Long polling ignores this.
        canUseWebhookReply: (method) => method === 'sendChatAction',
      },
    });
    installTelegramTransformers(this.bot.api, { ...(opts.throttle === false && { throttle: false }) });
    this.sender = new TelegramSender(this.bot.api);
    this.install();
    if (opts.webhook) {
      this.webhookHandler = webhookCallback(this.bot, 'http', { secretToken: opts.webhook.secret, onTimeout: 'return', timeoutMilliseconds: 25_000 }) as (
        req: HttpRequest,
        res: ServerResponse,
      ) => Promise<void>;
    }
  }

  private install(): void {
    const { conversation, logger } = this.opts;
    this.bot.use(async (ctx, next) => {
      if (ctx.update.update_id > this.lastUpdateId) this.lastUpdateId = ctx.update.update_id;
      const handled = next();
      this.inFlight.add(handled);
      try {
        await handled;
      } finally {
        this.inFlight.delete(handled);
      }
    });
    const onError = async (err: BotError) => {
      logger.error({ err: err.error, update_id: err.ctx.update.update_id }, 'telegram update failed');
      // ctx.reply throws synchronously (not a rejected promise) when the update has no chat.
      if (err.ctx.chat) await err.ctx.reply('Xin lỗi, đã có lỗi khi xử lý tin nhắn này. Vui lòng thử lại.').catch(() => undefined);
    };
    this.bot.catch(onError);
    // bot.catch only covers long polling: with webhookCallback grammY rethrows, the route answers 500
    // and Telegram resends the update. The boundary handles a failing update the same way in both modes.
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
      const typing = ctx.replyWithChatAction('typing').catch(() => undefined);
      const replies = await conversation.handle({
        channel: 'telegram',
        chatId: String(ctx.chat.id),
        userId: String(ctx.from?.id ?? ctx.chat.id),
        ...(ctx.from?.first_name && { userName: ctx.from.first_name }),
        text,
        chatType,
        addressedToBot: addressed,
      });
      await typing;
      for (const reply of replies) await this.sendReply(ctx, reply);
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
      await ctx.reply('Tôi chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi, ví dụ: «Bộ Y tế phải làm gì?», hoặc /trogiup.');
    });
  }

  /** Sends one reply as escaped HTML, split within Telegram's limit; feedback buttons on the last part of an answer. */
  private async sendReply(ctx: Context, reply: Reply): Promise<void> {
    const parts = splitMessage(reply.text, MAX_TELEGRAM - 200);
    for (const [i, part] of parts.entries()) {
      const html = renderHtml(part, reply.kind === 'answer' && i === 0);
      const last = i === parts.length - 1;
      const markup = reply.answerId && last ? new InlineKeyboard().text('👍 Hữu ích', `fb:up:${reply.answerId}`).text('👎 Chưa đúng', `fb:down:${reply.answerId}`) : undefined;
      await ctx.reply(html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(markup && { reply_markup: markup }) });
    }
  }

  /** Starts receiving updates: sets the webhook, or deletes it and long-polls. */
  async start(): Promise<void> {
    await this.bot.init();
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
      await this.bot.api.setWebhook(this.opts.webhook.url, { secret_token: this.opts.webhook.secret, allowed_updates: ['message', 'callback_query'] });
      return;
    }
    await this.bot.api.deleteWebhook();
    this.runner = run(this.bot, { runner: { fetch: { allowed_updates: ['message', 'callback_query'] } } });
  }

  /** Handles a webhook POST (the secret header is compared in constant time by grammY; a mismatch gets 401). */
  async handleWebhook(req: HttpRequest, res: ServerResponse): Promise<void> {
    if (!this.webhookHandler) {
      res.writeHead(404).end();
      return;
    }
    await this.webhookHandler(req, res);
  }

  /**
   * Stops after the updates in hand are answered, then confirms the last offset
   * to Telegram so a restart does not receive (and answer) them again.
   */
  async stop(): Promise<void> {
    if (this.runner?.isRunning()) await this.runner.stop();
    // The runner hands fetched updates to its sink and returns: wait until they are answered,
    // or confirming the offset below would drop the answers still in hand.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (!this.opts.webhook && this.lastUpdateId >= 0) {
      await this.bot.api.getUpdates({ offset: this.lastUpdateId + 1, limit: 1, timeout: 0 }).catch(() => undefined);
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
