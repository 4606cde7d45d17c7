/**
 * The answering core of `npm start`, kept in step with the corpus: on one box it
 * is the corpus directory; with PostgreSQL it is the database's latest corpus
 * version, materialised under DATA_DIR/corpus-db/v<N>, and every NOTIFY of a new
 * version builds a fresh index beside the serving one and swaps it in (requests
 * in flight finish on the old one).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/env.js';
import { defaultCorpusDir } from './corpus/store.js';
import { Assistant } from './qa/assistant.js';
import type { Embedder } from './retrieval/vectors.js';
import { LiveAnswerer } from './conversation/live-answerer.js';
import type { Phraser } from './qa/llm.js';
import type { QueryModel } from './qa/llm-query.js';
import { AssistantPool } from './qa/pool.js';
import { CorpusListener, corpusVersion, materializeCorpus } from './storage/corpus-db.js';
import type { PostgresStore } from './storage/postgres.js';
import type { Store } from './storage/types.js';

interface Log {
  info(obj: object | string, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AnswererOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  store: Store;
  logger: Log;
  phraser?: Phraser | undefined;
  /** Model reading of questions (LLM_QUERY=1); worker threads load their own from the environment. */
  queryModel?: QueryModel | undefined;
  embedder?: Embedder | undefined;
}

/** One corpus being served: its assistant, its worker threads, its database version (null: the files). */
export interface AnswererGeneration {
  assistant: Assistant;
  pool?: AssistantPool | undefined;
  version: number | null;
}

/** How long a replaced generation's worker threads stay up for the requests they already hold. */
const DRAIN_MS = 30_000;

export interface SyncedAnswerer {
  /** What the conversation and the HTTP API ask. */
  live: LiveAnswerer;
  /** The generation being served now. */
  current(): AnswererGeneration;
  /** Re-reads the corpus directory being served (after the admin view changed its files) and swaps it in. */
  reloadFromDisk(): Promise<void>;
  stop(): Promise<void>;
}

/** Opens the answerer for the configured corpus and, with PostgreSQL, follows new versions. */
export async function openSyncedAnswerer(opts: AnswererOptions): Promise<SyncedAnswerer> {
  const { config, logger } = opts;
  const seed = config.CORPUS_DIR ?? defaultCorpusDir(opts.env);
  const pg = opts.store.engine === 'postgres' ? (opts.store as PostgresStore) : undefined;

  const open = async (version: number | null, materialize = true): Promise<AnswererGeneration> => {
    const corpusDir = version === null ? seed : join(config.dataDir, 'corpus-db', `v${version}`);
    if (pg && version !== null && materialize) await materializeCorpus(pg.pool, corpusDir, seed);
    const assistant = await Assistant.open({
      dataDir: config.dataDir,
      corpusDir,
      ...(opts.phraser && { phraser: opts.phraser }),
      ...(opts.queryModel && { queryModel: opts.queryModel }),
      ...(opts.embedder && { embedder: opts.embedder }),
      answerCacheSize: config.ANSWER_CACHE_SIZE,
      onProgress: (m) => logger.info(m),
      onSkip: (s) => logger.warn({ docId: s.docId }, `Bỏ qua văn bản ${s.docId} khi lập chỉ mục: ${s.reason}. Các văn bản khác vẫn được phục vụ.`),
    });
    assistant.passages.onDenseError = (err) => logger.warn({ err }, 'embeddings unavailable; answering with lexical ranking only');
    // Optionally answer on worker threads, beside the event loop that serves HTTP, Telegram and Zalo.
    const pool =
      config.ASSISTANT_WORKERS > 0
        ? await AssistantPool.open({ size: config.ASSISTANT_WORKERS, registry: assistant.registry, dataDir: config.dataDir, answerCacheSize: config.ANSWER_CACHE_SIZE, corpusDir, warmUpMs: config.ASSISTANT_WARMUP_MS })
        : undefined;
    // Warmed before /readyz says ready and before a new corpus is swapped in (workers warm themselves).
    if (!pool) logger.info({ questions: await assistant.warmUp(config.ASSISTANT_WARMUP_MS) }, 'answering code warmed up');
    return { assistant, pool, version };
  };

  let current = await open(pg ? await corpusVersion(pg.pool) : null);
  const live = new LiveAnswerer(current.pool ?? current.assistant);
  const swap = (next: AnswererGeneration): AnswererGeneration => {
    const previous = current;
    current = next;
    live.swap(next.pool ?? next.assistant);
    return previous;
  };

  // One reload at a time; a burst of versions ends on the latest.
  let chain: Promise<void> = Promise.resolve();
  const drains = new Set<NodeJS.Timeout>();
  const retire = (previous: AnswererGeneration, removeOlder: boolean): void => {
    const drain = setTimeout(() => {
      drains.delete(drain);
      void previous.pool?.close();
      // Older materialised versions are removed; the previous one may still be read by requests in flight.
      if (removeOlder && previous.version !== null) rmSync(join(config.dataDir, 'corpus-db', `v${previous.version - 1}`), { recursive: true, force: true });
    }, DRAIN_MS);
    drain.unref();
    drains.add(drain);
  };
  const reloadFromDisk = (): Promise<void> =>
    (chain = chain.then(async () => {
      // The served directory as it is now; with PostgreSQL, not re-materialised (that would undo the edit).
      const next = await open(current.version === null ? null : current.version, false);
      retire(swap(next), false);
      logger.info({ documents: next.assistant.corpus.documents.length, tasks: next.assistant.corpus.tasks.length }, 'corpus reloaded');
    }));
  const stopAll = async (): Promise<void> => {
    await chain;
    for (const d of drains) clearTimeout(d);
    await current.pool?.close();
  };
  if (!pg) return { live, current: () => current, reloadFromDisk, stop: stopAll };

  const reload = (version: number): void => {
    chain = chain.then(async () => {
      if (current.version !== null && version <= current.version) return;
      try {
        const next = await open(version);
        const previous = swap(next);
        logger.info({ version, documents: next.assistant.corpus.documents.length, tasks: next.assistant.corpus.tasks.length }, 'Đã nạp kho văn bản mới từ cơ sở dữ liệu.');
        retire(previous, true);
      } catch (err) {
        logger.error({ err, version }, 'Không nạp được kho văn bản mới; vẫn phục vụ kho hiện tại.');
      }
    });
  };
  const listener = new CorpusListener(config.DATABASE_URL!, reload, (err) => logger.warn({ err: err.message }, 'corpus listener connection lost; reconnecting'));
  await listener.start();
  // A version committed between the first read and LISTEN would otherwise be missed.
  const latest = await corpusVersion(pg.pool);
  if (latest !== null) reload(latest);
  return {
    live,
    current: () => current,
    reloadFromDisk,
    async stop() {
      await listener.stop();
      await stopAll();
    },
  };
}
