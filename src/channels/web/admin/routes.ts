/**
 * The admin view (/quan-tri), on only when ADMIN_TOKEN is set: login with the
 * token (constant-time comparison, rate-limited) to a signed, HttpOnly,
 * SameSite=Strict cookie; the dashboard; document upload with progress and a
 * preview before publishing; row edits written to corpus/overrides.json.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { HttpBindings } from '@hono/node-server';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { AgencyRegistry } from '../../../corpus/agencies.js';
import { MAX_FILE_BYTES } from '../../../ingestion/loaders.js';
import type { QuestionStats } from '../../../storage/types.js';
import { RateLimiter, safeEqual } from '../../../conversation/guards.js';
import { addDays, todayInVietnam } from '../../../text/dates.js';
import type { CorpusSource } from '../corpus-source.js';
import { dashboardPage, loginPage, messagePage, rowEditPage, uploadPage } from './pages.js';
import { RowEditError, saveRowEdit } from './row-edits.js';
import { UploadJobs } from './uploads.js';

export interface AdminOptions {
  /** ADMIN_TOKEN. */
  token: string;
  /** Signs the login cookie. */
  key: Buffer;
  questions: QuestionStats;
  /** Where uploads are staged (DATA_DIR/uploads). */
  workDir: string;
  retentionDays: number;
  /**
   * The real clock of the question log (questions are stamped with real instants, whatever
   * ASSISTANT_NOW says about the documents' deadlines). Default: the system clock.
   */
  clock?: () => Date;
  /** Called after a publish or a row edit changed the corpus: the chat answers from the new one. */
  onCorpusChanged?: () => Promise<void>;
}

type Ctx = Context<{ Bindings: HttpBindings }>;

const COOKIE = 'qt';
const SESSION_SECONDS = 12 * 3600;
const FORM_LIMIT = 16 * 1024;

function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

export function mountAdmin(app: Hono<{ Bindings: HttpBindings }>, source: CorpusSource, registry: AgencyRegistry, opts: AdminOptions): void {
  const today = () => todayInVietnam((opts.clock ?? (() => new Date()))());
  const jobs = new UploadJobs(source.get().paths.root, opts.workDir, registry);
  const logins = new RateLimiter(10);
  const sign = (exp: number) => createHmac('sha256', opts.key).update(`admin:${exp}`).digest('base64url');
  const authed = (c: Ctx): boolean => {
    if (safeEqual(c.req.header('authorization') ?? '', `Bearer ${opts.token}`)) return true;
    const [exp, mac] = (getCookie(c, COOKIE) ?? '').split('.');
    return Boolean(exp && mac && Number(exp) > Date.now() / 1000 && safeEqual(mac, sign(Number(exp))));
  };
  const sameOrigin = (c: Ctx): boolean => {
    const origin = c.req.header('origin');
    return !origin || origin === new URL(c.req.url).origin;
  };
  const formLimit = bodyLimit({ maxSize: FORM_LIMIT, onError: () => html('Nội dung gửi lên quá lớn.', 413) });
  const fileLimit = bodyLimit({ maxSize: MAX_FILE_BYTES + 64 * 1024, onError: () => html('Tệp quá lớn — tối đa 20 MB.', 413) });

  // Every admin path needs the login, except the login itself.
  app.use('/quan-tri/*', async (c, next) => {
    if (c.req.path === '/quan-tri/dang-nhap') return next();
    if (!authed(c)) return html(loginPage('Cần đăng nhập bằng mã quản trị.'), 401);
    if (c.req.method === 'POST' && !sameOrigin(c)) return html('Yêu cầu không hợp lệ (khác nguồn).', 403);
    return next();
  });

  app.get('/quan-tri', async (c) => {
    if (!authed(c)) return html(loginPage(), 401);
    const since = `${addDays(today(), -30)}T00:00:00+07:00`;
    return html(dashboardPage({ questions: await opts.questions.since(new Date(since).toISOString()), feedback: await opts.questions.feedback(), today: today(), retentionDays: opts.retentionDays }));
  });

  app.post('/quan-tri/dang-nhap', formLimit, async (c) => {
    if (!logins.take(c.env.incoming.socket.remoteAddress ?? '?')) return html(loginPage('Thử quá nhiều lần — vui lòng chờ một phút.'), 429);
    const body = await c.req.parseBody();
    const token = typeof body.token === 'string' ? body.token : '';
    if (!safeEqual(token, opts.token)) return html(loginPage('Mã quản trị không đúng.'), 401);
    const exp = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    setCookie(c, COOKIE, `${exp}.${sign(exp)}`, { path: '/quan-tri', httpOnly: true, sameSite: 'Strict', maxAge: SESSION_SECONDS, secure: new URL(c.req.url).protocol === 'https:' });
    return c.redirect('/quan-tri', 303);
  });

  app.post('/quan-tri/dang-xuat', (c) => {
    deleteCookie(c, COOKIE, { path: '/quan-tri' });
    return c.redirect('/quan-tri', 303);
  });

  app.post('/quan-tri/tai-len', fileLimit, async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) return html(uploadError('Hãy chọn một tệp PDF, DOCX hoặc TXT.'), 400);
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim().slice(0, 300) : '');
    try {
      const job = jobs.start(file.name, new Uint8Array(await file.arrayBuffer()), { ...(text('title') && { title: text('title') }), ...(text('date') && { date: text('date') }), ...(text('issuer') && { issuer: text('issuer') }) });
      return c.redirect(`/quan-tri/tai-len/${job.id}`, 303);
    } catch (err) {
      return html(uploadError((err as Error).message), 400);
    }
  });

  app.get('/quan-tri/tai-len/:id', (c) => {
    const job = jobs.get(c.req.param('id'));
    return job ? html(uploadPage(job)) : html(uploadError('Không có lượt tải lên này (có thể đã hết hạn).'), 404);
  });

  app.post('/quan-tri/tai-len/:id/cong-bo', formLimit, async (c) => {
    try {
      const job = await jobs.publish(c.req.param('id'));
      if (job.state === 'published') {
        await opts.onCorpusChanged?.();
        job.progress.push('Trợ lý đã nạp lại kho văn bản: câu hỏi từ giờ được trả lời theo cả văn bản này.');
      }
      return c.redirect(`/quan-tri/tai-len/${c.req.param('id')}`, 303);
    } catch (err) {
      return html(uploadError((err as Error).message), 409);
    }
  });

  app.get('/quan-tri/dong', (c) => {
    const id = (c.req.query('id') ?? '').trim();
    return html(rowEditPage(source.get().tasks.find((t) => t.id === id), id));
  });

  app.post('/quan-tri/dong', formLimit, async (c) => {
    const body = await c.req.parseBody();
    const field = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const id = field('id');
    try {
      saveRowEdit(source.get().paths.root, registry, { id, lead: field('lead'), deadlineDate: field('deadlineDate'), deadlineText: field('deadlineText'), remove: field('remove') === '1', note: field('note') });
      await opts.onCorpusChanged?.();
    } catch (err) {
      if (!(err instanceof RowEditError)) throw err;
      return html(rowEditPage(source.get().tasks.find((t) => t.id === id), id, { error: err.message }), 400);
    }
    const row = source.get().tasks.find((t) => t.id === id);
    if (!row) return html(messagePage('Sửa dòng', `Đã xóa dòng ${id} (ghi vào corpus/overrides.json) và dựng lại bảng nhiệm vụ.`, 'ok'));
    return html(rowEditPage(row, id, { ok: 'Đã lưu vào corpus/overrides.json và dựng lại bảng nhiệm vụ.' }));
  });
}

function uploadError(message: string): string {
  return messagePage('Nạp văn bản', message, 'error');
}

/** The admin's working directory for uploads under DATA_DIR. */
export const uploadsDir = (dataDir: string) => join(dataDir, 'uploads');
