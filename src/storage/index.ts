/**
 * The storage layer: one interface ({@link Store}), two engines. `openStore`
 * picks PostgreSQL when DATABASE_URL is set, else the SQLite file under DATA_DIR.
 */
import { join } from 'node:path';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export * from './types.js';
export { SqliteStore } from './sqlite.js';
export { SqliteInbox } from './sqlite-inbox.js';
export { defaultDatabasePath, migrate, MIGRATIONS, openDatabase, SCHEMA_VERSION } from './sqlite-schema.js';

export interface OpenStoreOptions {
  /** postgres://… — when set, every piece of state lives in PostgreSQL. */
  databaseUrl?: string;
  /** Directory of the SQLite file (assistant.db) when no databaseUrl. */
  dataDir: string;
  /** PostgreSQL connections per process. */
  poolSize?: number;
  onError?: (err: Error) => void;
}

/** True for a postgres:// or postgresql:// URL. */
export function isPostgresUrl(url: string | undefined): url is string {
  return typeof url === 'string' && /^postgres(?:ql)?:\/\//.test(url);
}

/** Opens the product's store; the schema is brought up to date before it resolves. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (isPostgresUrl(opts.databaseUrl)) {
    // Loaded only when configured: the single-box default never loads the driver.
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(opts.databaseUrl, {
      ...(opts.poolSize !== undefined && { poolSize: opts.poolSize }),
      ...(opts.onError && { onError: opts.onError }),
    });
  }
  return new SqliteStore(join(opts.dataDir, 'assistant.db'));
}
