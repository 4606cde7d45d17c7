/**
 * Shared helpers for the corpus/ingestion tests: fixture paths, throw-away corpus
 * directories, byte-level snapshots of a directory and the extraction pipeline
 * (normalise → structure → tasks) run exactly as ingestion runs it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgencyRegistry } from '../../src/corpus/agencies.js';
import type { DocumentMeta, TaskRow } from '../../src/corpus/types.js';
import { extractTasks } from '../../src/ingestion/extract.js';
import { inferMetadata } from '../../src/ingestion/metadata.js';
import { normalizeDocument } from '../../src/ingestion/normalize.js';
import { parseStructure } from '../../src/ingestion/structure.js';
import type { GoldRow } from '../../src/tasks/evaluate.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures');
export const SEED_DIR = join(FIXTURES, 'seed-documents');
export const REPO_CORPUS = join(REPO_ROOT, 'corpus');
export const fixture = (name: string): string => join(FIXTURES, name);

/** Seed originals, sorted by name (the names start with the document date). */
export const SEED_FILES: string[] = readdirSync(SEED_DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => join(SEED_DIR, f));

export const seedFile = (startsWith: string): string => {
  const hit = SEED_FILES.find((f) => basename(f).startsWith(startsWith));
  if (!hit) throw new Error(`no seed document starting with ${startsWith}`);
  return hit;
};

export const GOLD: GoldRow[] = JSON.parse(readFileSync(fixture('tasks-gold.json'), 'utf8')) as GoldRow[];

/** The docIds the shipped corpus uses for the seeds (read-only use of corpus/documents.json). */
export const SEED_DOC_IDS: Map<string, string> = new Map(
  (JSON.parse(readFileSync(join(REPO_CORPUS, 'documents.json'), 'utf8')) as DocumentMeta[]).map((d) => [d.originalFile, d.docId]),
);

/** A fresh, empty corpus directory holding only a copy of agencies.json. */
export function makeTempCorpus(prefix = 'corpus-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  copyFileSync(join(REPO_CORPUS, 'agencies.json'), join(dir, 'agencies.json'));
  return dir;
}

export function removeDir(dir: string | undefined): void {
  if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

export interface FileState {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** Every file under `dir` (recursively) with its content hash, size and mtime. */
export function snapshotDir(dir: string): Record<string, FileState> {
  const out: Record<string, FileState> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        out[`${relative(dir, full)}/`] = { sha256: '', size: 0, mtimeMs: 0 };
        walk(full);
      } else {
        const st = statSync(full);
        out[relative(dir, full)] = {
          sha256: createHash('sha256').update(readFileSync(full)).digest('hex'),
          size: st.size,
          mtimeMs: st.mtimeMs,
        };
      }
    }
  };
  walk(dir);
  return out;
}

/** Relative paths of files left behind by an interrupted atomic write. */
export function tmpFiles(dir: string): string[] {
  return Object.keys(snapshotDir(dir)).filter((p) => /\.tmp$/.test(p));
}

/** normalise → parseStructure → extractTasks, as ingestion does it. */
export function extractFromPages(pages: string[], docId: string, registry: AgencyRegistry): { text: string; rows: TaskRow[] } {
  const text = normalizeDocument(pages);
  const meta = inferMetadata(text);
  return { text, rows: extractTasks(parseStructure(text), { docId, agencies: registry, kind: meta.kind }) };
}

/** A DocumentMeta good enough for evaluateTasks (it only reads originalFile and docId). */
export function metaFor(originalFile: string, docId: string): DocumentMeta {
  return {
    docId,
    title: docId,
    kind: 'văn bản',
    issuer: null,
    number: null,
    date: null,
    originalFile,
    format: 'txt',
    hash: '',
    chars: 0,
    ingestedAt: '1970-01-01T00:00:00.000Z',
  };
}
