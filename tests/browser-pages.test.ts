/**
 * The task browser, its exports and the admin view in a real browser (Debian's Chromium via
 * playwright-core) at 390×844 and 1280×800: filters, sort, paging and a shareable URL; the CSV and
 * .xlsx downloads read back, the agency's .ics parsed by node-ical; admin login refused without the
 * token and a DOCX uploaded and previewed; accessibility (axe-core) on each page.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import ical from 'node-ical';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/main.js';
import { DESKTOP, launchBrowser, PHONE, RUN_BROWSER, screenshot, seriousViolations } from './support/browser.js';
import { freshDataDir, removeDataDirs, startTestApp } from './support/channel-app.js';

const TOKEN = 'ma-quan-tri-rat-dai-2026';
let app: App;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!RUN_BROWSER) return;
  const corpusDir = join(freshDataDir('tro-ly-corpus-'), 'corpus');
  cpSync(join(process.cwd(), 'corpus'), corpusDir, { recursive: true });
  app = await startTestApp({ DATA_DIR: freshDataDir(), ADMIN_TOKEN: TOKEN, CORPUS_DIR: corpusDir });
  base = `http://127.0.0.1:${app.port}`;
  // A few questions, so the admin view has figures to show.
  const { sessionId } = (await (await fetch(`${base}/api/session`, { method: 'POST', body: '{}' })).json()) as { sessionId: string };
  for (const text of ['Bộ Y tế phải làm gì?', 'Ai chủ trì xây dựng Luật Dữ liệu?', 'Ai chịu trách nhiệm xây dựng sân bay Long Thành?', 'Sân bay Long Thành khi nào xong?']) {
    await fetch(`${base}/api/chat`, { method: 'POST', body: JSON.stringify({ chatId: sessionId, text }) });
  }
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  removeDataDirs();
});

const countOf = async (text: string | null) => Number((text ?? '').replace(/\D/g, ''));

describe.skipIf(!RUN_BROWSER)('task browser, exports and admin in Chromium', () => {
  for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    it(`${name} ${viewport.width}×${viewport.height}: filters, sort, paging, shareable URL and every export`, async () => {
      const context = await browser.newContext({ viewport, locale: 'vi-VN', acceptDownloads: true });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${base}/nhiem-vu`);
      const all = await countOf(await page.locator('#count strong').textContent());
      await page.getByLabel('Cơ quan').fill('BCA');
      await page.getByLabel('Tình trạng').selectOption('qua-han');
      await page.getByRole('button', { name: 'Lọc' }).click();
      await page.waitForURL(/co-quan=BCA/);
      expect(page.url()).toContain('tinh-trang=qua-han');
      const filtered = await countOf(await page.locator('#count strong').textContent());
      expect(filtered).toBeGreaterThan(0);
      expect(filtered).toBeLessThan(all);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `tasks-${name}`);
      // The URL is shareable: opened in a fresh page it shows the same rows.
      const shared = await context.newPage();
      await shared.goto(page.url());
      expect(await shared.locator('#count strong').textContent()).toBe(await page.locator('#count strong').textContent());
      await shared.close();

      // Sort, descending by deadline: the column header on a desktop, the sort list on a phone (cards, no header).
      await page.goto(`${base}/nhiem-vu?co-quan=BCA`);
      if (name === 'desktop') await page.getByRole('link', { name: /Thời hạn/ }).click();
      else {
        await page.getByLabel('Sắp xếp').selectOption('-han');
        await page.getByRole('button', { name: 'Lọc' }).click();
      }
      await page.waitForURL(/sap-xep=-han/);
      const dates = (await page.locator('td[data-label="Thời hạn"]').allTextContents()).map((t) => /(\d\d)\/(\d\d)\/(\d{4})/.exec(t)).filter(Boolean).map((m) => `${m![3]}-${m![2]}-${m![1]}`);
      expect(dates.length).toBeGreaterThan(3);
      expect(dates).toEqual([...dates].sort().reverse());
      await page.getByRole('link', { name: 'Trang sau ›' }).click();
      await page.waitForURL(/trang=2/);
      expect(page.url()).toContain('sap-xep=-han');
      expect(await page.locator('.pager span').textContent()).toMatch(/^Trang 2\//);

      // Exports of exactly what is filtered.
      await page.goto(`${base}/nhiem-vu?co-quan=BCA&vai-tro=chu-tri`);
      const rows = await countOf(await page.locator('#count strong').textContent());
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải CSV' }).click()]);
      const csvText = readFileSync((await csv.path())!, 'utf8');
      expect(csvText.charCodeAt(0)).toBe(0xfeff);
      expect(csvText).toContain('Bộ Công an');
      const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải Excel (.xlsx)' }).click()]);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile((await xlsx.path())!);
      expect(wb.getWorksheet('Nhiệm vụ')!.rowCount - 1).toBe(rows);
      const icsHref = (await page.getByRole('link', { name: /Lịch hạn của Bộ Công an/ }).getAttribute('href'))!;
      const ics = await page.request.get(`${base}${icsHref}`);
      const events = Object.values(ical.sync.parseICS(await ics.text())).filter((v) => v?.type === 'VEVENT');
      expect(events.length).toBeGreaterThan(0);
      await context.close();
    });

    it(`${name}: admin login is refused without the token; a DOCX is uploaded and previewed`, async () => {
      const context = await browser.newContext({ viewport, locale: 'vi-VN' });
      const page = await context.newPage();
      const res = await page.goto(`${base}/quan-tri`);
      expect(res!.status()).toBe(401);
      await page.getByLabel('Mã quản trị (ADMIN_TOKEN)').fill('sai-ma');
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      expect(await page.getByRole('alert').textContent()).toBe('Mã quản trị không đúng.');
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByLabel('Mã quản trị (ADMIN_TOKEN)').fill(TOKEN);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.waitForSelector('svg[role="img"]');
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `admin-${name}`, true);
      await page.getByLabel('Tệp PDF, DOCX hoặc TXT (tối đa 20 MB)').setInputFiles('tests/fixtures/ke-hoach-mau.docx');
      await page.getByRole('button', { name: 'Tải lên và xem trước' }).click();
      await page.waitForSelector('text=Các dòng trích xuất', { timeout: 30_000 });
      expect(await page.locator('#state').textContent()).toBe('Đã trích xuất — xem trước rồi công bố.');
      expect(await page.locator('table tbody tr').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: 'Công bố vào kho văn bản' }).isVisible()).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `admin-upload-${name}`);
      await context.close();
    });
  }
});
