/**
 * Measures the task table against a hand-labelled gold file: lead precision and
 * recall, deadline exact match, and gold rows the extractor missed.
 */
import type { DocumentMeta, TaskRow } from '../corpus/types.js';
import { squashSpaces } from '../text/vietnamese.js';

/** One hand-labelled assignment (tests/fixtures/tasks-gold.json). */
export interface GoldRow {
  /** Original file name of the document. */
  doc: string;
  /** Verbatim excerpt of the sentence that makes the assignment. */
  match: string;
  lead: string[];
  support: string[];
  deadline: string | null;
  deadlineText: string | null;
  kind: 'task' | 'indicator';
  note?: string;
}

export interface TaskEvaluation {
  rowsExtracted: number;
  goldRows: number;
  matched: number;
  leadPrecision: number;
  leadRecall: number;
  leadF1: number;
  deadlineExact: number;
  missed: GoldRow[];
  leadErrors: Array<{ gold: GoldRow; row: TaskRow }>;
  deadlineErrors: Array<{ gold: GoldRow; row: TaskRow }>;
}

/** Finds the extracted row whose quote (or task) contains the gold excerpt. */
export function matchGold(gold: GoldRow, rows: readonly TaskRow[], docId: string | undefined): TaskRow | undefined {
  const m = squashSpaces(gold.match);
  const inDoc = rows.filter((r) => r.docId === docId);
  return inDoc.find((r) => squashSpaces(r.quote).includes(m)) ?? inDoc.find((r) => squashSpaces(r.task).includes(m));
}

export function evaluateTasks(rows: readonly TaskRow[], gold: readonly GoldRow[], documents: readonly DocumentMeta[]): TaskEvaluation {
  const docIdOf = new Map(documents.map((d) => [d.originalFile, d.docId]));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let deadlineOk = 0;
  const missed: GoldRow[] = [];
  const leadErrors: TaskEvaluation['leadErrors'] = [];
  const deadlineErrors: TaskEvaluation['deadlineErrors'] = [];
  for (const g of gold) {
    const row = matchGold(g, rows, docIdOf.get(g.doc));
    if (!row) {
      missed.push(g);
      fn += g.lead.length;
      continue;
    }
    const want = new Set(g.lead);
    const hit = row.lead.filter((l) => want.has(l)).length;
    tp += hit;
    fp += row.lead.length - hit;
    fn += want.size - hit;
    if (hit !== want.size || row.lead.length !== want.size) leadErrors.push({ gold: g, row });
    if ((row.deadline.date ?? null) === (g.deadline ?? null)) deadlineOk++;
    else deadlineErrors.push({ gold: g, row });
  }
  const matched = gold.length - missed.length;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  return {
    rowsExtracted: rows.length,
    goldRows: gold.length,
    matched,
    leadPrecision: precision,
    leadRecall: recall,
    leadF1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    // Missed rows count as wrong deadlines: the measure is over all gold rows.
    deadlineExact: gold.length === 0 ? 1 : deadlineOk / gold.length,
    missed,
    leadErrors,
    deadlineErrors,
  };
}
