/**
 * The matching half of the agency registry: a trie of folded syllable tokens over
 * every written form of every agency, and the rules that decide whether a path of
 * the trie really names that agency where it occurs in a text.
 *
 * Matching works on folded syllable tokens, so diacritics, case, "&", hyphens and
 * other punctuation do not matter: "Bộ KH&ĐT", "bo kh-dt" and "Bộ KHĐT"… all reach
 * the same trie path or an alias of it. What the written case, the neighbouring
 * words and the position in a clause allow is decided in {@link AgencyTrie.accepts}.
 */

import { editDistance, fold, tokenizeWithOffsets, type Token } from '../text/vietnamese.js';
import type { AgencyEntry } from './types.js';
import {
  caseAccepts,
  caseRuleOf,
  clauseOrListPosition,
  insideCode,
  insideProperName,
  SAME_NAME_GAP,
  toneKey,
  type CaseRule,
} from './agency-context.js';

/** How strictly a text is matched against the registry. */
export interface MatchOptions {
  /**
   * Documents: an alias written with a capital first letter only matches text whose
   * first letter is capital (so "hòa bình" (peace) is not the province Hòa Bình); a
   * name capitalised word by word ("Hòa Bình") also needs a second capital unless a
   * prefix such as "TP." or "tỉnh" precedes it ("TP. Hải phòng" is fine, a sentence
   * opening "Hòa bình là …" is not), and is not part of a longer proper name ("Thái
   * Bình Dương", "Nguyễn Hòa Bình"); an all-caps acronym only matches all-caps text;
   * and very generic group phrases ("địa phương", "bộ, ngành" …) need a "các" or a
   * clause/list position (see AgencyRegistry.findMentions).
   * Default false (user queries are case-insensitive).
   */
  caseSensitive?: boolean;
  /**
   * User queries: tolerate one edit in each folded token of ≥ 4 letters (and 2 edits
   * for ≥ 8), in words of a name but not in acronyms, and in at most half of a name's
   * tokens. Default false.
   */
  fuzzy?: boolean;
  /**
   * The province a document belongs to (canonical name or any alias of it, e.g. from
   * AgencyRegistry.provinceOf(issuer)): a body every province has, named without its
   * province ("Sở Khoa học và Công nghệ", "Công an Thành phố", "UBND các xã, phường"),
   * resolves to that province's body ("Sở Khoa học và Công nghệ Hà Nội"). Without it
   * such a mention resolves to the unscoped entry ("Sở Khoa học và Công nghệ").
   */
  province?: string;
}

/** The conditions under which one written form (alias or generated variant) matches. */
interface Variant {
  /** Token index where the written name proper starts, after a generated prefix such as "tỉnh". */
  core: number;
  /** The generated prefix is "UBND …"/"Ủy ban nhân dân …" (not allowed after a body's name). */
  committee: boolean;
  caseRule: CaseRule;
  /** Single-token acronym ("BTTTT"): not matched inside document numbers such as "5406/BTTTT-CĐSQG". */
  acronym: boolean;
  /** Bare group phrase ("địa phương"): restricted in documents, see findMentions. */
  generic: boolean;
  /** Single syllable written with diacritics ("Huế"): its tone-normalised form, so "Huệ" (a given name) does not match. */
  toneKey: string | undefined;
  /** An alias of a per-province body that only counts with a province right after it ("Công an"). */
  needsProvince: boolean;
  /** A province named after a person, written bare ("Hồ Chí Minh"): in documents only as an item of a list or cell. */
  personName: boolean;
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

/** A path of the trie that matches the text from a given token. */
export interface Hit {
  /** Token index just after the match. */
  end: number;
  entry: AgencyEntry;
  edits: number;
  /** Only aliases that need a province after them accept the text here. */
  needsProvince: boolean;
}

/** Where a match is looked for, and what it may be. */
export interface MatchContext {
  /** Token index just after the previous mention (for list continuations), or -1. */
  lastEnd: number;
  /** In running text (findMentions) rather than a whole string (resolve). */
  inRunningText: boolean;
  /**
   * What may follow a per-province body's name: a province, written bare or with
   * "tỉnh"/"thành phố"/"TP." ("Sở Tài chính tỉnh Lào Cai"), or the provinces as a group
   * ("Sở Tài chính các tỉnh, thành phố").
   */
  provinceAfterBody?: boolean;
}

/**
 * Prefixes that turn a province's name into the way documents address it. They are
 * generated here rather than listed in agencies.json so the 63 entries stay short.
 */
const UNIT_PREFIXES = ['tỉnh', 'thành phố', 'TP.', 'thủ đô'].map(tokensOf);
const COMMITTEE_PREFIXES = [
  'UBND',
  'UBND tỉnh',
  'UBND thành phố',
  'UBND TP.',
  'Ủy ban nhân dân',
  'Ủy ban nhân dân tỉnh',
  'Ủy ban nhân dân thành phố',
  'Ủy ban nhân dân TP.',
].map(tokensOf);
const PROVINCE_PREFIXES = [...UNIT_PREFIXES, ...COMMITTEE_PREFIXES];
/** Last tokens of those prefixes ("tỉnh", "phố", "UBND", "dân" …). */
const PREFIX_LAST_TOKENS = new Set(PROVINCE_PREFIXES.map((p) => p[p.length - 1]!));

/** Group phrases starting with one of these are specific enough to match anywhere. */
const SPECIFIC_GROUP_STARTS = [['cac'], ['ubnd'], ['uy', 'ban', 'nhan', 'dan']];

/**
 * Words that, right before a province's name, make it part of an institution's name:
 * "Đại học Cần Thơ", "Bệnh viện Đà Nẵng", "Cảng Hải Phòng", "Báo Hà Nội mới".
 */
const INSTITUTION_HEADS = new Set(['hoc', 'vien', 'truong', 'cang', 'ga', 'bao', 'ty', 'cuc']);

/**
 * Province names that are also a person's name: bare, in running text, they mostly name
 * the person ("tư tưởng Hồ Chí Minh", "Giải thưởng Hồ Chí Minh"), so documents must
 * write the city with "TP."/"Thành phố" or as an item of a list.
 */
const PERSON_NAMES = new Set(['ho chi minh']);

/** What may separate a generated prefix from the name: "tỉnh Lào Cai", "TP.HCM" — not "địa bàn tỉnh: An Giang". */
const PREFIX_SEPARATOR = /^[\s.]*$/;

/** Folded syllable tokens of a written name. */
export function tokensOf(text: string): string[] {
  return tokenizeWithOffsets(text).map((t) => t.text);
}

/** The tokens start with `prefix`. */
export function startsWith(tokens: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= tokens.length && prefix.every((p, i) => tokens[i] === p);
}

function sameVariant(a: Variant, b: Variant): boolean {
  return (
    a.core === b.core &&
    a.committee === b.committee &&
    a.caseRule === b.caseRule &&
    a.acronym === b.acronym &&
    a.generic === b.generic &&
    a.toneKey === b.toneKey &&
    a.needsProvince === b.needsProvince &&
    a.personName === b.personName
  );
}

/** A group phrase without "các"/"UBND …": an ordinary noun phrase in running text. */
export function isGenericGroupPhrase(tokens: readonly string[]): boolean {
  return !SPECIFIC_GROUP_STARTS.some((p) => startsWith(tokens, p));
}

/** The trie over every written form of the registry's entries. */
export class AgencyTrie {
  private readonly root: TrieNode = newNode();

  /** `entries`: the entries that are matched in text (scoped per-province entries are composed, not listed). */
  constructor(entries: readonly AgencyEntry[]) {
    // Explicit names first, so a collision between two entries is a data error we can
    // report, while generated variants simply give way to explicit aliases.
    for (const e of entries) {
      for (const written of [e.name, ...e.aliases]) this.add(e, written, [], true, false);
      for (const written of e.scopedAliases ?? []) this.add(e, written, [], true, true);
    }
    for (const e of entries) {
      for (const written of [e.name, ...e.aliases]) {
        const tokens = tokensOf(written);
        if (e.kind === 'province') {
          if (PROVINCE_PREFIXES.some((p) => startsWith(tokens, p))) continue;
          for (const prefix of PROVINCE_PREFIXES) this.add(e, written, prefix, false, false);
        } else if (e.kind === 'group' && isGenericGroupPhrase(tokens)) {
          this.add(e, written, ['cac'], false, false);
        }
      }
    }
  }

  /** True when some name starts with this folded token (a cheap pre-test before a walk). */
  starts(token: string): boolean {
    return this.root.next.has(token);
  }

  /**
   * The best acceptable match starting at token `from` and ending by `to`: the
   * longest, then the one with fewest edits; with `exactEnd`, only one ending at `to`.
   */
  best(
    text: string,
    toks: Token[],
    from: number,
    to: number,
    opts: MatchOptions,
    ctx: MatchContext,
    exactEnd = false,
  ): Hit | undefined {
    let best: Hit | undefined;
    this.walk(toks, from, to, opts, (end, term, edits) => {
      if (exactEnd && end !== to) return;
      if (best && (end < best.end || (end === best.end && edits >= best.edits))) return;
      const accepted = this.accepting(text, toks, from, end, term, opts, ctx);
      if (accepted.length === 0) return;
      best = { end, entry: term.entry, edits, needsProvince: accepted.every((v) => v.needsProvince) };
    });
    return best;
  }

  /**
   * Some name other than a province's own prefix ("tỉnh", "UBND" …) goes on from token
   * `prev` to `next` ("công" → "an"): `next` is inside that name, not the start of another.
   */
  private continues(prev: string, next: string): boolean {
    if (PREFIX_LAST_TOKENS.has(prev)) return false;
    return this.root.next.get(prev)?.next.has(next) ?? false;
  }

  private add(entry: AgencyEntry, written: string, prefix: string[], explicit: boolean, needsProvince: boolean): void {
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
      committee: COMMITTEE_PREFIXES.includes(prefix),
      caseRule,
      acronym: single && caseRule === 2,
      generic: isGroup && prefix.length === 0 && isGenericGroupPhrase(tokens),
      toneKey: single && caseRule !== 2 && fold(head) !== head.toLowerCase() ? toneKey(head) : undefined,
      needsProvince,
      personName: entry.kind === 'province' && prefix.length === 0 && PERSON_NAMES.has(tokens.join(' ')),
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
   * Calls `visit` for every alias path that starts at token `from` and ends by `to`.
   *
   * A "và" of the name may be left out ("Bộ Lao động Thương binh Xã hội", "Bộ Tài
   * nguyên Môi trường"): officials drop it when typing and some tables drop it too.
   *
   * In fuzzy mode a word of ≥ 4 letters may differ from a text token of ≥ 4 letters by
   * one edit (two for ≥ 8); at most half of an alias's tokens may be inexact, so one
   * fuzzy syllable cannot turn an ordinary phrase into a two-word agency name.
   */
  private walk(
    toks: Token[],
    from: number,
    to: number,
    opts: MatchOptions,
    visit: (end: number, term: Terminal, edits: number) => void,
  ): void {
    if (!opts.fuzzy) {
      this.walkExact(toks, from, this.root, from, to, visit);
      return;
    }
    const step = (node: TrieNode, j: number, inexact: number, edits: number): void => {
      if (node.term && j > from && inexact <= Math.ceil(node.term.length / 2)) visit(j, node.term, edits);
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
    visit: (end: number, term: Terminal, edits: number) => void,
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
      if (node.term) visit(j + 1, node.term, 0);
    }
  }

  /** The written forms ending at this trie node that accept the text at tokens [from, end). */
  private accepting(
    text: string,
    toks: Token[],
    from: number,
    end: number,
    term: Terminal,
    opts: MatchOptions,
    ctx: MatchContext,
  ): Variant[] {
    const entry = term.entry;
    if (ctx.provinceAfterBody && entry.kind !== 'province' && !isProvinceGroup(entry)) return [];
    const first = toks[from]!;
    const last = toks[end - 1]!;
    const prev = from > 0 ? toks[from - 1] : undefined;
    if (ctx.inRunningText && prev && !ctx.provinceAfterBody) {
      const gap = text.slice(prev.end, first.start);
      // "Sở KH&ĐT", "Sở LĐTBXH" are provincial departments, not the ministry.
      if (prev.text === 'so' && entry.kind !== 'provincial') {
        const written = text.slice(prev.start, prev.end).toLowerCase();
        if (written === 'sở' || written === 'so') return [];
      }
      // "Đại học Cần Thơ", "Cảng Hải Phòng": an institution, not the province; "công an
      // Giang Thành": "an" belongs to "công an", the name does not start inside another.
      if (entry.kind === 'province' && SAME_NAME_GAP.test(gap)) {
        if (INSTITUTION_HEADS.has(prev.text) || this.continues(prev.text, first.text)) return [];
      }
    }
    return term.variants.filter((v) => {
      if (ctx.provinceAfterBody && v.committee) return false;
      if (v.core > 0) {
        const sep = text.slice(toks[from + v.core - 1]!.end, toks[from + v.core]!.start);
        if (!PREFIX_SEPARATOR.test(sep)) return false;
      }
      if (v.toneKey !== undefined) {
        const written = text.slice(first.start, first.end).toLowerCase();
        if (written !== first.text && toneKey(written) !== v.toneKey) return false;
      }
      if (v.acronym && ctx.inRunningText && insideCode(text, first.start, last.end)) return false;
      if (opts.caseSensitive) {
        if (!caseAccepts(text, toks, from + v.core, end, v.caseRule)) return false;
        const listOnly = (v.generic || v.personName) && !ctx.provinceAfterBody;
        if (listOnly && ctx.inRunningText && !clauseOrListPosition(text, toks, from, ctx.lastEnd)) {
          return false;
        }
        if (
          entry.kind === 'province' &&
          v.core === 0 &&
          ctx.inRunningText &&
          !ctx.provinceAfterBody &&
          insideProperName(text, toks, from, end)
        ) {
          return false;
        }
      }
      return true;
    });
  }
}

/** A group of provinces only ("Các địa phương", "Ủy ban nhân dân tỉnh, thành phố"). */
export function isProvinceGroup(e: AgencyEntry): boolean {
  return e.kind === 'group' && e.memberKinds?.length === 1 && e.memberKinds[0] === 'province';
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

