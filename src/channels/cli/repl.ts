/**
 * The terminal channel: an interactive chat on the same conversation layer, so
 * `npm start` does something useful offline with no configuration at all.
 */
import { createInterface } from 'node:readline';
import type { Conversation } from '../../conversation/conversation.js';

export interface ReplOptions {
  conversation: Conversation;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Lines printed before the first prompt. */
  banner?: string[];
}

/** Runs the chat until the user types «thoát» or input ends. */
export async function runRepl(opts: ReplOptions): Promise<void> {
  const output = opts.output ?? process.stdout;
  const rl = createInterface({ input: opts.input ?? process.stdin, output, terminal: (opts.input ?? process.stdin) === process.stdin && process.stdin.isTTY });
  const write = (s: string) => output.write(`${s}\n`);
  for (const line of opts.banner ?? []) write(line);
  rl.setPrompt('\nBạn> ');
  rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (/^(?:thoát|thoat|exit|quit|\/thoat)$/iu.test(text)) break;
    if (text !== '') {
      const replies = await opts.conversation.handle({ channel: 'cli', chatId: 'terminal', userId: 'terminal', text, chatType: 'private' });
      for (const r of replies) write(`\nTrợ lý> ${r.text}`);
    }
    rl.prompt();
  }
  rl.close();
  write('\nTạm biệt!');
}
