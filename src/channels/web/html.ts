/**
 * Server-side HTML for the web pages: escaping and the common layout (header
 * with navigation, stylesheet and deferred scripts: no inline script, so the
 * Content-Security-Policy can forbid it).
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const NAV: Array<[string, string]> = [
  ['/', 'Hỏi đáp'],
  ['/nhiem-vu', 'Nhiệm vụ'],
];

export interface LayoutOptions {
  title: string;
  /** Path of the current navigation entry. */
  current?: string;
  body: string;
  css?: string[];
  scripts?: string[];
  bodyClass?: string;
  headerExtra?: string;
}

/** A whole page: every page shares the header, the base stylesheet and the language. */
export function layout(o: LayoutOptions): string {
  const css = ['/static/app.css', ...(o.css ?? [])];
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>${escapeHtml(o.title)}</title>
<link rel="icon" href="data:,">
${css.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n')}
${(o.scripts ?? []).map((src) => `<script src="${src}" defer></script>`).join('\n')}
</head>
<body${o.bodyClass ? ` class="${o.bodyClass}"` : ''}>
<header class="top">
  <a class="brand" href="/">Trợ lý chuyển đổi số</a>
  <nav aria-label="Chính">${NAV.map(([href, label]) => `<a href="${href}"${href === o.current ? ' aria-current="page"' : ''}>${label}</a>`).join('')}</nav>
  ${o.headerExtra ?? ''}
</header>
${o.body}
</body>
</html>
`;
}
