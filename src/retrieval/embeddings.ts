/**
 * Dense vectors from an OpenAI-compatible embeddings endpoint (the official `openai`
 * client), used instead of the offline hashed vectors when OPENAI_EMBEDDING_MODEL is set.
 * The embedder id names the model (and the dimensions when set), so the cached index
 * under DATA_DIR is rebuilt whenever the vector space changes.
 */
import OpenAI from 'openai';
import type { Embedder } from './vectors.js';

/** Most texts sent in one request. */
export const MAX_EMBEDDING_BATCH = 64;

/** Native sizes of the common OpenAI models, used when `dimensions` is not given. */
const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export interface OpenAIEmbedderOptions {
  apiKey: string;
  baseURL?: string;
  /** e.g. 'text-embedding-3-small' (OPENAI_EMBEDDING_MODEL). */
  model: string;
  /** Output size; sent to the API (text-embedding-3 models shorten their vectors). */
  dimensions?: number;
  /** Texts per request, at most 64 (default 64). */
  batchSize?: number;
  /** Per-request timeout in ms (default 60000). */
  timeoutMs?: number;
  /** Retries on 429/5xx/connection errors (default 2, the client's default). */
  maxRetries?: number;
}

export function createOpenAIEmbedder(opts: OpenAIEmbedderOptions): Embedder {
  if (!opts.model.trim()) throw new Error('createOpenAIEmbedder: model is required');
  if (opts.dimensions !== undefined && (!Number.isInteger(opts.dimensions) || opts.dimensions <= 0)) {
    throw new Error(`createOpenAIEmbedder: dimensions must be a positive integer (got ${opts.dimensions})`);
  }
  const batchSize = Math.max(1, Math.min(MAX_EMBEDDING_BATCH, Math.floor(opts.batchSize ?? MAX_EMBEDDING_BATCH)));
  const client = new OpenAI({
    apiKey: opts.apiKey,
    ...(opts.baseURL !== undefined && { baseURL: opts.baseURL }),
    timeout: opts.timeoutMs ?? 60_000,
    maxRetries: opts.maxRetries ?? 2,
  });
  const model = opts.model;
  let learned: number | undefined = opts.dimensions ?? KNOWN_DIMENSIONS[model];

  const embedBatch = async (texts: string[]): Promise<number[][]> => {
    const res = await client.embeddings.create({
      model,
      // Empty strings are rejected by the API; a single space embeds as "nothing".
      input: texts.map((t) => (t.trim() === '' ? ' ' : t)),
      // Explicit floats: many OpenAI-compatible servers do not implement base64.
      encoding_format: 'float',
      ...(opts.dimensions !== undefined && { dimensions: opts.dimensions }),
    });
    if (!Array.isArray(res.data) || res.data.length !== texts.length) {
      throw new Error(`embeddings: expected ${texts.length} vectors from ${model}, got ${Array.isArray(res.data) ? res.data.length : 'none'}`);
    }
    const out = new Array<number[]>(texts.length);
    for (const [i, item] of res.data.entries()) {
      const at = typeof item.index === 'number' ? item.index : i;
      const vector = Array.from(item.embedding as ArrayLike<number>);
      if (at < 0 || at >= texts.length || out[at] !== undefined) throw new Error(`embeddings: bad index ${at} in the reply of ${model}`);
      learned ??= vector.length;
      if (vector.length !== learned) throw new Error(`embeddings: ${model} returned ${vector.length} dimensions, expected ${learned}`);
      out[at] = vector;
    }
    return out;
  };

  return {
    id: `openai:${model}${opts.dimensions !== undefined ? `:${opts.dimensions}` : ''}`,
    get dimensions(): number {
      if (learned === undefined) {
        throw new Error(`embeddings: the size of ${model}'s vectors is not known yet; set OPENAI_EMBEDDING_DIMENSIONS`);
      }
      return learned;
    },
    async embed(texts: string[]): Promise<number[][]> {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) out.push(...(await embedBatch(texts.slice(i, i + batchSize))));
      return out;
    },
  };
}

/**
 * The embedder configured by OPENAI_API_KEY and OPENAI_EMBEDDING_MODEL (both required),
 * OPENAI_BASE_URL and OPENAI_EMBEDDING_DIMENSIONS; undefined otherwise (hashed vectors).
 */
export function loadEmbedderFromEnv(env: NodeJS.ProcessEnv = process.env): Embedder | undefined {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const apiKey = value('OPENAI_API_KEY');
  const model = value('OPENAI_EMBEDDING_MODEL');
  if (!apiKey || !model) return undefined;
  const baseURL = value('OPENAI_BASE_URL');
  const rawDims = value('OPENAI_EMBEDDING_DIMENSIONS');
  const dimensions = rawDims !== undefined ? Number(rawDims) : undefined;
  return createOpenAIEmbedder({
    apiKey,
    model,
    ...(baseURL && { baseURL }),
    ...(dimensions !== undefined && { dimensions }),
  });
}
