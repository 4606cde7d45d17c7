/**
 * The corpus in PostgreSQL, for several instances: documents (metadata and
 * text), task rows and overrides live in three tables replaced together in one
 * transaction, with a version number. Every instance materialises a version into
 * a local corpus directory (the same layout as the repository's corpus/, which
 * stays the seed and the single-box default) and builds its index from there; a
 * NOTIFY on commit tells every instance to do so.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { corpusPaths, readJson, writeFileAtomic, writeJson } from '../corpus/store.js';
import type { DocumentMeta, OverridesFile, TaskRow } from '../corpus/types.js';
import { LOCK_NAMESPACE } from './postgres-schema.js';

/** Channel of the NOTIFY sent when a new corpus version is committed (payload: the version). */
export const CORPUS_CHANNEL = 'corpus_changed';
/** Second key of the advisory lock held by `npm run ingest` (one ingest at a time in the cluster). */
const INGEST_LOCK = -1;

/** Files of a corpus directory that stay files (not in the database): the agency registry and any other JSON. */
function isDatabasePart(name: string): boolean {
  return ['documents', 'documents.json', 'tasks.json', 'overrides.json'].includes(name);
}

/** The committed corpus version, or null when the database holds no corpus yet (the seed files serve). */
export async function corpusVersion(db: pg.Pool | pg.PoolClient): Promise<number | null> {
  const { rows } = await db.query<{ value: number }>(`SELECT value FROM corpus_state WHERE key = 'version'`);
  return rows[0] ? Number(rows[0].value) : null;
}

/**
 * Writes the database's corpus into `dir` (documents/<docId>.txt, documents.json,
 * tasks.json, overrides.json) and copies the other files (agencies.json …) from
 * `seedDir`. With no corpus in the database yet, `dir` becomes a copy of the seed.
 * Returns the version written (null: the seed).
 */
export async function materializeCorpus(db: pg.Pool | pg.PoolClient, dir: string, seedDir: string): Promise<number | null> {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(seedDir)) {
    if (!isDatabasePart(name) && dir !== seedDir) cpSync(join(seedDir, name), join(dir, name), { recursive: true });
  }
  const version = await corpusVersion(db);
  const paths = corpusPaths(dir);
  if (version === null) {
    if (dir === seedDir) return null;
    for (const name of ['documents', 'documents.json', 'tasks.json', 'overrides.json']) {
      if (existsSync(join(seedDir, name))) cpSync(join(seedDir, name), join(dir, name), { recursive: true });
    }
    return null;
  }
  const docs = await db.query<{ doc_id: string; meta: DocumentMeta; text: string }>(`SELECT doc_id, meta, text FROM corpus_documents ORDER BY doc_id`);
  rmSync(paths.documentsDir, { recursive: true, force: true });
  mkdirSync(paths.documentsDir, { recursive: true });
  for (const d of docs.rows) writeFileAtomic(join(paths.documentsDir, `${d.doc_id}.txt`), d.text);
  // documents.json keeps the order the ingest wrote (by position in meta).
  const documents = docs.rows.map((d) => d.meta).sort((a, b) => ((a as Positioned).position ?? 0) - ((b as Positioned).position ?? 0));
  writeJson(paths.documentsJson, documents.map(({ position: _p, ...m }: Positioned) => m));
  const tasks = await db.query<{ row: TaskRow }>(`SELECT row FROM corpus_tasks ORDER BY position`);
  writeJson(paths.tasksJson, tasks.rows.map((r) => r.row));
  const overrides = await db.query<{ value: OverridesFile }>(`SELECT value FROM corpus_state WHERE key = 'overrides'`);
  writeJson(paths.overridesJson, overrides.rows[0]?.value ?? { version: 1, overrides: {} });
  return version;
}

type Positioned = DocumentMeta & { position?: number };

/**
 * Replaces the database's corpus with the content of `dir`, in one transaction,
 * bumps the version and notifies every instance (the NOTIFY is delivered on commit).
 * Returns the new version.
 */
export async function storeCorpus(client: pg.PoolClient, dir: string): Promise<number> {
  const paths = corpusPaths(dir);
  const documents = readJson<DocumentMeta[]>(paths.documentsJson, []);
  const tasks = readJson<TaskRow[]>(paths.tasksJson, []);
  const overrides = readJson<OverridesFile>(paths.overridesJson, { version: 1, overrides: {} });
  await client.query('BEGIN');
  try {
    await client.query('DELETE FROM corpus_documents');
    await client.query('DELETE FROM corpus_tasks');
    for (const [i, d] of documents.entries()) {
      const text = readFileSync(join(paths.documentsDir, `${d.docId}.txt`), 'utf8');
      await client.query('INSERT INTO corpus_documents (doc_id, meta, text) VALUES ($1, $2, $3)', [d.docId, JSON.stringify({ ...d, position: i }), text]);
    }
    for (let i = 0; i < tasks.length; i += 1000) {
      const part = tasks.slice(i, i + 1000);
      await client.query('INSERT INTO corpus_tasks (position, row) SELECT * FROM unnest($1::int[], $2::jsonb[])', [
        part.map((_, j) => i + j),
        part.map((r) => JSON.stringify(r)),
      ]);
    }
    await client.query(
      `INSERT INTO corpus_state (key, value) VALUES ('overrides', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [JSON.stringify(overrides)],
    );
    const { rows } = await client.query<{ value: number }>(
      `INSERT INTO corpus_state (key, value) VALUES ('version', '1') ON CONFLICT (key) DO UPDATE SET value = to_jsonb(corpus_state.value::int + 1) RETURNING value`,
    );
    const version = Number(rows[0]!.value);
    await client.query(`SELECT pg_notify($1, $2)`, [CORPUS_CHANNEL, String(version)]);
    await client.query('COMMIT');
    return version;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Runs `fn` holding the cluster-wide ingest lock (a second ingest waits for the first). */
export async function withIngestLock<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, INGEST_LOCK]);
    try {
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, INGEST_LOCK]);
    }
  } finally {
    client.release();
  }
}

/**
 * Listens for new corpus versions on a dedicated connection, reconnecting after a
 * failure (and then reporting the current version, in case a NOTIFY was missed).
 */
export class CorpusListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onVersion: (version: number) => void,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (n.channel === CORPUS_CHANNEL && n.payload) this.onVersion(Number(n.payload));
    });
    client.on('error', (err) => {
      this.onError(err);
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CORPUS_CHANNEL}`);
    this.client = client;
  }

  private reconnect(): void {
    if (this.stopped || this.retry) return;
    void this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start()
        .then(async () => {
          const { rows } = await this.client!.query<{ value: number }>(`SELECT value FROM corpus_state WHERE key = 'version'`);
          if (rows[0]) this.onVersion(Number(rows[0].value));
        })
        .catch((err: Error) => {
          this.onError(err);
          this.reconnect();
        });
    }, 2000);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }
}
