/**
 * The corpus on disk: corpus/documents/<docId>.txt, documents.json, tasks.json,
 * overrides.json and agencies.json. Writes are atomic (temporary file, fsync,
 * rename), so a crash never leaves a half-written table.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentMeta, OverridesFile, TaskOverride, TaskRow } from './types.js';
import { squashSpaces } from '../text/vietnamese.js';

/** Repository root, found from this module's location so scripts work from any directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The corpus directory: CORPUS_DIR, else <repo>/corpus. */
export function defaultCorpusDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CORPUS_DIR ? resolve(env.CORPUS_DIR) : join(REPO_ROOT, 'corpus');
}

export interface CorpusPaths {
  root: string;
  documentsDir: string;
  documentsJson: string;
  tasksJson: string;
  overridesJson: string;
  agenciesJson: string;
}

export function corpusPaths(root: string = defaultCorpusDir()): CorpusPaths {
  return {
    root,
    documentsDir: join(root, 'documents'),
    documentsJson: join(root, 'documents.json'),
    tasksJson: join(root, 'tasks.json'),
    overridesJson: join(root, 'overrides.json'),
    agenciesJson: join(root, 'agencies.json'),
  };
}

/** Writes a file atomically: readers see the old content or the new, never a mix. */
export function writeFileAtomic(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw err;
  }
}

/** Reads JSON, naming the file in the error when it is corrupt. */
export function readJson<T>(path: string, fallback: T): T {
  if (!existsSync(path)) return fallback;
  const raw = readFileSync(path, 'utf8');
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new Error(`Tệp ${path} bị hỏng (không phải JSON hợp lệ): ${(err as Error).message}`);
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The journal of an ingest commit: everything one ingest writes (texts, task table, manifest),
 * written atomically before any of it. While it exists the commit is in progress; a crash then
 * leaves it behind, and {@link recoverCorpus} finishes the commit on the next load.
 */
export const INGEST_JOURNAL = 'ingest-journal.json';

interface IngestJournal {
  version: 1;
  texts: Record<string, string>;
  documents: DocumentMeta[];
  tasks: TaskRow[];
}

/**
 * Commits one ingest as a unit: the journal first, then the document texts, tasks.json and
 * documents.json (the manifest, last), then the journal is removed.
 */
export function commitCorpus(root: string, change: { texts: Map<string, string>; documents: DocumentMeta[]; tasks: TaskRow[] }): void {
  const journal: IngestJournal = { version: 1, texts: Object.fromEntries(change.texts), documents: change.documents, tasks: change.tasks };
  writeFileAtomic(join(root, INGEST_JOURNAL), JSON.stringify(journal));
  applyJournal(root, journal);
}

function applyJournal(root: string, journal: IngestJournal): void {
  const paths = corpusPaths(root);
  mkdirSync(paths.documentsDir, { recursive: true });
  for (const [docId, text] of Object.entries(journal.texts)) writeFileAtomic(join(paths.documentsDir, `${docId}.txt`), text);
  writeJson(paths.tasksJson, journal.tasks);
  writeJson(paths.documentsJson, journal.documents);
  unlinkSync(join(root, INGEST_JOURNAL));
}

/** True when a process with this id is running (a temporary file of it may still be in use). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs a corpus after a crash: finishes an ingest commit its journal records, and removes
 * temporary files left by processes that are gone. Returns true when something was repaired.
 */
export function recoverCorpus(root: string = defaultCorpusDir()): boolean {
  let repaired = false;
  const paths = corpusPaths(root);
  for (const dir of [root, paths.documentsDir]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const m = /\.(\d+)\.\d+\.tmp$/.exec(name);
      if (m && !alive(Number(m[1]))) {
        rmSync(join(dir, name), { force: true });
        repaired = true;
      }
    }
  }
  const file = join(root, INGEST_JOURNAL);
  if (existsSync(file)) {
    let journal: IngestJournal;
    try {
      journal = JSON.parse(readFileSync(file, 'utf8')) as IngestJournal;
    } catch {
      // Written atomically, so an unreadable journal was damaged from outside: the commit never started.
      rmSync(file, { force: true });
      return true;
    }
    applyJournal(root, journal);
    repaired = true;
  }
  return repaired;
}

/** Applies people's corrections (corpus/overrides.json) to freshly extracted rows. */
export function applyOverrides(rows: TaskRow[], overrides: Record<string, TaskOverride>): TaskRow[] {
  const out: TaskRow[] = [];
  for (const row of rows) {
    const o = overrides[row.id];
    if (!o) {
      out.push(row);
      continue;
    }
    if (o.delete) continue;
    const { note: _note, delete: _delete, ...fields } = o;
    out.push({ ...row, ...fields, corrected: true });
  }
  return out;
}

/** Read-only view of the corpus, loaded once. */
export class Corpus {
  private readonly texts = new Map<string, string>();
  private readonly squashed = new Map<string, string>();

  private constructor(
    readonly paths: CorpusPaths,
    readonly documents: DocumentMeta[],
    readonly tasks: TaskRow[],
  ) {}

  /** Loads documents.json and tasks.json from a corpus directory. */
  static load(root: string = defaultCorpusDir()): Corpus {
    const paths = corpusPaths(root);
    // An ingest killed mid-commit is finished here, before anything reads the corpus.
    recoverCorpus(root);
    const documents = readJson<DocumentMeta[]>(paths.documentsJson, []);
    const tasks = readJson<TaskRow[]>(paths.tasksJson, []);
    return new Corpus(paths, documents, tasks);
  }

  document(docId: string): DocumentMeta | undefined {
    return this.documents.find((d) => d.docId === docId);
  }

  /** Stored text of a document (the text every quote is checked against). */
  text(docId: string): string {
    let t = this.texts.get(docId);
    if (t === undefined) {
      t = readFileSync(join(this.paths.documentsDir, `${docId}.txt`), 'utf8');
      this.texts.set(docId, t);
    }
    return t;
  }

  /** Stored text with whitespace squashed (cached): what quotes are verified against. */
  squashedText(docId: string): string {
    let t = this.squashed.get(docId);
    if (t === undefined) {
      t = squashSpaces(this.text(docId));
      this.squashed.set(docId, t);
    }
    return t;
  }

  /** Overrides file content (empty when absent). */
  overrides(): OverridesFile {
    return readJson<OverridesFile>(this.paths.overridesJson, { version: 1, overrides: {} });
  }
}
