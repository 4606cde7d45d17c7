/**
 * The agency registry (corpus/agencies.json): canonical names, groups, the bodies every
 * province has, and the 2025 restructuring (merged ministries, the 34 provincial units
 * of 01/7/2025, two-tier local government); plus the resolver that finds agencies in
 * documents and in users' questions. Matching itself lives in agency-trie.ts; the
 * per-province bodies in provincial.ts.
 */

import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nfc, tokenizeWithOffsets, type Token } from '../text/vietnamese.js';
import { AgencyTrie, isProvinceGroup, type Hit, type MatchContext, type MatchOptions } from './agency-trie.js';
import { expandPerProvince, provinceForms, scopedName, SCOPED_IS_PROVINCE } from './provincial.js';
import type { AgencyEntry, AgencyFile } from './types.js';

export type { MatchOptions } from './agency-trie.js';

/** One agency named in a text. */
export interface AgencyMention {
  /** Canonical name. */
  name: string;
  /** UTF-16 offsets into the input. */
  start: number;
  end: number;
  /** The mention as written. */
  text: string;
}

/** Why tasks recorded under another name concern the agency asked about. */
export interface Related {
  entry: AgencyEntry;
  /**
   * predecessor: its tasks passed to the agency asked about (merged ministry, merged
   * province, renamed department); successor: the province (or provincial body) the
   * agency asked about was merged into on 01/7/2025 — its tasks now cover the former
   * province's territory; body: a body of the province asked about, or the scoped
   * form of a body asked about without a province.
   */
  via: 'predecessor' | 'successor' | 'body';
  /** Vietnamese explanation shown with the task. */
  note: string;
}

/**
 * "BTC" is also written "Bộ TC", "BYT" "Bộ YT": a ministry's acronym with its "B" spelled out,
 * when the file does not list that form already.
 */
function withMinistryShortForms(e: AgencyEntry): string[] {
  if (e.kind !== 'ministry') return e.aliases;
  const spelled = e.aliases.filter((a) => /^B[A-ZĐ]{2,}$/u.test(a)).map((a) => `Bộ ${a.slice(1)}`);
  return [...e.aliases, ...spelled.filter((x) => !e.aliases.includes(x))];
}

/** A mention in token indices. */
interface Span {
  entry: AgencyEntry;
  startTok: number;
  endTok: number;
}

/**
 * Titles and addressing words resolve() strips from the front of a name, so that
 * "Bộ trưởng Bộ Công an", "Thống đốc Ngân hàng Nhà nước" or "Chủ tịch UBND tỉnh Lào Cai"
 * name the agency. They are only tried after the whole string failed to match.
 */
const TITLE_PREFIXES = [
  'bộ trưởng',
  'thứ trưởng',
  'thủ trưởng',
  'thống đốc',
  'chủ nhiệm',
  'phó chủ tịch',
  'chủ tịch',
  'tổng giám đốc',
  'giám đốc',
  'chánh án',
  'viện trưởng',
  'tổng cục trưởng',
  'cục trưởng',
  'tổng thanh tra',
  'lãnh đạo',
  'đồng chí',
  'đại diện',
  'tỉnh',
  'thành phố',
  'tp',
].map((p) => tokenizeWithOffsets(p).map((t) => t.text));

/** Between a body's name and its province: spaces or a line break (a header), not a table cell. */
const BODY_PROVINCE_GAP = /^[^\S\t]*$/;
/**
 * Words that open the name of a province's own organs in a document header or issuer:
 * "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "HĐND tỉnh", "Tỉnh ủy", "Thành ủy".
 */
const ISSUER_HEAD = /(?:uy ban nhan dan|ubnd|hoi dong nhan dan|hdnd|tinh uy|thanh uy)\s*$/;

/** Default registry file: <repo>/corpus/agencies.json, found from this module's location. */
function defaultPath(): string {
  return fileURLToPath(new URL('../../corpus/agencies.json', import.meta.url));
}

/**
 * The agencies of corpus/agencies.json with the lookups every layer needs: resolving a
 * name, finding mentions in a text, group membership and the 2025 successions.
 */
export class AgencyRegistry {
  private static readonly cache = new Map<string, AgencyRegistry>();

  private readonly entries: readonly AgencyEntry[];
  private readonly byName = new Map<string, AgencyEntry>();
  private readonly trie: AgencyTrie;
  /** successor name → agencies that passed their tasks to it. */
  private readonly predecessors = new Map<string, AgencyEntry[]>();
  /** province or per-province entry → its scoped entries. */
  private readonly scoped = new Map<string, AgencyEntry[]>();

  private constructor(listed: readonly AgencyEntry[]) {
    for (const e of listed) {
      if (this.byName.has(e.name)) throw new Error(`agencies: duplicate entry "${e.name}"`);
      this.byName.set(e.name, e);
    }
    const generated = expandPerProvince(listed);
    this.entries = [...listed, ...generated];
    for (const e of generated) {
      if (this.byName.has(e.name)) throw new Error(`agencies: generated entry "${e.name}" is also listed`);
      this.byName.set(e.name, e);
      for (const key of [e.province!, e.template!]) {
        const list = this.scoped.get(key) ?? [];
        list.push(e);
        this.scoped.set(key, list);
      }
    }
    for (const e of this.entries) {
      for (const m of e.members ?? []) {
        if (!this.byName.has(m)) throw new Error(`agencies: group "${e.name}" lists unknown member "${m}"`);
      }
      for (const s of e.succession?.successors ?? []) {
        if (!this.byName.has(s)) throw new Error(`agencies: "${e.name}" names unknown successor "${s}"`);
        const list = this.predecessors.get(s) ?? [];
        list.push(e);
        this.predecessors.set(s, list);
      }
    }
    this.trie = new AgencyTrie(listed);
  }

  /**
   * Loads a registry file (default: corpus/agencies.json of this repository). Registries
   * are cached per path: the trie is built once per process.
   */
  static load(file: string = defaultPath()): AgencyRegistry {
    const path = resolvePath(file);
    const cached = AgencyRegistry.cache.get(path);
    if (cached) return cached;
    const data = JSON.parse(readFileSync(path, 'utf8')) as AgencyFile;
    if (data.version !== 1 || !Array.isArray(data.agencies)) {
      throw new Error(`${path}: expected an agency file of version 1`);
    }
    const registry = AgencyRegistry.fromEntries(data.agencies);
    AgencyRegistry.cache.set(path, registry);
    return registry;
  }

  /** Builds a registry from entries (tests, or a registry assembled in code). */
  static fromEntries(entries: AgencyEntry[]): AgencyRegistry {
    return new AgencyRegistry(
      entries.map((e) => ({
        ...e,
        name: nfc(e.name),
        aliases: withMinistryShortForms(e).map(nfc),
        ...(e.scopedAliases && { scopedAliases: e.scopedAliases.map(nfc) }),
      })),
    );
  }

  /**
   * Every entry: those of the file in file order, then the scoped entries generated
   * for each per-province body ("Sở Khoa học và Công nghệ Hà Nội" …).
   */
  all(): readonly AgencyEntry[] {
    return this.entries;
  }

  /** The entry with exactly this canonical name (scoped entries included). */
  get(canonicalName: string): AgencyEntry | undefined {
    return this.byName.get(nfc(canonicalName));
  }

  /**
   * The agency the whole string names (canonical name or alias), case/diacritic-insensitive;
   * prefixes like "tỉnh", "thành phố", "TP.", "UBND tỉnh", "Bộ trưởng", "Thống đốc" … tolerated.
   * A province's body is scoped by the province written after it ("Sở KH&CN Hà Nội"),
   * else by `opts.province`, else it is the unscoped entry ("Sở Khoa học và Công nghệ").
   */
  resolve(name: string, opts: MatchOptions = {}): AgencyEntry | undefined {
    const exact = this.byName.get(nfc(name).trim());
    if (exact) return exact;
    const text = nfc(name);
    const toks = tokenizeWithOffsets(text);
    let from = 0;
    while (from < toks.length) {
      const hit = this.matchAt(text, toks, from, toks.length, opts, { lastEnd: -1, inRunningText: false }, true);
      if (hit) return hit.entry;
      const rest = toks.slice(from).map((t) => t.text);
      const title = TITLE_PREFIXES.find((p) => p.length <= rest.length && p.every((w, i) => rest[i] === w));
      if (!title) return undefined;
      from += title.length;
    }
    return undefined;
  }

  /**
   * Longest non-overlapping mentions, left to right. Expects NFC text (all stored text is).
   *
   * In documents (caseSensitive), bare group phrases that are ordinary words — "địa
   * phương", "bộ, ngành", "cơ quan nhà nước", "doanh nghiệp nhà nước" — only count when
   * written with "các" (a generated variant), at the start of a clause or table cell
   * ("Bộ, ngành, địa phương⇥100%"), or as the next item of a list that already named an
   * agency ("Bộ, ngành, địa phương, doanh nghiệp nhà nước"). Elsewhere they describe
   * rather than assign ("chính quyền địa phương", "Tỷ lệ bộ, ngành, địa phương ban hành …").
   * Queries (not caseSensitive) match them anywhere: a user typing "địa phương" means the group.
   *
   * A name inside a longer name is not a mention of its own: "Đại học Quốc gia Hà Nội"
   * and "Công an Thành phố Hồ Chí Minh" are one mention each (the university; the
   * city's police), never also the city.
   *
   * With `fuzzy`, exact mentions are found first and typos are only looked for in the
   * gaps between them, so a near-miss cannot swallow the start of an exact name
   * ("tin tỉnh Bình Định" is Bình Định, not "tinh Bình" ≈ Ninh Bình).
   */
  findMentions(text: string, opts: MatchOptions = {}): AgencyMention[] {
    const toks = foldedTokens(text);
    const exact = this.scan(text, toks, 0, toks.length, { ...opts, fuzzy: false }, -1);
    let spans = exact;
    if (opts.fuzzy) {
      spans = [];
      let from = 0;
      let lastEnd = -1;
      for (const m of [...exact, undefined]) {
        const to = m ? m.startTok : toks.length;
        spans.push(...this.scan(text, toks, from, to, opts, lastEnd));
        if (!m) break;
        spans.push(m);
        from = lastEnd = m.endTok;
      }
      spans = this.joinBodyAndProvince(text, toks, spans, opts);
    }
    return spans.map((m) => {
      const start = toks[m.startTok]!.start;
      const end = toks[m.endTok - 1]!.end;
      return { name: m.entry.name, start, end, text: text.slice(start, end) };
    });
  }

  /**
   * The province (canonical name) whose organs issued a document, from its issuer or
   * header block: "UBND THÀNH PHỐ HÀ NỘI", "Ủy ban nhân dân tỉnh Ninh Bình", "Sở Tài
   * chính tỉnh Lào Cai" → "Thành phố Hà Nội", "Ninh Bình", "Lào Cai"; an issuer that
   * is itself a province's canonical name ("Thành phố Hà Nội") → that province. Null for
   * central bodies ("Văn phòng Chính phủ", "Thủ tướng Chính phủ") — a place-date line
   * such as "Hà Nội, ngày 09 tháng 01 năm 2025" does not count. A Sở's header names its
   * province on the line above ("UBND TỈNH LÀO CAI / SỞ TÀI CHÍNH"): pass the header
   * block rather than the issuer alone. Pass the result as `MatchOptions.province`.
   */
  provinceOf(issuerOrHeader: string | null | undefined): string | null {
    if (!issuerOrHeader) return null;
    // An issuer already resolved to a canonical name ("Thành phố Hà Nội", "Sở Tài chính Lào Cai").
    const whole = this.resolve(issuerOrHeader);
    if (whole?.kind === 'province') return whole.name;
    if (whole?.province) return whole.province;
    const text = nfc(issuerOrHeader);
    const toks = foldedTokens(text);
    for (const m of this.scan(text, toks, 0, toks.length, {}, -1)) {
      const e = m.entry;
      if (e.province) return e.province;
      if (e.kind !== 'province') continue;
      const before = toks
        .slice(Math.max(0, m.startTok - 4), m.startTok)
        .map((t) => t.text)
        .join(' ');
      const own = toks.slice(m.startTok, m.endTok).map((t) => t.text).join(' ');
      if (ISSUER_HEAD.test(before) || /^(?:ubnd|uy ban nhan dan)\b/.test(own)) return e.name;
    }
    return null;
  }

  /**
   * Canonical names of a group's members (empty for a non-group), in registry order.
   * Members are the entries of the group's memberKinds plus its named members, including
   * the ministries created in 2025, so a task for "các bộ, ngành" also concerns them; a
   * group scoped to a province ("Các sở, ban, ngành thành phố Hà Nội") has that province's bodies.
   */
  membersOf(groupName: string): string[] {
    const group = this.get(groupName) ?? this.resolve(groupName);
    if (!group || group.kind !== 'group') return [];
    return this.entries.filter((e) => isMember(group, e)).map((e) => e.name);
  }

  /**
   * Groups whose members include this agency (e.g. Bộ Công an → Các bộ, ngành;
   * Các bộ, ngành, địa phương; Các cơ quan nhà nước). Empty for a group or an unknown name.
   */
  groupsOf(name: string): AgencyEntry[] {
    const entry = this.get(name) ?? this.resolve(name);
    if (!entry || entry.kind === 'group') return [];
    return this.entries.filter((g) => g.kind === 'group' && isMember(g, entry));
  }

  /**
   * Agencies whose tasks this agency inherited in 2025 (Bộ Khoa học và Công nghệ →
   * [Bộ Thông tin và Truyền thông]; Ninh Bình → [Hà Nam, Nam Định]); recursive, nearest first.
   */
  predecessorsOf(name: string): AgencyEntry[] {
    const entry = this.get(name) ?? this.resolve(name);
    if (!entry) return [];
    const out: AgencyEntry[] = [];
    const seen = new Set([entry.name]);
    const queue = [entry.name];
    while (queue.length > 0) {
      for (const p of this.predecessors.get(queue.shift()!) ?? []) {
        if (seen.has(p.name)) continue;
        seen.add(p.name);
        out.push(p);
        queue.push(p.name);
      }
    }
    return out;
  }

  /**
   * Scoped entries of a province ("Thành phố Hà Nội" → "Sở Tài chính Hà Nội", "Công an
   * thành phố Hà Nội" …) or of a per-province entry ("Sở Tài chính" → one per province).
   */
  scopedOf(name: string): readonly AgencyEntry[] {
    return this.scoped.get(name) ?? [];
  }

  /**
   * Whose tasks concern someone asking about (or subscribed to) `name` on `asOf`
   * (YYYY-MM-DD; default: every change counts), besides the agency's own:
   * - predecessors whose main successor it is, through chains (Bộ Khoa học và Công nghệ
   *   ← Bộ Thông tin và Truyền thông; Ninh Bình ← Nam Định; Sở Khoa học và Công nghệ
   *   Ninh Bình ← Sở Thông tin và Truyền thông Nam Định), each once its change took effect;
   * - for a former province (or a body of one), the unit it was merged into, whose tasks
   *   now cover its territory (Nam Định → Ninh Bình);
   * - for a province, its own bodies and those of the provinces merged into it; for a
   *   body named without a province, the body of every province.
   */
  related(name: string, asOf?: string): Related[] {
    const entry = this.get(name) ?? this.resolve(name);
    if (!entry) return [];
    const inForce = (e: AgencyEntry): boolean => !asOf || !e.succession || asOf >= e.succession.date;
    const out: Related[] = [];
    const seen = new Set([entry.name]);
    const push = (e: AgencyEntry, via: Related['via'], note: string): void => {
      if (seen.has(e.name)) return;
      seen.add(e.name);
      out.push({ entry: e, via, note });
    };
    const queue = [entry.name];
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const p of this.predecessors.get(current) ?? []) {
        if (p.succession!.successors[0] !== current || !inForce(p)) continue;
        push(p, 'predecessor', p.succession!.note);
        queue.push(p.name);
      }
    }
    const predecessors = out.map((r) => r.entry);
    for (let e = entry; e.succession && inForce(e); ) {
      const next = this.get(e.succession.successors[0] ?? '');
      if (!next || !territorial(e, next)) break;
      push(next, 'successor', entry.succession!.note);
      e = next;
    }
    if (entry.kind === 'province') {
      for (const p of [entry, ...predecessors.filter((p) => p.kind === 'province')]) {
        for (const b of this.scopedOf(p.name)) push(b, 'body', `giao cho ${b.name}`);
      }
    } else if (entry.perProvince && entry.perProvince !== SCOPED_IS_PROVINCE) {
      for (const b of this.scopedOf(entry.name)) push(b, 'body', `giao cho ${b.name}`);
    }
    return out;
  }

  // ---------------------------------------------------------------- matching

  /** Longest acceptable mentions in tokens [from, to), left to right. */
  private scan(text: string, toks: Token[], from: number, to: number, opts: MatchOptions, lastEnd: number): Span[] {
    const out: Span[] = [];
    let i = from;
    while (i < to) {
      // Most tokens start no name: skip them before paying for a walk.
      if (!opts.fuzzy && !this.trie.starts(toks[i]!.text)) {
        i++;
        continue;
      }
      const hit = this.matchAt(text, toks, i, to, opts, { lastEnd, inRunningText: true }, false);
      if (!hit) {
        i++;
        continue;
      }
      out.push({ entry: hit.entry, startTok: i, endTok: hit.end });
      lastEnd = i = hit.end;
    }
    return out;
  }

  /**
   * Fuzzy mode finds exact names first, so in "so khoa hoc va cong nghee lao cai" the
   * province is found before the misspelt body: joins such neighbours into the scoped body.
   */
  private joinBodyAndProvince(text: string, toks: Token[], spans: Span[], opts: MatchOptions): Span[] {
    const out: Span[] = [];
    for (const s of spans) {
      const prev = out[out.length - 1];
      if (prev && prev.endTok === s.startTok && s.entry.kind === 'province' && (prev.entry.perProvince || prev.entry.template)) {
        const ctx = { lastEnd: -1, inRunningText: true };
        const joined = this.matchAt(text, toks, prev.startTok, s.endTok, opts, ctx, true);
        if (joined?.entry.province) {
          out[out.length - 1] = { entry: joined.entry, startTok: prev.startTok, endTok: s.endTok };
          continue;
        }
      }
      out.push(s);
    }
    return out;
  }

  /**
   * The mention at token `from`: the trie's best match, and for a per-province body
   * the province named right after it ("Sở KH&CN" + "tỉnh Ninh Bình") or else the
   * scope of `opts.province`. With `exactEnd` the mention must end at `to`.
   */
  private matchAt(
    text: string,
    toks: Token[],
    from: number,
    to: number,
    opts: MatchOptions,
    ctx: MatchContext,
    exactEnd: boolean,
  ): Hit | undefined {
    const hit = this.trie.best(text, toks, from, to, opts, ctx);
    if (hit?.entry.perProvince) {
      const gap = hit.end < toks.length ? text.slice(toks[hit.end - 1]!.end, toks[hit.end]!.start) : '';
      const province =
        hit.end < to && BODY_PROVINCE_GAP.test(gap)
          ? this.trie.best(text, toks, hit.end, to, opts, { ...ctx, provinceAfterBody: true }, exactEnd)
          : undefined;
      // "Sở Tài chính các tỉnh, thành phố": every province's department, one mention.
      if (province && isProvinceGroup(province.entry)) return { ...hit, end: province.end, needsProvince: false };
      if (province) return { ...hit, end: province.end, entry: this.scopedEntry(hit.entry, province.entry) };
      if (!hit.needsProvince && (!exactEnd || hit.end === to)) {
        const scope = opts.province ? this.get(opts.province) ?? this.resolve(opts.province) : undefined;
        return scope?.kind === 'province' ? { ...hit, entry: this.scopedEntry(hit.entry, scope) } : hit;
      }
    } else if (hit && (!exactEnd || hit.end === to)) {
      return hit;
    }
    if (!exactEnd) return undefined;
    const whole = this.trie.best(text, toks, from, to, opts, ctx, true);
    return whole && !whole.needsProvince && !whole.entry.perProvince ? whole : undefined;
  }

  private scopedEntry(template: AgencyEntry, province: AgencyEntry): AgencyEntry {
    if (template.perProvince === SCOPED_IS_PROVINCE) return province;
    return this.byName.get(scopedName(template, province.name)) ?? template;
  }
}

/**
 * Folded syllable tokens. tokenizeWithOffsets memoises the fold of each distinct syllable
 * (folding is most of the cost of findMentions). Exported for tests/agencies.test.ts.
 */
export function foldedTokens(text: string): Token[] {
  return tokenizeWithOffsets(text);
}

/** A province (or a body of one) passing to the unit that absorbed it, not a change of functions. */
function territorial(from: AgencyEntry, to: AgencyEntry): boolean {
  if (from.kind === 'province') return to.kind === 'province';
  return from.template !== undefined && from.template === to.template && from.province !== to.province;
}

function isMember(group: AgencyEntry, e: AgencyEntry): boolean {
  if (e.kind === 'group' || group.kind !== 'group') return false;
  if (group.province && e.province !== group.province) return false;
  return (group.memberKinds?.includes(e.kind) ?? false) || (group.members?.includes(e.name) ?? false);
}

/** Short and addressed forms of a province's name ("Hà Nội", "thành phố Hà Nội"). */
export { provinceForms };
