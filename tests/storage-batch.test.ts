/**
 * Statement coalescing of the PostgreSQL store (src/storage/postgres-batch.ts): calls that
 * arrive while a statement is on its way go together in the next one, and one bad input never
 * fails the calls batched with it.
 */
import { describe, expect, it } from 'vitest';
import { StatementBatcher } from '../src/storage/postgres-batch.js';

describe('StatementBatcher', () => {
  it('a call on an idle batcher runs in the same turn of the event loop; calls arriving meanwhile run together in the next statement', async () => {
    const statements: number[][] = [];
    let release: () => void = () => undefined;
    const b = new StatementBatcher(async (xs: number[]) => {
      statements.push(xs);
      if (statements.length === 1) await new Promise<void>((r) => (release = r));
      return xs.map((x) => x * 10);
    });
    const first = b.call(1);
    await new Promise((r) => setImmediate(r));
    expect(statements).toEqual([[1]]);
    const rest = [b.call(2), b.call(3), b.call(4)];
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(statements).toEqual([[1], [2, 3, 4]]);
  });

  it('a batch is at most maxBatch calls', async () => {
    const sizes: number[] = [];
    const b = new StatementBatcher(async (xs: number[]) => (sizes.push(xs.length), xs), 2);
    await Promise.all([1, 2, 3, 4, 5].map((x) => b.call(x)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('with a gathering delay, calls spread over that delay go in one statement', async () => {
    const statements: number[][] = [];
    const b = new StatementBatcher(async (xs: number[]) => (statements.push(xs), xs), 500, 30);
    const calls = [b.call(1)];
    await new Promise((r) => setTimeout(r, 5));
    calls.push(b.call(2));
    await Promise.all(calls);
    expect(statements).toEqual([[1, 2]]);
  });

  it('a statement failing for one input: the others still succeed, only that call fails', async () => {
    const b = new StatementBatcher(async (xs: number[]) => {
      if (xs.includes(13)) throw new Error('bad input 13');
      return xs.map((x) => -x);
    });
    const results = await Promise.allSettled([1, 2, 13, 4].map((x) => b.call(x)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([-1, -2, 'bad input 13', -4]);
  });
});
