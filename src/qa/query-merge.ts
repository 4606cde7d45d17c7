/**
 * Merges a model's reading of a question (./llm-query.ts) into the rules' understanding
 * (./understand.ts). The rules' reading is the base: the model may only add what they
 * missed — an agency written with a typo, the role asked about, a second ask, a deadline
 * window, a document, a year — and never removes or replaces a constraint they found.
 *
 * Everything the model says is checked against the question and the corpus first:
 *  - every part must quote the question ("written" found in it, diacritics aside);
 *  - an agency must resolve through the registry and be a near spelling of what was
 *    written (else the model named an agency the user did not: the reply is ignored);
 *    a name the registry does not know is dropped, and one the rules' own matcher reads
 *    in what was written is theirs to take or leave (never overridden);
 *  - dates must be real and be a boundary of a period written in the question; years
 *    must be written in it;
 *  - a document must resolve to a corpus document;
 *  - a role or a deadline ask needs its words in the question.
 * A reply that adds a constraint the user did not state is ignored as a whole.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { AgencyEntry, DocumentMeta } from '../corpus/types.js';
import { parseIsoDate } from '../text/dates.js';
import { findPeriods } from '../text/periods.js';
import { editDistance, fold, foldAligned, nfc, squashSpaces } from '../text/vietnamese.js';
import type { ModelQuery, QueryModel } from './llm-query.js';
import { findDocumentScope } from './scope.js';
import type { Ask, Period, Role, Understanding } from './understand.js';

/** What the model may add, once checked. */
export interface QueryAdditions {
  asks: Ask[];
  agencies: Array<{ written: string; entry: AgencyEntry }>;
  role: Role;
  period: Period | null;
  documents: Array<{ written: string; docIds: string[] }>;
  years: string[];
}

export type QueryCheck = { ok: true; additions: QueryAdditions; dropped: number } | { ok: false; reason: string };

export interface QueryCheckContext {
  registry: AgencyRegistry;
  documents: readonly DocumentMeta[];
}

/** Where `written` occurs in `text`, case and diacritics aside; null when it does not. */
function locate(text: string, written: string): [number, number] | null {
  const needle = foldAligned(squashSpaces(nfc(written)));
  if (needle.trim() === '') return null;
  const at = foldAligned(text).indexOf(needle);
  return at < 0 ? null : [at, at + needle.length];
}

/** True when `written` could be a spelling of one of the agency's names ("Bộ Thông tinh và Chuyền thông"). */
function nearSpelling(written: string, entry: AgencyEntry): boolean {
  const w = fold(written).replace(/[^a-z0-9]/g, '');
  return [entry.name, ...entry.aliases].some((name) => {
    const n = fold(name).replace(/[^a-z0-9]/g, '');
    // Abbreviations are near only letter for letter ("BYT" is not "BCA"); names allow a typo per five letters.
    const max = n.length < 4 ? 0 : n.length < 6 ? 1 : Math.max(2, Math.floor(n.length / 5));
    return editDistance(w, n, max) <= max;
  });
}

/** True when the date is the first or last day of a period written in the question. */
function dateInQuestion(date: string, question: string): boolean {
  return [...findPeriods(question), ...findPeriods(fold(question))].some((p) => p.from === date || p.to === date);
}

const ROLE_WORDS: Record<Exclude<Role, 'any'>, RegExp> = { lead: /\bchu tri\b/, support: /\b(?:phoi hop|tham gia)\b/ };
const ASK_WORDS: Partial<Record<Ask, RegExp>> = { due_soon: /\b(?:han|sap|den)\b/, overdue: /\b(?:qua han|tre|cham|het han|han da qua)\b/ };

/** Checks the model's query against the question; the parts that may be added, or why it is ignored. */
export function checkModelQuery(q: ModelQuery, question: string, ctx: QueryCheckContext): QueryCheck {
  const text = nfc(squashSpaces(question));
  const folded = fold(text);
  let dropped = 0;

  const agencies: QueryAdditions['agencies'] = [];
  for (const a of q.agencies) {
    if (!locate(text, a.written)) return { ok: false, reason: 'agency_not_in_question' };
    const entry = ctx.registry.resolve(a.name) ?? ctx.registry.resolve(a.written);
    if (!entry) {
      dropped++;
      continue;
    }
    if (!nearSpelling(a.written, entry)) return { ok: false, reason: 'agency_not_in_question' };
    // A name the rules' own matcher reads there was theirs to take or leave ("quản trị" is not Quảng Trị).
    if (ctx.registry.findMentions(nfc(a.written), { fuzzy: true }).some((m) => m.name === entry.name)) continue;
    if (!agencies.some((x) => x.entry.name === entry.name)) agencies.push({ written: a.written, entry });
  }

  let period: Period | null = null;
  if (q.period) {
    const { written, from, to } = q.period;
    if (!locate(text, written)) return { ok: false, reason: 'period_not_in_question' };
    if (!parseIsoDate(from) || !parseIsoDate(to) || from > to) return { ok: false, reason: 'invalid_date' };
    if (!dateInQuestion(from, text) || !dateInQuestion(to, text)) return { ok: false, reason: 'date_not_in_question' };
    period = { from, to, text: squashSpaces(written) };
  }

  const documents: QueryAdditions['documents'] = [];
  for (const d of q.documents) {
    if (!locate(text, d.written)) return { ok: false, reason: 'document_not_in_question' };
    if (d.date !== null && (!parseIsoDate(d.date) || !dateInQuestion(d.date, text))) return { ok: false, reason: 'date_not_in_question' };
    const digits = /\d+/.exec(d.number ?? '')?.[0];
    if (digits !== undefined && !new RegExp(`(?<!\\d)0*${Number(digits)}(?!\\d)`).test(fold(d.written))) return { ok: false, reason: 'document_not_in_question' };
    const docIds =
      digits !== undefined
        ? ctx.documents.filter((m) => Number(/\d+/.exec(m.number ?? '')?.[0] ?? NaN) === Number(digits)).map((m) => m.docId)
        : d.date !== null
          ? ctx.documents.filter((m) => m.date === d.date).map((m) => m.docId)
          : (findDocumentScope(fold(d.written), ctx.documents)?.docIds ?? []);
    // The rules refuse a document the corpus lacks themselves; a reference only the model "found" is invented.
    if (docIds.length === 0) return { ok: false, reason: 'document_not_in_corpus' };
    documents.push({ written: d.written, docIds });
  }

  for (const y of q.years) if (!new RegExp(`\\b${y}\\b`).test(folded)) return { ok: false, reason: 'year_not_in_question' };

  // A role or a deadline ask the question has no words for is not what the user asked: left out.
  const role = q.role !== 'any' && ROLE_WORDS[q.role].test(folded) ? q.role : 'any';
  if (role !== q.role) dropped++;
  const asks = q.asks.filter((a) => ASK_WORDS[a]?.test(folded) ?? true);
  dropped += q.asks.length - asks.length;
  return { ok: true, additions: { asks, agencies, role, period, documents, years: [...new Set(q.years)] }, dropped };
}

/** The part a piece of the question belongs to (the first one when it cannot tell). */
function partOf(parts: Understanding[], written: string): number {
  const i = parts.findIndex((p) => locate(p.question, written));
  return i < 0 ? 0 : i;
}

const union = <T>(base: readonly T[], more: readonly T[], same: (a: T, b: T) => boolean = (a, b) => a === b): T[] => [
  ...base,
  ...more.filter((m) => !base.some((b) => same(b, m))),
];
const sameAgency = (a: AgencyEntry, b: AgencyEntry) => a.name === b.name;

/**
 * The rules' parts with the checked additions. An agency the rules missed is written into the
 * question under its registry name and the part is read again by the rules (so its asks and role
 * follow as if typed correctly), keeping every constraint the first reading found.
 */
export function mergeModelQuery(parts: readonly Understanding[], add: QueryAdditions, reparse: (text: string) => Understanding): { parts: Understanding[]; added: string[] } {
  const out = parts.map((p) => ({ ...p }));
  const added = new Set<string>();
  const known = (e: AgencyEntry) => out.some((p) => [...p.agencies, ...p.partners].some((x) => sameAgency(x, e)));

  for (const { written, entry } of add.agencies) {
    if (known(entry)) continue;
    const i = partOf(out, written);
    const base = out[i]!;
    const span = locate(base.question, written);
    if (!span) continue;
    const r = reparse(`${base.question.slice(0, span[0])}${entry.name}${base.question.slice(span[1])}`);
    if (![...r.agencies, ...r.partners].some((x) => sameAgency(x, entry))) continue;
    out[i] = {
      ...r,
      question: base.question,
      asks: union(r.asks, base.asks),
      agencies: union(base.agencies, r.agencies, sameAgency),
      partners: union(base.partners, r.partners, sameAgency),
      role: base.role !== 'any' ? base.role : r.role,
      period: base.period ?? r.period,
      documents: base.scope ? base.documents : r.documents,
      scope: base.scope ?? r.scope,
      years: union(base.years, r.years),
      now: base.now,
    };
    added.add('agencies');
  }

  if (add.role !== 'any') {
    for (const p of out) {
      if (p.agencies.length > 0 && p.role === 'any' && ROLE_WORDS[add.role].test(fold(p.question))) {
        p.role = add.role;
        added.add('role');
      }
    }
  }
  // A second ask the rules did not see; after the first, so the main intent stays theirs.
  if (out.length === 1) {
    const more = add.asks.filter((a) => !out[0]!.asks.includes(a));
    if (more.length > 0) {
      out[0]!.asks = [...out[0]!.asks, ...more];
      added.add('asks');
    }
  }
  if (add.period && out.every((p) => p.period === null)) {
    const p = out[partOf(out, add.period.text)]!;
    const [from, to] = [add.period.from, add.period.to];
    // A year the rules read as the topic, or a document's date, is not a deadline window.
    const taken = p.years.some((y) => y.slice(0, 4) >= from.slice(0, 4) && y.slice(-4) <= to.slice(0, 4)) || p.scope !== null;
    if (!taken) {
      p.period = add.period;
      added.add('period');
    }
  }
  for (const d of add.documents) {
    const p = out[partOf(out, d.written)]!;
    if (p.scope !== null) continue;
    p.documents = d.docIds;
    p.scope = { docIds: d.docIds, text: squashSpaces(d.written), consumed: [] };
    added.add('documents');
  }
  for (const y of add.years) {
    const p = out[partOf(out, y)]!;
    const inPeriod = p.period !== null && p.period.from.slice(0, 4) <= y && y <= p.period.to.slice(0, 4);
    if (p.years.some((x) => x.includes(y)) || inPeriod || p.scope !== null) continue;
    p.years = [...p.years, y];
    added.add('years');
  }
  return { parts: out, added: [...added] };
}

export interface RefineContext extends QueryCheckContext {
  model: QueryModel;
  /** The rules' reading of a text, as the assistant parses a part (same date). */
  reparse: (text: string) => Understanding;
}

/**
 * The answer path's hook: the rules' parts, with what the configured model read and the checks
 * allow. Any failure (no reply, timeout, invalid or untrustworthy reply) leaves them unchanged.
 * Logs reasons and counts only: never the question or the model's text.
 */
export async function refineWithModel(parts: Understanding[], question: string, ctx: RefineContext): Promise<Understanding[]> {
  let q: ModelQuery | null;
  try {
    q = await ctx.model.query(question);
  } catch (err) {
    ctx.model.logger?.warn({ reason: 'request_failed', error: (err as Error)?.name ?? 'Error' }, 'llm-query: model reading failed, using the rules');
    return parts;
  }
  if (!q) return parts;
  const check = checkModelQuery(q, question, ctx);
  if (!check.ok) {
    ctx.model.logger?.warn({ reason: check.reason }, 'llm-query: model reading ignored, using the rules');
    return parts;
  }
  const merged = mergeModelQuery(parts, check.additions, ctx.reparse);
  if (merged.added.length > 0 || check.dropped > 0) ctx.model.logger?.info?.({ added: merged.added, dropped: check.dropped }, 'llm-query: model reading merged');
  return merged.parts;
}
