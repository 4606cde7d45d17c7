/**
 * An Answerer whose implementation can be replaced while the service runs:
 * after the admin view publishes a document or corrects a row, a fresh
 * assistant (and worker pool) is opened on the new corpus and swapped in, so
 * the chat answers from it without a restart. Questions in flight finish on
 * the old one.
 */
import type { AskResult } from '../qa/assistant.js';
import type { Answerer } from './conversation.js';

export class LiveAnswerer implements Answerer {
  constructor(private current: Answerer) {}

  get registry(): Answerer['registry'] {
    return this.current.registry;
  }

  ask(question: string, opts?: Parameters<Answerer['ask']>[1]): Promise<AskResult> {
    return this.current.ask(question, opts);
  }

  /** Serves from `next` from now on; returns the previous answerer. */
  swap(next: Answerer): Answerer {
    const previous = this.current;
    this.current = next;
    return previous;
  }
}
