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
import { WEB_CHAT_PAGE } from './page.js';

export interface WebOptions {}

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

export function mountWeb(app: Hono<{ Bindings: HttpBindings }>, _opts: WebOptions): void {
  app.get('/', () => htmlResponse(WEB_CHAT_PAGE));
  app.get('/index.html', () => htmlResponse(WEB_CHAT_PAGE));
  app.get('/static/:file', (c) => {
    const name = c.req.param('file');
    const body = staticFile(name);
    if (body === undefined) return c.notFound();
    return new Response(body, { headers: { 'content-type': TYPES[name.split('.').pop()!]!, 'cache-control': 'public, max-age=300' } });
  });
}
