/**
 * The web chat page: HTML only. Script and style are static files
 * (/static/chat.js, /static/chat.css) so the Content-Security-Policy can forbid
 * inline script. Answers are inserted with textContent, so document or user
 * text can never become markup.
 */
import { EXAMPLES } from '../../conversation/conversation.js';
import { escapeHtml, layout } from './html.js';

export const WEB_CHAT_PAGE = layout({
  title: 'Trợ lý chuyển đổi số',
  current: '/',
  css: ['/static/chat.css'],
  scripts: ['/static/chat.js'],
  bodyClass: 'chat',
  body: `<main id="chat" class="chat-main">
  <section id="welcome" class="welcome" aria-label="Giới thiệu">
    <p>Hỏi về văn bản chỉ đạo chuyển đổi số: <strong>ai chủ trì việc gì, hạn khi nào, văn bản nói gì</strong> — luôn kèm trích dẫn nguyên văn.</p>
    <p>Thử hỏi:</p>
    <ul class="samples">
${EXAMPLES.map((q) => `      <li><button type="button" class="sample">${escapeHtml(q)}</button></li>`).join('\n')}
    </ul>
  </section>
  <div id="log" class="log" role="log" aria-live="polite" aria-label="Cuộc trò chuyện"></div>
</main>
<div id="status" class="status" role="alert" hidden></div>
<form id="f" class="bar" data-api="/api/chat" autocomplete="off">
  <label for="q" class="visually-hidden">Câu hỏi của bạn</label>
  <span id="q-hint" class="visually-hidden">Enter để gửi, Shift+Enter để xuống dòng.</span>
  <textarea id="q" name="q" rows="1" maxlength="2000" placeholder="Nhập câu hỏi (Enter để gửi)" aria-describedby="q-hint" required></textarea>
  <button type="submit" id="send">Gửi</button>
</form>
<form id="code-form" class="code-form" hidden>
  <label for="code">Mã truy cập (do đơn vị quản lý cung cấp)</label>
  <input id="code" name="code" type="password" autocomplete="current-password" required>
  <button type="submit">Vào trò chuyện</button>
</form>`,
  headerExtra: '<button type="button" id="new-chat" class="new-chat">Cuộc trò chuyện mới</button>',
});
