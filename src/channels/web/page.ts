/**
 * The web chat: one self-contained page (no build step, no external assets).
 * Answers are inserted with textContent, so document or user text can never
 * become markup.
 */
export const WEB_CHAT_PAGE = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trợ lý chuyển đổi số</title>
<style>
  body { font-family: system-ui, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f4f6f8; color: #1f2933; }
  header { background: #b71c1c; color: #fff; padding: 12px 16px; font-weight: 600; }
  main { max-width: 760px; margin: 0 auto; padding: 12px; }
  #log { display: flex; flex-direction: column; gap: 10px; min-height: 60vh; }
  .msg { white-space: pre-wrap; padding: 10px 12px; border-radius: 10px; line-height: 1.45; max-width: 90%; }
  .me { align-self: flex-end; background: #1565c0; color: #fff; }
  .bot { align-self: flex-start; background: #fff; border: 1px solid #d9e2ec; }
  .bot.refusal { border-color: #f0b429; }
  form { display: flex; gap: 8px; margin-top: 12px; position: sticky; bottom: 0; background: #f4f6f8; padding: 8px 0; }
  textarea { flex: 1; font: inherit; padding: 8px; border-radius: 8px; border: 1px solid #9fb3c8; resize: vertical; min-height: 44px; }
  button { font: inherit; padding: 8px 14px; border-radius: 8px; border: 0; background: #b71c1c; color: #fff; cursor: pointer; }
  .fb { margin-top: 6px; display: flex; gap: 6px; }
  .fb button { background: #e4e7eb; color: #1f2933; padding: 2px 8px; }
</style>
</head>
<body>
<header>Trợ lý chuyển đổi số — tra cứu nhiệm vụ, thời hạn trong văn bản chỉ đạo</header>
<main>
  <div id="log" aria-live="polite"></div>
  <form id="f">
    <textarea id="q" maxlength="2000" placeholder="Ví dụ: Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?" required></textarea>
    <button type="submit">Gửi</button>
  </form>
</main>
<script>
  const log = document.getElementById('log');
  const chatId = localStorage.getItem('chatId') || ('web-' + Math.random().toString(36).slice(2, 12));
  localStorage.setItem('chatId', chatId);
  function add(text, cls, answerId) {
    const div = document.createElement('div');
    div.className = 'msg ' + cls;
    div.textContent = text;
    if (answerId) {
      const fb = document.createElement('div');
      fb.className = 'fb';
      for (const [vote, label] of [['up', '👍 Hữu ích'], ['down', '👎 Chưa đúng']]) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = label;
        b.onclick = async () => {
          const r = await fetch('/api/feedback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId, answerId, vote }) });
          fb.textContent = (await r.json()).message || '';
        };
        fb.appendChild(b);
      }
      div.appendChild(fb);
    }
    log.appendChild(div);
    div.scrollIntoView({ block: 'end' });
  }
  async function send(text, quiet) {
    if (!quiet) add(text, 'me');
    try {
      const r = await fetch('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId, text }) });
      const data = await r.json();
      if (!r.ok) return add(data.error || 'Có lỗi xảy ra.', 'bot refusal');
      for (const reply of data.replies) add(reply.text, 'bot ' + reply.kind, reply.answerId);
    } catch (e) {
      add('Không kết nối được máy chủ. Vui lòng thử lại.', 'bot refusal');
    }
  }
  document.getElementById('f').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = document.getElementById('q');
    const text = q.value.trim();
    if (text) { q.value = ''; send(text); }
  });
  send('/start', true);
</script>
</body>
</html>
`;
