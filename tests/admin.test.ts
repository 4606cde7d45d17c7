/**
 * The admin view through the real app: off without ADMIN_TOKEN, login refused without the token,
 * the dashboard's figures (questions per day and channel, refused questions by topic, feedback
 * with reason and answer, top agencies), questions stored pseudonymously with retention, upload of
 * a DOCX with a preview before publishing, and a row edit written to corpus/overrides.json.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDataDir, post, queryDb, removeDataDirs, sleep, startTestApp } from './support/channel-app.js';

afterAll(() => removeDataDirs());

const TOKEN = 'ma-quan-tri-rat-dai-2026';
const json = (text: string) => JSON.parse(text) as Record<string, any>;

/** A private copy of the shipped corpus: admin tests write to it. */
function corpusCopy(): string {
  const dir = join(freshDataDir('tro-ly-corpus-'), 'corpus');
  cpSync(join(process.cwd(), 'corpus'), dir, { recursive: true });
  return dir;
}

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/quan-tri/dang-nhap`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie.split(';')[0]!;
}

describe('admin view', () => {
  it('is off when ADMIN_TOKEN is unset', async () => {
    const app = await startTestApp({ DATA_DIR: freshDataDir() });
    try {
      expect((await fetch(`http://127.0.0.1:${app.port}/quan-tri`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${app.port}/quan-tri/dang-nhap`, { method: 'POST', body: 'token=x' })).status).toBe(404);
    } finally {
      await app.stop();
    }
  });

  it('refuses without the token; shows questions per day and channel, refused topics, feedback and agencies; stores no chat id', async () => {
    const dataDir = freshDataDir();
    const app = await startTestApp({ DATA_DIR: dataDir, ADMIN_TOKEN: TOKEN, CORPUS_DIR: corpusCopy() });
    const base = `http://127.0.0.1:${app.port}`;
    try {
      const anonymous = await fetch(`${base}/quan-tri`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).toContain('Mã quản trị (ADMIN_TOKEN)');
      const wrong = await fetch(`${base}/quan-tri/dang-nhap`, { method: 'POST', body: new URLSearchParams({ token: 'sai' }) });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('Mã quản trị không đúng.');
      expect((await fetch(`${base}/quan-tri/dong?id=x`)).status).toBe(401);

      const chatId = json((await post(`${base}/api/session`, {})).text).sessionId as string;
      const say = async (text: string) => json((await post(`${base}/api/chat`, { chatId, text })).text);
      const answer = await say('Bộ Y tế phải làm gì?');
      await say('Ai chịu trách nhiệm xây dựng sân bay Long Thành?');
      await say('Sân bay Long Thành khi nào xong?');
      await post(`${base}/api/feedback`, { chatId, answerId: answer.replies[0].answerId, vote: 'down', reason: 'Thiếu nhiệm vụ: tiêm chủng' });

      const cookie = await login(base);
      const html = await (await fetch(`${base}/quan-tri`, { headers: { cookie } })).text();
      expect(html).toContain('<strong>3</strong> câu hỏi từ <strong>1</strong> người hỏi');
      expect(html).toMatch(/<svg[^>]*role="img"/);
      expect(html).toContain('tổng 3 câu');
      expect(html).toMatch(/<strong>sân bay<\/strong> — 2 câu/);
      expect(html).toContain('Thiếu nhiệm vụ: tiêm chủng');
      expect(html).toContain('Bộ Y tế được giao');
      expect(html).toMatch(/Bộ Y tế<\/a><\/td><td>1</);
      // Pseudonymous: no chat id anywhere in the question log.
      const rows = queryDb<Record<string, unknown>>(dataDir, 'SELECT * FROM questions');
      expect(rows).toHaveLength(3);
      expect(Object.keys(rows[0]!)).not.toContain('chat_id');
      expect(JSON.stringify(rows)).not.toContain(chatId);
      expect(new Set(rows.map((r) => r.asker)).size).toBe(1);
    } finally {
      await app.stop();
    }
  });

  it('deletes questions older than QUESTION_RETENTION_DAYS at start-up', async () => {
    const dataDir = freshDataDir();
    const first = await startTestApp({ DATA_DIR: dataDir });
    await first.stop();
    const db = new Database(join(dataDir, 'assistant.db'));
    const insert = db.prepare(`INSERT INTO questions (asked_at, channel, asker, question, intent, grounded, agencies) VALUES (?, 'web', 'x', ?, 'who', 1, '[]')`);
    insert.run(new Date(Date.now() - 40 * 86_400_000).toISOString(), 'cũ');
    insert.run(new Date(Date.now() - 5 * 86_400_000).toISOString(), 'mới');
    db.close();
    const app = await startTestApp({ DATA_DIR: dataDir, QUESTION_RETENTION_DAYS: '30' });
    await app.stop();
    expect(queryDb(dataDir, 'SELECT question FROM questions')).toEqual([{ question: 'mới' }]);
  });

  it('uploads a DOCX, shows the extracted rows before publishing, publishes, and edits a row into overrides.json', async () => {
    const corpusDir = corpusCopy();
    const app = await startTestApp({ DATA_DIR: freshDataDir(), ADMIN_TOKEN: TOKEN, CORPUS_DIR: corpusDir });
    const base = `http://127.0.0.1:${app.port}`;
    try {
      const cookie = await login(base);
      const documentsBefore = readFileSync(join(corpusDir, 'documents.json'), 'utf8');
      const form = new FormData();
      form.set('file', new Blob([readFileSync('tests/fixtures/ke-hoach-mau.docx')]), 'ke-hoach-mau.docx');
      const up = await fetch(`${base}/quan-tri/tai-len`, { method: 'POST', body: form, headers: { cookie }, redirect: 'manual' });
      expect(up.status).toBe(303);
      const jobUrl = `${base}${up.headers.get('location')}`;
      let preview = '';
      for (let i = 0; i < 300 && (preview === '' || preview.includes('Đang xử lý')); i++) {
        if (i > 0) await sleep(100);
        preview = await (await fetch(jobUrl, { headers: { cookie } })).text();
      }
      expect(preview).toContain('Đã trích xuất');
      expect(preview).toContain('Công bố vào kho văn bản');
      expect(preview).toContain('<h2>Các dòng trích xuất</h2>');
      // Nothing is published before the button.
      expect(readFileSync(join(corpusDir, 'documents.json'), 'utf8')).toBe(documentsBefore);
      const question = { q: 'Ai chủ trì nâng cấp Trung tâm dữ liệu tỉnh?' };
      const documents = (json(await (await fetch(`${base}/healthz`)).text()).documents as number);
      expect(json((await post(`${base}/api/ask`, question)).text).answer).not.toContain('Sở Thông tin và Truyền thông');
      const publish = await fetch(`${jobUrl}/cong-bo`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
      expect(publish.status).toBe(303);
      const done = await (await fetch(jobUrl, { headers: { cookie } })).text();
      expect(done).toContain('Đã công bố.');
      // The chat answers from the new document without a restart.
      expect(json((await post(`${base}/api/ask`, question)).text).answer).toContain('Sở Thông tin và Truyền thông');
      expect(json(await (await fetch(`${base}/healthz`)).text()).documents).toBe(documents + 1);
      const docId = /Bảng nhiệm vụ của văn bản/.test(done) ? /van-ban=([^"&]+)/.exec(done)![1]! : '';
      expect(JSON.parse(readFileSync(join(corpusDir, 'documents.json'), 'utf8')).map((d: { docId: string }) => d.docId)).toContain(decodeURIComponent(docId));
      expect(await (await fetch(`${base}/nhiem-vu?van-ban=${docId}`)).text()).not.toContain('<strong>0</strong> nhiệm vụ');

      // A row edit: bad agency refused, nothing written; a good one lands in overrides.json and the table.
      const id = 'tb-2024-07-19/B.II.6.d.(1)#1';
      const edit = (fields: Record<string, string>) =>
        fetch(`${base}/quan-tri/dong`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ id, deadlineDate: '', deadlineText: 'tại kỳ họp thứ 8', note: 'Kiểm thử — Nguyễn Văn A', ...fields }) });
      const overridesBefore = readFileSync(join(corpusDir, 'overrides.json'), 'utf8');
      const bad = await edit({ lead: 'Bộ Không Tồn Tại' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('Không nhận ra cơ quan «Bộ Không Tồn Tại»');
      expect(readFileSync(join(corpusDir, 'overrides.json'), 'utf8')).toBe(overridesBefore);
      const good = await edit({ lead: 'Bộ Công an; Bộ Tư pháp', deadlineDate: '2024-10-31' });
      expect(good.status).toBe(200);
      expect(await good.text()).toContain('Đã lưu vào corpus/overrides.json');
      const overrides = JSON.parse(readFileSync(join(corpusDir, 'overrides.json'), 'utf8'));
      expect(overrides.overrides[id]).toEqual({ lead: ['Bộ Công an', 'Bộ Tư pháp'], deadline: { date: '2024-10-31', text: 'tại kỳ họp thứ 8', precision: 'day' }, note: 'Kiểm thử — Nguyễn Văn A' });
      const row = JSON.parse(readFileSync(join(corpusDir, 'tasks.json'), 'utf8')).find((t: { id: string }) => t.id === id);
      expect(row).toMatchObject({ lead: ['Bộ Công an', 'Bộ Tư pháp'], corrected: true, deadline: { date: '2024-10-31' } });
    } finally {
      await app.stop();
    }
  });
});
