/// <reference lib="dom" />
/**
 * The web chat in a real browser (Debian's Chromium via playwright-core) at a phone (390×844) and a
 * desktop (1280×800) viewport: ask, follow-up, paging, feedback with a reason, history and
 * "Cuộc trò chuyện mới", Enter / Shift+Enter, the source link opening the document at the
 * highlighted quote, server-down and rate-limit messages, accessibility (axe-core), page weight,
 * and the geometry rule: the bottom of the last answer is never under the input bar.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/main.js';
import { DESKTOP, launchBrowser, pageWeight, PHONE, RUN_BROWSER, screenshot, seriousViolations } from './support/browser.js';
import { freshDataDir, queryDb, removeDataDirs, startTestApp } from './support/channel-app.js';

let app: App;
let base: string;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  if (!RUN_BROWSER) return;
  dataDir = freshDataDir();
  app = await startTestApp({ DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '600' });
  base = `http://127.0.0.1:${app.port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  removeDataDirs();
});

/** Geometry of the last bot message, the log and the input bar. */
async function geometry(page: Page) {
  return page.evaluate(() => {
    const msgs = document.querySelectorAll('#log .msg');
    const last = msgs[msgs.length - 1]!.getBoundingClientRect();
    const log = document.getElementById('chat')!.getBoundingClientRect();
    const bar = document.getElementById('f')!.getBoundingClientRect();
    const status = document.getElementById('status')!;
    const statusRect = status.hidden ? null : status.getBoundingClientRect();
    return { lastTop: last.top, lastBottom: last.bottom, logTop: log.top, logBottom: log.bottom, barTop: bar.top, statusTop: statusRect?.top ?? null, statusBottom: statusRect?.bottom ?? null, viewport: innerHeight };
  });
}

/** The new answer's first line is on screen, and scrolled to the end its bottom is above the input bar. */
async function expectVisibleAnswer(page: Page, label: string) {
  const g = await geometry(page);
  expect(g.lastTop, `${label}: first line below the log top`).toBeGreaterThanOrEqual(g.logTop - 1);
  expect(g.lastTop + 20, `${label}: first line above the input bar`).toBeLessThanOrEqual(g.barTop);
  await expectBottomAboveBar(page, label);
}

/** Scrolled to the end, the bottom of the last message is above the input bar (and any error line). */
async function expectBottomAboveBar(page: Page, label: string) {
  await page.evaluate(() => {
    const m = document.getElementById('chat')!;
    m.scrollTop = m.scrollHeight;
  });
  const end = await geometry(page);
  expect(end.lastBottom, `${label}: bottom of the last message above the input bar`).toBeLessThanOrEqual(end.barTop);
  expect(end.logBottom, `${label}: the log ends where the bar (or the error line) starts`).toBeLessThanOrEqual(end.statusTop ?? end.barTop);
  expect(end.barTop).toBeLessThan(end.viewport);
}

async function botCount(page: Page): Promise<number> {
  return page.locator('#log .msg.bot').count();
}

async function ask(page: Page, text: string) {
  const before = await botCount(page);
  await page.getByLabel('Câu hỏi của bạn').fill(text);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#log .msg.bot').length > n, before);
}

describe.skipIf(!RUN_BROWSER)('web chat in Chromium', () => {
  for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    it(`${name} ${viewport.width}×${viewport.height}: ask by sample, follow-up, paging, feedback, history, new conversation`, async () => {
      const context = await browser.newContext({ viewport, locale: 'vi-VN' });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(base);
      const bytes = await pageWeight(page);
      expect(bytes, 'chat page weight').toBeGreaterThan(10_000); // HTML, two stylesheets and the script were counted
      expect(bytes, 'chat page weight').toBeLessThan(150 * 1024);
      expect(await seriousViolations(page)).toEqual([]);
      // A sample question is a button: one tap asks it.
      const started = Date.now();
      await page.getByRole('button', { name: 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?' }).click();
      await page.waitForSelector('#log .msg.bot .task');
      console.info(`[${name}] first answer on screen ${Date.now() - started} ms after the tap (measured, not asserted)`);
      const first = page.locator('#log .msg.bot').last();
      await expect.poll(() => first.locator('.task').count()).toBeGreaterThan(0);
      // Deadlines as dd/mm/yyyy followed by the document's own words.
      expect((await first.locator('.task dd').allTextContents()).some((t) => /^\d\d\/\d\d\/\d{4} \(«.+»\)$/.test(t))).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
      await screenshot(page, `chat-${name}`);
      await expectVisibleAnswer(page, 'first answer');

      // Shift+Enter breaks the line, Enter sends.
      const input = page.getByLabel('Câu hỏi của bạn');
      // A list long enough to page: an agency's own tasks (those of its groups are summarised in one line).
      await input.fill('Bộ Công an');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('phải làm gì?');
      expect(await input.inputValue()).toBe('Bộ Công an\nphải làm gì?');
      const before = await botCount(page);
      await page.keyboard.press('Enter');
      await page.waitForFunction((n) => document.querySelectorAll('#log .msg.bot').length > n, before);
      expect(await input.inputValue()).toBe('');
      const yte = page.locator('#log .msg.bot').last();
      expect(await yte.textContent()).toContain('Bộ Công an được giao');
      await expectVisibleAnswer(page, 'long answer');

      // Paging: "Xem tiếp" asks for the next page.
      expect(await yte.locator('.actions .muted').first().textContent()).toMatch(/^Trang 1\/\d+$/);
      await yte.getByRole('button', { name: 'Xem tiếp' }).click();
      await page.waitForFunction((n) => document.querySelectorAll('#log .msg.bot').length > n + 1, before);
      expect(await page.locator('#log .msg.bot').last().locator('.actions .muted').first().textContent()).toMatch(/^Trang 2\/\d+$/);
      await expectVisibleAnswer(page, 'page 2');

      // Follow-up in the same conversation.
      await ask(page, 'còn Bộ Tài chính thì sao?');
      expect(await page.locator('#log .msg.bot').last().textContent()).toContain('Bộ Tài chính được giao');

      // 👎 with a reason.
      const last = page.locator('#log .msg.bot').last();
      await last.getByRole('button', { name: 'Câu trả lời chưa đúng' }).click();
      await last.getByLabel('Vì sao chưa đúng? (không bắt buộc)').selectOption('Thiếu nhiệm vụ');
      await last.getByLabel('Ghi chú thêm').fill(`thiếu việc số hóa ${name}`);
      await expectBottomAboveBar(page, 'reason form open');
      await last.getByRole('button', { name: 'Gửi đánh giá' }).click();
      await expect.poll(() => last.textContent()).toContain('chúng tôi sẽ xem lại');
      expect(queryDb(dataDir, 'SELECT reason, vote FROM feedback WHERE reason LIKE ?', `%${name}`)).toEqual([{ reason: `Thiếu nhiệm vụ: thiếu việc số hóa ${name}`, vote: 'down' }]);
      expect(await seriousViolations(page)).toEqual([]);

      // History survives a reload; "Cuộc trò chuyện mới" clears it.
      const count = await page.locator('#log .msg').count();
      await page.reload();
      expect(await page.locator('#log .msg').count()).toBe(count);
      expect(await page.locator('#log .msg.bot').last().textContent()).toContain('Cảm ơn bạn — chúng tôi sẽ xem lại');
      await page.getByRole('button', { name: 'Cuộc trò chuyện mới' }).click();
      expect(await page.locator('#log .msg').count()).toBe(0);
      await ask(page, 'tiếp');
      expect(await page.locator('#log .msg.bot').last().textContent()).toContain('Không có danh sách nào');
      expect(errors).toEqual([]);
      await context.close();
    });

    it(`${name}: a source opens the document at the highlighted quote`, async () => {
      const context = await browser.newContext({ viewport, locale: 'vi-VN' });
      const page = await context.newPage();
      await page.goto(base);
      await ask(page, 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?');
      const source = page.locator('#log .msg.bot').last().locator('.sources details').first();
      await source.locator('summary').click();
      const quote = (await source.locator('blockquote').textContent())!;
      expect(quote.length).toBeGreaterThan(20);
      const href = (await source.getByRole('link', { name: 'Mở văn bản tại đoạn này' }).getAttribute('href'))!;
      expect(href).toMatch(/^\/van-ban\/[\w-]+\?muc=[^&]+&trich=.+#trich$/);
      await source.getByRole('link', { name: 'Mở văn bản tại đoạn này' }).click();
      await page.waitForURL((url) => `${url.pathname}${url.search}${url.hash}` === href);
      // The quote is highlighted (in a table, its row) and on screen.
      const squash = (t: string) => t.replace(/\s+/g, ' ').trim();
      const marked = squash((await page.locator('mark').allTextContents()).join(' '));
      expect(marked).toContain(squash(quote).slice(0, 40));
      const box = (await page.locator('mark#trich').boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeLessThan(viewport.height);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `document-${name}`);
      await context.close();
    });

    it(`${name}: server down and rate limit are shown where the user looks, above the input`, async () => {
      const context = await browser.newContext({ viewport, locale: 'vi-VN' });
      const page = await context.newPage();
      await page.goto(base);
      await page.route('**/api/chat', (route) => route.abort('connectionrefused'));
      await ask(page, 'Bộ Y tế phải làm gì?');
      expect(await page.locator('#log .msg.bot').last().textContent()).toContain('Không kết nối được máy chủ');
      expect(await page.getByRole('alert').textContent()).toContain('Không kết nối được máy chủ');
      await expectVisibleAnswer(page, 'server down');
      await page.unroute('**/api/chat');
      await page.route('**/api/chat', (route) => route.fulfill({ status: 429, contentType: 'application/json', body: JSON.stringify({ error: 'Quá nhiều yêu cầu — vui lòng thử lại sau một phút.' }) }));
      await ask(page, 'Bộ Y tế phải làm gì?');
      expect(await page.getByRole('alert').textContent()).toContain('Quá nhiều yêu cầu');
      await expectVisibleAnswer(page, 'rate limited');
      await page.unroute('**/api/chat');
      // Back to normal: the error line goes away with the next answer.
      await ask(page, 'Bộ Y tế phải làm gì?');
      expect(await page.locator('#status').isHidden()).toBe(true);
      await screenshot(page, `chat-after-error-${name}`);
      await context.close();
    });
  }
});

describe.skipIf(!RUN_BROWSER)('web chat with ACCESS_CODE in Chromium', () => {
  it('asks for the access code before the first question; a wrong code is refused, the right one opens the chat', async () => {
    const guarded = await startTestApp({ DATA_DIR: freshDataDir(), ACCESS_CODE: 'ma-truy-cap-2024' });
    const context = await browser.newContext({ viewport: PHONE, locale: 'vi-VN' });
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${guarded.port}/`);
      const code = page.getByLabel('Mã truy cập (do đơn vị quản lý cung cấp)');
      await code.waitFor();
      expect(await page.locator('#f').isHidden()).toBe(true);
      await code.fill('sai-ma');
      await page.getByRole('button', { name: 'Vào trò chuyện' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Mã truy cập không đúng.');
      expect(await page.locator('#f').isHidden()).toBe(true);
      await code.fill('ma-truy-cap-2024');
      await page.getByRole('button', { name: 'Vào trò chuyện' }).click();
      await page.getByLabel('Câu hỏi của bạn').waitFor();
      await ask(page, 'Bộ Y tế phải làm gì?');
      expect(await page.locator('#log .msg.bot').last().textContent()).toContain('Bộ Y tế được giao');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await context.close();
      await guarded.stop();
    }
  });
});
