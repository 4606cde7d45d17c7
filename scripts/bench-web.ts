/**
 * npm run bench:web — time from pressing Enter in the web chat to the answer on screen, in
 * Debian's Chromium at the phone viewport, over the 45 development questions (cached index,
 * answer cache off so every answer is computed), plus the bytes the chat page transfers.
 * Prints figures; never crashes: a missing Chromium or a failed stage is reported and skipped.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/corpus/store.js';
import { startApp } from '../src/main.js';
import { HAS_CHROMIUM, launchBrowser, pageWeight, PHONE } from '../tests/support/browser.js';

const questions = readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'eval', 'qa-dev.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => (JSON.parse(l) as { q: string }).q);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  if (!HAS_CHROMIUM) {
    console.log('bench:web — bỏ qua: không có /usr/bin/chromium (apt-get install -y chromium).');
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-web-'));
  const env = { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ASSISTANT_NOW: '2024-08-01', ANSWER_CACHE_SIZE: '0', RATE_LIMIT_PER_MINUTE: '600' };
  // First start builds the passage index; the measured app loads it from the cache.
  await (await startApp(env, { interactive: false })).stop();
  const app = await startApp(env, { interactive: false });
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: PHONE })).newPage();
    await page.goto(`http://127.0.0.1:${app.port}/`);
    console.log(`Trang trò chuyện: ${((await pageWeight(page)) / 1024).toFixed(1)} KB (HTML + CSS + JS, chưa nén; mục tiêu < 150 KB)`);
    const times: number[] = [];
    for (const q of questions) {
      await page.evaluate(() => {
        const w = window as unknown as { t0?: number; t1?: number };
        w.t0 = w.t1 = undefined;
        const log = document.getElementById('log')!;
        const n = log.querySelectorAll('.msg.bot').length;
        document.getElementById('q')!.addEventListener('keydown', () => (w.t0 = performance.now()), { once: true, capture: true });
        new MutationObserver((_, o) => {
          if (log.querySelectorAll('.msg.bot').length > n) {
            w.t1 = performance.now();
            o.disconnect();
          }
        }).observe(log, { childList: true });
      });
      await page.getByLabel('Câu hỏi của bạn').fill(q);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => (window as unknown as { t1?: number }).t1 !== undefined);
      times.push(await page.evaluate(() => ((window as unknown as { t1: number; t0: number }).t1 - (window as unknown as { t0: number }).t0)));
    }
    console.log(`Enter → câu trả lời hiện trên màn hình (${times.length} câu, Chromium 390×844, không bộ đệm câu trả lời): p50 ${pct(times, 50).toFixed(0)} ms, p95 ${pct(times, 95).toFixed(0)} ms, tối đa ${Math.max(...times).toFixed(0)} ms (mục tiêu < 300 ms)`);
  } catch (err) {
    console.log(`bench:web — lỗi khi đo: ${(err as Error).message}`);
  } finally {
    await browser.close();
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main().catch((err) => console.log(`bench:web — không chạy được: ${(err as Error).message}`));
