/**
 * Facts about a document itself rather than the tasks it assigns: who signed it (its
 * signature block), who chaired the meeting it records (its opening), which document
 * is about a topic ("được phê duyệt bằng quyết định nào?"), and when it was issued.
 * Each is read from the stored text and quoted; none is guessed.
 */
import { bigramSet } from '../retrieval/analyzer.js';
import { fold, squashSpaces } from '../text/vietnamese.js';
import type { Citation } from './citations.js';
import type { Composer, Draft } from './compose.js';
import { signerOf, type Signer } from './signers.js';
import type { Understanding } from './understand.js';

export class DocumentFacts {
  /** Who signed each document, when its text shows it. */
  private readonly signers = new Map<string, Signer>();
  private readonly asks: Array<[RegExp, (u: Understanding) => Draft | null]> = [
    [SIGNER, (u) => this.signedBy(u)],
    [CHAIR, (u) => this.chairedBy(u)],
    [WHICH_DOCUMENT, (u) => this.documentOn(u)],
    [ISSUED_WHEN, (u) => this.issuedOn(u)],
    [CONTACT, (u) => this.contactIn(u)],
  ];

  /**
   * @param heads the first lines of each document (meetings and dates are named there)
   * @param parse the structured query of a question, for a part's own words
   */
  constructor(
    private readonly c: Composer,
    private readonly heads: ReadonlyMap<string, string>,
    private readonly parse: (question: string, now: string) => Understanding,
  ) {
    for (const d of c.r.corpus.documents) {
      if (!heads.has(d.docId)) continue;
      const signer = signerOf(c.r.corpus.text(d.docId));
      if (signer) this.signers.set(d.docId, signer);
    }
  }

  /** The answer when the question asks a fact of a document and the document states it; else null. */
  answer(u: Understanding): Draft | null {
    for (const [asked, answer] of this.asks) {
      if (!asked.test(u.folded)) continue;
      const draft = answer(u);
      if (draft) return draft;
    }
    return null;
  }

  /** "QĐ 2629 do ai ký?": the signer read from the document's signature block. */
  private signedBy(u: Understanding): Draft | null {
    const docs = u.documents.length > 0 ? u.documents : [];
    const lines: string[] = [];
    const citations: Citation[] = [];
    for (const id of docs.slice(0, 2)) {
      const s = this.signers.get(id);
      const doc = this.c.r.docById.get(id);
      if (!s || !doc) continue;
      lines.push(`${this.c.label(id)} do ông/bà ${s.name}, ${describeTitle(s.title)}, ký.`);
      citations.push({ docId: id, title: doc.title, quote: s.name });
    }
    return lines.length > 0 ? { grounded: true, answer: lines.join('\n'), rows: [], citations } : null;
  }

  /** "Hội nghị ngày 19/7/2024 do ai chủ trì?": the sentence of the document's opening that says who chaired. */
  private chairedBy(u: Understanding): Draft | null {
    for (const id of u.documents.slice(0, 2)) {
      const head = this.heads.get(id) ?? '';
      const sentence = head.split(/(?<=[.;:])\s+|\n+/).find((x) => /chủ trì/iu.test(x) && x.length < 1500);
      const doc = this.c.r.docById.get(id);
      if (!sentence || !doc) continue;
      // A long opening ("Ngày …, tại …, Thủ tướng … chủ trì Phiên họp …; tham dự có …"): up to the clause naming the chair.
      const at = sentence.search(/chủ trì/iu);
      const comma = sentence.indexOf(',', at);
      const cut = sentence.length <= 600 ? sentence.length : comma > at ? comma : Math.min(sentence.length, at + 200);
      const quote = squashSpaces(sentence.slice(0, cut));
      return { grounded: true, answer: `Theo ${this.c.label(id)}:\n“${quote}”`, rows: [], citations: [{ docId: id, title: doc.title, quote }] };
    }
    return null;
  }

  /** "… được phê duyệt bằng QĐ nào?": the document whose title is the topic asked about. */
  private documentOn(u: Understanding): Draft | null {
    // The part's own words (a two-part question's heading included), not the documents it was scoped to.
    const own = this.parse(u.question, u.now);
    // "bằng QĐ nào" says what is asked, not what the document is about.
    // Same length, so the offsets of a document named in the question stay valid.
    const corrected = own.corrected.replace(new RegExp(WHICH_DOCUMENT.source, 'g'), (m) => `|${' '.repeat(m.length - 1)}`);
    const topic = this.c.r.topicBigrams({ ...own, corrected, documents: [] }, ...own.agencies);
    if (topic.length < 2) return null;
    // A document the question itself names is where to look, not the answer ("trong công văn …, theo nghị quyết nào?").
    const best = this.c.r.corpus.documents
      .filter((d) => !own.documents.includes(d.docId))
      .map((d) => ({ d, cov: this.c.r.coverage(topic, bigramSet(d.title)) }))
      .sort((a, b) => b.cov - a.cov)[0];
    if (!best || best.cov < 0.6) return null;
    const d = best.d;
    return {
      grounded: true,
      answer: `${this.c.label(d.docId)}: ${d.title}.`,
      rows: [],
      citations: [{ docId: d.docId, title: d.title, quote: this.heads.get(d.docId)?.match(/[^\n]{10,}/)?.[0]?.trim() ?? d.title }].filter((c) => this.c.r.corpus.squashedText(d.docId).includes(squashSpaces(c.quote))),
    };
  }

  /**
   * "xin sđt, email đầu mối …": the passage giving a contact (a phone number or an e-mail address), in the
   * documents the question names or, without one, the passage whose words share most with the question.
   */
  private contactIn(u: Understanding): Draft | null {
    const topic = this.c.r.topicBigrams({ ...u, documents: [] });
    const found = this.c.r.passages.chunks
      .filter((c) => (u.documents.length === 0 || u.documents.includes(c.docId)) && CONTACT_DETAIL.test(c.text))
      // A contact of the body asked about ("đầu mối của Bộ Y tế"), not any contact.
      .filter((c) => u.agencies.length === 0 || u.agencies.some((a) => [a.name, ...a.aliases].some((n) => fold(c.text).includes(fold(n)))))
      .map((c) => ({ c, cov: this.c.r.coverage(topic, bigramSet(`${c.text} ${c.context}`)) }))
      .sort((a, b) => b.cov - a.cov)[0];
    if (!found || (u.documents.length === 0 && found.cov < 0.4)) return null;
    const doc = this.c.r.docById.get(found.c.docId);
    // The whole passage when short (who, then how to reach them); else the sentence with the detail.
    const text = squashSpaces(found.c.text);
    const quote = text.length <= 500 ? text : (text.split(/(?<=\.)\s+(?=\p{Lu})/u).find((x) => CONTACT_DETAIL.test(x)) ?? text);
    return {
      grounded: true,
      answer: `Theo ${this.c.label(found.c.docId)}${found.c.section ? `, mục ${found.c.section}` : ''}:\n“${quote}”`,
      rows: [],
      citations: [{ docId: found.c.docId, title: doc?.title ?? found.c.docId, ...(found.c.section && { section: found.c.section }), quote }],
    };
  }

  /** "QĐ phê duyệt chương trình này được ký ngày nào?": the date of the document named. */
  private issuedOn(u: Understanding): Draft | null {
    // Only of the document itself: "QĐ … được ký ngày nào", not "Bộ Y tế ban hành kế hoạch khi nào" within it.
    const asked = ISSUED_WHEN.exec(u.folded);
    const refEnd = Math.max(-1, ...(u.scope?.consumed ?? []).map(([, e]) => e));
    if (!asked || u.agencies.length > 0 || refEnd < 0 || asked.index - refEnd > 25 || asked.index < refEnd) return null;
    const id = u.documents.length === 1 ? u.documents[0]! : null;
    const doc = id ? this.c.r.docById.get(id) : undefined;
    if (!id || !doc?.date || doc.date.length !== 10) return null;
    const [y, m, d] = doc.date.split('-');
    const head = this.heads.get(id) ?? '';
    const written = new RegExp(String.raw`ngày\s+0?${Number(d)}\s+tháng\s+0?${Number(m)}\s+năm\s+${y}`, 'iu').exec(head)?.[0];
    return {
      grounded: true,
      answer: `${this.c.label(id)} được ban hành ngày ${d}/${m}/${y}.${written ? `\nNguồn: “${written}”` : ''}`,
      rows: [],
      citations: written ? [{ docId: id, title: doc.title, quote: written }] : [],
    };
  }
}

/** "KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG" → "Phó thủ tướng (ký thay Thủ tướng)". */
function describeTitle(title: string): string {
  const m = /^(KT|TM|TL|TUQ)\.\s*(.+?)\s+((?:PHÓ|THỨ|Q\.)\s.+)$/u.exec(title);
  const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1).toLowerCase();
  if (!m) return cap(title);
  const how = m[1] === 'KT' ? 'ký thay' : m[1] === 'TM' ? 'thay mặt' : m[1] === 'TL' ? 'thừa lệnh' : 'thừa ủy quyền';
  return `${cap(m[3]!)} (${how} ${cap(m[2]!)})`;
}

/** "hội nghị … do ai chủ trì": the chair of the meeting a document records. */
/** Not when a task is what is asked about ("… Bộ Quốc phòng được giao phối hợp trong nhiệm vụ nào, ai chủ trì?"). */
const CHAIR = /\b(?:hoi nghi|phien hop|cuoc hop)\b(?:(?!nhiem vu|viec |duoc giao|phoi hop|xay dung|trien khai).){0,160}\b(?:do ai|ai) chu tri\b/;

/** "bằng quyết định nào", "văn bản nào quy định": the document itself is asked for. */
const WHICH_DOCUMENT = /\b(?:bang|tai|theo|o)?\s*(?:van ban|quyet dinh|qd|nghi quyet|nq|thong bao|ke hoach|cong van) (?:nao|so may|so bao nhieu)\b/;

/** "được ký ngày nào", "ban hành khi nào": the date of a document. */
const ISSUED_WHEN = /\b(?:duoc ky|ky|ban hanh|phe duyet)\s+(?:vao\s+)?(?:ngay nao|khi nao|bao gio|luc nao|ngay may)\b/;

/** Asks how to reach someone: a phone number, an e-mail address, a contact point. */
const CONTACT = /\b(?:sdt|so dien thoai|hotline|dau moi|lien he|lien lac)\b|\b(?:xin|cho xin|dia chi) (?:email|thu dien tu|dien thoai)\b/;

/** A phone number ("0912.571.223", "024 3943 7451") or an e-mail address in a passage. */
const CONTACT_DETAIL = /[\w.-]+@[\w-]+\.[\w.]+|(?<!\d)0\d{2,3}[.\s]?\d{3}[.\s]?\d{3,4}(?!\d)/u;

/** "do ai ký", "người ký", "ký bởi ai": asks who signed a document. */
const SIGNER = /\b(?:ai ky|nguoi ky|do ai ky|ky boi|ai da ky|ky ten|nguoi da ky)\b/;
