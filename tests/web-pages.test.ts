/**
 * The web pages served by the real app, read as HTTP responses: the task browser's filters and
 * its exports (CSV read as text, .xlsx read back with exceljs, .ics parsed by node-ical), and the
 * document view (structure, anchors, highlighted quote). The browser tests drive the same pages.
 */
import ExcelJS from 'exceljs';
import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/main.js';
import { freshDataDir, removeDataDirs, startTestApp } from './support/channel-app.js';

let app: App;
let base: string;

beforeAll(async () => {
  app = await startTestApp({ DATA_DIR: freshDataDir() });
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(async () => {
  await app?.stop();
  removeDataDirs();
});

const count = (html: string) => Number(/<p id="count"[^>]*><strong>([\d.]+)<\/strong>/.exec(html)?.[1]?.replace(/\./g, '') ?? NaN);
const page = async (query: string) => (await fetch(`${base}/nhiem-vu${query}`)).text();

describe('task browser /nhiem-vu', () => {
  it('filters by agency alias (with group and predecessor rows), role, status, deadline range and words', async () => {
    const all = count(await page(''));
    expect(all).toBeGreaterThan(200);
    const bca = await page('?co-quan=BCA');
    expect(bca).toContain('liên quan đến Bộ Công an');
    expect(count(bca)).toBeLessThan(all);
    expect(bca).toContain('giao cho nhóm: Các bộ, ngành, địa phương');
    const lead = count(await page('?co-quan=BCA&vai-tro=chu-tri'));
    const support = count(await page('?co-quan=BCA&vai-tro=phoi-hop'));
    expect(lead).toBeGreaterThan(0);
    expect(support).toBeGreaterThan(0);
    expect(lead + support).toBe(count(bca));
    // The 2025 successor sees its predecessor's tasks.
    expect(await page('?co-quan=B%E1%BB%99%20Khoa%20h%E1%BB%8Dc%20v%C3%A0%20C%C3%B4ng%20ngh%E1%BB%87')).toContain('Bộ Thông tin và Truyền thông');
    const august = await page('?tu=2024-08-01&den=2024-08-31');
    expect(count(august)).toBeGreaterThan(0);
    for (const d of august.matchAll(/data-label="Thời hạn">(\d\d)\/(\d\d)\/(\d{4})/g)) expect(`${d[3]}-${d[2]}`).toBe('2024-08');
    const overdue = await page('?tinh-trang=qua-han');
    expect(count(overdue)).toBeGreaterThan(0);
    expect(overdue).not.toContain('class="badge">');
    expect(overdue).not.toContain('class="badge done">');
    const words = await page('?tu-khoa=luat%20du%20lieu');
    expect(count(words)).toBeGreaterThan(0);
    expect(words).toContain('Luật Dữ liệu');
    const unknown = await page('?co-quan=B%E1%BB%99%20Kh%C3%B4ng%20C%C3%B3');
    expect(unknown).toContain('Không nhận ra cơ quan «Bộ Không Có»');
    expect(count(unknown)).toBe(0);
  });

  it('sorts by deadline both ways, pages 25 rows at a time, and keeps the filters in every link', async () => {
    const asc = await page('?sap-xep=han');
    const desc = await page('?sap-xep=-han');
    const firstDate = (html: string) => /data-label="Thời hạn">(\d\d\/\d\d\/\d{4})/.exec(html)?.[1];
    expect(firstDate(asc)).not.toBe(firstDate(desc));
    const p1 = await page('?co-quan=BCA');
    expect(p1.match(/<tr>\s*<td/g)).toHaveLength(25);
    expect(p1).toContain('href="/nhiem-vu?co-quan=BCA&amp;trang=2" rel="next"');
    const last = await page('?co-quan=BCA&trang=999');
    expect(last).toMatch(/Trang (\d+)\/\1 /);
    expect(p1).toContain('href="/nhiem-vu.csv?co-quan=BCA"');
    expect(p1).toContain('href="/lich/B%E1%BB%99%20C%C3%B4ng%20an.ics"');
  });
});

describe('exports of exactly the filtered rows', () => {
  it('CSV: UTF-8 with a byte-order mark, one line per filtered row, Vietnamese intact', async () => {
    const res = await fetch(`${base}/nhiem-vu.csv?co-quan=BCA&vai-tro=chu-tri`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('Mã nhiệm vụ,Văn bản,Mục,Nhiệm vụ,Chủ trì,Phối hợp,Thời hạn,Thời hạn (nguyên văn),Tình trạng,Liên quan,Trích dẫn nguyên văn');
    // Rows are counted by their id at the start of a record (quoted fields may hold line breaks).
    const ids = text.match(/(?:^|\r\n)[a-z]+-\d{4}[\w-]*\/[^,]*#\d+,/g) ?? [];
    expect(ids.length).toBe(count(await page('?co-quan=BCA&vai-tro=chu-tri')));
    expect(text).toContain('Bộ Công an');
  });

  it('Excel .xlsx: read back with exceljs, same rows as the screen', async () => {
    const res = await fetch(`${base}/nhiem-vu.xlsx?tu=2024-08-01&den=2024-12-31`);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const ws = wb.getWorksheet('Nhiệm vụ')!;
    expect(ws.getRow(1).getCell(4).value).toBe('Nhiệm vụ');
    expect(ws.rowCount - 1).toBe(count(await page('?tu=2024-08-01&den=2024-12-31')));
    const dates = [] as string[];
    ws.eachRow((row, i) => {
      if (i > 1) dates.push(String(row.getCell(7).value));
    });
    expect(dates.every((d) => /^\d\d\/(0[89]|1[0-2])\/2024$/.test(d))).toBe(true);
  });

  it('iCalendar /lich/<cơ quan>.ics: one all-day event per dated task, with the source and a link back', async () => {
    const res = await fetch(`${base}/lich/${encodeURIComponent('BCA')}.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const parsed = ical.sync.parseICS(await res.text());
    const events = Object.values(parsed).filter((v) => v?.type === 'VEVENT') as ical.VEvent[];
    const dated = (await (await fetch(`${base}/nhiem-vu.csv?co-quan=BCA`)).text()).match(/,\d\d\/\d\d\/\d{4},/g) ?? [];
    expect(events.length).toBe(dated.length);
    const luat = events.find((ev) => String(ev.summary).includes('Luật Bảo vệ dữ liệu cá nhân'))!;
    expect(luat).toBeDefined();
    expect(luat.datetype).toBe('date');
    expect(String(luat.description)).toContain('Nguồn: Thông báo Kết luận Phiên họp');
    const url = luat.url as unknown as string | { val: string };
    expect(typeof url === 'string' ? url : url.val).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/van-ban\/tb-2023-12-28#muc-B\.II\.2\.c$/);
    const start = luat.start as Date;
    expect([start.getFullYear(), start.getMonth() + 1, start.getDate()]).toEqual([2024, 12, 31]);
    expect((await fetch(`${base}/lich/Kh%C3%B4ng%20c%C3%B3.ics`)).status).toBe(404);
  });
});

describe('document view /van-ban/<docId>', () => {
  it('shows the structure with an anchor per section, tables as tables, the cited quote highlighted, and the document rows beside', async () => {
    const quote = 'Khẩn trương xây dựng dự án Luật Dữ liệu để trình Quốc hội cho ý kiến tại kỳ họp thứ 8';
    const html = await (await fetch(`${base}/van-ban/tb-2024-07-19?trich=${encodeURIComponent(quote)}`)).text();
    expect(html).toContain('<h2 id="muc-B">');
    expect(html).toContain('id="muc-B.II.6.d.(1)"');
    expect(html).toContain(`<mark id="trich">${quote}</mark>`);
    expect(html).toMatch(/Nhiệm vụ trong văn bản \(\d+\)/);
    const report = await (await fetch(`${base}/van-ban/bc-2023-02-25`)).text();
    expect(report).toMatch(/<table><thead><tr><th scope="col">/);
    expect(report).toContain('id="muc-III.34"');
    const missing = await (await fetch(`${base}/van-ban/tb-2024-07-19?muc=B.II.6.d&trich=${encodeURIComponent('câu này không có trong văn bản')}`)).text();
    expect(missing).toContain('Không tìm thấy đoạn trích dẫn');
    expect(missing).toContain('<a href="#muc-B.II.6.d">Đến mục B.II.6.d</a>');
    const none = await fetch(`${base}/van-ban/khong-co`);
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('Không có văn bản này');
  });
});
