import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Assistant } from '../src/qa/assistant.js';
import { warmUpQuestions } from '../src/qa/warm-up.js';
import { fold } from '../src/text/vietnamese.js';
import { freshDataDir, removeDataDirs } from './support/channel-app.js';

let assistant: Assistant;

beforeAll(async () => {
  assistant = await Assistant.open({ dataDir: freshDataDir(), answerCacheSize: 0 });
});
afterAll(() => removeDataDirs());

describe('warm-up before an instance reports ready', () => {
  it('asks about the documents, the lead agencies, the tasks and the lists of the corpus, with and without diacritics', () => {
    const qs = warmUpQuestions(assistant.corpus, 120);
    expect(qs.length).toBe(120);
    expect(new Set(qs).size).toBe(qs.length);
    const title = assistant.corpus.documents[0]!.title;
    const agency = assistant.corpus.tasks.find((t) => t.lead.length > 0)!.lead[0]!;
    expect(qs).toContain(`${title} có những nhiệm vụ gì?`);
    expect(qs).toContain(`${agency} phải làm gì?`);
    expect(qs.some((q) => q.startsWith('Ai chủ trì '))).toBe(true);
    expect(qs.some((q) => q === fold(q) && q.includes('qua han'))).toBe(true);
    // Any prefix covers every kind: the first four are a document, an agency, a task and a list.
    expect(qs.slice(0, 4).map((q) => q.split(' ')[0])).toEqual([title.split(' ')[0], agency.split(' ')[0], 'Ai', 'Những']);
  });

  it('answers the made-up questions without changing a later answer; 0 ms warms nothing', async () => {
    const question = 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?';
    const before = await assistant.ask(question, { now: '2024-08-01', passages: false });
    expect(await assistant.warmUp(0)).toBe(0);
    expect(await assistant.warmUp(60_000, 12)).toBe(12);
    const after = await assistant.ask(question, { now: '2024-08-01', passages: false });
    expect(after.answer).toBe(before.answer);
    expect(after.answer).toContain('Bộ Công an');
  });
});
