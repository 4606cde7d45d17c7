/**
 * Real-browser tests: Debian's Chromium (/usr/bin/chromium, installed by .ci/run) driven by
 * playwright-core — never a browser download. Outside CI, without Chromium the browser tests are
 * skipped with a visible notice; in CI a missing Chromium fails them.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
/** Browser tests run when Chromium is there, and always in CI (where its absence is a failure). */
export const RUN_BROWSER = HAS_CHROMIUM || process.env.CI === 'true';
if (!RUN_BROWSER) console.warn(`\n⚠ Bỏ qua kiểm thử trình duyệt: không có ${CHROMIUM} (cài: apt-get install -y chromium).\n`);

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export const SCREENSHOTS = join(process.cwd(), 'data', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Saves a screenshot under data/screenshots/. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Accessibility violations of impact "serious" or "critical" on the page (axe-core run in the page). */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; targets: string[] }>> {
  // The page's CSP forbids inline script, so axe goes in through the automation channel (evaluate).
  await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Bytes the page loaded (document, styles, scripts: bodies as sent, plus ~300 B of headers each), from the Resource Timing API. */
export async function pageWeight(page: Page): Promise<number> {
  await page.waitForLoadState('load');
  return page.evaluate(`(() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return entries.filter((e) => e.initiatorType !== 'fetch').reduce((n, e) => n + e.encodedBodySize + 300, 0);
  })()`) as Promise<number>;
}
