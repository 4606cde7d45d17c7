/**
 * Understanding a question: what is asked (intent), about whom (agencies and
 * localities, with or without diacritics, abbreviations, small typos), for
 * which period ("tháng 8/2024", "Quý I năm 2024", "tuần này", "sắp đến hạn"),
 * and which document it refers to ("kết luận ngày 19/7/2024", "phiên họp lần thứ 7").
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { AgencyEntry, DocumentMeta } from '../corpus/types.js';
import { addDays, daysInMonth, isoDate, weekOf } from '../text/dates.js';
import { findPeriods } from '../text/periods.js';
import { fold, nfc, squashSpaces } from '../text/vietnamese.js';

export type Intent = 'who' | 'when' | 'list' | 'tasks_of' | 'indicator' | 'guidance' | 'upcoming' | 'overdue' | 'out_of_scope';

export interface Period {
  from: string;
  to: string;
  /** As written ("tháng 8 năm 2024", "tuần này"). */
  text: string;
}

export interface Understanding {
  question: string;
  intent: Intent;
  /** Agencies the question is about (not those named as partners). */
  agencies: AgencyEntry[];
  /** Agencies named after "phối hợp với" in the question. */
  partners: AgencyEntry[];
  /** Deadline window asked about, if any. */
  period: Period | null;
  /** Documents the question points at ("theo kết luận ngày 19/7/2024"). */
  documents: string[];
  now: string;
  /** Folded question text. */
  folded: string;
  /** Folded question with small typos corrected against the corpus vocabulary. */
  corrected: string;
}

const UPCOMING = /\b(?:sap (?:den|toi|het) han|den han|sap toi han|han (?:trong|sap)|nhiem vu nao .*(?:tuan|thang) (?:nay|toi)|trong (?:tuan|thang) (?:nay|toi))\b/;
const OVERDUE = /\b(?:qua han|tre han|cham tien do|het han ma chua|da het han)\b/;
const WHEN = /\b(?:khi nao|bao gio|thoi han|han chot|han cuoi|han hoan thanh|truoc ngay nao|han (?:la|khi)|thoi gian nao|ngay nao|cham nhat (?:la )?(?:khi|ngay)|hạn)\b|\bhan\b(?! che)/;
const WHO = /\b(?:ai\b|co quan nao|bo nao|don vi nao|nganh nao|tinh nao|dia phuong nao|thanh pho nao|cq nao|ai la|do ai)\b/;
const LIST = /\b(?:(?:nhung|cac) (?:tinh|dia phuong|thanh pho|bo|co quan|don vi|nganh) nao|bao nhieu (?:tinh|dia phuong|thanh pho|bo|co quan|don vi))\b/;
const TASKS_OF = /\b(?:phai lam (?:gi|nhung gi)|lam gi|nhiem vu (?:gi|nao)|viec (?:gi|nao)|duoc giao (?:gi|nhung gi|nhiem vu|viec)|nhiem vu cua|co nhiem vu|nhom nhiem vu|de an gi|nghi dinh nao|chi dao (?:nhom )?nhiem vu)\b/;
const INDICATOR = /\b(?:bao nhieu|ty le|ty trong|muc tieu|chi tieu|dat (?:duoc )?(?:bao nhieu|muc)|ket qua .*la|con bao nhieu|so luong)\b/;
const GUIDANCE = /\b(?:lien he|la gi|nhu the nao|the nao|huong dan|can (?:giup|lam)|noi (?:gi|ve)|de cap|quy dinh|chu de)\b/;
/** A period in these contexts names a document, not a deadline ("theo kết luận tháng 7/2024"). */
const DOCUMENT_CUE = /(?:ket luan|hoi nghi|phien hop|van ban|bao cao|thong bao|huong dan|cong van|ke hoach)\s*(?:ngay|thang|nam)?\s*$/;

/** Parses the question. `now` is the asking date (YYYY-MM-DD). */
export function understand(
  question: string,
  now: string,
  registry: AgencyRegistry,
  documents: readonly DocumentMeta[],
  correct: (text: string) => string = fold,
): Understanding {
  const q = nfc(squashSpaces(question));
  const corrected = correct(q);
  // Intent and periods read the corrected text; agencies are matched on the original (the registry tolerates typos itself).
  const folded = corrected;

  // Agencies: query mode (case-insensitive, typo-tolerant), read on the corrected text.
  // Partners follow "phối hợp với"; a name after "của", "cho", "về" … is part of the topic
  // ("Kế hoạch … của Ủy ban Quốc gia"), not who acts.
  const agencies: AgencyEntry[] = [];
  const partners: AgencyEntry[] = [];
  const partnerZone = /phoi hop (?:voi|cung)|cung voi/.exec(folded);
  for (const m of registry.findMentions(corrected, { fuzzy: true })) {
    const entry = registry.get(m.name);
    if (!entry) continue;
    const before = corrected.slice(Math.max(0, m.start - 24), m.start);
    if (/(?:cua|cho|ve|doi voi|toi|trinh)\s+$/.test(before) && !/(?:nhiem vu|viec|trach nhiem)\s+cua\s+$/.test(before)) continue;
    const list = partnerZone && m.start > partnerZone.index ? partners : agencies;
    if (!list.some((e) => e.name === entry.name)) list.push(entry);
  }

  // Periods: relative words first, then explicit dates; a date after a document cue names the document.
  let period: Period | null = relativePeriod(folded, now);
  const docs = new Set<string>();
  for (const p of findPeriods(q)) {
    const before = fold(q.slice(Math.max(0, p.start - 30), p.start));
    const docHits = documents.filter((d) => d.date && p.from && p.to && d.date >= p.from.slice(0, d.date.length) && d.date <= p.to);
    if (DOCUMENT_CUE.test(before) || (p.kind === 'day' && docHits.length > 0 && !/han|truoc|den/.test(before))) {
      docHits.forEach((d) => docs.add(d.docId));
      continue;
    }
    if (!period && p.from && p.to) period = { from: p.from, to: p.to, text: p.text };
  }
  for (const m of folded.matchAll(/phien hop (?:lan )?thu (\d+)/g)) {
    for (const d of documents) if (fold(d.title).includes(`lan thu ${m[1]}`) || fold(d.title).includes(`phien hop ${m[1]}`)) docs.add(d.docId);
  }

  return {
    question: q,
    intent: detectIntent(folded, agencies, period),
    agencies,
    partners,
    period,
    documents: [...docs],
    now,
    folded,
    corrected,
  };
}

function detectIntent(f: string, agencies: AgencyEntry[], period: Period | null): Intent {
  if (OVERDUE.test(f)) return 'overdue';
  if (UPCOMING.test(f) || (period && /\b(?:nhiem vu|viec)\b.*\b(?:den han|het han|phai hoan thanh|han)\b/.test(f) && !WHO.test(f))) return 'upcoming';
  if (/\blien he\b/.test(f)) return 'guidance';
  if (LIST.test(f) && !/\bbao nhieu (?:phan tram|%)/.test(f)) return 'list';
  const asksIndicator = INDICATOR.test(f) || /%/.test(f);
  if (asksIndicator && !WHEN.test(f)) return 'indicator';
  if (WHEN.test(f)) return 'when';
  if (WHO.test(f)) return 'who';
  if (agencies.length > 0 && TASKS_OF.test(f)) return 'tasks_of';
  if (GUIDANCE.test(f)) return 'guidance';
  if (agencies.length > 0) return 'tasks_of';
  return 'guidance';
}

/** "tuần này", "tháng này", "tháng tới", "sắp đến hạn" (next 30 days), "quý này", "năm nay". */
function relativePeriod(f: string, now: string): Period | null {
  const [y, m] = [Number(now.slice(0, 4)), Number(now.slice(5, 7))];
  if (/\btuan nay\b/.test(f)) {
    const [from, to] = weekOf(now);
    return { from, to, text: 'tuần này' };
  }
  if (/\btuan (?:toi|sau)\b/.test(f)) {
    const [from, to] = weekOf(addDays(now, 7));
    return { from, to, text: 'tuần tới' };
  }
  if (/\bthang nay\b/.test(f)) return { from: isoDate(y, m, 1), to: isoDate(y, m, daysInMonth(y, m)), text: 'tháng này' };
  if (/\bthang (?:toi|sau)\b/.test(f)) {
    const [ny, nm] = m === 12 ? [y + 1, 1] : [y, m + 1];
    return { from: isoDate(ny, nm, 1), to: isoDate(ny, nm, daysInMonth(ny, nm)), text: 'tháng tới' };
  }
  if (/\bquy nay\b/.test(f)) {
    const q = Math.ceil(m / 3);
    return { from: isoDate(y, q * 3 - 2, 1), to: isoDate(y, q * 3, daysInMonth(y, q * 3)), text: 'quý này' };
  }
  if (/\bnam nay\b/.test(f)) return { from: isoDate(y, 1, 1), to: isoDate(y, 12, 31), text: 'năm nay' };
  const days = /\b(\d{1,3}) ngay (?:toi|sap toi|nua)\b/.exec(f);
  if (days) return { from: now, to: addDays(now, Number(days[1])), text: `${days[1]} ngày tới` };
  return null;
}
