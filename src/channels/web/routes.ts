/**
 * The web pages on the Hono app: the chat (/), its static files (/static/…),
 * the document view (/van-ban/<docId>), the task browser and its exports
 * (/nhiem-vu, /lich/<cơ quan>.ics) and the admin view (/quan-tri).
 */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { resolveNow } from '../../text/dates.js';
import type { CorpusSource } from './corpus-source.js';
import { tasksCsv, tasksIcs, tasksXlsx } from './exports.js';
import { WEB_CHAT_PAGE } from './page.js';
import { parseTaskQuery, runTaskQuery } from './task-filter.js';
import { tasksPage } from './tasks-page.js';
import { documentPage } from './document-page.js';
import { mountAdmin, type AdminOptions } from './admin/routes.js';

export interface WebOptions {
  /** The corpus on disk (task browser, document view); without it those pages are not served. */
  corpus?: CorpusSource;
  /** The clock (YYYY-MM-DD), e.g. ASSISTANT_NOW. */
  now?: () => string | undefined;
  /** The admin view; off (no /quan-tri routes) when ADMIN_TOKEN is unset. */
  admin?: AdminOptions;
}

/** Plain-text error page (404/400) in Vietnamese. */
function textError(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
}

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');
const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
/** Static files, read once: name → body. */
const STATIC = new Map<string, string>();
function staticFile(name: string): string | undefined {
  if (!/^[\w-]+\.(?:js|css)$/.test(name)) return undefined;
  if (!STATIC.has(name)) {
    try {
      STATIC.set(name, readFileSync(join(STATIC_DIR, name), 'utf8'));
    } catch {
      return undefined;
    }
  }
  return STATIC.get(name);
}

/** An HTML response (never cached: answers and tables change with the corpus). */
export function htmlResponse(html: string, status = 200): Response {
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

export function mountWeb(app: Hono<{ Bindings: HttpBindings }>, opts: WebOptions): void {
  app.get('/', () => htmlResponse(WEB_CHAT_PAGE));
  app.get('/index.html', () => htmlResponse(WEB_CHAT_PAGE));
  app.get('/static/:file', (c) => {
    const name = c.req.param('file');
    const body = staticFile(name);
    if (body === undefined) return c.notFound();
    return new Response(body, { headers: { 'content-type': TYPES[name.split('.').pop()!]!, 'cache-control': 'public, max-age=300' } });
  });

  const source = opts.corpus;
  if (!source) return;
  const today = () => resolveNow(opts.now?.() ?? null);
  const filtered = (url: string) => {
    const corpus = source.get();
    const q = parseTaskQuery(new URL(url).searchParams);
    const titles = new Map(corpus.documents.map((d) => [d.docId, d.title]));
    return { corpus, q, result: runTaskQuery(corpus.tasks, source.registry, q, today()), titleOf: (id: string) => titles.get(id) ?? id };
  };
  const download = (body: string | Uint8Array, type: string, name: string) =>
    new Response(typeof body === 'string' ? body : new Uint8Array(body), { headers: { 'content-type': type, 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' } });

  if (opts.admin) mountAdmin(app, source, source.registry, opts.admin);
  app.get('/van-ban/:docId', (c) => {
    const corpus = source.get();
    const meta = corpus.document(c.req.param('docId'));
    if (!meta) return textError(404, 'Không có văn bản này. Xem danh sách văn bản ở trang Nhiệm vụ.');
    const quote = c.req.query('trich')?.slice(0, 2000);
    const section = c.req.query('muc')?.slice(0, 100);
    return htmlResponse(documentPage(meta, corpus.text(meta.docId), corpus.tasks.filter((t) => t.docId === meta.docId), quote, section));
  });
  app.get('/nhiem-vu', (c) => {
    const { corpus, q, result } = filtered(c.req.url);
    return htmlResponse(tasksPage(q, result, corpus.documents, source.registry, today()));
  });
  app.get('/nhiem-vu.csv', (c) => {
    const { result, titleOf } = filtered(c.req.url);
    return download(tasksCsv(result.rows, titleOf, today()), 'text/csv; charset=utf-8', 'nhiem-vu.csv');
  });
  app.get('/nhiem-vu.xlsx', async (c) => {
    const { result, titleOf } = filtered(c.req.url);
    return download(new Uint8Array(await tasksXlsx(result.rows, titleOf, today())), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'nhiem-vu.xlsx');
  });
  app.get('/lich/:file', (c) => {
    const file = c.req.param('file');
    if (!file.endsWith('.ics')) return c.notFound();
    const name = file.slice(0, -4);
    const agency = source.registry.resolve(name, { fuzzy: true });
    if (!agency) return textError(404, `Không nhận ra cơ quan «${name.slice(0, 100)}». Dùng tên đầy đủ hoặc viết tắt, ví dụ /lich/Bộ Y tế.ics`);
    const url = new URL(c.req.url);
    url.searchParams.set('co-quan', agency.name);
    const { result, titleOf } = filtered(url.toString());
    const body = tasksIcs(agency.name, result.rows, titleOf, url.origin, new Date());
    return new Response(body, { headers: { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'no-store' } });
  });
}
