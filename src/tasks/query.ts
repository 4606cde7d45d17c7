/**
 * Questions over the task table: whose tasks, due when, from which document.
 * An agency's tasks include those assigned to a group it belongs to, those of the
 * agencies it took over in the 2025 restructuring, those of the province a former
 * province was merged into, and a province's own bodies' tasks, each marked as such.
 */
import type { AgencyEntry } from '../corpus/types.js';
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { TaskRow } from '../corpus/types.js';

/** How a row concerns the agency asked about. */
/**
 * predecessor: an agency whose tasks passed to the one asked about (2025 mergers);
 * successor: the unit a former province asked about was merged into (its tasks now
 * cover the former province); member: a member of the group asked about, or a body
 * of the province asked about.
 */
export type MatchVia = 'lead' | 'support' | 'group' | 'predecessor' | 'successor' | 'member';

export interface TaskMatch {
  row: TaskRow;
  via: MatchVia;
  /** Vietnamese explanation when the match is indirect ("giao cho nhóm: Các bộ, ngành"). */
  note?: string;
}

export interface TaskFilter {
  /** Agency or locality by any alias; resolved through the registry. */
  agency?: AgencyEntry;
  /** Inclusive YYYY-MM-DD bounds on deadline.date; rows without a date are excluded when either is set. */
  dueFrom?: string;
  dueTo?: string;
  docId?: string;
  kind?: TaskRow['kind'];
  /** Include rows where the agency only supports ("phối hợp"). Default true. */
  includeSupport?: boolean;
  /** Date of the question (YYYY-MM-DD): the 2025 successions only apply from their effective date. Default: always. */
  asOf?: string;
}

/** Rows matching a filter, in table order. */
export function queryTasks(tasks: readonly TaskRow[], filter: TaskFilter, registry: AgencyRegistry): TaskMatch[] {
  const out: TaskMatch[] = [];
  const agencyMatch = filter.agency ? agencyMatcher(filter.agency, registry, filter.includeSupport ?? true, filter.asOf) : null;
  for (const row of tasks) {
    if (filter.docId && row.docId !== filter.docId) continue;
    if (filter.kind && row.kind !== filter.kind) continue;
    if (filter.dueFrom || filter.dueTo) {
      const d = row.deadline.date;
      if (!d || (filter.dueFrom && d < filter.dueFrom) || (filter.dueTo && d > filter.dueTo)) continue;
    }
    if (agencyMatch) {
      const m = agencyMatch(row);
      if (m) out.push({ row, ...m });
    } else {
      out.push({ row, via: 'lead' });
    }
  }
  return out;
}

/**
 * Builds a per-row test for one agency, with its groups, members and related names
 * (AgencyRegistry.related: predecessors, the province a former province merged into,
 * a province's own bodies) expanded once.
 */
export function agencyMatcher(
  agency: AgencyEntry,
  registry: AgencyRegistry,
  includeSupport = true,
  asOf?: string,
): (row: TaskRow) => Omit<TaskMatch, 'row'> | null {
  const groups = new Set(registry.groupsOf(agency.name).map((g) => g.name));
  const related = registry.related(agency.name, asOf);
  const inherited = new Map(related.filter((r) => r.via !== 'body').map((r) => [r.entry.name, r]));
  const members = new Map<string, string | undefined>(
    (agency.kind === 'group' ? registry.membersOf(agency.name) : []).map((m) => [m, undefined]),
  );
  for (const r of related) if (r.via === 'body') members.set(r.entry.name, r.note);
  return (row) => {
    if (row.lead.includes(agency.name)) return { via: 'lead' };
    for (const [name, r] of inherited) {
      if (row.lead.includes(name) || (includeSupport && row.support.includes(name))) {
        return { via: r.via === 'successor' ? 'successor' : 'predecessor', note: `giao cho ${name} — ${r.note}` };
      }
    }
    const group = row.lead.find((l) => groups.has(l));
    if (group) return { via: 'group', note: `giao cho nhóm: ${group}` };
    const member = row.lead.find((l) => members.has(l));
    if (member) return { via: 'member', note: members.get(member) ?? `giao cho ${member}` };
    if (includeSupport && row.support.includes(agency.name)) return { via: 'support', note: 'cơ quan phối hợp' };
    return null;
  };
}
