/**
 * Turns Vietnamese text into index terms: folded syllables (so "han chot" finds
 * "hạn chót"), syllable bigrams (most Vietnamese words are two syllables:
 * "dữ liệu", "thủ tục"), and the canonical name of every agency mentioned, so
 * "NHNN", "BKHĐT" or "Bộ KH&ĐT" meet the full names used in the documents.
 */
import type { AgencyRegistry } from '../corpus/agencies.js';
import { foldWord, tokenize } from '../text/vietnamese.js';

/**
 * Function words that carry no topic. Kept minimal on purpose: once diacritics
 * are folded many syllables collide ("tại"/"tài", "đạt"/"đất", "nền"/"nên"),
 * and dropping one would also drop the real word.
 */
export const STOPWORDS = new Set(
  'ai gi nao sao la cua va voi cho duoc bi nhung cac mot hay hoac nay kia ay nhe a oi vay roi chua phai se neu toi minh em xin biet thi xong'.split(' '),
);

/** Words that say nothing on their own ("đến lúc đó", "đã có"): never a one-word topic. */
const LONE_FUNCTION_WORDS = new Set('xong hai bon muoi moi giao giua den tu toi tren duoi vao theo khi cho tai trong dang con moi rat cung deu nua luc day kia the nen neu khong co lam sao nhu hon nhat'.split(' '));

/** Words after a number that are not what it counts ("Đề án 06 đã …", "06 sẽ …"). */
const NOT_COUNTED = new Set(['da', 'dang', 'se', 'con', 'bi', 'duoc', 'co', 'la', 'va', 'thi']);

/** Abbreviations officials type (folded form → words), expanded in questions and passages alike. */
export const ABBREVIATIONS: Record<string, string> = {
  cds: 'chuyển đổi số',
  csdl: 'cơ sở dữ liệu',
  csdlqg: 'cơ sở dữ liệu quốc gia',
  tthc: 'thủ tục hành chính',
  dvc: 'dịch vụ công',
  dvctt: 'dịch vụ công trực tuyến',
  cntt: 'công nghệ thông tin',
  attt: 'an toàn thông tin',
  ubnd: 'ủy ban nhân dân',
  ubqg: 'ủy ban quốc gia',
  cccd: 'căn cước công dân',
  ddcn: 'dữ liệu cá nhân',
  tmdt: 'thương mại điện tử',
  ktxh: 'kinh tế xã hội',
  ktso: 'kinh tế số',
  httt: 'hệ thống thông tin',
  bcd: 'ban chỉ đạo',
  cnscd: 'công nghệ số cộng đồng',
  dmst: 'đổi mới sáng tạo',
  cps: 'chính phủ số',
  cpdt: 'chính phủ điện tử',
  dvcqg: 'dịch vụ công quốc gia',
  htcs: 'hạ tầng số',
  kts: 'kinh tế số',
  xhs: 'xã hội số',
  nts: 'nền tảng số',
  ttdl: 'trung tâm dữ liệu',
  ttdlqg: 'trung tâm dữ liệu quốc gia',
  cks: 'chữ ký số',
  dddt: 'định danh điện tử',
  tkdddt: 'tài khoản định danh điện tử',
  ttkdtm: 'thanh toán không dùng tiền mặt',
  kdtm: 'không dùng tiền mặt',
  vbdt: 'văn bản điện tử',
  hscv: 'hồ sơ công việc',
  cchc: 'cải cách hành chính',
  hdnd: 'hội đồng nhân dân',
  shtt: 'sở hữu trí tuệ',
  kcn: 'khu công nghiệp',
  qlnn: 'quản lý nhà nước',
  nnl: 'nguồn nhân lực',
  da06: 'đề án 06',
  mttq: 'mặt trận tổ quốc',
  dnnvv: 'doanh nghiệp nhỏ và vừa',
  htx: 'hợp tác xã',
  bpmc: 'bộ phận một cửa',
  hssk: 'hồ sơ sức khỏe',
  skdt: 'sổ sức khỏe điện tử',
  lltp: 'lý lịch tư pháp',
  gplx: 'giấy phép lái xe',
  bhyt: 'bảo hiểm y tế',
  anm: 'an ninh mạng',
  dttm: 'đô thị thông minh',
  kcht: 'kết cấu hạ tầng',
  cns: 'công nghệ số',
  cnc: 'công nghệ cao',
  vbqppl: 'văn bản quy phạm pháp luật',
  qppl: 'quy phạm pháp luật',
  kq: 'kết quả',
  ttg: 'thủ tướng',
  ttcp: 'thủ tướng chính phủ',
  ai: '',
};

/** Rewrites abbreviations into words: "hạn kế hoạch cds 2024" → "hạn kế hoạch chuyển đổi số 2024". */
export function expandAbbreviations(text: string): string {
  return text.replace(/[\p{L}\p{N}]+/gu, (word) => {
    if (word.length > 6) return word;
    const full = ABBREVIATIONS[foldWord(word)];
    return full ? full : word;
  });
}

/** Separator inside a bigram term ("du_lieu"); never produced by folding. */
const JOIN = '_';

export interface AnalyzerOptions {
  /** Adds canonical agency names for aliases found (needs the registry). */
  registry?: AgencyRegistry;
  /** User text: agency aliases matched case-insensitively and with typos. */
  query?: boolean;
}

/** Index/query terms: syllables, bigrams of adjacent syllables, canonical agency names. */
export function analyze(text: string, opts: AnalyzerOptions = {}): string[] {
  const syllables = tokenize(expandAbbreviations(text));
  const terms: string[] = [...syllables];
  for (let i = 0; i + 1 < syllables.length; i++) terms.push(syllables[i]! + JOIN + syllables[i + 1]!);
  if (opts.registry) {
    for (const m of opts.registry.findMentions(text, { caseSensitive: !opts.query, fuzzy: opts.query === true })) {
      const canon = tokenize(m.name);
      // Only when written differently (an abbreviation or variant): avoid doubling ordinary names.
      if (tokenize(m.text).join(' ') === canon.join(' ')) continue;
      terms.push(...canon);
      for (let i = 0; i + 1 < canon.length; i++) terms.push(canon[i]! + JOIN + canon[i + 1]!);
    }
  }
  return terms;
}

/**
 * Topic terms of a question, used to judge whether a source covers it:
 * bigrams of adjacent content words (never bridging a removed word, which
 * would invent pairs the source cannot contain), plus numbers ("2024", "558",
 * "73/2019"), which are the most telling words of all.
 */
export function contentBigrams(text: string): string[] {
  const words = tokenize(text);
  const isNumber = (w: string) => /^\d+$/.test(w);
  const isContent = (w: string) => w !== '' && !STOPWORDS.has(w) && !isNumber(w);
  const out: string[] = [];
  for (let i = 0; i + 1 < words.length; i++) {
    if (isContent(words[i]!) && isContent(words[i + 1]!)) out.push(words[i]! + JOIN + words[i + 1]!);
  }
  for (const w of words) if (/^\d{2,}$/.test(w) && !/^0\d$/.test(w)) out.push(w);
  // "Đề án 06", "Chỉ thị 05": a padded number after a name is that name's number.
  words.forEach((w, i) => {
    if (/^0\d$/.test(w) && i > 0 && isContent(words[i - 1]!) && !(isContent(words[i + 1] ?? '') && !NOT_COUNTED.has(words[i + 1]!))) out.push(String(Number(w)));
  });
  // A count before a noun ("5 trọng tâm", "05 chức năng") says which list is meant.
  words.forEach((w, i) => {
    // A padded number after a name ("Đề án 06 trước …") is the name's, not a count.
    if ((/^\d$/.test(w) || (/^0\d$/.test(w) && !(i > 0 && isContent(words[i - 1]!)))) && isContent(words[i + 1] ?? '') && words[i + 1]!.length >= 2 && !NOT_COUNTED.has(words[i + 1]!)) {
      // The count and its noun together name a slogan or a list ("5 không", "3 nhất", "05 chức năng").
      out.push(String(Number(w)), `${Number(w)}${JOIN}${words[i + 1]}`);
    }
  });
  // A content word standing alone between question words ("VNeID được …", "top mấy ASEAN") is the topic too.
  if (out.length > 0) {
    words.forEach((w, i) => {
      // "5G", "4G": letters with a digit are names however short.
      if (isContent(w) && (w.length >= 4 || (/\d/.test(w) && /[a-z]/.test(w))) && !LONE_FUNCTION_WORDS.has(w) && !isContent(words[i - 1] ?? '') && !isContent(words[i + 1] ?? '')) out.push(w);
    });
  }
  // A topic of one content word ("Bạc Liêu được giao gì" after the name is removed) is matched on that word.
  if (out.length === 0) for (const w of words) if (isContent(w) && (w.length >= 3 || (/\d/.test(w) && /[a-z]/.test(w))) && !LONE_FUNCTION_WORDS.has(w)) out.push(w);
  return out;
}

/** Bigram set of a text (all words, abbreviations expanded as in questions), for coverage tests. */
export function bigramSet(text: string): Set<string> {
  const out = new Set<string>();
  // Pairs never span brackets or clause punctuation: "Quốc gia (vắng: …" has no "giá vàng".
  for (const part of expandAbbreviations(text).split(/[()[\]:;!?]|[.,](?!\d)/)) {
    const words = tokenize(part);
    for (let i = 0; i + 1 < words.length; i++) {
      out.add(words[i]! + JOIN + words[i + 1]!);
      if (/^0\d$/.test(words[i]!)) out.add(String(Number(words[i]!)) + JOIN + words[i + 1]!);
    }
    for (const w of words) out.add(/^0\d$/.test(w) ? String(Number(w)) : w);
  }
  return out;
}
