/**
 * npm run db:backup            — online backup of DATA_DIR/assistant.db into DATA_DIR/backups (keeps DB_BACKUP_KEEP, default 7)
 * npm run db:restore [-- file] — replaces the database with a backup (default: the newest); stop the service first
 */
import { loadDotEnv } from '../src/config/env.js';
import { backupDatabase, DatabaseIntegrityError, DEFAULT_BACKUP_KEEP, listBackups, restoreDatabase } from '../src/reminders/integrity.js';
import { defaultDatabasePath } from '../src/reminders/store.js';

loadDotEnv();
const [command, arg] = process.argv.slice(2);
const file = defaultDatabasePath();
const keepSetting = Number(process.env.DB_BACKUP_KEEP);
const keep = process.env.DB_BACKUP_KEEP?.trim() && Number.isInteger(keepSetting) && keepSetting > 0 ? keepSetting : DEFAULT_BACKUP_KEEP;

try {
  if (command === 'backup') {
    const target = await backupDatabase(file, { keep });
    console.log(`Đã sao lưu ${file} → ${target} (giữ ${keep} bản mới nhất).`);
  } else if (command === 'restore') {
    const { restored, previous } = restoreDatabase(file, arg);
    console.log(`Đã khôi phục ${file} từ ${restored}.${previous ? ` Tệp cũ được giữ lại: ${previous}.` : ''}`);
  } else if (command === 'list') {
    for (const b of listBackups(file)) console.log(b);
  } else {
    console.error('Dùng: npm run db:backup | npm run db:restore [-- <tệp sao lưu>]');
    process.exitCode = 2;
  }
} catch (err) {
  console.error(err instanceof DatabaseIntegrityError ? err.message : `Lỗi: ${(err as Error).message}`);
  process.exitCode = 1;
}
