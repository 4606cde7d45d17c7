/**
 * Counts of a reminder fan-out seen by the fake Telegram server: messages beyond the first per chat
 * (duplicates) and chats that got nothing (losses). Chats are numbered from `firstChatId`.
 */
export function fanOutCounts(sent: ReadonlyArray<{ chat_id: unknown }>, chats: number, firstChatId = 100_000): { duplicates: number; losses: number } {
  const perChat = new Map<string, number>();
  for (const m of sent) perChat.set(String(m.chat_id), (perChat.get(String(m.chat_id)) ?? 0) + 1);
  let duplicates = 0;
  for (const n of perChat.values()) duplicates += n - 1;
  let losses = 0;
  for (let i = 0; i < chats; i++) if (!perChat.has(String(firstChatId + i))) losses++;
  return { duplicates, losses };
}
