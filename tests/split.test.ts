import { describe, expect, it } from 'vitest';
import { splitMessage } from '../src/channels/split.js';

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
/** Parts joined back (prefixes removed) must give the original text, modulo whitespace at the cuts. */
const rejoin = (parts: string[]) => squash(parts.map((p) => p.replace(/^\(\d+\/\d+\) /, '')).join(' '));
const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

const PARA1 =
  'Căn cứ Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ phê duyệt Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030.';
const PARA2 =
  'Ủy ban nhân dân tỉnh yêu cầu các sở, ban, ngành hoàn thành việc số hóa hồ sơ thủ tục hành chính trước ngày 30/9/2025. Báo cáo kết quả gửi Sở Thông tin và Truyền thông trước ngày 05/10/2025!';
const PARA3 = '- Sở Nội vụ: chủ trì.\n- Sở Tài chính: phối hợp.\n- UBND cấp huyện: tổ chức thực hiện.';

describe('splitMessage', () => {
  it('returns short text as one part, trimmed; blank text as no part', () => {
    expect(splitMessage('  Xin chào  ', 10)).toEqual(['Xin chào']);
    expect(splitMessage(' \n\n ', 10)).toEqual([]);
    expect(splitMessage('', 10)).toEqual([]);
  });

  it('keeps a text of exactly maxLength in one part, and splits at maxLength + 1', () => {
    const exact = 'a'.repeat(50);
    expect(splitMessage(exact, 50)).toEqual([exact]);
    expect(splitMessage(exact, 50, { numberParts: true })).toEqual([exact]); // no prefix for a single part
    const words = 'một hai ba bốn năm sáu bảy tám chín mười'; // 40 chars
    expect(splitMessage(words, words.length)).toEqual([words]);
    const parts = splitMessage(words, words.length - 1);
    expect(parts).toHaveLength(2);
    expect(parts.every((p) => p.length <= words.length - 1)).toBe(true);
    expect(rejoin(parts)).toBe(words);
  });

  it('splits at paragraph boundaries first', () => {
    const text = [PARA1, PARA2, PARA3].join('\n\n');
    const limit = Math.max(PARA1.length, PARA2.length, PARA3.length) + 5;
    expect(splitMessage(text, limit)).toEqual([PARA1, PARA2, PARA3]);
  });

  it('packs several paragraphs into one part when they fit', () => {
    const text = [PARA1, PARA3, PARA2].join('\n\n');
    const parts = splitMessage(text, PARA1.length + PARA3.length + 2);
    expect(parts).toEqual([`${PARA1}\n\n${PARA3}`, PARA2]);
  });

  it('falls back to lines, then sentences, then words', () => {
    // lines
    const lines = splitMessage(PARA3, 30);
    expect(lines).toEqual(['- Sở Nội vụ: chủ trì.', '- Sở Tài chính: phối hợp.', '- UBND cấp huyện: tổ chức thực', 'hiện.']);
    // sentences: PARA2 has two sentences; a limit between the longer sentence and the full text cuts after "2025."
    const [s1, s2] = PARA2.split(/(?<=\.) /);
    const bySentence = splitMessage(PARA2, Math.max(s1!.length, s2!.length));
    expect(bySentence).toEqual([s1, s2]);
    // words: nothing is cut inside a word
    const byWord = splitMessage(PARA1, 40);
    const words = new Set(PARA1.split(' '));
    for (const part of byWord) {
      expect(part.length).toBeLessThanOrEqual(40);
      for (const w of part.split(' ')) expect(words.has(w)).toBe(true);
    }
    expect(rejoin(byWord)).toBe(PARA1);
  });

  it('cuts a single over-long word only as needed, never through a surrogate pair or combining mark', () => {
    const url = 'https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001234';
    const parts = splitMessage(`Xem ${url} nhé`, 30);
    expect(parts.every((p) => p.length <= 30)).toBe(true);
    expect(parts.join('').replace(/\s/g, '')).toBe(`Xem${url}nhé`);

    const emoji = '😀'.repeat(10); // 20 UTF-16 units
    for (const limit of [3, 5, 7]) {
      const cut = splitMessage(emoji, limit);
      expect(cut.every((p) => p.length <= limit && !hasLoneSurrogate(p))).toBe(true);
      expect(cut.join('')).toBe(emoji);
    }
    // family emoji (ZWJ sequence, 11 units) stays whole when it fits
    const family = '👨‍👩‍👧‍👦';
    expect(splitMessage(`${family}${family}`, 12)).toEqual([family, family]);
    // decomposed Vietnamese (NFD): "ệ" = e + U+0323 + U+0302 must not be separated from its marks
    const nfd = 'Việt'.normalize('NFD').repeat(6);
    const nfdParts = splitMessage(nfd, 7);
    expect(nfdParts.every((p) => p.length <= 7 && !/^[\u0300-\u036f]/.test(p))).toBe(true);
    expect(nfdParts.join('')).toBe(nfd);
  });

  it('keeps emoji whole at word boundaries and counts UTF-16 length', () => {
    const text = Array.from({ length: 200 }, (_, i) => `việc${i}🎯`).join(' ');
    const parts = splitMessage(text, 100);
    expect(parts.every((p) => p.length <= 100 && !hasLoneSurrogate(p))).toBe(true);
    expect(rejoin(parts)).toBe(text);
  });

  it('numbers parts and keeps prefixed parts within the limit', () => {
    const text = Array.from({ length: 30 }, (_, i) => `Đoạn ${i + 1}: ${PARA1}`).join('\n\n');
    const parts = splitMessage(text, 400, { numberParts: true });
    expect(parts.length).toBeGreaterThan(9); // two-digit counts grow the prefix
    parts.forEach((p, i) => {
      expect(p.startsWith(`(${i + 1}/${parts.length}) `)).toBe(true);
      expect(p.length).toBeLessThanOrEqual(400);
    });
    expect(rejoin(parts)).toBe(squash(text));
  });

  it('produces parts within 2000 / 4096 for a long Vietnamese answer', () => {
    const text = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? PARA3 : i % 2 ? PARA1 : PARA2)).join('\n\n');
    for (const [limit, numberParts] of [
      [2000, true],
      [4096, false],
    ] as const) {
      const parts = splitMessage(text, limit, { numberParts });
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.every((p) => p.length <= limit && p.trim() === p && p !== '')).toBe(true);
      expect(rejoin(parts)).toBe(squash(text));
    }
  });

  it('normalises CRLF and rejects impossible limits', () => {
    expect(splitMessage('một\r\n\r\nhai', 5)).toEqual(['một', 'hai']);
    expect(() => splitMessage('abc', 0)).toThrow(RangeError);
    expect(() => splitMessage('abc def ghi', 5, { numberParts: true })).toThrow(RangeError);
  });
});
