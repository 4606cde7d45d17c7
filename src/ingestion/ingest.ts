/**
 * The ingestion pipeline: file → pages → normalised text → structure → tasks,
 * then corpus/documents/<docId>.txt, documents.json and tasks.json updated
 * atomically. Every file of a batch is prepared before anything is written, so
 * one bad file leaves the corpus untouched. The task table is always rebuilt
 * from all stored texts plus corpus/overrides.json, so it can never drift from
 * the documents and corrections survive re-ingestion.
 */
import { createHash } from 'node:crypto';
import { ingestRuns } from '../config/metrics.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgencyRegistry } from '../corpus/agencies.js';
import { applyOverrides, commitCorpus, Corpus, corpusPaths, defaultCorpusDir, writeJson } from '../corpus/store.js';
import type { DocumentMeta, TaskRow } from '../corpus/types.js';
import { extractTasks } from './extract.js';
import { parseIsoDate } from '../text/dates.js';
import { IngestError, loadDocumentFile } from './loaders.js';
import { inferMetadata, issuerAsWritten, makeDocId } from './metadata.js';
import { normalizeDocument } from './normalize.js';
import { parseStructure } from './structure.js';

export interface IngestOptions {
  /** Override the inferred title. */
  title?: string;
  /** YYYY-MM-DD (or YYYY-MM / YYYY when the day is unknown). */
  date?: string;
  issuer?: string;
  number?: string;
  corpusDir?: string;
  registry?: AgencyRegistry;
  onProgress?: (message: string) => void;
}

export type IngestStatus = 'added' | 'updated' | 'unchanged';

export interface IngestOutcome {
  file: string;
  docId: string;
  title: string;
  status: IngestStatus;
  /** Rows of this document in the task table after ingestion. */
  tasks: number;
}

/** Several files failed; nothing was written. */
export class IngestBatchError extends Error {
  constructor(readonly errors: IngestError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'IngestBatchError';
  }
}

interface Prepared {
  meta: DocumentMeta;
  text: string;
  status: IngestStatus;
}

const DATE_OPTION = /^\d{4}(?:-\d{2}(?:-\d{2})?)?$/;

/** YYYY-MM-DD that exists on the calendar, or YYYY-MM / YYYY. */
function validDateOption(date: string): boolean {
  if (!DATE_OPTION.test(date)) return false;
  if (date.length === 10) return parseIsoDate(date) !== undefined;
  if (date.length === 7) return Number(date.slice(5)) >= 1 && Number(date.slice(5)) <= 12;
  return true;
}

/** The corpus's own agency registry, else the one shipped with the product. */
export function loadRegistry(root: string): AgencyRegistry {
  const own = corpusPaths(root).agenciesJson;
  return existsSync(own) ? AgencyRegistry.load(own) : AgencyRegistry.load();
}

/** Ingests files into the corpus. Throws IngestBatchError (nothing written) when any file is bad. */
export async function ingestFiles(files: string[], opts: IngestOptions = {}): Promise<IngestOutcome[]> {
  try {
    const outcomes = await ingestBatch(files, opts);
    ingestRuns.inc({ result: 'ok' });
    return outcomes;
  } catch (err) {
    ingestRuns.inc({ result: 'failed' });
    throw err;
  }
}

async function ingestBatch(files: string[], opts: IngestOptions): Promise<IngestOutcome[]> {
  const root = opts.corpusDir ?? defaultCorpusDir();
  const registry = opts.registry ?? loadRegistry(root);
  const corpus = Corpus.load(root);
  const progress = opts.onProgress ?? (() => {});
  if (opts.date !== undefined && !validDateOption(opts.date)) {
    throw new IngestBatchError([new IngestError('invalid-option', `Ngày "${opts.date}" không hợp lệ — dùng dạng YYYY-MM-DD, ví dụ --date 2024-07-19.`, '--date')]);
  }
  if (files.length > 1 && (opts.title || opts.number)) {
    throw new IngestBatchError([new IngestError('invalid-option', '--title và --number chỉ dùng khi nạp một tệp.', '--title')]);
  }

  const documents = [...corpus.documents];
  const taken = new Set(documents.map((d) => d.docId));
  const prepared: Prepared[] = [];
  const errors: IngestError[] = [];
  for (const file of files) {
    try {
      progress(`Đang đọc ${file}…`);
      const loaded = await loadDocumentFile(file, { onProgress: progress });
      const text = normalizeDocument(loaded.pages);
      if (text.replace(/\s/g, '').length < 20) {
        throw new IngestError('empty', `Tệp "${loaded.originalFile}" không có đủ nội dung văn bản để nạp.`, loaded.originalFile);
      }
      const hash = createHash('sha256').update(text).digest('hex');
      const same = documents.find((d) => d.hash === hash) ?? prepared.find((p) => p.meta.hash === hash)?.meta;
      if (same) {
        prepared.push({ meta: same, text, status: 'unchanged' });
        continue;
      }
      const inferred = inferMetadata(text);
      const issuer = opts.issuer ?? resolveIssuer(inferred.issuerCandidates, registry);
      const date = opts.date ?? inferred.date;
      const previous = documents.find((d) => d.originalFile === loaded.originalFile);
      const docId = previous?.docId ?? makeDocId(inferred.kind, date, loaded.originalFile, taken);
      taken.add(docId);
      const meta: DocumentMeta = {
        docId,
        title: opts.title ?? inferred.title ?? loaded.originalFile.replace(/\.[^.]+$/, ''),
        kind: inferred.kind,
        issuer,
        number: opts.number ?? inferred.number,
        date,
        originalFile: loaded.originalFile,
        format: loaded.format,
        hash,
        chars: text.length,
        ingestedAt: new Date().toISOString(),
      };
      prepared.push({ meta, text, status: previous ? 'updated' : 'added' });
    } catch (err) {
      if (err instanceof IngestError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length > 0) throw new IngestBatchError(errors);

  const changed = prepared.filter((p) => p.status !== 'unchanged');
  const paths = corpusPaths(root);
  let table = corpus.tasks;
  if (changed.length > 0) {
    mkdirSync(paths.documentsDir, { recursive: true });
    const nextDocuments = documents.filter((d) => !changed.some((c) => c.meta.docId === d.docId));
    for (const c of changed) nextDocuments.push(c.meta);
    const texts = new Map(changed.map((c) => [c.meta.docId, c.text]));
    progress('Đang trích xuất bảng nhiệm vụ…');
    table = buildTaskTable(nextDocuments, (id) => texts.get(id) ?? corpus.text(id), registry, corpus.overrides().overrides);
    // One unit: a crash anywhere in here is finished (or never started) on the next load.
    commitCorpus(root, { texts, documents: sortDocuments(nextDocuments), tasks: table });
  }
  return prepared.map((p) => ({
    file: p.meta.originalFile,
    docId: p.meta.docId,
    title: p.meta.title,
    status: p.status,
    tasks: table.filter((t) => t.docId === p.meta.docId).length,
  }));
}

/** Re-extracts the whole task table from the stored texts (after the extractor or overrides change). */
export function rebuildTaskTable(opts: { corpusDir?: string; registry?: AgencyRegistry } = {}): TaskRow[] {
  const root = opts.corpusDir ?? defaultCorpusDir();
  const corpus = Corpus.load(root);
  const registry = opts.registry ?? loadRegistry(root);
  const table = buildTaskTable(corpus.documents, (id) => corpus.text(id), registry, corpus.overrides().overrides);
  writeJson(corpus.paths.tasksJson, table);
  return table;
}

function buildTaskTable(
  documents: DocumentMeta[],
  textOf: (docId: string) => string,
  registry: AgencyRegistry,
  overrides: Parameters<typeof applyOverrides>[1],
): TaskRow[] {
  const rows: TaskRow[] = [];
  for (const d of sortDocuments(documents)) {
    // A loop, not push(...spread): a long document's rows as call arguments would overflow the stack.
    const opts = { docId: d.docId, agencies: registry, issuer: d.issuer, kind: d.kind, ...(d.date && { year: Number(d.date.slice(0, 4)) }) };
    for (const row of extractTasks(parseStructure(textOf(d.docId)), opts)) rows.push(row);
  }
  return applyOverrides(rows, overrides);
}

function sortDocuments(docs: DocumentMeta[]): DocumentMeta[] {
  return [...docs].sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.docId.localeCompare(b.docId));
}

function resolveIssuer(candidates: string[], registry: AgencyRegistry): string | null {
  for (const c of candidates) {
    const hit = registry.resolve(c);
    if (hit && hit.kind !== 'group') return hit.name;
  }
  // "CHÍNH PHỦ", "THỦ TƯỚNG CHÍNH PHỦ": issuers that assign rather than carry out tasks, as written.
  const first = candidates.find((c) => /^(?:CHÍNH PHỦ|THỦ TƯỚNG)/u.test(c));
  return first ? issuerAsWritten(first) : null;
}

/** True when a corpus directory has been initialised. */
export function corpusExists(root: string = defaultCorpusDir()): boolean {
  return existsSync(corpusPaths(root).documentsJson);
}
