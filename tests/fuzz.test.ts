/**
 * A bounded fuzz run in the suite (issue 12, item 13): hostile and random updates through the real
 * Telegram (webhook and polling) and Zalo adapters against the fake servers; `npm run fuzz` runs more.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './support/fuzz.js';

describe('fuzz', () => {
  it('60 hostile updates per door: all answered, valid HTML, no stack trace, no 5xx', async () => {
    const report = await runFuzz({ n: 60, seed: 12 });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ unanswered: 0, overAnswered: 0, badHtml: 0, leaks: 0, serverErrors: 0 });
    expect(report.sent.telegramWebhook).toBe(60);
  }, 180_000);
});
