/**
 * What every chat platform adapter offers to the rest of the product for
 * outbound messages (answers, reminders). Incoming updates go the other way,
 * through the conversation layer.
 */

export type ChannelName = 'telegram' | 'zalo' | 'web' | 'cli';

/** A plain-text message, possibly longer than the platform allows: the sender splits it. */
export interface OutboundMessage {
  chatId: string;
  text: string;
}

/** The chat blocked the bot or no longer exists (HTTP 403 / 400 chat not found): do not retry. */
export class ChatUnreachableError extends Error {
  constructor(readonly channel: ChannelName, readonly chatId: string, readonly description: string) {
    super(`${channel} chat ${chatId} unreachable: ${description}`);
    this.name = 'ChatUnreachableError';
  }
}

/** Sends text to a chat on one platform, retrying 429/5xx and throttling to the platform's limits. */
export interface MessageSender {
  readonly channel: ChannelName;
  /** Maximum characters per message on this platform (Telegram 4096, Zalo 2000). */
  readonly maxLength: number;
  /**
   * Sends `text`, split at paragraph boundaries into parts within `maxLength`.
   * Resolves when every part is accepted; rejects with ChatUnreachableError
   * when the chat blocked the bot, or another Error after retries are exhausted.
   */
  send(message: OutboundMessage): Promise<void>;
}
