/**
 * Bounded ingestion (issue 12, item 1): hostile files are refused while they are
 * being unpacked or read, and a stored document too large (or unreadable) for the
 * index is reported and skipped instead of stopping start-up.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestError, loadDocumentFile } from '../src/ingestion/loaders.js';
import { Assistant } from '../src/qa/assistant.js';
import type { SkippedDocument } from '../src/retrieval/index.js';
import { fixture, makeTempCorpus, REPO_CORPUS, removeDir } from './support/ingest-helpers.js';
import { makeDocx } from './support/zip.js';

const tmp = mkdtempSync(join(tmpdir(), 'bounded-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function loadError(path: string, maxTextBytes: number): Promise<IngestError> {
  const err = await loadDocumentFile(path, { maxTextBytes }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  return err as IngestError;
}

describe('bounded ingestion', () => {
  it('refuses a DOCX zip bomb while decompressing, with a Vietnamese message naming the file and the setting', async () => {
    // 24 MB of XML that compresses to a few kilobytes.
    const bomb = makeDocx(['Bộ Y tế chủ trì. ' + ' '.repeat(24 * 1024 * 1024)]);
    expect(bomb.length).toBeLessThan(200_000);
    const path = join(tmp, 'bom.docx');
    writeFileSync(path, bomb);
    const err = await loadError(path, 1024 * 1024);
    expect(err.code).toBe('too-large');
    expect(err.message).toContain('"bom.docx"');
    expect(err.message).toContain('INGEST_MAX_TEXT_MB');
  });

  it('accepts an ordinary DOCX under the limit', async () => {
    const path = join(tmp, 'nho.docx');
    writeFileSync(path, makeDocx(['Bộ Y tế chủ trì triển khai nền tảng số y tế.']));
    const doc = await loadDocumentFile(path, { maxTextBytes: 1024 * 1024 });
    expect(doc.pages[0]).toContain('Bộ Y tế chủ trì');
  });

  it('refuses a text file above the limit before decoding it', async () => {
    const path = join(tmp, 'dai.txt');
    writeFileSync(path, 'Bộ Y tế chủ trì triển khai.\n'.repeat(50_000));
    const err = await loadError(path, 512 * 1024);
    expect(err.code).toBe('too-large');
    expect(err.message).toContain('"dai.txt"');
  });

  it('stops reading a PDF once its pages exceed the limit', async () => {
    const err = await loadError(fixture('chi-thi-mau.pdf'), 200);
    expect(err.code).toBe('too-large');
    expect(err.message).toContain('"chi-thi-mau.pdf"');
  });

  it('starts and answers when one stored document is huge and another is missing: both are reported and skipped', async () => {
    const corpus = makeTempCorpus();
    try {
      mkdirSync(join(corpus, 'documents'), { recursive: true });
      const seeds = JSON.parse(readFileSync(join(REPO_CORPUS, 'documents.json'), 'utf8')) as Array<{ docId: string }>;
      const keep = seeds.find((d) => d.docId === 'tb-2024-07-19')!;
      writeFileSync(join(corpus, 'documents', `${keep.docId}.txt`), readFileSync(join(REPO_CORPUS, 'documents', `${keep.docId}.txt`)));
      // 150,000 short paragraphs: spreading their passages as call arguments overflowed the stack.
      const lines: string[] = [];
      for (let i = 0; i < 150_000; i++) lines.push(`Đoạn ${i} về chuyển đổi số.`);
      writeFileSync(join(corpus, 'documents', 'lon.txt'), lines.join('\n\n'));
      const meta = (docId: string) => ({ ...keep, docId, title: docId, hash: docId });
      writeFileSync(join(corpus, 'documents.json'), JSON.stringify([keep, meta('lon'), meta('mat')]));
      writeFileSync(join(corpus, 'tasks.json'), '[]');
      const skipped: SkippedDocument[] = [];
      const assistant = await Assistant.open({ corpusDir: corpus, onSkip: (s) => skipped.push(s) });
      expect(skipped.map((s) => s.docId).sort()).toEqual(['lon', 'mat']);
      expect(skipped.find((s) => s.docId === 'lon')!.reason).toContain('INGEST_MAX_TEXT_MB');
      const r = await assistant.ask('Hội nghị chuyển đổi số năm 2024 kết luận gì?', { now: '2024-08-01' });
      expect(r.passages.some((p) => p.docId === keep.docId)).toBe(true);
    } finally {
      removeDir(corpus);
    }
  });
});
