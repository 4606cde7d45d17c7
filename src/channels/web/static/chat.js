// The web chat (no framework): a server-issued session, answers rendered from
// the JSON view (direct answer, task cards, verbatim sources, paging), 👍/👎
// with a reason, history kept in localStorage. Text only ever goes in through
// textContent: document or user text can never become markup.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const main = $('chat');
  const log = $('log');
  const form = $('f');
  const input = $('q');
  const status = $('status');
  const codeForm = $('code-form');
  const API = form.dataset.api;
  const MAX = 2000;
  const KEY_SESSION = 'tlcds.session';
  const KEY_HISTORY = 'tlcds.history';
  let history = [];
  let busy = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function showStatus(text) {
    status.textContent = text || '';
    status.hidden = !text;
  }

  function save() {
    try {
      localStorage.setItem(KEY_HISTORY, JSON.stringify(history.slice(-60)));
    } catch (e) {
      /* storage full or disabled: the chat still works */
    }
  }

  async function postJson(url, body) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    let data = {};
    try { data = await r.json(); } catch (e) { /* not JSON */ }
    return { status: r.status, data };
  }

  async function session(force) {
    let id = force ? null : localStorage.getItem(KEY_SESSION);
    if (id) return id;
    const code = codeForm.dataset.code || undefined;
    const { status: st, data } = await postJson('/api/session', code ? { code } : {});
    if (st === 200) {
      localStorage.setItem(KEY_SESSION, data.sessionId);
      codeForm.hidden = true;
      form.hidden = false;
      return data.sessionId;
    }
    if (st === 401 && data.needCode) {
      codeForm.hidden = false;
      form.hidden = true;
      $('code').focus();
    }
    throw new Error(data.error || 'Không mở được phiên trò chuyện.');
  }

  function taskCard(t) {
    const card = el('article', 'task');
    card.appendChild(el('h3', '', t.task));
    const dl = el('dl');
    const row = (label, value, cls) => {
      dl.appendChild(el('dt', '', label));
      const dd = el('dd', cls || '');
      if (typeof value === 'string') dd.textContent = value; else dd.appendChild(value);
      dl.appendChild(dd);
    };
    row('Chủ trì', t.lead.join(', ') || '—');
    if (t.support.length) row('Phối hợp', t.support.join(', '));
    row('Thời hạn', t.deadline ? t.deadline + (t.deadlineText ? ' («' + t.deadlineText + '»)' : '') : (t.deadlineText ? '«' + t.deadlineText + '»' : 'văn bản không nêu'));
    row('Tình trạng', el('span', 'badge' + (t.overdue ? ' overdue' : t.status === 'hoàn thành' ? ' done' : ''), t.status));
    const link = el('a', '', 'Mục ' + t.section + ' trong văn bản');
    link.href = t.href;
    row('Nguồn', link);
    card.appendChild(dl);
    return card;
  }

  function sources(list) {
    const box = el('div', 'sources');
    list.forEach((s, i) => {
      const d = el('details');
      d.appendChild(el('summary', '', 'Nguồn ' + (i + 1) + ': ' + s.title + (s.section ? ', mục ' + s.section : '')));
      d.appendChild(el('blockquote', '', s.quote));
      const a = el('a', '', 'Mở văn bản tại đoạn này');
      a.href = s.href;
      d.appendChild(a);
      box.appendChild(d);
    });
    return box;
  }

  function feedback(box, entry) {
    const bar = el('div', 'actions');
    const up = el('button', '', '👍 Hữu ích');
    const down = el('button', '', '👎 Chưa đúng');
    up.type = down.type = 'button';
    up.setAttribute('aria-label', 'Câu trả lời hữu ích');
    down.setAttribute('aria-label', 'Câu trả lời chưa đúng');
    const done = (msg) => { bar.textContent = msg; entry.rated = msg; save(); };
    const send = async (vote, reason) => {
      try {
        const { status: st, data } = await postJson('/api/feedback', { chatId: await session(), answerId: entry.answerId, vote, reason });
        done(st === 200 ? data.message : (data.error || 'Không gửi được đánh giá.'));
      } catch (e) {
        done('Không kết nối được máy chủ — chưa gửi được đánh giá.');
      }
    };
    up.onclick = () => send('up');
    down.onclick = () => {
      const f = el('form', 'reason');
      const id = 'reason-' + entry.answerId;
      const label = el('label', '', 'Vì sao chưa đúng? (không bắt buộc)');
      label.htmlFor = id;
      const sel = el('select');
      sel.id = id;
      ['Sai cơ quan hoặc thời hạn', 'Thiếu nhiệm vụ', 'Không đúng câu hỏi', 'Trích dẫn không liên quan', 'Khác'].forEach((r) => sel.appendChild(el('option', '', r)));
      const more = el('input');
      more.type = 'text';
      more.maxLength = 400;
      more.placeholder = 'Ghi chú thêm';
      more.setAttribute('aria-label', 'Ghi chú thêm');
      const ok = el('button', '', 'Gửi đánh giá');
      ok.type = 'submit';
      f.append(label, sel, more, ok);
      f.onsubmit = (e) => { e.preventDefault(); send('down', sel.value + (more.value.trim() ? ': ' + more.value.trim() : '')); };
      bar.replaceChildren(f);
      sel.focus();
    };
    bar.append(up, down);
    box.appendChild(bar);
  }

  function render(entry) {
    if (entry.role === 'me') {
      const m = el('div', 'msg me', entry.text);
      log.appendChild(m);
      return m;
    }
    const m = el('div', 'msg bot ' + (entry.kind || 'info'));
    const v = entry.view;
    if (v && v.grounded) {
      m.appendChild(el('p', 'pre', v.direct));
      if (v.tasks.length) {
        const list = el('div', 'tasks');
        v.tasks.forEach((t) => list.appendChild(taskCard(t)));
        m.appendChild(list);
      }
      if (v.sources.length) m.appendChild(sources(v.sources));
    } else {
      m.appendChild(el('p', 'pre', entry.text));
    }
    if (v && v.page && v.page.current < v.page.total) {
      const more = el('div', 'actions');
      more.appendChild(el('span', 'muted', 'Trang ' + v.page.current + '/' + v.page.total));
      const next = el('button', '', 'Xem tiếp');
      next.type = 'button';
      next.onclick = () => ask('tiếp');
      more.appendChild(next);
      m.appendChild(more);
    }
    if (entry.answerId) {
      if (entry.rated) m.appendChild(el('div', 'actions muted', entry.rated)); else feedback(m, entry);
    }
    log.appendChild(m);
    return m;
  }

  function add(entry, keep) {
    if (keep !== false) { history.push(entry); save(); }
    return render(entry);
  }

  // A new answer is scrolled so that its first line is at the top of the log.
  function reveal(node) {
    main.scrollTop = node.offsetTop - main.offsetTop - 8;
  }

  async function ask(text) {
    if (busy) return;
    text = text.trim();
    if (!text) return;
    if (text.length > MAX) {
      showStatus('Câu hỏi quá dài (' + text.length.toLocaleString('vi-VN') + ' ký tự) — tối đa 2.000 ký tự.');
      return;
    }
    busy = true;
    showStatus('');
    $('welcome').hidden = true;
    reveal(add({ role: 'me', text }));
    try {
      let { status: st, data } = await postJson(API, { chatId: await session(), text });
      if (st === 401 && data.session === 'invalid') ({ status: st, data } = await postJson(API, { chatId: await session(true), text }));
      if (st === 429) throw new Error(data.error || 'Bạn hỏi hơi nhanh — vui lòng chờ một phút.');
      if (st !== 200) throw new Error(data.error || 'Có lỗi xảy ra (mã ' + st + ').');
      let first = null;
      data.replies.forEach((r, i) => {
        const node = add({ role: 'bot', kind: r.kind, text: r.text, answerId: r.answerId, view: data.results ? data.results[i] : null });
        first = first || node;
      });
      if (first) reveal(first);
    } catch (e) {
      const msg = e instanceof TypeError ? 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.' : e.message;
      reveal(add({ role: 'bot', kind: 'error', text: msg }, false));
      showStatus(msg);
    } finally {
      busy = false;
      input.focus();
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value;
    if (text.trim() && text.length <= MAX) input.value = '';
    ask(text);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.querySelectorAll('.sample').forEach((b) => b.addEventListener('click', () => ask(b.textContent)));
  $('new-chat').addEventListener('click', async () => {
    history = [];
    save();
    log.replaceChildren();
    $('welcome').hidden = false;
    showStatus('');
    localStorage.removeItem(KEY_SESSION);
    try { await session(true); } catch (e) { showStatus(e.message); }
    input.focus();
  });
  codeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    codeForm.dataset.code = $('code').value;
    try { await session(true); showStatus(''); input.focus(); } catch (err) { showStatus(err.message); }
  });

  try { history = JSON.parse(localStorage.getItem(KEY_HISTORY) || '[]'); } catch (e) { history = []; }
  if (history.length) {
    $('welcome').hidden = true;
    history.forEach(render);
    main.scrollTop = main.scrollHeight;
  }
  session().catch((e) => showStatus(e.message));
  input.focus();
})();
