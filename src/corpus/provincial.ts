/**
 * Bodies every province has (its Sở, its police, its People's Committees of communes …)
 * and the provinces themselves as units of the 2025 map: how a province is named,
 * and the scoped entries the registry generates from each per-province entry of
 * corpus/agencies.json ("Sở Khoa học và Công nghệ" → "Sở Khoa học và Công nghệ Hà Nội",
 * one per province, former provinces included so documents of 2022–2024 resolve).
 *
 * Successions of scoped entries are derived, not listed: a department inherits its
 * template's succession within the same province (Sở Thông tin và Truyền thông Nam
 * Định → Sở Khoa học và Công nghệ Nam Định, 01/3/2025), and a body of a province
 * merged on 01/7/2025 passes to the same body of the absorbing province (Sở Khoa học
 * và Công nghệ Nam Định → Sở Khoa học và Công nghệ Ninh Bình).
 */

import type { AgencyEntry } from './types.js';

/** How a province is written in generated names. */
export interface ProvinceForms {
  /** "Hà Nội", "Ninh Bình", "Thành phố Hồ Chí Minh" (never shortened: "Sở Tài chính Hồ Chí Minh" reads wrong). */
  short: string;
  /** "thành phố Hà Nội", "tỉnh Ninh Bình", "Thành phố Hồ Chí Minh". */
  unit: string;
}

const CITY = /^Thành phố /u;
const HCM = 'Thành phố Hồ Chí Minh';
/** The pattern that makes the scoped form of a per-province entry the province itself. */
export const SCOPED_IS_PROVINCE = '=province';

/** Short and addressed forms of a province entry's canonical name. */
export function provinceForms(name: string): ProvinceForms {
  if (name === HCM) return { short: name, unit: name };
  if (CITY.test(name)) {
    const short = name.replace(CITY, '');
    return { short, unit: `thành phố ${short}` };
  }
  return { short: name, unit: `tỉnh ${name}` };
}

/** The scoped entry's name for a per-province entry and a province. */
export function scopedName(template: AgencyEntry, province: string): string {
  const forms = provinceForms(province);
  const pattern = template.perProvince || '{name} {short}';
  return pattern.replace('{name}', template.name).replace('{short}', forms.short).replace('{unit}', forms.unit);
}

/**
 * The scoped entries of every per-province entry for every province, with their
 * successions derived as described above. Entries whose pattern is
 * {@link SCOPED_IS_PROVINCE} generate nothing: their scoped form is the province.
 */
export function expandPerProvince(entries: readonly AgencyEntry[]): AgencyEntry[] {
  const provinces = entries.filter((e) => e.kind === 'province');
  const templates = entries.filter((e) => e.perProvince && e.perProvince !== SCOPED_IS_PROVINCE);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const scoped = (templateName: string, province: string): string => {
    const t = byName.get(templateName);
    if (!t?.perProvince) throw new Error(`agencies: successor "${templateName}" of a per-province body is not per-province`);
    return t.perProvince === SCOPED_IS_PROVINCE ? province : scopedName(t, province);
  };
  const out: AgencyEntry[] = [];
  for (const t of templates) {
    for (const p of provinces) {
      const e: AgencyEntry = {
        name: scopedName(t, p.name),
        kind: t.kind,
        aliases: [],
        province: p.name,
        template: t.name,
      };
      if (t.memberKinds) e.memberKinds = t.memberKinds;
      if (t.since) e.since = t.since;
      if (t.succession) {
        e.succession = { ...t.succession, successors: t.succession.successors.map((s) => scoped(s, p.name)) };
      } else if (p.succession && p.succession.successors.length > 0) {
        const into = p.succession.successors[0]!;
        e.succession = { date: p.succession.date, successors: [scopedName(t, into)], note: p.succession.note };
      }
      out.push(e);
    }
  }
  return out;
}
