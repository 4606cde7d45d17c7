/**
 * Red team for the LLM output check (issue 12, item 5): fabricated answers — dates in every
 * form, years, quarters, months, amounts, percentages, web addresses, people's titles and
 * quotes in every quote style that the sources do not hold — are each rejected, so the
 * extractive answer is sent instead. A faithful rephrasing still passes (the check is not
 * simply refusing everything).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Assistant } from '../src/qa/assistant.js';
import { buildSources, validatePhrased, type PhraseInput, type PhraseSource } from '../src/qa/llm.js';
import { REPO_ROOT } from './support/ingest-helpers.js';

const FABRICATED = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'llm-redteam.json'), 'utf8')) as Array<{ fault: string; answer: string }>;

let input: PhraseInput;
let sources: PhraseSource[];
let assistant: Assistant;

beforeAll(async () => {
  let seen: PhraseInput | undefined;
  assistant = await Assistant.open({ phraser: { phrase: async (i) => ((seen = i), null) } });
  await assistant.ask('Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?', { now: '2024-08-01' });
  input = seen!;
  sources = buildSources(input);
});

const reply = (answer: string) => JSON.stringify({ answer, used_sources: ['S1', 'S2'], quotes: [], grounded: true });

describe('LLM output check, red team', () => {
  it(`has at least 30 fabricated outputs`, () => {
    expect(FABRICATED.length).toBeGreaterThanOrEqual(30);
  });

  it('accepts a faithful rephrasing with dates, the year, a quote in «» and the document date', () => {
    const ok = validatePhrased(
      reply('Bộ Công an chủ trì xây dựng Luật Dữ liệu, hạn 31/12/2024 («Hoàn thành trong năm 2024»); văn bản ngày 28/12/2023 yêu cầu việc này, và chỉ đạo ngày 19/07/2024 yêu cầu trình Quốc hội “tại kỳ họp thứ 8”.'),
      input,
      sources,
      assistant.registry,
    );
    expect(ok).toMatchObject({ ok: true });
  });

  it.each(FABRICATED.map((f) => [f.fault, f.answer]))('rejects a fabricated %s', (_fault, answer) => {
    const verdict = validatePhrased(reply(answer), input, sources, assistant.registry);
    expect(verdict.ok, answer).toBe(false);
  });
});
