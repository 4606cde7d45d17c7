/**
 * Outbound Telegram messages: a grammY `Api` with retrying and throttling transformers, and a
 * MessageSender that splits long text and maps "blocked / chat not found" to ChatUnreachableError.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler, type APIThrottlerOptions } from '@grammyjs/transformer-throttler';
import { Api, GrammyError, HttpError, type Transformer } from 'grammy';
import { splitMessage } from '../split.js';
import { ChatUnreachableError, type MessageSender, type OutboundMessage } from '../types.js';

export interface TelegramApiOptions {
  token: string;
  /** Bot API server root without trailing slash; default https://api.telegram.org. */
  apiRoot?: string;
  /** Seconds before grammY aborts one HTTP call (default 60; raise it for long getUpdates timeouts). */
  timeoutSeconds?: number;
  /**
   * @grammyjs/auto-retry settings. Defaults: 2 retries (3 attempts), retry_after honoured up to 30 s
   * (a longer retry_after fails at once). Note: its 5xx backoff is fixed at 3 s, 6 s, 12 s….
   */
  retry?: { maxRetryAttempts?: number; maxDelaySeconds?: number; rethrowInternalServerErrors?: boolean };
  /**
   * Network failures (grammY HttpError) are retried this many times, 1 s then 2 s apart (default 2);
   * auto-retry would retry them forever. getUpdates is never retried here (the poller does it).
   */
  networkRetries?: number;
  /**
   * @grammyjs/transformer-throttler options, or `false` to disable (benchmarks against a fake).
   * Defaults are Telegram's limits: 30 msg/s overall, 1 msg/s per private chat, 20 msg/min and
   * 1 msg/s per group (negative chat id). sendChatAction is never throttled here.
   */
  throttle?: false | APIThrottlerOptions;
}

/**
 * Installs the throttler, a bounded network retry and auto-retry on an existing Api (e.g. `bot.api`;
 * grammY copies installed transformers to every `ctx.api`). Install once per Api.
 */
export function installTelegramTransformers(api: Api, opts: Omit<TelegramApiOptions, 'token' | 'apiRoot' | 'timeoutSeconds'> = {}): Api {
  if (opts.throttle !== false) api.config.use(skipChatActions(apiThrottler(opts.throttle ?? {})));
  api.config.use(retryNetworkErrors(opts.networkRetries ?? 2, 1000));
  api.config.use(
    autoRetry({
      maxRetryAttempts: opts.retry?.maxRetryAttempts ?? 2,
      maxDelaySeconds: opts.retry?.maxDelaySeconds ?? 30,
      rethrowHttpErrors: true, // handled, with a bound, by retryNetworkErrors
      // auto-retry waits 3 s even after its last 5xx attempt; callers retrying on their own turn it off.
      rethrowInternalServerErrors: opts.retry?.rethrowInternalServerErrors ?? false,
    }),
  );
  return api;
}

/** A grammY Api for `token` (and optionally a custom/fake apiRoot) with retry and throttling installed. */
export function createTelegramApi(opts: TelegramApiOptions): Api {
  const api = new Api(opts.token, {
    ...(opts.apiRoot !== undefined ? { apiRoot: opts.apiRoot.replace(/\/+$/, '') } : {}),
    timeoutSeconds: opts.timeoutSeconds ?? 60,
  });
  return installTelegramTransformers(api, opts);
}

/** The throttler queues every call that has a chat_id; "typing…" should not delay the answer by 1 s. */
function skipChatActions(throttler: Transformer): Transformer {
  return (prev, method, payload, signal) =>
    method === 'sendChatAction' ? prev(method, payload, signal) : throttler(prev, method, payload, signal);
}

function retryNetworkErrors(retries: number, baseDelayMs: number): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await prev(method, payload, signal);
      } catch (err) {
        if (!(err instanceof HttpError) || attempt >= retries || method === 'getUpdates' || signal?.aborted) throw err;
        await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** attempt));
      }
    }
  };
}

/** Escapes text for parse_mode HTML: & < > " (enough for text and attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const UNREACHABLE_400 = /chat not found|user not found|peer_id_invalid|chat_write_forbidden|group chat was deactivated|group chat was upgraded/i;

/** Maps a grammY error to ChatUnreachableError when the chat cannot be written to; otherwise returns it. */
export function toChatUnreachable(err: unknown, chatId: string): unknown {
  if (!(err instanceof GrammyError)) return err;
  if (err.error_code === 403 || (err.error_code === 400 && UNREACHABLE_400.test(err.description))) {
    const migrated = err.parameters.migrate_to_chat_id;
    const description = migrated !== undefined ? `${err.description} (migrate_to_chat_id ${migrated})` : err.description;
    return new ChatUnreachableError('telegram', chatId, description);
  }
  return err;
}

export interface TelegramSenderOptions {
  /** Prefix parts with "(1/3) " when a text needs several messages (default false). */
  numberParts?: boolean;
}

/**
 * Sends plain text (no parse_mode, so nothing needs escaping) through an Api from createTelegramApi.
 * Parts of one message are sent in order; concurrent sends to the same chat do not interleave.
 */
export class TelegramSender implements MessageSender {
  readonly channel = 'telegram' as const;
  readonly maxLength = 4096;
  readonly #chats = new ChatQueue();

  constructor(
    private readonly api: Api,
    private readonly opts: TelegramSenderOptions = {},
  ) {}

  async send(message: OutboundMessage): Promise<void> {
    const parts = splitMessage(message.text, this.maxLength, { numberParts: this.opts.numberParts ?? false });
    if (parts.length === 0) throw new Error('TelegramSender: refusing to send an empty message');
    const target = /^-?\d+$/.test(message.chatId) ? Number(message.chatId) : message.chatId;
    await this.#chats.run(message.chatId, async () => {
      for (const part of parts) {
        try {
          await this.api.sendMessage(target, part);
        } catch (err) {
          throw toChatUnreachable(err, message.chatId);
        }
      }
    });
  }
}

/** Runs tasks one after another per key. */
class ChatQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
