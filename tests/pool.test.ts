import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import { Assistant } from '../src/qa/assistant.js';
import { AssistantPool } from '../src/qa/pool.js';
import { freshDataDir, removeDataDirs, startTestApp } from './support/channel-app.js';

describe('answering on worker threads (ASSISTANT_WORKERS)', () => {
  let pool: AssistantPool;
  let assistant: Assistant;
  beforeAll(async () => {
    const dataDir = freshDataDir();
    assistant = await Assistant.open({ dataDir });
    pool = await AssistantPool.open({ size: 2, registry: AgencyRegistry.load(), dataDir });
  });
  afterAll(async () => {
    await pool?.close();
    removeDataDirs();
  });

  it('gives exactly the answers of the in-process assistant, for concurrent questions', async () => {
    const questions = ['Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?', 'Bộ Y tế phải làm gì?', 'Giá vàng hôm nay bao nhiêu?', 'Những nhiệm vụ nào sắp đến hạn trong tháng 8 năm 2024?'];
    const fromPool = await Promise.all(questions.map((q) => pool.ask(q, { now: '2024-08-01' })));
    for (const [i, q] of questions.entries()) expect(fromPool[i]).toEqual(await assistant.ask(q, { now: '2024-08-01' }));
  });

  it('passes a bad date back as the same error', async () => {
    await expect(pool.ask('Bộ Y tế phải làm gì?', { now: '2024-02-30' })).rejects.toThrow(/không hợp lệ/);
  });

  it('serves the app (npm start) when ASSISTANT_WORKERS is set', async () => {
    const app = await startTestApp({ DATA_DIR: freshDataDir(), ASSISTANT_WORKERS: '1' });
    try {
      const res = await fetch(`http://127.0.0.1:${app.port}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ q: 'Bộ Y tế phải làm gì?', now: '2024-08-01' }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { grounded: boolean; answer: string }).answer).toContain('Bộ Y tế');
    } finally {
      await app.stop();
    }
  });
});
