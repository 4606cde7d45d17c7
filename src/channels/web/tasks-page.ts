/**
 * The task browser page (/nhiem-vu): a GET form (so every filtered view has a
 * shareable URL), the rows of one page as a table (cards on a phone), paging,
 * and links to the exports of exactly the filtered rows.
 */
import type { AgencyRegistry } from '../../corpus/agencies.js';
import type { DocumentMeta } from '../../corpus/types.js';
import { formatVietnameseDate } from '../../text/dates.js';
import { documentHref } from './answer-view.js';
import { escapeHtml as e, layout } from './html.js';
import { PAGE_SIZE, ROLE_LABELS, rowStatus, SORT_LABELS, STATUS_LABELS, taskQueryString, type TaskQuery, type TaskResult } from './task-filter.js';

function options(values: Record<string, string>, selected: string, empty?: string): string {
  const list = empty !== undefined ? [['', empty] as const, ...Object.entries(values)] : Object.entries(values);
  return list.map(([v, label]) => `<option value="${e(v)}"${v === selected ? ' selected' : ''}>${e(label)}</option>`).join('');
}

export function tasksPage(q: TaskQuery, result: TaskResult, documents: DocumentMeta[], registry: AgencyRegistry, today: string): string {
  const docs = Object.fromEntries(documents.map((d) => [d.docId, `${d.title}${d.date ? ` (${d.date.length === 10 ? formatVietnameseDate(d.date) : d.date})` : ''}`]));
  const titleOf = (id: string) => documents.find((d) => d.docId === id)?.title ?? id;
  const qs = taskQueryString(q, { page: 1 });
  const current = Math.min(q.page, result.pages);
  const agencyNames = registry.all().map((a) => a.name);
  const exports = [
    `<a href="/nhiem-vu.csv${qs}" download>Tải CSV</a>`,
    `<a href="/nhiem-vu.xlsx${qs}" download>Tải Excel (.xlsx)</a>`,
    ...(result.agency ? [`<a href="/lich/${encodeURIComponent(result.agency.name)}.ics">Lịch hạn của ${e(result.agency.name)} (.ics)</a>`] : []),
  ];
  const rows = result.page
    .map((m) => {
      const r = m.row;
      const st = rowStatus(r, today);
      const badge = st === 'qua-han' ? ' overdue' : st === 'hoan-thanh' ? ' done' : '';
      return `<tr>
  <td data-label="Nhiệm vụ">${e(r.task)}${m.note ? `<div class="muted">${e(m.note)}</div>` : ''}</td>
  <td data-label="Chủ trì">${e(r.lead.join(', ') || '—')}${r.support.length ? `<div class="muted">Phối hợp: ${e(r.support.join(', '))}</div>` : ''}</td>
  <td data-label="Thời hạn">${r.deadline.date ? e(formatVietnameseDate(r.deadline.date)) : '—'}${r.deadline.text ? `<div class="muted">«${e(r.deadline.text)}»</div>` : ''}</td>
  <td data-label="Tình trạng"><span class="badge${badge}">${e(r.status ?? STATUS_LABELS[st])}</span></td>
  <td data-label="Nguồn"><a href="${e(documentHref(r.docId, r.section, r.quote))}">${e(titleOf(r.docId))}${r.section ? `, mục ${e(r.section)}` : ''}</a></td>
</tr>`;
    })
    .join('\n');
  const pageLink = (p: number, label: string, rel = '') => `<a href="/nhiem-vu${e(taskQueryString(q, { page: p }))}"${rel ? ` rel="${rel}"` : ''}>${label}</a>`;
  const sortHeader = q.sort === 'han' ? '-han' : 'han';
  return layout({
    title: 'Nhiệm vụ — Trợ lý chuyển đổi số',
    current: '/nhiem-vu',
    css: ['/static/tasks.css'],
    body: `<main class="page">
<h1>Bảng nhiệm vụ</h1>
<form class="filters card" method="get" action="/nhiem-vu" role="search" aria-label="Lọc nhiệm vụ">
  <div><label for="co-quan">Cơ quan</label><input id="co-quan" name="co-quan" list="agencies" value="${e(q.agency)}" placeholder="Bộ Y tế, BCA, Cà Mau…"></div>
  <div><label for="vai-tro">Vai trò</label><select id="vai-tro" name="vai-tro">${options(ROLE_LABELS, q.role, 'Chủ trì hoặc phối hợp')}</select></div>
  <div><label for="van-ban">Văn bản</label><select id="van-ban" name="van-ban">${options(docs, q.docId, 'Mọi văn bản')}</select></div>
  <div><label for="tu">Hạn từ ngày</label><input id="tu" name="tu" type="date" value="${e(q.dueFrom)}"></div>
  <div><label for="den">đến ngày</label><input id="den" name="den" type="date" value="${e(q.dueTo)}"></div>
  <div><label for="tinh-trang">Tình trạng</label><select id="tinh-trang" name="tinh-trang">${options(STATUS_LABELS, q.status, 'Mọi tình trạng')}</select></div>
  <div><label for="tu-khoa">Từ khóa</label><input id="tu-khoa" name="tu-khoa" type="search" value="${e(q.words)}" placeholder="dữ liệu, dịch vụ công…"></div>
  <div><label for="sap-xep">Sắp xếp</label><select id="sap-xep" name="sap-xep">${options(SORT_LABELS, q.sort)}</select></div>
  <div class="buttons"><button type="submit">Lọc</button> <a href="/nhiem-vu">Xóa bộ lọc</a></div>
  <datalist id="agencies">${agencyNames.map((n) => `<option value="${e(n)}">`).join('')}</datalist>
</form>
${result.agencyUnknown ? `<p class="error" role="alert">Không nhận ra cơ quan «${e(q.agency)}». Thử tên đầy đủ hoặc viết tắt: Bộ Công an, BCA, NHNN, Cà Mau…</p>` : ''}
<p id="count" class="summary"><strong>${result.rows.length.toLocaleString('vi-VN')}</strong> nhiệm vụ${result.agency ? ` liên quan đến ${e(result.agency.name)} (kể cả việc giao cho nhóm và cơ quan tiền nhiệm)` : ''}. ${exports.join(' · ')}</p>
${
  result.rows.length === 0
    ? '<p>Không có nhiệm vụ nào khớp bộ lọc.</p>'
    : `<table class="tasks-table">
<caption class="visually-hidden">Nhiệm vụ, trang ${current}/${result.pages}</caption>
<thead><tr><th scope="col">Nhiệm vụ</th><th scope="col">Chủ trì</th><th scope="col"><a href="/nhiem-vu${e(taskQueryString(q, { sort: sortHeader, page: 1 }))}">Thời hạn ${q.sort === 'han' ? '▲' : q.sort === '-han' ? '▼' : ''}</a></th><th scope="col">Tình trạng</th><th scope="col">Nguồn</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<nav class="pager" aria-label="Trang">${current > 1 ? pageLink(current - 1, '‹ Trang trước', 'prev') : ''}<span>Trang ${current}/${result.pages} (${PAGE_SIZE} dòng mỗi trang)</span>${current < result.pages ? pageLink(current + 1, 'Trang sau ›', 'next') : ''}</nav>`
}
</main>`,
  });
}
