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

/** Finds the extracted row whose quote (or task) contains the gold excerpt; with several, the one that names a lead. */
export function matchGold(gold: GoldRow, rows: readonly TaskRow[], docId: string | undefined): TaskRow | undefined {
  const m = squashSpaces(gold.match);
  const inDoc = rows.filter((r) => r.docId === docId);
  const hits = inDoc.filter((r) => squashSpaces(r.quote).includes(m));
  const candidates = hits.length > 0 ? hits : inDoc.filter((r) => squashSpaces(r.task).includes(m));
  return candidates.find((r) => r.lead.length > 0) ?? candidates[0];
}

/** Canonical names of a gold row's leads, read the way the extractor reads a document ("Bộ trưởng, Thủ trưởng …" → a group). */
export type LeadCanon = (names: string[], docId: string) => string[];

/** Scores of one document (or of all). */
export interface DocumentScore {
  doc: string;
  rowsExtracted: number;
  goldRows: number;
  matched: number;
  leadPrecision: number;
  leadRecall: number;
  /** Gold rows whose lead set and deadline are both exactly right. */
  bothRight: number;
  deadlineExact: number;
}

export function evaluateTasks(
  rows: readonly TaskRow[],
  gold: readonly GoldRow[],
  documents: readonly DocumentMeta[],
  canon: LeadCanon = (names) => names,
): TaskEvaluation & { perDocument: DocumentScore[]; bothRight: number } {
  const docIdOf = new Map(documents.map((d) => [d.originalFile, d.docId]));
  const missed: GoldRow[] = [];
  const leadErrors: TaskEvaluation['leadErrors'] = [];
  const deadlineErrors: TaskEvaluation['deadlineErrors'] = [];
  const tally = new Map<string, { tp: number; fp: number; fn: number; dl: number; both: number; n: number; matched: number }>();
  for (const g of gold) {
    const docId = docIdOf.get(g.doc);
    const t = tally.get(g.doc) ?? { tp: 0, fp: 0, fn: 0, dl: 0, both: 0, n: 0, matched: 0 };
    tally.set(g.doc, t);
    t.n++;
    const want = new Set(g.lead.length > 0 ? canon(g.lead, docId ?? '') : []);
    const row = matchGold(g, rows, docId);
    if (!row) {
      missed.push(g);
      t.fn += want.size;
      continue;
    }
    t.matched++;
    const hit = row.lead.filter((l) => want.has(l)).length;
    t.tp += hit;
    t.fp += row.lead.length - hit;
    t.fn += want.size - hit;
    const leadOk = hit === want.size && row.lead.length === want.size;
    const deadlineOk = (row.deadline.date ?? null) === (g.deadline ?? null);
    if (!leadOk) leadErrors.push({ gold: g, row });
    if (deadlineOk) t.dl++;
    else deadlineErrors.push({ gold: g, row });
    if (leadOk && deadlineOk) t.both++;
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  const score = (doc: string, ts: typeof tally extends Map<string, infer V> ? V[] : never): DocumentScore => {
    const sum = (k: 'tp' | 'fp' | 'fn' | 'dl' | 'both' | 'n' | 'matched') => ts.reduce((n, x) => n + x[k], 0);
    const docIds = doc === '*' ? null : new Set([docIdOf.get(doc)]);
    return {
      doc,
      rowsExtracted: rows.filter((r) => docIds === null || docIds.has(r.docId)).length,
      goldRows: sum('n'),
      matched: sum('matched'),
      leadPrecision: ratio(sum('tp'), sum('tp') + sum('fp')),
      leadRecall: ratio(sum('tp'), sum('tp') + sum('fn')),
      bothRight: sum('both'),
      // Missed rows count as wrong deadlines: the measure is over all gold rows.
      deadlineExact: ratio(sum('dl'), sum('n')),
    };
  };
  const all = score('*', [...tally.values()]);
  const f1 = all.leadPrecision + all.leadRecall === 0 ? 0 : (2 * all.leadPrecision * all.leadRecall) / (all.leadPrecision + all.leadRecall);
  return {
    rowsExtracted: rows.length,
    goldRows: gold.length,
    matched: all.matched,
    leadPrecision: all.leadPrecision,
    leadRecall: all.leadRecall,
    leadF1: f1,
    deadlineExact: all.deadlineExact,
    bothRight: all.bothRight,
    missed,
    leadErrors,
    deadlineErrors,
    perDocument: [...tally.entries()].map(([doc, t]) => score(doc, [t])),
  };
}
