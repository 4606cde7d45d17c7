/**
 * The agency registry (corpus/agencies.json) and the resolver that finds agencies
 * in documents and in users' questions.
 *
 * Matching works on folded syllable tokens, so diacritics, case, "&", hyphens and
 * other punctuation do not matter: "Bộ KH&ĐT", "bo kh-dt" and "Bộ KHĐT"… all reach
 * the same trie path or an alias of it. The trie is built once per registry, and
 * findMentions() walks it from each token, keeping the longest acceptable match.
 */

import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { editDistance, fold, nfc, tokenizeWithOffsets, type Token } from '../text/vietnamese.js';
import type { AgencyEntry, AgencyFile } from './types.js';

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

/** How strictly a text is matched against the registry. */
export interface MatchOptions {
  /**
   * Documents: an alias written with a capital first letter only matches text whose
   * first letter is capital (so "hòa bình" (peace) is not the province Hòa Bình); a
   * name capitalised word by word ("Hòa Bình") also needs a second capital unless a
   * prefix such as "TP." or "tỉnh" precedes it ("TP. Hải phòng" is fine, a sentence
   * opening "Hòa bình là …" is not); an all-caps acronym only matches all-caps text;
   * and very generic group phrases ("địa phương", "bộ, ngành" …) need a "các" or a
   * clause/list position (see {@link AgencyRegistry.findMentions}).
   * Default false (user queries are case-insensitive).
   */
  caseSensitive?: boolean;
  /**
   * User queries: tolerate one edit in each folded token of ≥ 4 letters (and 2 edits
   * for ≥ 8), in words of a name but not in acronyms, and in at most half of a name's
   * tokens. Default false.
   */
  fuzzy?: boolean;
}

/**
 * Documents only. 0: any case; 1: the written name starts with a capital; 2: all
 * capitals (acronyms); 3: a proper name whose every word is capitalised in the
 * registry ("Hòa Bình", "Bộ Công Thương"): it starts with a capital and at least one
 * more word is capitalised, so a sentence opening "Hòa bình là …" is not the province.
 */
type CaseRule = 0 | 1 | 2 | 3;

/** The conditions under which one written form (alias or generated variant) matches. */
interface Variant {
  /** Token index where the written name proper starts, after a generated prefix such as "tỉnh". */
  core: number;
  caseRule: CaseRule;
  /** Single-token acronym ("BTTTT"): not matched inside document numbers such as "5406/BTTTT-CĐSQG". */
  acronym: boolean;
  /** Bare group phrase ("địa phương"): restricted in documents, see findMentions. */
  generic: boolean;
  /** Single syllable written with diacritics ("Huế"): its tone-normalised form, so "Huệ" (a given name) does not match. */
  toneKey: string | undefined;
}

interface Terminal {
  entry: AgencyEntry;
  /** Number of tokens of the alias. */
  length: number;
  /** True when an explicit alias (not only a generated variant) ends here. */
  explicit: boolean;
  variants: Variant[];
}

interface TrieNode {
  next: Map<string, TrieNode>;
  /** Child keys that may be matched with edits in fuzzy mode (words of ≥ 4 letters, not acronyms). */
  fuzzyKeys: string[];
  term: Terminal | undefined;
}

interface Hit {
  end: number;
  terminal: Terminal;
  edits: number;
}

/** A mention in token indices. */
interface Span {
  entry: AgencyEntry;
  startTok: number;
  endTok: number;
}

/**
 * Prefixes that turn a province's name into the way documents address it. They are
 * generated here rather than listed in agencies.json so the 63 entries stay short.
 */
const PROVINCE_PREFIXES = [
  'tỉnh',
  'thành phố',
  'TP.',
  'thủ đô',
  'UBND',
  'UBND tỉnh',
  'UBND thành phố',
  'UBND TP.',
  'Ủy ban nhân dân',
  'Ủy ban nhân dân tỉnh',
  'Ủy ban nhân dân thành phố',
  'Ủy ban nhân dân TP.',
].map(tokensOf);

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
].map(tokensOf);

/** Group phrases starting with one of these are specific enough to match anywhere. */
const SPECIFIC_GROUP_STARTS = [['cac'], ['ubnd'], ['uy', 'ban', 'nhan', 'dan']];

/**
 * Characters that, between two tokens, mark the start of a clause or of a table cell.
 * Not "*": the seeds use "**63/63** địa phương" for bold figures.
 */
const CLAUSE_BREAK = /[\n\t.:;!?()[\]•]/;
/** What may separate a generated prefix from the name: "tỉnh Lào Cai", "TP.HCM" — not "địa bàn tỉnh: An Giang". */
const PREFIX_SEPARATOR = /^[\s.]*$/;
/** Separators allowed between two items of a list of agencies. */
const LIST_SEPARATOR = /^[\s,;]+$/;
const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/g;
/** Same syllable pattern as tokenizeWithOffsets (src/text/vietnamese.ts). */
const SYLLABLE = /[\p{L}\p{N}]+/gu;
const ALNUM = /[\p{L}\p{N}]/u;

function tokensOf(text: string): string[] {
  return tokenizeWithOffsets(text).map((t) => t.text);
}

function startsWith(tokens: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= tokens.length && prefix.every((p, i) => tokens[i] === p);
}

function isUpper(ch: string): boolean {
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

/**
 * Lower-cased syllable with its tone mark moved to the end, so that the old and new
 * tone placements ("hoà"/"hòa") compare equal while "Huế" and "Huệ" do not.
 */
function toneKey(syllable: string): string {
  const d = syllable.toLowerCase().normalize('NFD');
  const tones = d.match(TONE_MARKS)?.join('') ?? '';
  return `${d.replace(TONE_MARKS, '').normalize('NFC')}|${tones}`;
}

function caseRuleOf(written: string): CaseRule {
  const letters = written.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 2 && letters === letters.toUpperCase()) return 2;
  if (letters.length === 0 || !isUpper(letters.charAt(0))) return 0;
  const words = written.match(SYLLABLE) ?? [];
  return words.length >= 2 && words.every((w) => isUpper(w.charAt(0))) ? 3 : 1;
}

function sameVariant(a: Variant, b: Variant): boolean {
  return (
    a.core === b.core &&
    a.caseRule === b.caseRule &&
    a.acronym === b.acronym &&
    a.generic === b.generic &&
    a.toneKey === b.toneKey
  );
}

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
  private readonly root: TrieNode = newNode();
  /** successor name → agencies that passed their tasks to it. */
  private readonly predecessors = new Map<string, AgencyEntry[]>();

  private constructor(entries: readonly AgencyEntry[]) {
    this.entries = entries;
    for (const e of entries) {
      if (this.byName.has(e.name)) throw new Error(`agencies: duplicate entry "${e.name}"`);
      this.byName.set(e.name, e);
    }
    for (const e of entries) {
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
    this.buildTrie();
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
    return new AgencyRegistry(entries.map((e) => ({ ...e, name: nfc(e.name), aliases: e.aliases.map(nfc) })));
  }

  /** Every entry, in file order. */
  all(): readonly AgencyEntry[] {
    return this.entries;
  }

  /** The entry with exactly this canonical name. */
  get(canonicalName: string): AgencyEntry | undefined {
    return this.byName.get(nfc(canonicalName));
  }

  /**
   * The agency the whole string names (canonical name or alias), case/diacritic-insensitive;
   * prefixes like "tỉnh", "thành phố", "TP.", "UBND tỉnh", "Bộ trưởng", "Thống đốc" … tolerated.
   */
  resolve(name: string, opts: MatchOptions = {}): AgencyEntry | undefined {
    const exact = this.byName.get(nfc(name).trim());
    if (exact) return exact;
    const text = nfc(name);
    const toks = tokenizeWithOffsets(text);
    let from = 0;
    while (from < toks.length) {
      let best: Hit | undefined;
      this.walk(toks, from, toks.length, opts, (hit) => {
        if (hit.end !== toks.length) return;
        if (!this.accepts(text, toks, from, hit, opts, -1, false)) return;
        if (!best || hit.edits < best.edits) best = hit;
      });
      if (best) return best.terminal.entry;
      const rest = toks.slice(from).map((t) => t.text);
      const title = TITLE_PREFIXES.find((p) => startsWith(rest, p));
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
        const found = this.scan(text, toks, from, to, opts, lastEnd);
        spans.push(...found);
        if (!m) break;
        spans.push(m);
        from = lastEnd = m.endTok;
      }
    }
    return spans.map((m) => {
      const start = toks[m.startTok]!.start;
      const end = toks[m.endTok - 1]!.end;
      return { name: m.entry.name, start, end, text: text.slice(start, end) };
    });
  }

  /**
   * Canonical names of a group's members (empty for a non-group), in file order. Members
   * are the entries of the group's memberKinds plus its named members, including the
   * ministries created in 2025, so a task for "các bộ, ngành" also concerns them.
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
   * [Bộ Thông tin và Truyền thông]); recursive, nearest first.
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

  // ---------------------------------------------------------------- trie

  private buildTrie(): void {
    // Explicit names first, so a collision between two entries is a data error we can
    // report, while generated variants simply give way to explicit aliases.
    for (const e of this.entries) {
      for (const written of [e.name, ...e.aliases]) this.addWritten(e, written, [], true);
    }
    for (const e of this.entries) {
      for (const written of [e.name, ...e.aliases]) {
        const tokens = tokensOf(written);
        if (e.kind === 'province') {
          if (PROVINCE_PREFIXES.some((p) => startsWith(tokens, p))) continue;
          for (const prefix of PROVINCE_PREFIXES) this.addWritten(e, written, prefix, false);
        } else if (e.kind === 'group' && isGenericGroupPhrase(tokens)) {
          this.addWritten(e, written, ['cac'], false);
        }
      }
    }
  }

  private addWritten(entry: AgencyEntry, written: string, prefix: string[], explicit: boolean): void {
    const parts = tokenizeWithOffsets(written);
    if (parts.length === 0) return;
    const writtenParts = parts.map((t) => written.slice(t.start, t.end));
    const tokens = [...prefix, ...parts.map((t) => t.text)];
    const isGroup = entry.kind === 'group';
    let caseRule: CaseRule = isGroup ? 0 : caseRuleOf(written);
    // A prefix ("TP. Hải phòng") is evidence enough that a name follows.
    if (caseRule === 3 && prefix.length > 0) caseRule = 1;
    const single = parts.length === 1 && prefix.length === 0;
    const head = writtenParts[0]!;
    const variant: Variant = {
      core: prefix.length,
      caseRule,
      acronym: single && caseRule === 2,
      generic: isGroup && prefix.length === 0 && isGenericGroupPhrase(tokens),
      toneKey: single && caseRule !== 2 && fold(head) !== head.toLowerCase() ? toneKey(head) : undefined,
    };

    let node = this.root;
    tokens.forEach((tok, i) => {
      let child = node.next.get(tok);
      if (!child) {
        child = newNode();
        node.next.set(tok, child);
      }
      // Only words of the name may be matched with edits: a typo in an acronym is
      // rare, while "NHNN" is one edit from "nhân" and would match half of all
      // questions; generated prefixes ("tỉnh") would turn "tin" into a prefix.
      const part = i >= prefix.length ? writtenParts[i - prefix.length]! : undefined;
      const isWord = part !== undefined && (part.length < 2 || part !== part.toUpperCase());
      if (isWord && tok.length >= 4 && !node.fuzzyKeys.includes(tok)) node.fuzzyKeys.push(tok);
      node = child;
    });

    const term = node.term;
    if (!term) {
      node.term = { entry, length: tokens.length, explicit, variants: [variant] };
      return;
    }
    if (term.entry !== entry) {
      if (explicit && term.explicit) {
        throw new Error(`agencies: "${written}" names both "${term.entry.name}" and "${entry.name}"`);
      }
      if (explicit) node.term = { entry, length: tokens.length, explicit, variants: [variant] };
      return;
    }
    term.explicit ||= explicit;
    if (!term.variants.some((v) => sameVariant(v, variant))) term.variants.push(variant);
  }

  /**
   * Longest acceptable mentions in tokens [from, to), left to right. `lastEnd` is the
   * token index just after the previous mention (for list continuations).
   */
  private scan(text: string, toks: Token[], from: number, to: number, opts: MatchOptions, lastEnd: number): Span[] {
    const out: Span[] = [];
    let i = from;
    while (i < to) {
      // Most tokens start no name: skip them before paying for a walk.
      if (!opts.fuzzy && !this.root.next.has(toks[i]!.text)) {
        i++;
        continue;
      }
      let best: Hit | undefined;
      this.walk(toks, i, to, opts, (hit) => {
        if (!this.accepts(text, toks, i, hit, opts, lastEnd, true)) return;
        if (!best || hit.end > best.end || (hit.end === best.end && hit.edits < best.edits)) best = hit;
      });
      if (!best) {
        i++;
        continue;
      }
      out.push({ entry: best.terminal.entry, startTok: i, endTok: best.end });
      lastEnd = i = best.end;
    }
    return out;
  }

  /**
   * Calls `visit` for every alias path that starts at token `from` and ends by `to`.
   *
   * A "và" of the name may be left out ("Bộ Lao động Thương binh Xã hội", "Bộ Tài
   * nguyên Môi trường"): officials drop it when typing and some tables drop it too.
   *
   * In fuzzy mode a word of ≥ 4 letters may differ from a text token of ≥ 4 letters by
   * one edit (two for ≥ 8); at most half of an alias's tokens may be inexact, so one
   * fuzzy syllable cannot turn an ordinary phrase into a two-word agency name.
   */
  private walk(toks: Token[], from: number, to: number, opts: MatchOptions, visit: (hit: Hit) => void): void {
    if (!opts.fuzzy) {
      this.walkExact(toks, from, this.root, from, to, visit);
      return;
    }
    const step = (node: TrieNode, j: number, inexact: number, edits: number): void => {
      if (node.term && j > from && inexact <= Math.ceil(node.term.length / 2)) {
        visit({ end: j, terminal: node.term, edits });
      }
      if (j >= to) return;
      const tok = toks[j]!.text;
      const exact = node.next.get(tok);
      if (exact) step(exact, j + 1, inexact, edits);
      if (tok !== 'va' && j > from) {
        const skipVa = node.next.get('va');
        if (skipVa) step(skipVa, j, inexact, edits);
      }
      if (tok.length < 4) return;
      for (const key of node.fuzzyKeys) {
        if (key === tok) continue;
        const max = key.length >= 8 ? 2 : 1;
        if (Math.abs(key.length - tok.length) > max) continue;
        const d = max === 1 ? (oneEditApart(key, tok) ? 1 : 2) : editDistance(key, tok, max);
        if (d <= max) step(node.next.get(key)!, j + 1, inexact + 1, edits + d);
      }
    };
    step(this.root, from, 0, 0);
  }

  /** The exact part of {@link walk}: a plain loop, branching only where a "và" may be skipped. */
  private walkExact(
    toks: Token[],
    from: number,
    start: TrieNode,
    j0: number,
    to: number,
    visit: (hit: Hit) => void,
  ): void {
    let node: TrieNode | undefined = start;
    for (let j = j0; j < to; j++) {
      const tok = toks[j]!.text;
      if (tok !== 'va' && j > from) {
        const skipVa = node.next.get('va');
        if (skipVa) this.walkExact(toks, from, skipVa, j, to, visit);
      }
      node = node.next.get(tok);
      if (!node) return;
      if (node.term) visit({ end: j + 1, terminal: node.term, edits: 0 });
    }
  }

  /** True when some written form ending at this trie node accepts the text at tokens [from, hit.end). */
  private accepts(
    text: string,
    toks: Token[],
    from: number,
    hit: Hit,
    opts: MatchOptions,
    lastEnd: number,
    inRunningText: boolean,
  ): boolean {
    const first = toks[from]!;
    const last = toks[hit.end - 1]!;
    // "Sở KH&ĐT", "Sở LĐTBXH" are provincial departments, not the ministry.
    if (inRunningText && from > 0) {
      const prev = toks[from - 1]!;
      if (prev.text === 'so') {
        const written = text.slice(prev.start, prev.end).toLowerCase();
        if (written === 'sở' || written === 'so') return false;
      }
    }
    return hit.terminal.variants.some((v) => {
      if (v.core > 0) {
        const sep = text.slice(toks[from + v.core - 1]!.end, toks[from + v.core]!.start);
        if (!PREFIX_SEPARATOR.test(sep)) return false;
      }
      if (v.toneKey !== undefined) {
        const written = text.slice(first.start, first.end).toLowerCase();
        if (written !== first.text && toneKey(written) !== v.toneKey) return false;
      }
      if (v.acronym && inRunningText && insideCode(text, first.start, last.end)) return false;
      if (opts.caseSensitive) {
        if (!caseAccepts(text, toks, from + v.core, hit.end, v.caseRule)) return false;
        if (v.generic && inRunningText && !clauseOrListPosition(text, toks, from, lastEnd)) return false;
      }
      return true;
    });
  }
}

/** The written tokens [from, to) satisfy a case rule (see {@link CaseRule}). */
function caseAccepts(text: string, toks: Token[], from: number, to: number, rule: CaseRule): boolean {
  if (rule === 0) return true;
  if (!isUpper(text.charAt(toks[from]!.start))) return false;
  if (rule === 1) return true;
  if (rule === 2) {
    for (let k = from; k < to; k++) {
      const w = text.slice(toks[k]!.start, toks[k]!.end);
      if (w !== w.toUpperCase()) return false;
    }
    return true;
  }
  for (let k = from + 1; k < to; k++) if (isUpper(text.charAt(toks[k]!.start))) return true;
  return false;
}

/**
 * Folded syllable tokens. tokenizeWithOffsets memoises the fold of each distinct syllable
 * (folding is most of the cost of findMentions). Exported for tests/agencies.test.ts.
 */
export function foldedTokens(text: string): Token[] {
  return tokenizeWithOffsets(text);
}

/** Levenshtein distance ≤ 1 for distinct strings, in one pass (the common fuzzy case). */
function oneEditApart(a: string, b: string): boolean {
  if (a.length < b.length) [a, b] = [b, a];
  if (a.length - b.length > 1) return false;
  let i = 0;
  while (i < b.length && a[i] === b[i]) i++;
  // Substitution: the tails after the first difference are equal; deletion: a skips one.
  return a.length === b.length ? a.slice(i + 1) === b.slice(i + 1) : a.slice(i + 1) === b.slice(i);
}

function newNode(): TrieNode {
  return { next: new Map(), fuzzyKeys: [], term: undefined };
}

function isMember(group: AgencyEntry, e: AgencyEntry): boolean {
  if (e.kind === 'group' || group.kind !== 'group') return false;
  return (group.memberKinds?.includes(e.kind) ?? false) || (group.members?.includes(e.name) ?? false);
}

/** A group phrase without "các"/"UBND …": an ordinary noun phrase in running text. */
function isGenericGroupPhrase(tokens: readonly string[]): boolean {
  return !SPECIFIC_GROUP_STARTS.some((p) => startsWith(tokens, p));
}

/** "5406/BTTTT-CĐSQG", "1034/QĐ-BTTTT": an acronym glued into a document number. */
function insideCode(text: string, start: number, end: number): boolean {
  const before = text.charAt(start - 1);
  if (before === '/' || (before === '-' && ALNUM.test(text.charAt(start - 2)))) return true;
  const after = text.charAt(end);
  return (after === '-' || after === '/') && ALNUM.test(text.charAt(end + 1));
}

/** The token starts a clause or cell, or continues a list right after another mention. */
function clauseOrListPosition(text: string, toks: Token[], i: number, lastEnd: number): boolean {
  if (i === 0) return true;
  const prev = toks[i - 1]!;
  const sep = text.slice(prev.end, toks[i]!.start);
  if (CLAUSE_BREAK.test(sep)) return true;
  if (lastEnd === i && LIST_SEPARATOR.test(sep)) return true;
  // "Bộ Công an và doanh nghiệp nhà nước"
  if (lastEnd === i - 1 && prev.text === 'va' && /^[\s,]*$/.test(text.slice(toks[i - 2]!.end, prev.start))) {
    return true;
  }
  return false;
}
