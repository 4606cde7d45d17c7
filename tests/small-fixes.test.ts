/**
 * The smaller faults of issue 12 (item 10): markup in a question is ignored by understanding,
 * ASSISTANT_NOW accepts a date-time with offset (frozen to the minute), greetings and thanks get
 * a short friendly reply, and a port in use gives a Vietnamese hint naming PORT.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/env.js';
import { Conversation } from '../src/conversation/conversation.js';
import { startFailureMessage } from '../src/main.js';
import { Assistant } from '../src/qa/assistant.js';
import { ReminderScheduler } from '../src/reminders/scheduler.js';
import { parseNowSetting, resolveNow } from '../src/text/dates.js';
import { stripMarkup } from '../src/text/markup.js';
import { freshDataDir, removeDataDirs, startTestApp } from './support/channel-app.js';

let conversation: Conversation;
beforeAll(async () => {
  conversation = new Conversation({ answerer: await Assistant.open(), now: () => '2024-08-01' });
});
afterAll(() => removeDataDirs());

let chat = 0;
const say = async (text: string) => (await conversation.handle({ channel: 'web', chatId: `web-small-${++chat}`, userId: `u${chat}`, text, chatType: 'private' }))[0]!;

describe('markup in questions', () => {
  it('is stripped (script content too) and entities decoded', () => {
    expect(stripMarkup('<b>an sinh</b> &amp; xã hội <script>x</script>').replace(/\s+/g, ' ').trim()).toBe('an sinh & xã hội');
    expect(stripMarkup('a < b và c > d')).toBe('a < b và c > d');
  });

  it('a question with markup gets the same answer as without', async () => {
    const plain = await say('an sinh & xã hội');
    const marked = await say('<b>an sinh</b> &amp; xã hội <script>x</script>');
    expect(marked.text).toBe(plain.text);
    const q = await say('<i>Ai chủ trì</i> xây dựng <b>Luật Dữ liệu</b>?');
    expect(q.kind).toBe('answer');
    expect(q.text).toContain('Bộ Công an');
  });
});

describe('greetings and thanks', () => {
  it.each(['xin chào', 'Chào bạn!', 'hello', 'chao tro ly'])('"%s" gets a short greeting with an example, not a refusal', async (text) => {
    const r = await say(text);
    expect(r.kind).toBe('info');
    expect(r.text).toMatch(/^Xin chào!/);
    expect(r.text.length).toBeLessThan(300);
  });

  it.each(['cảm ơn', 'Cảm ơn nhiều!', 'ok cam on ban', 'thanks'])('"%s" gets a short thank-you reply', async (text) => {
    const r = await say(text);
    expect(r.text).toContain('Rất vui được giúp bạn');
  });

  it('a real question starting with "chào" is still answered', async () => {
    const r = await say('Chào bạn, Bộ Y tế phải làm gì?');
    expect(r.kind).toBe('answer');
  });
});

describe('ASSISTANT_NOW with a time', () => {
  it('accepts a date-time with offset: the date is Vietnam\'s, the instant is kept', () => {
    expect(loadConfig({ ASSISTANT_NOW: '2024-07-01T07:00:00+07:00' }).ASSISTANT_NOW).toBe('2024-07-01T07:00:00+07:00');
    expect(parseNowSetting('2024-06-30T23:30:00Z')).toEqual({ date: '2024-07-01', instant: new Date('2024-06-30T23:30:00Z') });
    expect(resolveNow(undefined, { ASSISTANT_NOW: '2024-07-01T07:00:00+07:00' })).toBe('2024-07-01');
    expect(() => loadConfig({ ASSISTANT_NOW: '2024-07-01 07:00' })).toThrow(ConfigError);
  });

  it('frozen at 07:00 the 08:00 pass is not caught up at start; at 08:30 it is', async () => {
    for (const [at, expected] of [
      ['2024-07-01T07:00:00+07:00', 0],
      ['2024-07-01T08:30:00+07:00', 1],
    ] as const) {
      const frozen = parseNowSetting(at)!;
      const runs: string[] = [];
      const s = new ReminderScheduler({ runPass: async (now) => void runs.push(now), lastPassDate: () => null, env: { ASSISTANT_NOW: at }, clock: () => frozen.instant! });
      await s.start();
      await s.stop();
      expect(runs).toHaveLength(expected);
      if (expected) expect(runs[0]).toBe('2024-07-01');
    }
  });

  it('the app starts with it', async () => {
    const app = await startTestApp({ DATA_DIR: freshDataDir(), ASSISTANT_NOW: '2024-07-01T07:00:00+07:00' });
    await app.stop();
  });
});

describe('port in use', () => {
  it('gives a Vietnamese hint naming PORT and the port, no stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', r));
    const { port } = blocker.address() as { port: number };
    try {
      const err = await startTestApp({ DATA_DIR: freshDataDir(), PORT: String(port) }).then(
        async (app) => (await app.stop(), null),
        (e: unknown) => e,
      );
      const message = startFailureMessage(err);
      expect(message).toContain(`Cổng ${port}`);
      expect(message).toContain('PORT');
      expect(message).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
