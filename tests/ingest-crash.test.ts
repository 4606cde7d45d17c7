/**
 * Crash-safe ingest (issue 12, item 9): an ingest killed (SIGKILL) at any write or rename leaves a
 * corpus that the next run repairs — the document with all its tasks, never "unchanged" with
 * 0 tasks — and no temporary file behind.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DocumentMeta, TaskRow } from '../src/corpus/types.js';
import { ingestFiles } from '../src/ingestion/ingest.js';
import { makeTempCorpus, removeDir, seedFile } from './support/ingest-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const SEED = seedFile('2024-07-19');

function crashAt(n: number): { corpus: string; finished: boolean } {
  const corpus = makeTempCorpus();
  dirs.push(corpus);
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'tests/support/crash-ingest.ts', corpus, SEED, String(n)], { encoding: 'utf8' });
  return { corpus, finished: run.status === 0 };
}

const tmpFiles = (corpus: string) => [...readdirSync(corpus), ...readdirSync(join(corpus, 'documents')).map((f) => `documents/${f}`)].filter((f) => f.endsWith('.tmp'));

describe('ingest killed mid-commit', () => {
  it('a re-run after a crash at every write and rename ends with the document and all its tasks, and no *.tmp', async () => {
    const clean = makeTempCorpus();
    dirs.push(clean);
    await ingestFiles([SEED], { corpusDir: clean });
    const expected = (JSON.parse(readFileSync(join(clean, 'tasks.json'), 'utf8')) as TaskRow[]).length;
    expect(expected).toBeGreaterThan(20);

    let crashes = 0;
    for (let n = 1; n <= 40; n++) {
      const { corpus, finished } = crashAt(n);
      if (finished) break;
      crashes++;
      const [outcome] = await ingestFiles([SEED], { corpusDir: corpus });
      expect(outcome!.tasks, `crash at write/rename ${n}`).toBe(expected);
      const docs = JSON.parse(readFileSync(join(corpus, 'documents.json'), 'utf8')) as DocumentMeta[];
      expect(docs.map((d) => d.docId)).toEqual([outcome!.docId]);
      expect(tmpFiles(corpus), `crash at write/rename ${n}`).toEqual([]);
    }
    expect(crashes).toBeGreaterThanOrEqual(4);
  }, 180_000);
});
