/**
 * Optional LLM phrasing (any OpenAI-compatible endpoint). The model sees the
 * question and only the retrieved rows and passages, must say which sources it
 * used, and its citations are re-validated; on error, timeout or invalid output
 * the extractive answer is sent unchanged.
 */
import type { TaskRow } from '../corpus/types.js';
import type { Citation } from './citations.js';

export interface PhraseInput {
  question: string;
  now: string;
  intent: string;
  /** The extractive answer (always correct, possibly stiff). */
  draft: string;
  rows: TaskRow[];
  passages: Array<{ docId: string; section?: string; text: string }>;
  citations: Citation[];
}

/** Rewrites a grounded draft answer; returns null to keep the draft. */
export interface Phraser {
  phrase(input: PhraseInput): Promise<string | null>;
}
