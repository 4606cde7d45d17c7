/**
 * The conversation layer's contract with the channels. A channel turns its
 * platform's update into an IncomingMessage, hands it to the Conversation, and
 * renders the Replies its own way (Telegram HTML, Zalo plain text, web JSON).
 */
import type { ChannelName } from '../channels/types.js';

export interface IncomingMessage {
  channel: ChannelName;
  chatId: string;
  userId: string;
  userName?: string;
  /** Text with any bot mention already removed by the channel. */
  text: string;
  chatType: 'private' | 'group';
  /** In groups: the message mentions the bot or replies to one of its messages. */
  addressedToBot?: boolean;
  /** The channel already checked the access credential (a web session issued against ACCESS_CODE). */
  authorized?: boolean;
}

export type ReplyKind = 'answer' | 'info' | 'error' | 'refusal';

export interface Reply {
  kind: ReplyKind;
  /** Plain text; channels escape it for their format. */
  text: string;
  /** Set on answers: channels attach 👍/👎 feedback to it. */
  answerId?: string;
}

/** Storage the conversation needs: chats, reminder subscriptions, feedback, the access allowlist. */
export interface ConversationStore {
  upsertChat(chat: { channel: string; chatId: string; title?: string }): void;
  isAllowed(channel: string, chatId: string): boolean;
  setAllowed(channel: string, chatId: string, allowed: boolean): void;
  subscribe(s: { channel: string; chatId: string; agency: string; offsets?: number[] }): unknown;
  unsubscribe(channel: string, chatId: string, agency: string): boolean;
  subscriptions(channel?: string, chatId?: string): Array<{ agency: string; offsets: number[] }>;
  /** Stops the weekly overdue reminder of one task for this chat. */
  muteTask(channel: string, chatId: string, taskId: string): void;
  addFeedback(f: { channel: string; chatId: string; answerId?: string; vote?: 'up' | 'down'; text?: string; question?: string; answer?: string; reason?: string }): void;
  /** Records an asked question without who asked it (pseudonymous), for the admin view. */
  logQuestion?(q: { channel: string; chatId: string; question: string; intent: string; grounded: boolean; agencies: string[]; at: string }): void;
}

/**
 * Channels that can receive a message the user did not just ask for (a reminder). The web chat
 * and the terminal only answer while the user is there, so a subscription there could never be
 * delivered.
 */
export const REMINDER_CHANNELS: ReadonlySet<string> = new Set<ChannelName>(['telegram', 'zalo']);
