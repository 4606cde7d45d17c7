/**
 * Document uploads of the admin view. An upload runs the same ingestion as
 * `npm run ingest` on a staging copy of the corpus first, so the extracted
 * rows can be checked before anything is published; publishing runs it again
 * on the real corpus. Jobs live in memory (the files under DATA_DIR/uploads).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { AgencyRegistry } from '../../../corpus/agencies.js';
import { Corpus } from '../../../corpus/store.js';
import type { TaskRow } from '../../../corpus/types.js';
import { IngestBatchError, ingestFiles, type IngestOptions, type IngestOutcome } from '../../../ingestion/ingest.js';
import { IngestError } from '../../../ingestion/loaders.js';

export type JobState = 'running' | 'ready' | 'failed' | 'publishing' | 'published';

export interface UploadJob {
  id: string;
  fileName: string;
  state: JobState;
  progress: string[];
  error?: string;
  outcome?: IngestOutcome;
  /** Rows the ingestion extracted from this document (staging corpus). */
  rows: TaskRow[];
  options: Pick<IngestOptions, 'title' | 'date' | 'issuer'>;
  createdAt: number;
}

const MAX_JOBS = 20;
export const UPLOAD_EXTENSIONS = ['.pdf', '.docx', '.txt'];

/** A safe file name that keeps the extension (the document's originalFile). */
export function safeFileName(name: string): string {
  const base = basename(name).normalize('NFC').replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^[.-]+/, '').slice(-120);
  return base || 'tai-lieu';
}

export class UploadJobs {
  private readonly jobs = new Map<string, UploadJob>();

  constructor(
    private readonly corpusRoot: string,
    private readonly workDir: string,
    private readonly registry: AgencyRegistry,
  ) {}

  get(id: string): UploadJob | undefined {
    return this.jobs.get(id);
  }

  /** Starts ingesting an uploaded file into a staging corpus; returns at once. */
  start(fileName: string, data: Uint8Array, options: UploadJob['options']): UploadJob {
    const id = randomBytes(9).toString('base64url');
    const name = safeFileName(fileName);
    if (!UPLOAD_EXTENSIONS.includes(extname(name).toLowerCase())) {
      throw new IngestError('unsupported', `Tệp "${name}" không được hỗ trợ — chỉ nhận PDF, DOCX hoặc TXT.`, name);
    }
    this.evict();
    const dir = join(this.workDir, id);
    mkdirSync(join(dir, 'file'), { recursive: true });
    const file = join(dir, 'file', name);
    writeFileSync(file, data);
    const job: UploadJob = { id, fileName: name, state: 'running', progress: [], rows: [], options, createdAt: Date.now() };
    this.jobs.set(id, job);
    const staging = join(dir, 'corpus');
    void (async () => {
      try {
        cpSync(this.corpusRoot, staging, { recursive: true });
        const [outcome] = await ingestFiles([file], { ...options, corpusDir: staging, registry: this.registry, onProgress: (m) => job.progress.push(m.split(file).join(name)) });
        job.outcome = outcome!;
        job.rows = Corpus.load(staging).tasks.filter((t) => t.docId === outcome!.docId);
        job.state = 'ready';
        job.progress.push(`Đã trích xuất ${job.rows.length} dòng nhiệm vụ — kiểm tra rồi bấm «Công bố».`);
      } catch (err) {
        job.state = 'failed';
        job.error = describe(err);
      }
    })();
    return job;
  }

  /** Ingests the checked file into the real corpus. */
  async publish(id: string): Promise<UploadJob> {
    const job = this.jobs.get(id);
    if (!job || job.state !== 'ready') throw new Error('Không có bản xem trước sẵn sàng để công bố (có thể đã công bố hoặc đã hết hạn).');
    job.state = 'publishing';
    try {
      const file = join(this.workDir, id, 'file', job.fileName);
      const [outcome] = await ingestFiles([file], { ...job.options, registry: this.registry, corpusDir: this.corpusRoot, onProgress: (m) => job.progress.push(m.split(file).join(job.fileName)) });
      job.outcome = outcome!;
      job.state = 'published';
      job.progress.push('Đã công bố vào kho văn bản.');
      rmSync(join(this.workDir, id, 'corpus'), { recursive: true, force: true });
    } catch (err) {
      job.state = 'failed';
      job.error = describe(err);
    }
    return job;
  }

  private evict(): void {
    const old = [...this.jobs.values()].filter((j) => j.state !== 'running' && j.state !== 'publishing').sort((a, b) => a.createdAt - b.createdAt);
    while (this.jobs.size >= MAX_JOBS && old.length > 0) {
      const j = old.shift()!;
      this.jobs.delete(j.id);
      rmSync(join(this.workDir, j.id), { recursive: true, force: true });
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof IngestBatchError || err instanceof IngestError) return err.message;
  return `Lỗi khi nạp văn bản: ${(err as Error).message}`;
}
