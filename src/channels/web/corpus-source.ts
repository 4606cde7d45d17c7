/**
 * The corpus as the web pages see it: reloaded when documents.json or
 * tasks.json change on disk (after an upload is published or a row edited in
 * the admin view), so the task browser and the document view are never stale.
 */
import { statSync } from 'node:fs';
import type { AgencyRegistry } from '../../corpus/agencies.js';
import { Corpus, corpusPaths } from '../../corpus/store.js';

export class CorpusSource {
  private corpus: Corpus;
  private stamp: string;

  constructor(
    private readonly root: string,
    readonly registry: AgencyRegistry,
  ) {
    this.corpus = Corpus.load(root);
    this.stamp = this.currentStamp();
  }

  /** The corpus as it is on disk now. */
  get(): Corpus {
    const stamp = this.currentStamp();
    if (stamp !== this.stamp) {
      this.corpus = Corpus.load(this.root);
      this.stamp = stamp;
    }
    return this.corpus;
  }

  private currentStamp(): string {
    const { documentsJson, tasksJson } = corpusPaths(this.root);
    return [documentsJson, tasksJson]
      .map((f) => {
        try {
          const s = statSync(f);
          return `${s.mtimeMs}:${s.size}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  }
}
