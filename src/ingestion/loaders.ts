/**
 * Loads a source document (TXT, PDF or DOCX) from disk into plain text pages.
 *
 * Every input problem the user can fix (missing file, wrong format, scan without
 * a text layer, legacy encoding…) becomes an {@link IngestError} whose message is
 * Vietnamese, names the file and says what to do. Anything else is a bug and is
 * thrown as is.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { decodeEntities } from '../text/markup.js';
import { nfc } from '../text/vietnamese.js';
import { withTables } from './pdf-tables.js';

export type SourceFormat = 'txt' | 'pdf' | 'docx';

export type IngestErrorCode =
  | 'missing'
  | 'empty'
  | 'binary'
  | 'scanned'
  | 'too-large'
  | 'unsupported'
  | 'corrupt'
  | 'encoding'
  | 'invalid-option'
  | 'no-tasks';

/** An input problem the user must fix; `message` is clear Vietnamese naming the file and what to do. */
export class IngestError extends Error {
  /**
   * @param code machine-readable reason
   * @param message Vietnamese, names the file, says what to do
   * @param file the file name as shown in the message (base name, or `displayName`)
   */
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IngestError';
  }
}

export interface LoadedDocument {
  format: SourceFormat;
  /** Pages as extracted, in order (TXT and DOCX: one page). Page boundaries let later steps drop running headers and page numbers. */
  pages: string[];
  /** Base name of the file (or `displayName` when given). */
  originalFile: string;
  bytes: number;
}

export interface LoadOptions {
  /** Progress for long PDFs, e.g. "Đang đọc trang 10/57…". */
  onProgress?: (message: string) => void;
  /**
   * Name to show in messages and `originalFile` instead of the base name of `path`,
   * e.g. the original name of an uploaded file saved under a temporary path.
   */
  displayName?: string;
  /** Most text a document may yield (bytes of UTF-8); default {@link maxTextBytes}. */
  maxTextBytes?: number;
}

export const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** Default limit on a document's extracted text: directives are tens of kilobytes; 2 MB is ~600 pages. */
export const DEFAULT_MAX_TEXT_MB = 2;

/**
 * The limit on one document's extracted text, from INGEST_MAX_TEXT_MB (default 2).
 * A small file can decompress into hundreds of megabytes (a zip bomb); the limit is
 * checked while decompressing and while reading pages, never after.
 */
export function maxTextBytes(env: NodeJS.ProcessEnv = process.env): number {
  const set = Number(env.INGEST_MAX_TEXT_MB);
  const mb = env.INGEST_MAX_TEXT_MB?.trim() && Number.isFinite(set) && set > 0 ? set : DEFAULT_MAX_TEXT_MB;
  return Math.round(mb * 1024 * 1024);
}

/** Word XML carries far more markup than text: the decompressed package may be this many times the text limit. */
const DOCX_MARKUP_FACTOR = 16;

/** Below this many letters per page on average a PDF is taken to be a scan. */
const MIN_LETTERS_PER_PAGE = 20;
/** PDF pages are read in batches of this size, with a progress report after each. */
const PDF_PROGRESS_STEP = 10;

const EXTENSIONS: Record<string, SourceFormat> = { '.txt': 'txt', '.pdf': 'pdf', '.docx': 'docx' };
const SUPPORTED = '.txt, .pdf hoặc .docx';

/** "25,3 MB" — one decimal, Vietnamese decimal comma. */
function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} MB`;
}

export async function loadDocumentFile(path: string, opts: LoadOptions = {}): Promise<LoadedDocument> {
  const name = opts.displayName ?? basename(path);
  const problem = (code: IngestErrorCode, message: string, cause?: unknown): IngestError =>
    new IngestError(code, message, name, cause === undefined ? undefined : { cause });

  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw problem('missing', `Không tìm thấy tệp "${name}": đường dẫn này là một thư mục. Hãy chọn một tệp ${SUPPORTED}.`);
    }
    size = st.size;
  } catch (err) {
    if (err instanceof IngestError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw problem('missing', `Không đọc được tệp "${name}" do không có quyền truy cập. Hãy kiểm tra quyền đọc của tệp.`, err);
    }
    throw problem('missing', `Không tìm thấy tệp "${name}". Hãy kiểm tra lại đường dẫn và tên tệp.`, err);
  }

  const ext = extname(name).toLowerCase() || extname(path).toLowerCase();
  const format = EXTENSIONS[ext];
  if (format === undefined) {
    const shown = ext === '' ? 'không có phần mở rộng' : `định dạng ${ext}`;
    const hint =
      ext === '.doc'
        ? ' Hãy mở tệp bằng Word và lưu lại dưới dạng .docx.'
        : ext === '.xls' || ext === '.xlsx'
          ? ' Hãy lưu bảng tính dưới dạng PDF hoặc sao chép nội dung sang tệp .docx.'
          : '';
    throw problem('unsupported', `Tệp "${name}" (${shown}) không được hỗ trợ. Chỉ nạp được tệp ${SUPPORTED}.${hint}`);
  }

  if (size > MAX_FILE_BYTES) {
    throw problem(
      'too-large',
      `Tệp "${name}" lớn ${formatMb(size)}, vượt giới hạn ${MAX_FILE_BYTES / (1024 * 1024)} MB. Hãy tách thành các tệp nhỏ hơn rồi nạp lần lượt.`,
    );
  }
  if (size === 0) throw problem('empty', emptyMessage(name));

  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw problem('missing', `Không đọc được tệp "${name}". Hãy kiểm tra lại tệp rồi thử lại.`, err);
  }
  if (data.length > MAX_FILE_BYTES) {
    throw problem('too-large', `Tệp "${name}" lớn ${formatMb(data.length)}, vượt giới hạn ${MAX_FILE_BYTES / (1024 * 1024)} MB. Hãy tách thành các tệp nhỏ hơn rồi nạp lần lượt.`);
  }

  const limit = opts.maxTextBytes ?? maxTextBytes();
  let pages: string[];
  switch (format) {
    case 'txt':
      if (data.length > limit) throw textTooLarge(name, limit);
      pages = [decodeText(data, name)];
      break;
    case 'pdf':
      pages = await extractPdf(data, name, limit, opts.onProgress);
      break;
    case 'docx':
      pages = [await extractDocx(data, name, limit)];
      break;
  }
  if (pages.every((p) => isBlank(p))) throw problem('empty', emptyMessage(name));

  return { format, pages, originalFile: name, bytes: data.length };
}

/** The document holds (or unpacks into) more text than INGEST_MAX_TEXT_MB allows. */
function textTooLarge(name: string, limit: number): IngestError {
  return new IngestError(
    'too-large',
    `Tệp "${name}" chứa quá nhiều văn bản (vượt giới hạn ${formatMb(limit)} chữ, biến INGEST_MAX_TEXT_MB). Văn bản chỉ đạo thường chỉ vài chục trang: hãy kiểm tra lại tệp, hoặc tách thành các tệp nhỏ hơn.`,
    name,
  );
}

function emptyMessage(name: string): string {
  return `Tệp "${name}" rỗng — không có nội dung để nạp.`;
}

function isBlank(text: string): boolean {
  return /^[\s\u00a0\u200b\ufeff]*$/.test(text);
}

/** CRLF / CR → LF, then NFC. */
function normaliseText(text: string): string {
  return nfc(text.replace(/\r\n?/g, '\n'));
}

// ---------------------------------------------------------------------------- TXT

const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function decodeText(data: Buffer, name: string): string {
  if ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)) {
    throw new IngestError(
      'encoding',
      `Tệp "${name}" được mã hóa UTF-16, chưa được hỗ trợ. Hãy mở tệp và lưu lại với bảng mã UTF-8.`,
      name,
    );
  }
  if (data.includes(0)) {
    throw new IngestError(
      'binary',
      `Tệp "${name}" không phải tệp văn bản (chứa dữ liệu nhị phân). Hãy kiểm tra lại tệp, hoặc nếu đây là tài liệu PDF/Word thì đặt đúng phần mở rộng .pdf/.docx.`,
      name,
    );
  }
  let text: string;
  try {
    // ignoreBOM: false (the default) strips a leading UTF-8 BOM.
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch (err) {
    throw new IngestError(
      'encoding',
      `Tệp "${name}" không được mã hóa UTF-8. Hãy mở tệp và lưu lại với bảng mã UTF-8 (Unicode); các bảng mã cũ như TCVN3 (ABC) hay VNI không được hỗ trợ.`,
      name,
      { cause: err },
    );
  }
  const controls = text.match(CONTROL_CHARS)?.length ?? 0;
  if (controls > 0 && controls > text.length * 0.1) {
    throw new IngestError(
      'binary',
      `Tệp "${name}" không phải tệp văn bản (chứa nhiều ký tự điều khiển). Hãy kiểm tra lại tệp và lưu lại dưới dạng văn bản UTF-8.`,
      name,
    );
  }
  return normaliseText(text);
}

// ---------------------------------------------------------------------------- PDF

function hasPdfMagic(data: Buffer): boolean {
  // The spec allows junk before the header; readers accept it within the first 1 KB.
  return data.subarray(0, 1024).includes('%PDF-', 0, 'latin1');
}

async function extractPdf(data: Buffer, name: string, limit: number, onProgress?: (message: string) => void): Promise<string[]> {
  if (!hasPdfMagic(data)) {
    throw new IngestError(
      'corrupt',
      `Tệp "${name}" không phải tệp PDF hợp lệ (thiếu phần đầu %PDF-); có thể tệp bị hỏng hoặc bị đổi phần mở rộng. Hãy xuất lại tệp PDF từ bản gốc.`,
      name,
    );
  }
  // Loaded on first use: pdf.js is heavy and most runs never read a PDF.
  const { PasswordException, PDFParse } = await import('pdf-parse');
  // pdf.js takes ownership of (transfers) the array: give it a copy.
  const parser = new PDFParse({ data: new Uint8Array(data) });
  const pages: string[] = [];
  let chars = 0;
  try {
    let total = Infinity;
    for (let first = 1; first <= total; first += PDF_PROGRESS_STEP) {
      const last = first + PDF_PROGRESS_STEP - 1;
      const result = await parser.getText({ first, last });
      total = result.total;
      // Ruled tables become tab rows, as in TXT and DOCX sources.
      const tables = new Map((await parser.getTable({ first, last }).catch(() => ({ pages: [] }))).pages.map((p) => [p.num, p.tables]));
      for (const page of result.pages) {
        const text = normaliseText(withTables(page.text, tables.get(page.num) ?? []));
        // UTF-16 units ≤ UTF-8 bytes for Vietnamese, so this never lets more than the limit through by much.
        chars += text.length;
        if (chars > limit) throw textTooLarge(name, limit);
        pages.push(text);
      }
      if (total > PDF_PROGRESS_STEP) onProgress?.(`Đang đọc trang ${Math.min(last, total)}/${total}…`);
    }
  } catch (err) {
    if (err instanceof IngestError) throw err;
    if (err instanceof PasswordException || (err as Error | undefined)?.name === 'PasswordException') {
      throw new IngestError('corrupt', `Tệp PDF "${name}" được đặt mật khẩu. Hãy gỡ mật khẩu rồi nạp lại.`, name, { cause: err });
    }
    throw new IngestError(
      'corrupt',
      `Không đọc được tệp PDF "${name}": tệp bị hỏng hoặc không đúng cấu trúc PDF. Hãy mở thử tệp rồi xuất (lưu) lại một bản PDF mới.`,
      name,
      { cause: err },
    );
  } finally {
    await parser.destroy().catch(() => undefined);
  }
  if (pages.length === 0) {
    throw new IngestError('empty', emptyMessage(name), name);
  }
  const letters = pages.reduce((n, p) => n + (p.match(/\p{L}/gu)?.length ?? 0), 0);
  if (letters / pages.length < MIN_LETTERS_PER_PAGE) {
    throw new IngestError(
      'scanned',
      `Không nạp được "${name}": tệp PDF không có lớp văn bản (bản scan) — cần nhận dạng ký tự (OCR) trước khi nạp.`,
      name,
    );
  }
  return pages;
}

// ---------------------------------------------------------------------------- DOCX

async function extractDocx(data: Buffer, name: string, limit: number): Promise<string> {
  const isZip = data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04;
  if (!isZip) {
    const isOle = data[0] === 0xd0 && data[1] === 0xcf && data[2] === 0x11 && data[3] === 0xe0;
    throw new IngestError(
      'corrupt',
      isOle
        ? `Tệp "${name}" là tệp Word định dạng cũ (.doc) hoặc đã được đặt mật khẩu. Hãy mở bằng Word, gỡ mật khẩu nếu có, rồi lưu lại dưới dạng .docx.`
        : `Tệp "${name}" không phải tệp Word .docx hợp lệ; có thể tệp bị hỏng hoặc bị đổi phần mở rộng. Hãy mở bằng Word và lưu lại dưới dạng .docx.`,
      name,
    );
  }
  checkZipBounds(data, name, limit * DOCX_MARKUP_FACTOR);
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: data },
      // Images carry no text: do not inline them as base64.
      { convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    );
    html = result.value;
  } catch (err) {
    throw new IngestError(
      'corrupt',
      `Không đọc được tệp Word "${name}": tệp bị hỏng hoặc không đúng cấu trúc .docx. Hãy mở bằng Word và lưu lại rồi nạp lại.`,
      name,
      { cause: err },
    );
  }
  const text = normaliseText(htmlToText(html));
  if (text.length > limit) throw textTooLarge(name, limit);
  return text;
}

/**
 * Decompresses every entry of a zip package with an output cap, before mammoth
 * (whose zip reader inflates entries whole) sees it: a zip bomb is stopped after
 * at most `maxBytes` of output, and sizes the archive merely declares are not trusted.
 */
export function checkZipBounds(data: Buffer, name: string, maxBytes: number): void {
  const corrupt = (): IngestError =>
    new IngestError(
      'corrupt',
      `Không đọc được tệp Word "${name}": tệp bị hỏng hoặc không đúng cấu trúc .docx. Hãy mở bằng Word và lưu lại rồi nạp lại.`,
      name,
    );
  // End of central directory: 22 bytes plus a comment of at most 65,535 bytes, at the end.
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt();
  const entries = data.readUInt16LE(eocd + 10);
  let at = data.readUInt32LE(eocd + 16);
  let remaining = maxBytes;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== 0x02014b50) throw corrupt();
    const method = data.readUInt16LE(at + 10);
    const compressed = data.readUInt32LE(at + 20);
    const local = data.readUInt32LE(at + 42);
    at += 46 + data.readUInt16LE(at + 28) + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    if (local + 30 > data.length || data.readUInt32LE(local) !== 0x04034b50) throw corrupt();
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    // 0xFFFFFFFF marks ZIP64, which Word never writes for a document of sane size.
    if (compressed === 0xffffffff || start + compressed > data.length) throw corrupt();
    const body = data.subarray(start, start + compressed);
    let size: number;
    if (method === 0) size = body.length;
    else if (method === 8) {
      try {
        size = inflateRawSync(body, { maxOutputLength: remaining + 1 }).length;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw textTooLarge(name, Math.round(maxBytes / DOCX_MARKUP_FACTOR));
        throw corrupt();
      }
    } else throw corrupt();
    remaining -= size;
    if (remaining < 0) throw textTooLarge(name, Math.round(maxBytes / DOCX_MARKUP_FACTOR));
  }
}

/** Re-exported: mammoth's HTML uses the entities the text layer decodes. */
export { decodeEntities };

interface TableState {
  row: string[] | null;
  /** Paragraphs of the open cell. */
  cell: string[] | null;
}

/**
 * Turns mammoth's HTML into plain text: each paragraph, heading or list item is
 * one line (list items keep their "1." / "-" marker); each table row is one line
 * with its cells joined by a tab (paragraphs inside a cell joined by a space).
 * Other tags are dropped. Mammoth's HTML is simple and well formed, so a tag
 * scanner is enough.
 */
export function htmlToText(html: string): string {
  const lines: string[] = [];
  const lists: { ordered: boolean; n: number }[] = [];
  const tables: TableState[] = [];
  let buf = '';

  /** Sends a finished block to the innermost open cell (of the table at `depth`), else to the output. */
  const emit = (text: string, depth = tables.length - 1): void => {
    const cell = depth >= 0 ? tables[depth]?.cell : null;
    if (cell) {
      const t = text.replace(/\s+/g, ' ').trim();
      if (t) cell.push(t);
    } else if (depth < 0) {
      lines.push(text.replace(/[ \u00a0]+$/, ''));
    }
    // Text directly inside <table>/<tr> but outside a cell: mammoth never emits it; drop.
  };
  const flush = (): void => {
    if (buf.trim() !== '') emit(buf);
    buf = '';
  };

  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>|([^<]+)|</g;
  for (const m of html.matchAll(re)) {
    const [, closing, rawTag, text] = m;
    if (text !== undefined) {
      buf += decodeEntities(text).replace(/[\r\n]+/g, ' ');
      continue;
    }
    if (rawTag === undefined) {
      buf += '<'; // a stray "<" that opens no tag
      continue;
    }
    const tag = rawTag.toLowerCase();
    const open = closing === '';
    switch (tag) {
      case 'p':
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6':
        flush();
        break;
      case 'br':
        if (tables.at(-1)?.cell) buf += ' ';
        else flush();
        break;
      case 'ol':
      case 'ul':
        flush();
        if (open) lists.push({ ordered: tag === 'ol', n: 0 });
        else lists.pop();
        break;
      case 'li': {
        flush();
        const list = lists.at(-1);
        if (open && list) buf = list.ordered ? `${++list.n}. ` : '- ';
        break;
      }
      case 'table':
        flush();
        if (open) tables.push({ row: null, cell: null });
        else tables.pop();
        break;
      case 'tr': {
        flush();
        const t = tables.at(-1);
        if (!t) break;
        if (open) {
          t.row = [];
        } else if (t.row) {
          // A nested table's row goes into the enclosing cell; cells then join by spaces there.
          if (t.row.some((c) => c !== '')) emit(t.row.join('\t'), tables.length - 2);
          t.row = null;
        }
        break;
      }
      case 'td':
      case 'th': {
        flush();
        const t = tables.at(-1);
        if (!t) break;
        if (open) {
          t.cell = [];
        } else if (t.cell) {
          (t.row ??= []).push(t.cell.join(' '));
          t.cell = null;
        }
        break;
      }
      default:
        break; // inline tags (strong, em, a, sup, img…) carry no structure
    }
  }
  flush();
  return lines.join('\n');
}
