/**
 * Statement coalescing for the PostgreSQL store: calls of one statement shape that arrive
 * while the previous one is on its way to the server wait and then go together, as one
 * set-based statement (arrays through `unnest`). Idle, a call is sent at the end of the
 * current turn of the event loop (with the calls made in the same turn), so a quiet instance
 * pays no delay; under load the batches grow by themselves, so the number of round
 * trips, transactions (commits) and pool connections per update falls as the rate rises —
 * the webhook path's statements (inbox insert, conversation memory read and write, replies
 * planned, update done) each cost one round trip per batch instead of one per update.
 */

/** One statement's runner: receives the queued inputs in call order, returns one output per input. */
export type BatchRunner<In, Out> = (inputs: In[]) => Promise<Out[]>;

interface Waiting<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

/** Queues calls of one statement shape and runs them as batches, one batch in flight at a time. */
export class StatementBatcher<In, Out> {
  private queue: Array<Waiting<In, Out>> = [];
  private running = false;

  /**
   * @param run the set-based statement
   * @param maxBatch most inputs in one statement (bounds parameter arrays and locks)
   * @param gatherMs how long an idle batcher waits for more calls (0: until the end of this turn of
   *   the event loop); only for writes off the user's path, such as marking an answered update done
   */
  constructor(
    private readonly run: BatchRunner<In, Out>,
    private readonly maxBatch = 500,
    private readonly gatherMs = 0,
  ) {}

  /** Resolves with this input's output once the batch it went in has run. */
  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Runs the queue at the end of this turn of the event loop: calls made in the same turn go together. */
  private schedule(): void {
    if (this.running) return;
    this.running = true;
    if (this.gatherMs > 0) setTimeout(() => this.pump(), this.gatherMs);
    else setImmediate(() => this.pump());
  }

  private pump(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) {
      this.running = false;
      return;
    }
    void this.settle(batch).finally(() => this.pump());
  }

  private async settle(batch: Array<Waiting<In, Out>>): Promise<void> {
    try {
      const outs = await this.run(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(outs[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad input must not fail the calls batched with it: each runs alone.
      await Promise.all(
        batch.map((w) =>
          this.run([w.input]).then(
            (outs) => w.resolve(outs[0]!),
            (e: unknown) => w.reject(e),
          ),
        ),
      );
    }
  }
}
