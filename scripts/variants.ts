/**
 * The spelling variant set: each question of a QA set rewritten the way Vietnamese
 * users mistype it, one kind of error per variant — s/x, ch/tr, d/gi/r, final
 * -n/-ng, n/ng (initial l/n), hỏi/ngã swapped, "qúa", dropped diacritics,
 * abbreviations (BTTTT, BCA, NHNN, CĐS, TTHC, CSDL, DVCTT …), and chat style
 * ("ad ơi cho mình hỏi … ko … vậy ad"). Deterministic, so
 * figures are comparable between runs. Expectations are the original item's.
 */
import type { QaItem } from '../src/qa/evaluate.js';
import { fold } from '../src/text/vietnamese.js';

export interface VariantItem extends QaItem {
  style: string;
  variant: string;
}

const HOI = '\u0309';
const NGA = '\u0303';

/** Rewrites the first word (from a seed-chosen start) that the rule changes; null when none. */
function rewriteOne(q: string, seed: number, rule: (w: string) => string | null): string | null {
  const words = q.split(' ');
  for (let k = 0; k < words.length; k++) {
    const i = (seed + k) % words.length;
    const w = words[i]!;
    const lead = /^[^\p{L}]*/u.exec(w)![0];
    const trail = /[^\p{L}]*$/u.exec(w)![0];
    const core = w.slice(lead.length, w.length - trail.length);
    if (core.length < 2) continue;
    const out = rule(core);
    if (out && out !== core) {
      words[i] = lead + out + trail;
      return words.join(' ');
    }
  }
  return null;
}

const swapCase = (from: string, to: string) => (w: string) => {
  const lower = w.normalize('NFD').toLowerCase();
  if (!lower.startsWith(from)) return null;
  const rest = w.normalize('NFD').slice(from.length);
  const head = w[0] === w[0]!.toUpperCase() ? to[0]!.toUpperCase() + to.slice(1) : to;
  return (head + rest).normalize('NFC');
};

const RULES: Record<string, (w: string) => string | null> = {
  's/x': (w) => swapCase('s', 'x')(w) ?? swapCase('x', 's')(w),
  'ch/tr': (w) => swapCase('ch', 'tr')(w) ?? swapCase('tr', 'ch')(w),
  'd/gi/r': (w) => swapCase('gi', 'd')(w) ?? swapCase('d', 'gi')(w) ?? swapCase('r', 'd')(w),
  '-n/-ng': (w) => (/ng$/.test(w) ? w.slice(0, -1) : /[^gh]n$/.test(w) ? `${w}g` : null),
  'l/n': (w) => swapCase('l', 'n')(w) ?? swapCase('n', 'l')(w.startsWith('ng') || w.startsWith('nh') ? '' : w),
  'hỏi/ngã': (w) => {
    const d = w.normalize('NFD');
    if (d.includes(HOI)) return d.replace(HOI, NGA).normalize('NFC');
    if (d.includes(NGA)) return d.replace(NGA, HOI).normalize('NFC');
    return null;
  },
  'qúa': (w) => (/^quá$/i.test(w) ? w.replace(/uá/i, 'úa') : /^(?:hóa|hòa|thủy|khỏe)$/i.test(w) ? w.replace(/óa/, 'oá').replace(/òa/, 'oà').replace(/ủy/, 'uỷ').replace(/ỏe/, 'oẻ') : null),
};

const ABBREVIATIONS: Array<[RegExp, string]> = [
  [/Bộ Thông tin và Truyền thông/g, 'BTTTT'], [/Bộ Công an/g, 'BCA'], [/Ngân hàng Nhà nước( Việt Nam)?/g, 'NHNN'],
  [/Bộ Kế hoạch và Đầu tư/g, 'Bộ KH&ĐT'], [/Văn phòng Chính phủ/g, 'VPCP'], [/Bộ Tài chính/g, 'BTC'],
  [/Bộ Giáo dục và Đào tạo/g, 'Bộ GD&ĐT'], [/Bộ Khoa học và Công nghệ/g, 'Bộ KH&CN'], [/Bộ Nông nghiệp và Môi trường/g, 'Bộ NN&MT'],
  [/[Cc]huyển đổi số/g, 'CĐS'], [/[Cc]ơ sở dữ liệu/g, 'CSDL'], [/thủ tục hành chính/g, 'TTHC'], [/dịch vụ công trực tuyến/g, 'DVCTT'],
  [/an toàn thông tin/g, 'ATTT'], [/[Tt]ổ công nghệ số cộng đồng/g, 'Tổ CNSCĐ'], [/Ủy ban nhân dân/g, 'UBND'],
];

const OPENERS = ['ad ơi cho mình hỏi ', 'cho em hỏi ', 'mn ơi ', 'sếp hỏi ', ''];
const CLOSERS = [' vậy ad', ' z', ' nhỉ', ' ạ', ' vậy mn'];
const SLANG: Array<[RegExp, string]> = [[/không/g, 'ko'], [/được/g, 'dc'], [/\bgì\b/gu, 'j'], [/bao nhiêu/g, 'bn'], [/như thế nào/g, 'ntn']];

/** The question as typed in a hurry on a phone: lowercase, chat openers and closers, slang, no question mark. */
function colloquial(q: string, n: number): string {
  const body = SLANG.reduce((s, [re, r]) => s.replace(re, r), q.toLowerCase()).replace(/[?.]+\s*$/, '');
  return `${OPENERS[n % OPENERS.length]}${body}${CLOSERS[(n * 3) % CLOSERS.length]}`;
}

/** Every applicable variant of every item (out-of-scope items too: they must stay refused). */
export function spellingVariants(items: QaItem[]): VariantItem[] {
  const out: VariantItem[] = [];
  items.forEach((item, n) => {
    if ((item as { context?: unknown }).context) return;
    for (const [name, rule] of Object.entries(RULES)) {
      const q = rewriteOne(item.q, n * 7 + 3, rule);
      if (q) out.push({ ...item, id: `${item.id}~${name}`, q, style: 'typo', variant: name });
    }
    out.push({ ...item, id: `${item.id}~không dấu`, q: fold(item.q), style: 'no_diacritics', variant: 'không dấu' });
    out.push({ ...item, id: `${item.id}~nói chuyện`, q: colloquial(item.q, n), style: 'colloquial', variant: 'nói chuyện' });
    const abbreviated = ABBREVIATIONS.reduce((s, [re, r]) => s.replace(re, r), item.q);
    if (abbreviated !== item.q) out.push({ ...item, id: `${item.id}~viết tắt`, q: abbreviated, style: 'abbrev', variant: 'viết tắt' });
  });
  return out;
}
