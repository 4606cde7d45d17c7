import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlToText, IngestError, type IngestErrorCode, loadDocumentFile, MAX_FILE_BYTES } from '../src/ingestion/loaders.js';
import { containsVerbatim } from '../src/text/vietnamese.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => join(FIXTURES, name);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'loaders-test-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes `content` to a temp file and returns its path. */
async function tempFile(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, content);
  return path;
}

/** Loads `path`, expecting an IngestError with `code` whose Vietnamese message names `fileName`. */
async function expectIngestError(path: string, code: IngestErrorCode, fileName: string): Promise<IngestError> {
  let caught: unknown;
  try {
    await loadDocumentFile(path);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IngestError);
  const err = caught as IngestError;
  expect(err.code).toBe(code);
  expect(err.file).toBe(fileName);
  expect(err.message).toContain(`"${fileName}"`);
  // Vietnamese with diacritics, already NFC.
  expect(err.message).toMatch(/Tệp|tệp/);
  expect(err.message).toBe(err.message.normalize('NFC'));
  return err;
}

describe('loadDocumentFile — TXT', () => {
  it('round-trips diacritics as NFC, keeps tabs, normalises line endings and strips the BOM', async () => {
    const text = 'Sở Khoa học và Công nghệ chủ trì\r\nTT\tNhiệm vụ\tThời hạn\r\n1\tSố hóa hồ sơ\tQuý II/2025\rĐắk Lắk – Ủy ban';
    const nfd = text.normalize('NFD');
    expect(nfd).not.toBe(text);
    const path = await tempFile('ghi-chu.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(nfd, 'utf8')]));

    const doc = await loadDocumentFile(path);
    expect(doc.format).toBe('txt');
    expect(doc.originalFile).toBe('ghi-chu.txt');
    expect(doc.pages).toHaveLength(1);
    expect(doc.pages[0]).toBe(text.replace(/\r\n?/g, '\n'));
    expect(doc.pages[0]).toContain('TT\tNhiệm vụ\tThời hạn\n');
    expect(doc.bytes).toBe(3 + Buffer.byteLength(nfd));
  });

  it('accepts an upper-case extension', async () => {
    const doc = await loadDocumentFile(await tempFile('VAN-BAN.TXT', 'Chỉ thị số 05'));
    expect(doc.format).toBe('txt');
    expect(doc.pages).toEqual(['Chỉ thị số 05']);
  });
});

describe('loadDocumentFile — PDF', () => {
  it('returns both pages with diacritics intact, header first and page number last on each', async () => {
    const progress: string[] = [];
    const doc = await loadDocumentFile(fixture('chi-thi-mau.pdf'), { onProgress: (m) => progress.push(m) });
    expect(doc.format).toBe('pdf');
    expect(doc.originalFile).toBe('chi-thi-mau.pdf');
    expect(doc.pages).toHaveLength(2);
    expect(progress).toEqual([]); // short document: no progress chatter

    const [p1, p2] = doc.pages as [string, string];
    for (const page of doc.pages) expect(page).toBe(page.normalize('NFC'));

    // Page 1: running header on top, page number "1" at the bottom.
    expect(p1.split('\n')[0]).toBe('UBND tỉnh Bắc Ninh – Chỉ thị về chuyển đổi số');
    expect(p1.trimEnd().split('\n').at(-1)).toBe('1');
    expect(p1).toContain('ỦY BAN NHÂN DÂN');
    expect(p1).toContain('Số: 123/UBND-KGVX');
    expect(p1).toContain('Bắc Ninh, ngày 05 tháng 3 năm 2025');
    expect(p1).toContain('CHỈ THỊ');
    expect(p1).toMatch(/^1\. Về hoàn thiện thể chế và hạ tầng số$/m);
    expect(p1).toMatch(/^a\) Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Nội vụ/m);
    // Wrapped across a line break inside the paragraph: compare whitespace-insensitively.
    expect(containsVerbatim(p1, 'Hoàn thành trong Quý II năm 2025.')).toBe(true);
    expect(containsVerbatim(p1, 'trước ngày 30 tháng 6 năm 2025')).toBe(true);
    expect(p1).toContain('phối hợp');

    // Page 2: same running header, number "2", and the sentence that wrapped across the page break.
    expect(p2.split('\n')[0]).toBe('UBND tỉnh Bắc Ninh – Chỉ thị về chuyển đổi số');
    expect(p2.trimEnd().split('\n').at(-1)).toBe('2');
    expect(p1).toMatch(/chịu trách nhiệm trước Chủ tịch Ủy\n1\s*$/);
    expect(p2.split('\n')[1]).toMatch(/^ban nhân dân tỉnh về kết quả thực hiện Chỉ thị này/);
    expect(containsVerbatim(p2, 'báo cáo Chủ tịch Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 năm 2025.')).toBe(true);
    expect(p2).toContain('Nguyễn Văn An');
  });

  it('keeps the cells of a one-line table row on one line', async () => {
    const doc = await loadDocumentFile(fixture('chi-thi-mau.pdf'));
    const p2 = doc.pages[1]!;
    // pdf.js inserts a synthetic space item across the cell gap, so pdf-parse's tab
    // detection does not fire: cells come out separated by a single space.
    expect(p2).toMatch(/^TT[\t ]+Nhiệm vụ[\t ]+Thời hạn$/m);
    expect(p2).toMatch(/^2[\t ]+Số hóa hồ sơ thủ tục hành chính[\t ]+30\/9\/2025$/m);
  });

  it('rejects a PDF without a text layer as a scan', async () => {
    const err = await expectIngestError(fixture('ban-scan.pdf'), 'scanned', 'ban-scan.pdf');
    expect(err.message).toContain('tệp PDF không có lớp văn bản (bản scan) — cần nhận dạng ký tự (OCR) trước khi nạp');
  });

  it('rejects a truncated PDF as corrupt', async () => {
    const head = (await readFile(fixture('chi-thi-mau.pdf'))).subarray(0, 200);
    const err = await expectIngestError(await tempFile('cat-cut.pdf', head), 'corrupt', 'cat-cut.pdf');
    expect(err.message).toContain('PDF');
  });

  it('rejects a .pdf without the %PDF- header as corrupt', async () => {
    await expectIngestError(await tempFile('gia-mao.pdf', 'Đây không phải PDF'), 'corrupt', 'gia-mao.pdf');
  });
});

describe('loadDocumentFile — DOCX', () => {
  it('turns paragraphs, list items and table rows into lines; table cells are tab-separated, header first', async () => {
    const doc = await loadDocumentFile(fixture('ke-hoach-mau.docx'));
    expect(doc.format).toBe('docx');
    expect(doc.pages).toHaveLength(1);
    const lines = doc.pages[0]!.split('\n');
    expect(lines[0]).toBe('KẾ HOẠCH Chuyển đổi số năm 2025');
    expect(lines[1]).toMatch(/^Căn cứ Chỉ thị số 123\/UBND-KGVX ngày 05 tháng 3 năm 2025/);
    expect(lines[2]).toBe('1. Hoàn thiện hạ tầng số dùng chung & bảo đảm an toàn thông tin.');
    expect(lines[3]).toBe('2. Phát triển dữ liệu số, kết nối với Cơ sở dữ liệu quốc gia về dân cư.');
    expect(lines[4]).toBe('Danh mục nhiệm vụ');

    const header = lines.findIndex((l) => l.startsWith('TT\t'));
    expect(header).toBe(5);
    expect(lines.slice(header, header + 4)).toEqual([
      'TT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời hạn',
      '1\tNâng cấp Trung tâm dữ liệu tỉnh\tSở Thông tin và Truyền thông\tSở Tài chính\tQuý III/2025',
      '2\tSố hóa hồ sơ thủ tục hành chính (ưu tiên hồ sơ đất đai)\tSở Nội vụ\tCác sở, ngành; UBND cấp huyện\tTháng 12/2025',
      '3\tTập huấn kỹ năng số cho cán bộ, công chức\tSở Nội vụ\tSở Thông tin và Truyền thông\tQuý IV/2025',
    ]);
    expect(lines[header + 4]).toBe(
      'Thời hạn báo cáo kết quả: trước ngày 15 tháng 12 năm 2025 (tiêu chí "hoàn thành" <100%> theo Phụ lục).',
    );
    expect(lines).toHaveLength(header + 5);
  });

  it('rejects a .docx that is not a zip as corrupt', async () => {
    await expectIngestError(await tempFile('khong-phai-zip.docx', 'Kế hoạch năm 2025'), 'corrupt', 'khong-phai-zip.docx');
  });

  it('rejects a zip that is not a Word document as corrupt', async () => {
    const zip = (await readFile(fixture('ke-hoach-mau.docx'))).subarray(0, 300);
    await expectIngestError(await tempFile('hong.docx', zip), 'corrupt', 'hong.docx');
  });
});

describe('htmlToText', () => {
  it('decodes entities, handles <br>, bullets and strips inline tags', () => {
    const html =
      '<p>A &amp; B &lt;C&gt; &quot;D&quot; &#39;E&#39; &#7871; &#x1EBF; &unknown;</p>' +
      '<ul><li>một</li><li><strong>hai</strong></li></ul><p>dòng 1<br />dòng 2</p>' +
      '<table><tr><td><p>ô<br />một</p></td><td></td><td><p>ba</p></td></tr><tr><td></td><td></td></tr></table>';
    expect(htmlToText(html)).toBe(
      ['A & B <C> "D" \'E\' ế ế &unknown;', '- một', '- hai', 'dòng 1', 'dòng 2', 'ô một\t\tba'].join('\n'),
    );
  });
});

describe('loadDocumentFile — input problems', () => {
  it('missing path', async () => {
    const err = await expectIngestError(join(tmp, 'khong-co.pdf'), 'missing', 'khong-co.pdf');
    expect(err.message).toContain('Không tìm thấy tệp "khong-co.pdf"');
  });

  it('a directory', async () => {
    const dir = join(tmp, 'thu-muc.pdf');
    await mkdir(dir);
    await expectIngestError(dir, 'missing', 'thu-muc.pdf');
  });

  it('empty file', async () => {
    const err = await expectIngestError(await tempFile('rong.txt', ''), 'empty', 'rong.txt');
    expect(err.message).toBe('Tệp "rong.txt" rỗng — không có nội dung để nạp.');
  });

  it('whitespace-only file', async () => {
    await expectIngestError(await tempFile('trang.txt', ' \n\t\r\n\u00a0 \n'), 'empty', 'trang.txt');
  });

  it('binary bytes named .txt', async () => {
    const bytes = randomBytes(4096);
    bytes[10] = 0;
    bytes[2000] = 0;
    await expectIngestError(await tempFile('anh.txt', bytes), 'binary', 'anh.txt');
  });

  it('mostly control characters named .txt', async () => {
    await expectIngestError(await tempFile('dieu-khien.txt', '\x01\x02\x03\x04 abc \x05\x06'), 'binary', 'dieu-khien.txt');
  });

  it('invalid UTF-8 (latin-1 bytes)', async () => {
    const latin1 = Buffer.from('Quy\xe9t \xf0inh s\xf4 12 ng\xe0y 05', 'latin1');
    const err = await expectIngestError(await tempFile('latin1.txt', latin1), 'encoding', 'latin1.txt');
    expect(err.message).toContain('UTF-8');
    expect(err.message).toContain('TCVN3');
    expect(err.message).toContain('VNI');
  });

  it('unsupported .xlsx', async () => {
    const err = await expectIngestError(await tempFile('bang-tinh.xlsx', 'PK\x03\x04'), 'unsupported', 'bang-tinh.xlsx');
    expect(err.message).toContain('.txt, .pdf hoặc .docx');
  });

  it('a 21 MB sparse file is rejected from its size alone', async () => {
    const path = await tempFile('lon.pdf', '');
    await truncate(path, 21 * 1024 * 1024);
    expect(21 * 1024 * 1024).toBeGreaterThan(MAX_FILE_BYTES);
    const err = await expectIngestError(path, 'too-large', 'lon.pdf');
    expect(err.message).toBe(
      'Tệp "lon.pdf" lớn 21,0 MB, vượt giới hạn 20 MB. Hãy tách thành các tệp nhỏ hơn rồi nạp lần lượt.',
    );
  });
});
