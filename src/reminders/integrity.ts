/**
 * Integrity of the product database (DATA_DIR/assistant.db): a check before it is
 * used (an unexpectedly empty file or a failed `PRAGMA quick_check` stops start-up
 * with a message naming the file and the backup to restore), online backups with
 * retention (better-sqlite3's backup API: consistent while the service runs), and
 * restore.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';

/** Backups kept by default (DB_BACKUP_KEEP). */
export const DEFAULT_BACKUP_KEEP = 7;

/** The database cannot be used safely; `message` is Vietnamese and says what to do. */
export class DatabaseIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseIntegrityError';
  }
}

/** Where backups of a database file go: <dir of the file>/backups. */
export function backupDir(file: string): string {
  return join(dirname(file), 'backups');
}

/** Backups of `file`, newest first. */
export function listBackups(file: string): string[] {
  const dir = backupDir(file);
  if (!existsSync(dir)) return [];
  const stem = basename(file).replace(/\.db$/, '');
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${stem}-`) && f.endsWith('.db'))
    .sort()
    .reverse()
    .map((f) => join(dir, f));
}

function restoreHint(file: string): string {
  const latest = listBackups(file)[0];
  return latest
    ? `Hãy dừng dịch vụ rồi khôi phục bản sao lưu gần nhất: npm run db:restore -- ${latest}`
    : `Chưa có bản sao lưu nào trong ${backupDir(file)}; hãy khôi phục tệp từ bản sao lưu của máy chủ, hoặc đổi tên tệp hỏng để bắt đầu một cơ sở dữ liệu mới (mất đăng ký nhắc hạn và danh sách được phép).`;
}

/** Runs quick_check on a fresh read-only connection (no cached pages); returns the problem, or null. */
export function quickCheck(file: string): string | null {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    return problems.length > 0 ? problems.slice(0, 3).join('; ') : null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    db?.close();
  }
}

/**
 * Refuses a database that exists but is empty (0 bytes: every subscription and allowlist entry
 * would silently be gone) or fails quick_check. A missing file is fine: it is created.
 */
export function assertDatabaseUsable(file: string): void {
  if (file === ':memory:' || !existsSync(file)) return;
  if (statSync(file).size === 0) {
    throw new DatabaseIntegrityError(
      `Cơ sở dữ liệu ${file} rỗng (0 byte) — có thể đã bị ghi đè hoặc sao chép lỗi; trợ lý không khởi động để tránh mất đăng ký nhắc hạn và danh sách được phép. ${restoreHint(file)}`,
    );
  }
  const problem = quickCheck(file);
  if (problem) {
    throw new DatabaseIntegrityError(`Cơ sở dữ liệu ${file} bị hỏng (kiểm tra quick_check: ${problem.slice(0, 200)}). ${restoreHint(file)}`);
  }
}

/** "20240801-083000" in UTC (sortable). */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Writes an online backup of `file` (consistent even while the service writes to it) into
 * backupDir(file), then keeps only the newest `keep`. Resolves with the backup's path.
 */
export async function backupDatabase(file: string, opts: { keep?: number; now?: Date } = {}): Promise<string> {
  const dir = backupDir(file);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${basename(file).replace(/\.db$/, '')}-${stamp(opts.now ?? new Date())}.db`);
  const tmp = `${target}.tmp`;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await db.backup(tmp);
  } finally {
    db.close();
  }
  const problem = quickCheck(tmp);
  if (problem) {
    rmSync(tmp, { force: true });
    throw new DatabaseIntegrityError(`Bản sao lưu của ${file} không đạt kiểm tra (${problem}); cơ sở dữ liệu có thể đã hỏng. ${restoreHint(file)}`);
  }
  renameSync(tmp, target);
  for (const old of listBackups(file).slice(Math.max(1, opts.keep ?? DEFAULT_BACKUP_KEEP))) rmSync(old, { force: true });
  return target;
}

/**
 * Replaces `file` with a backup (checked first). The current file, if any, is kept beside it as
 * <file>.hong-<time> so nothing is destroyed. The service must be stopped.
 */
export function restoreDatabase(file: string, backup: string | undefined, now = new Date()): { restored: string; previous?: string } {
  const source = backup ?? listBackups(file)[0];
  if (!source || !existsSync(source)) {
    throw new DatabaseIntegrityError(backup ? `Không tìm thấy bản sao lưu ${backup}.` : `Chưa có bản sao lưu nào trong ${backupDir(file)}.`);
  }
  const problem = quickCheck(source);
  if (problem) throw new DatabaseIntegrityError(`Bản sao lưu ${source} cũng bị hỏng (${problem}); hãy chọn bản cũ hơn (xem ${backupDir(file)}).`);
  let previous: string | undefined;
  if (existsSync(file)) {
    previous = `${file}.hong-${stamp(now)}`;
    renameSync(file, previous);
  }
  for (const side of ['-wal', '-shm']) if (existsSync(file + side)) renameSync(file + side, `${previous ?? file}${side}`);
  const tmp = `${file}.restore.tmp`;
  copyFileSync(source, tmp);
  renameSync(tmp, file);
  return { restored: source, ...(previous && { previous }) };
}
