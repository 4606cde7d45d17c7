/**
 * The answerer of a running server whose corpus can change under it (a new
 * version ingested on another instance): requests always go to the current
 * assistant, and replacing it never drops a request — those already started
 * finish on the assistant they began with.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { AskOptions, AskResult, Assistant } from './assistant.js';
import type { AssistantPool } from './pool.js';

export interface AnswererGeneration {
  assistant: Assistant;
  /** Worker threads answering for this corpus (ASSISTANT_WORKERS), if any. */
  pool?: AssistantPool | undefined;
  /** Corpus version from the database (null: the seed files). */
  version: number | null;
}

export class LiveAnswerer {
  constructor(private generation: AnswererGeneration) {}

  get current(): AnswererGeneration {
    return this.generation;
  }

  get registry(): AgencyRegistry {
    return this.generation.assistant.registry;
  }

  ask(question: string, opts?: AskOptions): Promise<AskResult> {
    const g = this.generation;
    return (g.pool ?? g.assistant).ask(question, opts);
  }

  /** Swaps in a new generation; returns the previous one (its pool is closed once its requests are done). */
  replace(next: AnswererGeneration): AnswererGeneration {
    const previous = this.generation;
    this.generation = next;
    return previous;
  }
}
