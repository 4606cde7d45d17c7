/**
 * /metrics (issue 12, item 12): Prometheus text with answers by outcome, answer latency, updates
 * in/out per channel, reminder passes, deliveries and ingest runs; METRICS_TOKEN protects it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/main.js';
import { ingestFiles } from '../src/ingestion/ingest.js';
import { freshDataDir, post, removeDataDirs, startTestApp } from './support/channel-app.js';
import { makeTempCorpus, removeDir } from './support/ingest-helpers.js';

const TOKEN = 'metrics_Token-123456';
let app: App;
let base: string;
beforeAll(async () => {
  app = await startTestApp({ DATA_DIR: freshDataDir(), METRICS_TOKEN: TOKEN });
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(async () => {
  await app?.stop();
  removeDataDirs();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** Value of one sample, e.g. value(text, 'tro_ly_answers_total{outcome="answered"}'); 0 when absent. */
function value(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** A web chat turn, in a session the server issued (web sessions are never client-chosen ids). */
let sessionId: string | undefined;
const chat = async (text: string) => {
  sessionId ??= (JSON.parse((await post(`${base}/api/session`, {})).text) as { sessionId: string }).sessionId;
  return post(`${base}/api/chat`, { chatId: sessionId, text });
};

describe('/metrics', () => {
  it('refuses a missing or wrong token', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-123' } })).status).toBe(401);
  });

  it('counts answers by outcome, their latency, and web updates in and out', async () => {
    const before = await scrape();
    await chat('Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?');
    await chat('Giá vàng hôm nay bao nhiêu?');
    const after = await scrape();
    expect(value(after, 'tro_ly_answers_total{outcome="answered"}') - value(before, 'tro_ly_answers_total{outcome="answered"}')).toBe(1);
    expect(value(after, 'tro_ly_answers_total{outcome="refused"}') - value(before, 'tro_ly_answers_total{outcome="refused"}')).toBe(1);
    expect(value(after, 'tro_ly_answer_duration_seconds_count{channel="web"}') - value(before, 'tro_ly_answer_duration_seconds_count{channel="web"}')).toBe(2);
    expect(value(after, 'tro_ly_updates_in_total{channel="web"}') - value(before, 'tro_ly_updates_in_total{channel="web"}')).toBe(2);
    expect(value(after, 'tro_ly_updates_out_total{channel="web"}') - value(before, 'tro_ly_updates_out_total{channel="web"}')).toBe(2);
    expect(after).toContain('tro_ly_reminder_deliveries_pending 0');
    expect(after).toContain('# TYPE tro_ly_reminder_passes_total counter');
  });

  it('counts ingest runs by result', async () => {
    const corpus = makeTempCorpus();
    try {
      const before = await scrape();
      await ingestFiles(['/khong/co/tep.txt'], { corpusDir: corpus }).catch(() => undefined);
      const after = await scrape();
      expect(value(after, 'tro_ly_ingest_runs_total{result="failed"}') - value(before, 'tro_ly_ingest_runs_total{result="failed"}')).toBe(1);
    } finally {
      removeDir(corpus);
    }
  });
});
