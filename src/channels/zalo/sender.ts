/**
 * Outbound Zalo messages: numbered parts of ≤ 2000 characters, paced per chat and globally,
 * retried on 429 / 5xx / network errors, 403 mapped to ChatUnreachableError.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { splitMessage } from '../split.js';
import { ChatUnreachableError, type MessageSender, type OutboundMessage } from '../types.js';
import { ZaloApiError, type ZaloBotClient } from './client.js';

export interface ZaloSenderOptions {
  /** Attempts per part, first included (default 3). */
  maxAttempts?: number;
  /** Backoff before retry n is baseDelayMs · 2^(n-1) when the server gave no retry_after (default 500). */
  baseDelayMs?: number;
  /** Longest wait before a retry; a larger retry_after fails at once (default 30000). */
  maxDelayMs?: number;
  /** Minimum gap between two messages to one chat (default 1000). */
  perChatIntervalMs?: number;
  /** Messages per second over all chats, burst of the same size (default 20). */
  globalPerSecond?: number;
  /** Receives a line per retry; pino's logger fits. */
  logger?: { warn(obj: object, msg?: string): void };
}

/** Sends through a ZaloBotClient; parts of one message keep their order and never interleave with another message to the same chat. */
export class ZaloSender implements MessageSender {
  readonly channel = 'zalo' as const;
  readonly maxLength = 2000;
  readonly #client: ZaloBotClient;
  readonly #opts: Required<Omit<ZaloSenderOptions, 'logger'>> & Pick<ZaloSenderOptions, 'logger'>;
  readonly #bucket: TokenBucket;
  readonly #lastSent = new Map<string, number>();
  readonly #tails = new Map<string, Promise<void>>();

  constructor(client: ZaloBotClient, opts: ZaloSenderOptions = {}) {
    this.#client = client;
    this.#opts = {
      maxAttempts: opts.maxAttempts ?? 3,
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      perChatIntervalMs: opts.perChatIntervalMs ?? 1000,
      globalPerSecond: opts.globalPerSecond ?? 20,
      logger: opts.logger,
    };
    this.#bucket = new TokenBucket(this.#opts.globalPerSecond);
  }

  async send(message: OutboundMessage): Promise<void> {
    const parts = this.parts(message.text);
    if (parts.length === 0) throw new Error('ZaloSender: refusing to send an empty message');
    await this.#serial(message.chatId, async () => {
      for (const part of parts) await this.#sendPart(message.chatId, part);
    });
  }

  /** The numbered parts "(1/n) …" that send() would deliver for `text`. */
  parts(text: string): string[] {
    return splitMessage(text, this.maxLength, { numberParts: true });
  }

  /** Sends one part (≤ maxLength) as it is, paced and retried like send(), in order with other sends to the chat. */
  sendPart(chatId: string, part: string): Promise<void> {
    return this.#serial(chatId, () => this.#sendPart(chatId, part));
  }

  async #sendPart(chatId: string, text: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.#pace(chatId);
      try {
        await this.#client.sendMessage(chatId, text);
        this.#lastSent.set(chatId, Date.now()); // measured from the reply, so arrivals are ≥ interval apart
        return;
      } catch (err) {
        this.#lastSent.set(chatId, Date.now());
        if (!(err instanceof ZaloApiError)) throw err;
        if (err.errorCode === 403 || err.status === 403) throw new ChatUnreachableError('zalo', chatId, err.description);
        const retryable = err.errorCode === 429 || err.errorCode >= 500 || err.status >= 500 || err.status === 0;
        if (!retryable || attempt >= this.#opts.maxAttempts) throw err;
        const delay = err.retryAfter !== undefined ? err.retryAfter * 1000 : this.#opts.baseDelayMs * 2 ** (attempt - 1);
        if (delay > this.#opts.maxDelayMs) throw err;
        this.#opts.logger?.warn({ channel: 'zalo', chatId, attempt, errorCode: err.errorCode, delayMs: delay }, 'zalo sendMessage failed, retrying');
        await sleep(delay);
      }
    }
  }

  /** Waits until the chat's interval since its last reply has passed, then for a global token. */
  async #pace(chatId: string): Promise<void> {
    const last = this.#lastSent.get(chatId);
    if (last !== undefined) {
      const wait = last + this.#opts.perChatIntervalMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await this.#bucket.take();
    if (this.#lastSent.size > 10_000) this.#prune();
  }

  #prune(): void {
    const cutoff = Date.now() - this.#opts.perChatIntervalMs;
    for (const [chat, at] of this.#lastSent) if (at < cutoff) this.#lastSent.delete(chat);
  }

  #serial(chatId: string, task: () => Promise<void>): Promise<void> {
    const result = (this.#tails.get(chatId) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.#tails.set(chatId, tail);
    void tail.then(() => {
      if (this.#tails.get(chatId) === tail) this.#tails.delete(chatId);
    });
    return result;
  }
}

/** FIFO token bucket: `ratePerSecond` tokens per second, holding at most `ratePerSecond`. */
class TokenBucket {
  #tokens: number;
  #last = Date.now();
  #waiting: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly ratePerSecond: number) {
    this.#tokens = ratePerSecond;
  }

  take(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#drain();
    });
  }

  #drain(): void {
    const now = Date.now();
    this.#tokens = Math.min(this.ratePerSecond, this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000);
    this.#last = now;
    while (this.#waiting.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#waiting.shift()!();
    }
    if (this.#waiting.length > 0 && this.#timer === undefined) {
      const ms = Math.ceil(((1 - this.#tokens) * 1000) / this.ratePerSecond);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#drain();
      }, ms);
    }
  }
}
