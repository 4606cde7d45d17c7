/**
 * Conversation memory kept in this process only: used when no store is configured
 * (tests, a bare CLI). Bounded: the least recently used chats are forgotten first.
 */
import { chatKey, type ConversationMemory, type MemoryState } from './types.js';

export class InProcessMemory implements ConversationMemory {
  private readonly chats = new Map<string, { state: MemoryState; expiresAt: string }>();

  constructor(private readonly maxChats = 10_000) {}

  async loadMemory(channel: string, chatId: string, now: string): Promise<MemoryState | null> {
    const m = this.chats.get(chatKey(channel, chatId));
    return m && m.expiresAt > now ? structuredClone(m.state) : null;
  }

  async saveMemory(channel: string, chatId: string, state: MemoryState, expiresAt: string): Promise<void> {
    const k = chatKey(channel, chatId);
    this.chats.delete(k); // most recent last: the oldest are evicted first
    this.chats.set(k, { state: structuredClone(state), expiresAt });
    if (this.chats.size > this.maxChats) this.chats.delete(this.chats.keys().next().value!);
  }
}
