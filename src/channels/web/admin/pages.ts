/** HTML of the admin view (/quan-tri): login, dashboard, upload progress and preview, row edit. */
import type { TaskRow } from '../../../corpus/types.js';
import type { FeedbackRow, QuestionRow } from '../../../reminders/questions.js';
import { formatVietnameseDate } from '../../../text/dates.js';
import { documentHref } from '../answer-view.js';
import { escapeHtml as e, layout } from '../html.js';
import { questionsChart, refusedTopics, topAgencies } from './stats.js';
import type { UploadJob } from './uploads.js';

const page = (title: string, body: string, head?: string) =>
  layout({ title: `${title} — Quản trị`, css: ['/static/admin.css'], body: `<main class="page admin">${body}</main>`, ...(head && { headerExtra: head }) });

const logout = '<form method="post" action="/quan-tri/dang-xuat" class="logout"><button type="submit" class="secondary">Đăng xuất</button></form>';

/** A one-message page (an error or a confirmation) with the way back. */
export function messagePage(title: string, message: string, kind: 'error' | 'ok'): string {
  return page(title, `<h1>${e(title)}</h1><p class="${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${e(message)}</p><p><a href="/quan-tri">← Về trang quản trị</a></p>`, logout);
}

export function loginPage(error?: string): string {
  return page(
    'Đăng nhập',
    `<h1>Quản trị — đăng nhập</h1>
${error ? `<p class="error" role="alert">${e(error)}</p>` : ''}
<form method="post" action="/quan-tri/dang-nhap" class="card stack">
  <label for="token">Mã quản trị (ADMIN_TOKEN)</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required>
  <button type="submit">Đăng nhập</button>
</form>`,
  );
}

function rowsTable(rows: TaskRow[], editable: boolean): string {
  if (rows.length === 0) return '<p>Không trích xuất được dòng nhiệm vụ nào.</p>';
  return `<div class="table-wrap"><table><thead><tr><th scope="col">Mục</th><th scope="col">Nhiệm vụ</th><th scope="col">Chủ trì</th><th scope="col">Thời hạn</th>${editable ? '<th scope="col">Sửa</th>' : ''}</tr></thead><tbody>
${rows
  .map(
    (r) => `<tr><td>${e(r.section || '—')}</td><td>${e(r.task)}</td><td>${e(r.lead.join(', ') || '—')}</td><td>${r.deadline.date ? e(formatVietnameseDate(r.deadline.date)) : '—'}${r.deadline.text ? ` <span class="muted">«${e(r.deadline.text)}»</span>` : ''}</td>${
      editable ? `<td><a href="/quan-tri/dong?id=${encodeURIComponent(r.id)}">Sửa</a></td>` : ''
    }</tr>`,
  )
  .join('\n')}
</tbody></table></div>`;
}

export interface DashboardData {
  questions: QuestionRow[];
  feedback: FeedbackRow[];
  today: string;
  retentionDays: number;
}

export function dashboardPage(d: DashboardData): string {
  const topics = refusedTopics(d.questions);
  const agencies = topAgencies(d.questions);
  const refused = d.questions.filter((q) => !q.grounded).length;
  const askers = new Set(d.questions.map((q) => q.asker)).size;
  return page(
    'Tổng quan',
    `<h1>Quản trị</h1>
<section class="card" aria-labelledby="h-q"><h2 id="h-q">Câu hỏi mỗi ngày (30 ngày, theo kênh)</h2>
<p><strong>${d.questions.length}</strong> câu hỏi từ <strong>${askers}</strong> người hỏi (mã ẩn danh); <strong>${refused}</strong> câu không trả lời được. Câu hỏi lưu không kèm mã cuộc trò chuyện hay tên, và được xóa sau ${d.retentionDays} ngày (QUESTION_RETENTION_DAYS).</p>
${questionsChart(d.questions, d.today)}
</section>
<section class="card" aria-labelledby="h-r"><h2 id="h-r">Câu hỏi không trả lời được, theo chủ đề</h2>
<p class="muted">Gợi ý văn bản còn thiếu trong kho.</p>
${topics.length === 0 ? '<p>Chưa có.</p>' : `<ol class="topics">${topics.map((t) => `<li><strong>${e(t.label)}</strong> — ${t.count} câu<ul>${t.examples.map((q) => `<li>${e(q)}</li>`).join('')}</ul></li>`).join('')}</ol>`}
</section>
<section class="card" aria-labelledby="h-a"><h2 id="h-a">Cơ quan được hỏi nhiều nhất</h2>
${agencies.length === 0 ? '<p>Chưa có.</p>' : `<table><thead><tr><th scope="col">Cơ quan</th><th scope="col">Số câu hỏi</th></tr></thead><tbody>${agencies.map((a) => `<tr><td><a href="/nhiem-vu?co-quan=${encodeURIComponent(a.name)}">${e(a.name)}</a></td><td>${a.count}</td></tr>`).join('')}</tbody></table>`}
</section>
<section class="card" aria-labelledby="h-f"><h2 id="h-f">Góp ý và đánh giá</h2>
${
  d.feedback.length === 0
    ? '<p>Chưa có.</p>'
    : `<div class="table-wrap"><table><thead><tr><th scope="col">Ngày</th><th scope="col">Kênh</th><th scope="col">Đánh giá</th><th scope="col">Lý do / góp ý</th><th scope="col">Câu hỏi và câu trả lời</th></tr></thead><tbody>${d.feedback
        .map(
          (f) => `<tr><td>${e(f.createdAt.slice(0, 10))}</td><td>${e(f.channel)}</td><td>${f.vote === 'up' ? '👍' : f.vote === 'down' ? '👎' : 'góp ý'}</td><td>${e(f.reason ?? f.text ?? '')}</td><td>${f.question ? `<strong>${e(f.question)}</strong>` : ''}${f.answer ? `<details><summary>Câu trả lời</summary><p class="pre">${e(f.answer)}</p></details>` : ''}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
}
</section>
<section class="card" aria-labelledby="h-u"><h2 id="h-u">Nạp văn bản mới</h2>
<form method="post" action="/quan-tri/tai-len" enctype="multipart/form-data" class="stack">
  <label for="file">Tệp PDF, DOCX hoặc TXT (tối đa 20 MB)</label>
  <input id="file" name="file" type="file" accept=".pdf,.docx,.txt" required>
  <label for="title">Tiêu đề (để trống: tự nhận từ văn bản)</label><input id="title" name="title" maxlength="300">
  <label for="date">Ngày ban hành (YYYY-MM-DD, tùy chọn)</label><input id="date" name="date" maxlength="10" placeholder="2026-01-15">
  <label for="issuer">Cơ quan ban hành (tùy chọn)</label><input id="issuer" name="issuer" maxlength="200">
  <button type="submit">Tải lên và xem trước</button>
</form>
</section>
<section class="card" aria-labelledby="h-e"><h2 id="h-e">Sửa một dòng của bảng nhiệm vụ</h2>
<form method="get" action="/quan-tri/dong" class="stack">
  <label for="row-id">Mã nhiệm vụ (cột «Mã nhiệm vụ» trong tệp CSV/Excel, ví dụ tb-2024-07-19/B.II.3.a#1)</label>
  <input id="row-id" name="id" required>
  <button type="submit">Mở</button>
</form>
</section>`,
    logout,
  );
}

export function uploadPage(job: UploadJob): string {
  const running = job.state === 'running' || job.state === 'publishing';
  const head = running ? '<meta http-equiv="refresh" content="1">' : '';
  const html = page(
    `Tải lên ${job.fileName}`,
    `<h1>Nạp văn bản: ${e(job.fileName)}</h1>
<p id="state" role="status">${
      { running: 'Đang xử lý…', ready: 'Đã trích xuất — xem trước rồi công bố.', failed: 'Không nạp được.', publishing: 'Đang công bố…', published: 'Đã công bố.' }[job.state]
    }</p>
<ol class="progress">${job.progress.map((p) => `<li>${e(p)}</li>`).join('')}</ol>
${job.error ? `<p class="error" role="alert">${e(job.error)}</p>` : ''}
${job.outcome ? `<p>Văn bản: <strong>${e(job.outcome.title)}</strong> (mã ${e(job.outcome.docId)}) — ${job.outcome.status === 'unchanged' ? 'đã có trong kho, nội dung không đổi' : `${job.rows.length} dòng nhiệm vụ`}.</p>` : ''}
${job.state === 'ready' ? `<form method="post" action="/quan-tri/tai-len/${e(job.id)}/cong-bo"><button type="submit">Công bố vào kho văn bản</button> <a href="/quan-tri">Hủy</a></form>` : ''}
${job.state === 'published' && job.outcome ? `<p><a href="${e(documentHref(job.outcome.docId, null))}">Xem văn bản</a> · <a href="/nhiem-vu?van-ban=${encodeURIComponent(job.outcome.docId)}">Bảng nhiệm vụ của văn bản</a>.</p>` : ''}
${job.rows.length > 0 ? `<h2>Các dòng trích xuất</h2>${rowsTable(job.rows, job.state === 'published')}` : ''}
<p><a href="/quan-tri">← Về trang quản trị</a></p>`,
    logout,
  );
  return head ? html.replace('</head>', `${head}\n</head>`) : html;
}

export function rowEditPage(row: TaskRow | undefined, id: string, message?: { error?: string; ok?: string }): string {
  if (!row) return page('Sửa dòng', `<h1>Sửa dòng</h1><p class="error" role="alert">Không có dòng nhiệm vụ «${e(id)}» trong bảng hiện tại.</p><p><a href="/quan-tri">← Về trang quản trị</a></p>`, logout);
  return page(
    'Sửa dòng',
    `<h1>Sửa dòng ${e(row.id)}</h1>
${message?.error ? `<p class="error" role="alert">${e(message.error)}</p>` : ''}${message?.ok ? `<p class="ok" role="status">${e(message.ok)}</p>` : ''}
<p>${e(row.task)}</p>
<p class="muted">Nguồn: <a href="${e(documentHref(row.docId, row.section, row.quote))}">${e(row.docId)}, mục ${e(row.section || '—')}</a>${row.corrected ? ' · đã được sửa trước đây' : ''}</p>
<form method="post" action="/quan-tri/dong" class="card stack">
  <input type="hidden" name="id" value="${e(row.id)}">
  <label for="lead">Cơ quan chủ trì (ngăn cách bằng dấu chấm phẩy)</label>
  <textarea id="lead" name="lead" rows="2">${e(row.lead.join('; '))}</textarea>
  <label for="deadlineDate">Hạn (YYYY-MM-DD, để trống nếu văn bản không nêu ngày)</label>
  <input id="deadlineDate" name="deadlineDate" value="${e(row.deadline.date ?? '')}" maxlength="10">
  <label for="deadlineText">Thời hạn theo văn bản (nguyên văn)</label>
  <input id="deadlineText" name="deadlineText" value="${e(row.deadline.text ?? '')}" maxlength="200">
  <label class="inline"><input type="checkbox" name="remove" value="1"> Xóa dòng này (không phải nhiệm vụ)</label>
  <label for="note">Lý do sửa, người sửa (bắt buộc; ghi vào corpus/overrides.json)</label>
  <input id="note" name="note" required maxlength="500">
  <button type="submit">Lưu vào overrides.json</button>
</form>
<p><a href="/quan-tri">← Về trang quản trị</a></p>`,
    logout,
  );
}
