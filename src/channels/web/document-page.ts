/**
 * The document view (/van-ban/<docId>): the stored text with its structure
 * (numbered items as headings and indented items, paragraphs, tables as
 * tables), an anchor per section (#muc-<section>), the quote cited by an
 * answer highlighted (?trich=…), and the document's rows of the task table
 * beside it.
 */
import type { DocumentMeta, TaskRow } from '../../corpus/types.js';
import { parseStructure, type Block } from '../../ingestion/structure.js';
import { formatVietnameseDate } from '../../text/dates.js';
import { escapeHtml as e, layout } from './html.js';

/** Offsets of `quote` in `text`, matching any run of whitespace in either as one space. */
export function findQuote(text: string, quote: string): [number, number] | null {
  const words = quote.trim().split(/[\s\u00a0\u200b]+/).filter(Boolean);
  if (words.length === 0) return null;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const m = new RegExp(escaped.join('[\\s\\u00a0\\u200b]+'), 'u').exec(text);
  return m ? [m.index, m.index + m[0].length] : null;
}

/** Text of [start, end) with the part inside `hit` wrapped in <mark>, escaped. */
function marked(text: string, start: number, hit: [number, number] | null, first: { done: boolean }): string {
  if (!hit) return e(text);
  const end = start + text.length;
  const a = Math.max(hit[0], start);
  const b = Math.min(hit[1], end);
  if (a >= b) return e(text);
  const id = first.done ? '' : ' id="trich"';
  first.done = true;
  return `${e(text.slice(0, a - start))}<mark${id}>${e(text.slice(a - start, b - start))}</mark>${e(text.slice(b - start))}`;
}

const slug = (section: string) => `muc-${section}`;

/**
 * Sections that are not a block of their own (an inline "(1)" inside an item,
 * a table row) get an anchor at the nearest enclosing section that is.
 */
function extraAnchors(blocks: Block[], sections: string[]): Map<string, string[]> {
  const paths = new Set(blocks.map((b) => b.path).filter(Boolean));
  const out = new Map<string, string[]>();
  for (const section of new Set(sections)) {
    if (!section || paths.has(section)) continue;
    const parts = section.split('.');
    while (parts.length > 1 && !paths.has(parts.join('.'))) parts.pop();
    const host = parts.join('.');
    if (!paths.has(host)) continue;
    out.set(host, [...(out.get(host) ?? []), section]);
  }
  return out;
}

function renderBlocks(blocks: Block[], hit: [number, number] | null, sections: string[]): string {
  const seen = new Set<string>();
  const first = { done: false };
  const extra = extraAnchors(blocks, sections);
  const anchor = (path: string) => {
    if (!path || seen.has(path)) return '';
    seen.add(path);
    const more = (extra.get(path) ?? []).filter((s) => !seen.has(s));
    more.forEach((s) => seen.add(s));
    return ` id="${e(slug(path))}"${more.length ? ` data-more="${e(more.join(' '))}"` : ''}`;
  };
  const out: string[] = [];
  for (const b of blocks) {
    const line = b.span.text.trim();
    const lineStart = b.span.start + b.span.text.indexOf(line);
    if (b.kind === 'table' && b.table) {
      const t = b.table;
      const rows = t.rows.map((r, i) => {
        const end = t.rows[i + 1]?.line.start ?? b.span.end;
        const isHit = hit !== null && hit[0] < end && hit[1] > r.line.start;
        const path = r.number ? (b.path ? `${b.path}.${r.number}` : r.number) : '';
        const cells = r.cells
          .map((c) => {
            if (!isHit) return `<td>${e(c)}</td>`;
            const id = first.done ? '' : ' id="trich"'; // one anchor: the first highlighted cell
            first.done = true;
            return `<td><mark${id}>${e(c)}</mark></td>`;
          })
          .join('');
        return `<tr${anchor(path)}>${cells}</tr>`;
      });
      const head = t.header.length ? `<thead><tr>${t.header.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead>` : '';
      out.push(`<div class="table-wrap"${anchor(b.path)}><table>${head}<tbody>${rows.join('')}</tbody></table></div>`);
      continue;
    }
    const body = marked(line, lineStart, hit, first);
    if (b.kind === 'item' && b.marker && b.marker.rank <= 1) out.push(`<h2${anchor(b.path)}>${body}</h2>`);
    else if (b.kind === 'item' && b.marker && b.marker.rank < 5) out.push(`<p class="item r${Math.floor(b.marker.rank)}"${anchor(b.path)}>${body}</p>`);
    else out.push(`<p class="${b.kind === 'footnote' ? 'footnote' : b.kind === 'item' ? 'bullet' : 'para'}"${anchor(b.path)}>${body}</p>`);
  }
  // An element has one id: the extra sections become empty anchors just before their host.
  return out.join('\n').replace(/<(\w+)([^>]*?) data-more="([^"]*)"/g, (_m, tag: string, attrs: string, more: string) => `${more.split(' ').map((id) => `<span id="${slug(id)}"></span>`).join('')}<${tag}${attrs}`);
}

export function documentPage(meta: DocumentMeta, text: string, rows: TaskRow[], quote: string | undefined, section?: string): string {
  const hit = quote ? findQuote(text, quote) : null;
  const facts = [
    meta.number && `Số: ${meta.number}`,
    meta.date && `Ngày: ${meta.date.length === 10 ? formatVietnameseDate(meta.date) : meta.date}`,
    meta.issuer && `Cơ quan ban hành: ${meta.issuer}`,
  ].filter(Boolean) as string[];
  const side = rows
    .map(
      (r) => `<li><a href="#${e(slug(r.section))}">Mục ${e(r.section || '—')}</a>: ${e(r.task.length > 160 ? `${r.task.slice(0, 157)}…` : r.task)}
<div class="muted">Chủ trì: ${e(r.lead.join(', ') || '—')} · Hạn: ${r.deadline.date ? e(formatVietnameseDate(r.deadline.date)) : e(r.deadline.text ?? 'không nêu')}</div></li>`,
    )
    .join('\n');
  return layout({
    title: `${meta.title} — Trợ lý chuyển đổi số`,
    css: ['/static/document.css'],
    body: `<main class="page doc-page">
<article class="doc card" aria-labelledby="doc-title">
<h1 id="doc-title">${e(meta.title)}</h1>
<p class="muted">${e(facts.join(' · '))}</p>
${quote && !hit ? `<p class="error" role="alert">Không tìm thấy đoạn trích dẫn trong văn bản này (văn bản có thể đã được cập nhật).${section ? ` <a href="#${e(slug(section))}">Đến mục ${e(section)}</a>.` : ''}</p>` : ''}
${quote && hit ? `<p class="notice"><a href="#trich">Đến đoạn được trích dẫn</a> (tô vàng)${section ? `, mục <a href="#${e(slug(section))}">${e(section)}</a>` : ''}.</p>` : ''}
${renderBlocks(parseStructure(text).blocks, hit, rows.map((r) => r.section))}
</article>
<aside class="doc-tasks card" aria-labelledby="tasks-title">
<h2 id="tasks-title">Nhiệm vụ trong văn bản (${rows.length})</h2>
<p><a href="/nhiem-vu?van-ban=${encodeURIComponent(meta.docId)}">Xem và tải bảng nhiệm vụ của văn bản</a></p>
<ol>${side}</ol>
</aside>
</main>`,
  });
}
