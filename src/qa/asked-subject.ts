/**
 * Near-topic questions whose subject the answer does not contain: a person's name ("Ai là
 * Bộ trưởng …?"), a province asked for ("… đặt ở tỉnh nào?") or a province whose own figure is
 * asked ("tỷ lệ … của tỉnh Quảng Ninh"). The sources found are about the topic, yet none names
 * that subject: the honest answer is that the documents do not say it.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import { fold } from '../text/vietnamese.js';
import type { Draft } from './compose.js';
import type { Understanding } from './understand.js';

/** "ai là bộ trưởng …", "chủ tịch … là ai", "tên giám đốc …": asks for a person. */
const PERSON_ASKED =
  /\b(?:ai (?:la|dang la|lam) |ten (?:cua )?|(?:ong|ba) nao (?:la |lam )?)(?:bo truong|thu truong|chu tich|pho chu tich|giam doc|pho giam doc|truong ban|pho truong ban|thu tuong|pho thu tuong|chanh van phong|tong giam doc|kien truc su truong|cuc truong|vu truong)\b|\b(?:bo truong|thu truong|chu tich|giam doc|truong ban|tong giam doc|thu tuong|pho thu tuong|kien truc su truong|cuc truong|vu truong)\b.{0,60}\b(?:la ai|ten (?:la )?gi)\b/;

/** A title followed by a personal name ("Phó Thủ tướng Nguyễn Chí Dũng", "đồng chí Phạm Minh Chính"). */
const PERSON_NAMED =
  /(?:Thủ tướng|Bộ trưởng|Thứ trưởng|Chủ tịch|Giám đốc|Trưởng ban|đồng chí|Đồng chí|ông|bà|Ông|Bà)\s+(?!(?:Bộ|Ủy|Sở|Văn|Ban|Chính|Ngân|Tập|Tổng|Cục|Hội|Quốc|Thành|Tỉnh|Trung|Viện|Tòa|Nhà)(?!\p{L}))(?:\p{Lu}\p{Ll}*\s+){1,3}\p{Lu}\p{Ll}+/u;

/** Asks which province or city ("đặt ở tỉnh nào", "thành phố nào"). */
const PROVINCE_ASKED = /\b(?:(?:o|tai|dat o|dat tai) )?(?:tinh nao|thanh pho nao|tinh thanh nao)\b|\bdat (?:o|tai) dau\b/;

/** Words before a province that make it the owner of what is asked ("của tỉnh X", "tại X", "ở X"). */
const OWNER_CUE = /(?:cua|tai|o|trong|tren dia ban)\s+(?:tinh|thanh pho|tp)?\s*$/;

export interface SubjectCheck {
  registry: AgencyRegistry;
  /** Issuer of a document, to accept a province's own plan as naming it. */
  issuerOf: (docId: string) => string | undefined;
}

/** The reason the draft does not answer the subject asked, or null when it does (or none is asked). */
export function missingSubject(u: Understanding, draft: Draft, check: SubjectCheck): string | null {
  if (!draft.grounded) return null;
  // What the answer shows: its text, its quotes and the leading row (later rows are only related).
  const said = [draft.answer, ...draft.rows.slice(0, 1).flatMap((r) => [r.quote, ...r.lead, ...r.support]), ...draft.citations.map((c) => c.quote)].join('\n');
  if (PERSON_ASKED.test(u.folded) && !PERSON_NAMED.test(said)) {
    return 'Các văn bản hiện có không nêu tên người giữ chức vụ này (văn bản không đề cập), nên tôi không trả lời để tránh đưa thông tin sai.';
  }
  const provinces = (text: string) => check.registry.findMentions(text, { fuzzy: false }).filter((m) => check.registry.get(m.name)?.kind === 'province');
  if (PROVINCE_ASKED.test(u.folded) && !u.asks.includes('figure')) {
    const named = provinces(said).length > 0 || draft.rows.some((r) => r.lead.some((l) => check.registry.get(l)?.kind === 'province'));
    if (!named) return 'Các văn bản hiện có không nêu địa phương nào cho việc này (văn bản không đề cập), nên tôi không trả lời để tránh đưa thông tin sai.';
  }
  // "tỷ lệ phủ sóng 5G của tỉnh Quảng Ninh": a figure or guidance of one province needs a source about it.
  if (u.intent === 'indicator' || u.intent === 'guidance') {
    const foldedSaid = fold(`${said}\n${draft.citations.map((c) => check.issuerOf(c.docId) ?? '').join('\n')}`);
    for (const m of provinces(u.question)) {
      // "của tỉnh X", "tại X", or X as the subject the question opens with ("Tỉnh Quảng Trị … có bao nhiêu …").
      const lead = fold(u.question.slice(0, m.start));
      if (!OWNER_CUE.test(lead) && !/^\s*(?:tinh|thanh pho|tp)?\s*$/.test(lead)) continue;
      const names = [m.name, ...(check.registry.get(m.name)?.aliases ?? []), ...check.registry.predecessorsOf(m.name).map((p) => p.name)].map((n) => fold(n).replace(/^(?:tinh|thanh pho) /, ''));
      if (!names.some((n) => n.length >= 3 && foldedSaid.includes(n))) {
        return `Các văn bản hiện có không nêu số liệu hay nội dung riêng của ${m.name} về việc này (văn bản không đề cập), nên tôi không trả lời để tránh đưa thông tin sai.`;
      }
    }
  }
  return null;
}
