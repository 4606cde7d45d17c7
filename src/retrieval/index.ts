/**
 * The passage index: MiniSearch (BM25+) over Vietnamese terms, and hnswlib-node
 * over dense vectors, fused by reciprocal rank. Built from the stored corpus and
 * cached under DATA_DIR; the cache key covers the documents, the agency
 * registry, the embedder and this file's format version, so any corpus change
 * rebuilds it automatically.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import MiniSearch from 'minisearch';
import type { AgencyRegistry } from '../corpus/agencies.js';
import { writeFileAtomic, type Corpus } from '../corpus/store.js';
import { maxTextBytes } from '../ingestion/loaders.js';
import { analyze } from './analyzer.js';
import { chunkDocument, type Chunk } from './chunks.js';
import { hashedEmbedder, type Embedder } from './vectors.js';

const FORMAT_VERSION = 10;
/** Query terms searched at most (rarest first): enough for any question, bounded cost on long ones. */
const MAX_TERMS = 22;
/** Reciprocal-rank-fusion constant: damps the influence of rank differences far down the lists. */
const RRF_K = 20;
/**
 * Weight of the dense ranking in the fusion (the lexical ranking has weight 1).
 * `npm run bench` shows the offline hashed n-gram vectors lower recall when fused,
 * so they get weight 0 by default; a real embeddings model (OPENAI_EMBEDDING_MODEL)
 * is fused at 0.5. RETRIEVAL_DENSE_WEIGHT overrides both.
 */
function denseWeight(embedder: Embedder): number {
  const set = process.env.RETRIEVAL_DENSE_WEIGHT;
  if (set !== undefined && set.trim() !== '' && Number.isFinite(Number(set))) return Number(set);
  return embedder.id.startsWith('hashed-') ? 0 : 0.5;
}

export type SearchMode = 'hybrid' | 'lexical' | 'dense';

export interface PassageHit {
  chunk: Chunk;
  score: number;
}

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
  /** Restrict to these documents. */
  docIds?: ReadonlySet<string>;
}

export interface IndexOptions {
  corpus: Corpus;
  registry: AgencyRegistry;
  /** Cache directory (DATA_DIR); omitted → built in memory only. */
  dataDir?: string;
  embedder?: Embedder;
  onProgress?: (message: string) => void;
  /** A document left out of the index (unreadable, or more text than INGEST_MAX_TEXT_MB): reported, never fatal. */
  onSkip?: (skipped: SkippedDocument) => void;
}

/** A stored document the index left out, with a Vietnamese reason. */
export interface SkippedDocument {
  docId: string;
  reason: string;
}

interface IndexedChunk {
  id: number;
  text: string;
  context: string;
}

export class PassageIndex {
  private dense: InstanceType<typeof hnswlib.HierarchicalNSW> | undefined;

  private constructor(
    readonly chunks: Chunk[],
    private readonly lexical: MiniSearch<IndexedChunk>,
    /** Loads (or builds) the dense index on first use: it is skipped entirely when its fusion weight is 0. */
    private readonly loadDense: () => Promise<InstanceType<typeof hnswlib.HierarchicalNSW>>,
    private readonly embedder: Embedder,
    private readonly registry: AgencyRegistry,
    /** True when loaded from the cache rather than built. */
    readonly fromCache: boolean,
    /** Indexed terms with their passage frequency: typo tolerance is only tried for unknown terms. */
    readonly vocabulary: ReadonlyMap<string, number>,
    /** Documents left out of the index. */
    readonly skipped: readonly SkippedDocument[] = [],
  ) {}

  /** Called when the dense side fails and the search falls back to lexical ranking. */
  onDenseError: ((err: unknown) => void) | undefined;

  /** Weight of the dense ranking in hybrid search (0: lexical only). */
  get denseWeight(): number {
    return denseWeight(this.embedder);
  }

  /** Opens the cached index for this corpus, or builds (and caches) it. */
  static async open(opts: IndexOptions): Promise<PassageIndex> {
    const embedder = opts.embedder ?? hashedEmbedder;
    const key = cacheKey(opts.corpus, embedder);
    const dir = opts.dataDir ? join(opts.dataDir, 'index', key) : undefined;
    if (dir && existsSync(join(dir, 'complete'))) {
      try {
        const cached = PassageIndex.load(dir, opts.registry, embedder);
        for (const s of cached.skipped) opts.onSkip?.(s);
        return cached;
      } catch {
        // A damaged cache is rebuilt below.
      }
    }
    opts.onProgress?.('Đang lập chỉ mục văn bản…');
    const index = await PassageIndex.build(opts.corpus, opts.registry, embedder, opts.onSkip);
    if (dir) {
      index.dense = await index.loadDense();
      index.save(dir);
    }
    return index;
  }

  /**
   * Builds the index in memory. A document that cannot be read or chunked, or that holds more
   * text than INGEST_MAX_TEXT_MB, is left out and reported through `onSkip`: one bad document
   * never stops the service from starting.
   */
  static async build(
    corpus: Corpus,
    registry: AgencyRegistry,
    embedder: Embedder = hashedEmbedder,
    onSkip?: (skipped: SkippedDocument) => void,
  ): Promise<PassageIndex> {
    const chunks: Chunk[] = [];
    const skipped: SkippedDocument[] = [];
    const limit = maxTextBytes();
    for (const doc of corpus.documents) {
      const skip = (reason: string) => {
        skipped.push({ docId: doc.docId, reason });
        onSkip?.({ docId: doc.docId, reason });
      };
      try {
        const bytes = statSync(join(corpus.paths.documentsDir, `${doc.docId}.txt`)).size;
        if (bytes > limit) {
          skip(`văn bản lớn ${(bytes / 1048576).toFixed(1).replace('.', ',')} MB, vượt giới hạn INGEST_MAX_TEXT_MB`);
          continue;
        }
        // A loop, not push(...spread): a document-sized array as call arguments overflows the stack.
        for (const c of chunkDocument(doc, corpus.text(doc.docId), chunks.length)) chunks.push(c);
      } catch (err) {
        skip(`không đọc được văn bản (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`);
      }
    }
    const lexical = newMiniSearch(registry);
    lexical.addAll(chunks.map((c) => ({ id: c.id, text: c.text, context: c.context })));
    const dense = await buildDense(chunks, embedder);
    return new PassageIndex(chunks, lexical, async () => dense, embedder, registry, false, vocabularyOf(chunks, registry), skipped);
  }

  private static load(dir: string, registry: AgencyRegistry, embedder: Embedder): PassageIndex {
    const chunks = JSON.parse(readFileSync(join(dir, 'chunks.json'), 'utf8')) as Chunk[];
    const lexical = MiniSearch.loadJSON<IndexedChunk>(readFileSync(join(dir, 'lexical.json'), 'utf8'), miniSearchOptions(registry));
    const vocabulary = new Map(JSON.parse(readFileSync(join(dir, 'vocabulary.json'), 'utf8')) as Array<[string, number]>);
    const skippedFile = join(dir, 'skipped.json');
    const skipped = existsSync(skippedFile) ? (JSON.parse(readFileSync(skippedFile, 'utf8')) as SkippedDocument[]) : [];
    const loadDense = async () => {
      const dense = new hnswlib.HierarchicalNSW('cosine', embedder.dimensions);
      dense.readIndexSync(join(dir, 'dense.hnsw'));
      dense.setEf(64);
      return dense;
    };
    return new PassageIndex(chunks, lexical, loadDense, embedder, registry, true, vocabulary, skipped);
  }

  private save(dir: string): void {
    // Written into a sibling temp directory, then renamed: readers never see a partial index.
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileAtomic(join(tmp, 'chunks.json'), JSON.stringify(this.chunks));
    writeFileAtomic(join(tmp, 'lexical.json'), JSON.stringify(this.lexical));
    writeFileAtomic(join(tmp, 'vocabulary.json'), JSON.stringify([...this.vocabulary]));
    writeFileAtomic(join(tmp, 'skipped.json'), JSON.stringify(this.skipped));
    this.dense!.writeIndexSync(join(tmp, 'dense.hnsw'));
    writeFileAtomic(join(tmp, 'complete'), new Date().toISOString());
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }

  /** Top passages for a query. */
  async search(query: string, opts: SearchOptions = {}): Promise<PassageHit[]> {
    const k = opts.k ?? 5;
    const mode = opts.mode ?? 'hybrid';
    const filter = opts.docIds;
    const pool = Math.max(50, k * 4);
    const ranks = new Map<number, number>();
    const add = (ids: number[], weight: number) =>
      ids.forEach((id, rank) => ranks.set(id, (ranks.get(id) ?? 0) + weight / (RRF_K + rank + 1)));

    if (mode !== 'dense') {
      const fuzzy = (term: string) => (term.length >= 5 && !term.includes('_') && !this.vocabulary.has(term) ? 1 : false);
      // Syllables found in many passages ("số", "các", "chuyển") add cost, not ranking, when a bigram
      // of theirs is indexed: the bigram carries them. Rare or unpaired syllables are kept.
      const common = this.chunks.length * 0.05;
      const analyzed = analyze(query, { registry: this.registry, query: true });
      const pairedSyllables = new Set(analyzed.filter((t) => t.includes('_') && this.vocabulary.has(t)).flatMap((t) => t.split('_')));
      // The rarest terms carry the ranking; long postings of common ones cost most: at most MAX_TERMS, rarest first.
      const terms = [...new Set(analyzed.filter((t) => t.includes('_') || !pairedSyllables.has(t) || (this.vocabulary.get(t) ?? 0) < common))]
        .sort((a, b) => (this.vocabulary.get(a) ?? 0) - (this.vocabulary.get(b) ?? 0))
        .slice(0, MAX_TERMS);
      const hits = this.lexical.search(
        { queries: [...new Set(terms)], combineWith: 'OR' },
        { fuzzy, tokenize: (t: string) => [t], ...(filter && { filter: (r) => filter.has(this.chunks[r.id as number]!.docId) }) },
      );
      add(hits.slice(0, pool).map((h) => h.id as number), 1);
    }
    const weight = mode === 'dense' ? 1 : this.denseWeight;
    if (mode !== 'lexical' && weight > 0 && this.chunks.length > 0) {
      try {
        this.dense ??= await this.loadDense();
        const [vector] = await this.embedder.embed([query]);
        const n = Math.min(this.chunks.length, filter ? this.chunks.length : pool);
        const result = this.dense.searchKnn(vector!, n);
        const ids = result.neighbors.filter((id) => !filter || filter.has(this.chunks[id]!.docId));
        add(ids.slice(0, pool), weight);
      } catch (err) {
        // A remote embeddings outage degrades to lexical ranking; in dense-only mode there is nothing to fall back to.
        if (mode === 'dense') throw err;
        this.onDenseError?.(err);
      }
    }
    return [...ranks.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([id, score]) => ({ chunk: this.chunks[id]!, score }));
  }
}

async function buildDense(chunks: Chunk[], embedder: Embedder): Promise<InstanceType<typeof hnswlib.HierarchicalNSW>> {
  const vectors = await embedder.embed(chunks.map((c) => `${c.text}\n${c.context}`));
  const dense = new hnswlib.HierarchicalNSW('cosine', embedder.dimensions);
  dense.initIndex(Math.max(1, chunks.length), 16, 200, 42);
  vectors.forEach((v, i) => dense.addPoint(v, i));
  dense.setEf(64);
  return dense;
}

function vocabularyOf(chunks: Chunk[], registry: AgencyRegistry): Map<string, number> {
  const df = new Map<string, number>();
  for (const c of chunks) for (const t of new Set(analyze(c.text, { registry }))) df.set(t, (df.get(t) ?? 0) + 1);
  return df;
}

function miniSearchOptions(registry: AgencyRegistry) {
  return {
    fields: ['text', 'context'],
    idField: 'id',
    tokenize: (text: string, field?: string) => analyze(text, { registry, query: field === undefined }),
    processTerm: (term: string) => term,
    searchOptions: {
      boost: { text: 2, context: 0.6 },
      combineWith: 'OR' as const,
      weights: { fuzzy: 0.3, prefix: 0.3 },
    },
  };
}

function newMiniSearch(registry: AgencyRegistry): MiniSearch<IndexedChunk> {
  return new MiniSearch<IndexedChunk>(miniSearchOptions(registry));
}

function cacheKey(corpus: Corpus, embedder: Embedder): string {
  const h = createHash('sha256');
  h.update(`v${FORMAT_VERSION}|${embedder.id}|`);
  for (const d of corpus.documents) h.update(`${d.docId}:${d.hash}:${d.title}|`);
  if (existsSync(corpus.paths.agenciesJson)) h.update(readFileSync(corpus.paths.agenciesJson));
  return h.digest('hex').slice(0, 16);
}
