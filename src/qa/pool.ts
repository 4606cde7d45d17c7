/**
 * Answers questions on worker threads (ASSISTANT_WORKERS > 0). Same contract as
 * Assistant.ask; each question goes to the least busy worker. The agency registry
 * stays on the calling thread, where the conversation layer reads it.
 */
import { Worker } from 'node:worker_threads';
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { AskOptions, AskResult } from './assistant.js';

export interface PoolOptions {
  size: number;
  registry: AgencyRegistry;
  corpusDir?: string;
  dataDir?: string;
  answerCacheSize?: number;
  /** Each worker answers made-up questions for up to this long before it reports ready (Assistant.warmUp). */
  warmUpMs?: number;
}

interface Pending {
  resolve: (r: AskResult) => void;
  reject: (e: Error) => void;
}

export class AssistantPool {
  private readonly workers: Array<{ worker: Worker; busy: number }> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(readonly registry: AgencyRegistry) {}

  static async open(opts: PoolOptions): Promise<AssistantPool> {
    const pool = new AssistantPool(opts.registry);
    // The product runs from TypeScript sources (tsx); the bootstrap gives the worker the same loader.
    const url = new URL('./worker-bootstrap.mjs', import.meta.url);
    const data = { corpusDir: opts.corpusDir, dataDir: opts.dataDir, answerCacheSize: opts.answerCacheSize, warmUpMs: opts.warmUpMs };
    await Promise.all(
      Array.from({ length: opts.size }, async () => {
        const worker = new Worker(url, { workerData: data });
        const slot = { worker, busy: 0 };
        await new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', (m: { ready?: boolean; id?: number; result?: AskResult; error?: { name: string; message: string } }) => {
            if (m.ready) return resolve();
            const p = pool.pending.get(m.id!);
            if (!p) return;
            pool.pending.delete(m.id!);
            slot.busy--;
            if (m.error) p.reject(Object.assign(m.error.name === 'RangeError' ? new RangeError(m.error.message) : new Error(m.error.message), { name: m.error.name }));
            else p.resolve(m.result!);
          });
        });
        pool.workers.push(slot);
      }),
    );
    return pool;
  }

  ask(question: string, opts: AskOptions = {}): Promise<AskResult> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<AskResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, question, opts });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
