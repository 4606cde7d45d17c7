import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { AgencyRegistry, foldedTokens } from '../src/corpus/agencies.js';
import type { AgencyEntry, AgencyFile } from '../src/corpus/types.js';
import { tokenizeWithOffsets } from '../src/text/vietnamese.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const registry = AgencyRegistry.load();
const DOC = { caseSensitive: true } as const;
const names = (text: string, opts = {}) => registry.findMentions(text, opts).map((m) => m.name);

describe('agencies.json', () => {
  const file = JSON.parse(readFileSync(join(ROOT, 'corpus', 'agencies.json'), 'utf8')) as AgencyFile;

  it('is version 1 and names every province of 2022–2024 exactly once, and the 34 units of 2025', () => {
    expect(file.version).toBe(1);
    const provinces = file.agencies.filter((e) => e.kind === 'province');
    expect(provinces.filter((e) => !e.since)).toHaveLength(63);
    // 28 tỉnh + 6 thành phố trực thuộc trung ương since 01/7/2025: the provinces nobody absorbed.
    const current = provinces.filter((e) => !e.succession);
    expect(current).toHaveLength(34);
    expect(current.filter((e) => e.name.startsWith('Thành phố ')).map((e) => e.name).sort()).toEqual(
      ['Cần Thơ', 'Huế', 'Hà Nội', 'Hải Phòng', 'Hồ Chí Minh', 'Đà Nẵng'].map((c) => `Thành phố ${c}`).sort(),
    );
    for (const city of ['Hà Nội', 'Hồ Chí Minh', 'Hải Phòng', 'Đà Nẵng', 'Cần Thơ']) {
      expect(registry.get(`Thành phố ${city}`)?.kind).toBe('province');
    }
  });

  it('has the 18 ministries of 2022–2024 plus the two created in 2025', () => {
    const ministries = file.agencies.filter((e) => e.kind === 'ministry');
    expect(ministries.filter((e) => !e.since)).toHaveLength(18);
    expect(ministries.filter((e) => e.since).map((e) => e.name).sort()).toEqual([
      'Bộ Dân tộc và Tôn giáo',
      'Bộ Nông nghiệp và Môi trường',
    ]);
  });

  it('does not list the Government, the Prime Minister or the National Assembly as agencies', () => {
    for (const name of ['Chính phủ', 'Thủ tướng Chính phủ', 'Quốc hội']) {
      expect(registry.resolve(name)).toBeUndefined();
    }
  });

  it('resolves every name and alias to its own entry (no alias names two agencies)', () => {
    const wrong: string[] = [];
    for (const e of file.agencies) {
      for (const alias of [e.name, ...e.aliases]) {
        const got = registry.resolve(alias)?.name;
        if (got !== e.name) wrong.push(`${alias} → ${got ?? '(none)'} (expected ${e.name})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a registry in which one alias names two agencies', () => {
    const a: AgencyEntry = { name: 'Bộ Tài chính', kind: 'ministry', aliases: ['BTC'] };
    const b: AgencyEntry = { name: 'Ban Tổ chức', kind: 'other', aliases: ['BTC'] };
    expect(() => AgencyRegistry.fromEntries([a, b])).toThrow(/BTC/);
  });

  it('names only known agencies as successors and group members', () => {
    for (const e of file.agencies) {
      for (const s of e.succession?.successors ?? []) expect(registry.get(s), s).toBeDefined();
      for (const m of e.members ?? []) expect(registry.get(m), m).toBeDefined();
    }
  });
});

describe('resolve', () => {
  it.each([
    ['Bộ Thông tin và Truyền thông', 'Bộ Thông tin và Truyền thông'],
    ['bo thong tin va truyen thong', 'Bộ Thông tin và Truyền thông'],
    ['BTTTT', 'Bộ Thông tin và Truyền thông'],
    ['Bộ TT&TT', 'Bộ Thông tin và Truyền thông'],
    ['bo kh&dt', 'Bộ Kế hoạch và Đầu tư'],
    ['BKHĐT', 'Bộ Kế hoạch và Đầu tư'],
    ['NHNN', 'Ngân hàng Nhà nước Việt Nam'],
    ['ngan hang nha nuoc', 'Ngân hàng Nhà nước Việt Nam'],
    ['VPCP', 'Văn phòng Chính phủ'],
    ['BLĐTBXH', 'Bộ Lao động - Thương binh và Xã hội'],
    ['ldtbxh', 'Bộ Lao động - Thương binh và Xã hội'],
    ['Bộ Lao động Thương binh Xã hội', 'Bộ Lao động - Thương binh và Xã hội'],
    ['Bộ Văn hóa Thể thao và Du lịch', 'Bộ Văn hóa, Thể thao và Du lịch'],
    ['Bộ Khoa học Công nghệ', 'Bộ Khoa học và Công nghệ'],
    ['Bảo xã hội Việt Nam', 'Bảo hiểm xã hội Việt Nam'],
    ['BHXH VN', 'Bảo hiểm xã hội Việt Nam'],
    ['TP. Hồ Chí Minh', 'Thành phố Hồ Chí Minh'],
    ['tp hcm', 'Thành phố Hồ Chí Minh'],
    ['TP.HCM', 'Thành phố Hồ Chí Minh'],
    ['Sài Gòn', 'Thành phố Hồ Chí Minh'],
    ['Hà Nội', 'Thành phố Hà Nội'],
    ['UBND thành phố Hà Nội', 'Thành phố Hà Nội'],
    ['Thừa Thiên - Huế', 'Thừa Thiên Huế'],
    ['thua thien hue', 'Thừa Thiên Huế'],
    ['Huế', 'Thành phố Huế'],
    ['tỉnh Bạc Liêu', 'Bạc Liêu'],
    ['UBND tỉnh Bạc Liêu', 'Bạc Liêu'],
    ['Khánh Hoà', 'Khánh Hòa'],
    ['dak lak', 'Đắk Lắk'],
    ['BR-VT', 'Bà Rịa - Vũng Tàu'],
    ['Bộ trưởng Bộ Công an', 'Bộ Công an'],
    ['Thống đốc Ngân hàng Nhà nước', 'Ngân hàng Nhà nước Việt Nam'],
    ['Chủ tịch UBND tỉnh Lào Cai', 'Lào Cai'],
    ['Ủy ban quốc gia về chuyển đổi số', 'Ủy ban Quốc gia về chuyển đổi số'],
    ['Mobiphone', 'Tổng công ty Viễn thông MobiFone'],
    ['các bộ, ngành, địa phương', 'Các bộ, ngành, địa phương'],
    ['địa phương', 'Các địa phương'],
  ])('%s → %s', (written, canonical) => {
    expect(registry.resolve(written)?.name).toBe(canonical);
  });

  it('needs the whole string to be one name', () => {
    expect(registry.resolve('Bộ Công an và Bộ Quốc phòng')).toBeUndefined();
    // A province's department, not the ministry.
    expect(registry.resolve('Sở KH&ĐT')?.name).toBe('Sở Kế hoạch và Đầu tư');
    expect(registry.resolve('')).toBeUndefined();
  });

  it('does not read the given name Huệ as Huế', () => {
    expect(registry.resolve('Huệ')).toBeUndefined();
  });

  it('tolerates small typos only in fuzzy mode', () => {
    expect(registry.resolve('Bộ Công Thưong', { fuzzy: true })?.name).toBe('Bộ Công Thương');
    expect(registry.resolve('bo tai chinhh', { fuzzy: true })?.name).toBe('Bộ Tài chính');
    expect(registry.resolve('bo tai chinhh')).toBeUndefined();
    expect(registry.resolve('Bộ Thông tin và Truyền thôngg', { fuzzy: true })?.name).toBe(
      'Bộ Thông tin và Truyền thông',
    );
    // Acronyms are not fuzzy: "NHNN" is one edit from "nhân".
    expect(registry.resolve('nhân', { fuzzy: true })).toBeUndefined();
  });
});

describe('findMentions', () => {
  it('finds the agencies of an assignment, in order, with offsets into the text', () => {
    const text =
      'b) Bộ Công an chủ trì, phối hợp với Bộ Quốc phòng, Bộ Thông tin và Truyền thông tăng cường phối hợp, thường xuyên đánh giá, hướng dẫn, giám sát, bảo vệ hệ thống thông tin, cơ sở dữ liệu quốc gia, cơ sở dữ liệu chuyên ngành.';
    const mentions = registry.findMentions(text, DOC);
    expect(mentions.map((m) => m.name)).toEqual(['Bộ Công an', 'Bộ Quốc phòng', 'Bộ Thông tin và Truyền thông']);
    for (const m of mentions) expect(text.slice(m.start, m.end)).toBe(m.text);
    expect(mentions[0]!.text).toBe('Bộ Công an');
  });

  it('finds every province of a locality list', () => {
    const text =
      'e) Tổ chức triển khai, chỉ đạo triển khai các nền tảng số phục vụ du lịch, chuyển đổi số trong lĩnh vực du lịch: Bắc Kạn, Bình Thuận, Cà Mau, Cao Bằng, Hà Giang, Ninh Thuận, Phú Yên, Quảng Bình, Tuyên Quang.';
    expect(names(text, DOC)).toEqual([
      'Bắc Kạn',
      'Bình Thuận',
      'Cà Mau',
      'Cao Bằng',
      'Hà Giang',
      'Ninh Thuận',
      'Phú Yên',
      'Quảng Bình',
      'Tuyên Quang',
    ]);
  });

  it('reads the seed spellings of cities and ministries', () => {
    expect(names('kho vận logistics để nâng cao năng suất, hiệu quả quản lý hàng hóa: TP. Hải phòng', DOC)).toEqual([
      'Thành phố Hải Phòng',
    ]);
    expect(names('Thừa Thiên - Huế, TP. Đà Nẵng, TP. Hồ Chí Minh, Bà Rịa-Vũng Tàu', DOC)).toEqual([
      'Thừa Thiên Huế',
      'Thành phố Đà Nẵng',
      'Thành phố Hồ Chí Minh',
      'Bà Rịa - Vũng Tàu',
    ]);
    expect(
      names('Bộ Công an, Bộ Tài chính, Bộ Khoa học Công nghệ, Tòa án nhân dân tối cao, Viện Kiểm sát nhân dân tối cao', DOC),
    ).toEqual([
      'Bộ Công an',
      'Bộ Tài chính',
      'Bộ Khoa học và Công nghệ',
      'Tòa án nhân dân tối cao',
      'Viện Kiểm sát nhân dân tối cao',
    ]);
    expect(names('Bộ Công an tiếp tục phối hợp với Bộ Tài chính (Tổng Cục thuế) đẩy mạnh', DOC)).toEqual([
      'Bộ Công an',
      'Bộ Tài chính',
      'Tổng cục Thuế',
    ]);
    // A table cell continued after a page break: "Bộ Giáo⇥dục và Đào tạo".
    expect(names('Bộ Tài chính, Bộ Giáo\tdục và Đào tạo, Bảo xã hội Việt Nam', DOC)).toEqual([
      'Bộ Tài chính',
      'Bộ Giáo dục và Đào tạo',
      'Bảo hiểm xã hội Việt Nam',
    ]);
  });

  it('does not read "Hồ Chí Minh" inside the Youth Union as the city', () => {
    const text =
      'phối hợp với UBND các tỉnh, thành phố, các doanh nghiệp công nghệ số và Trung ương Đoàn TNCS Hồ Chí Minh tổ chức phổ biến';
    const found = names(text, DOC);
    expect(found).toContain('Trung ương Đoàn Thanh niên Cộng sản Hồ Chí Minh');
    expect(found).not.toContain('Thành phố Hồ Chí Minh');
  });

  it('does not read the common words "hòa bình" (peace) as the province in documents', () => {
    expect(names('vì hòa bình và phát triển', DOC)).toEqual([]);
    expect(names('Hòa bình là khát vọng của nhân dân.', DOC)).toEqual([]);
    expect(names('Hà Nam, Hòa Bình, Khánh Hòa', DOC)).toEqual(['Hà Nam', 'Hòa Bình', 'Khánh Hòa']);
    // A question is case-insensitive.
    expect(names('tỉnh hòa bình có nhiệm vụ gì')).toEqual(['Hòa Bình']);
  });

  it('does not read a person named Huệ as Huế', () => {
    expect(names('Liên hệ bà Nguyễn Thị Huệ, Thừa Thiên Huế', DOC)).toEqual(['Thừa Thiên Huế']);
  });

  it('ignores acronyms inside document numbers and provincial departments', () => {
    expect(names('theo hướng dẫn tại Văn bản số 5406/BTTTT-CĐSQG ngày 03/11/2022 của Bộ Thông tin và Truyền thông', DOC)).toEqual([
      'Bộ Thông tin và Truyền thông',
    ]);
    expect(names('Sở KH&ĐT chủ trì, phối hợp với Bộ KH&ĐT', DOC)).toEqual(['Sở Kế hoạch và Đầu tư', 'Bộ Kế hoạch và Đầu tư']);
  });

  it('finds groups written with "các" but not generic phrases in running text', () => {
    expect(names('Bộ Tư pháp phối hợp với các bộ, ngành có phương án xử lý', DOC)).toEqual([
      'Bộ Tư pháp',
      'Các bộ, ngành',
    ]);
    expect(names('Các bộ, ngành, địa phương khẩn trương hoàn thành', DOC)).toEqual(['Các bộ, ngành, địa phương']);
    expect(names('Văn phòng Chính phủ thông báo để các Bộ, cơ quan, Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương', DOC)).toEqual([
      'Văn phòng Chính phủ',
      'Các bộ, ngành',
      'Các địa phương',
    ]);
    expect(names('bảo đảm gắn kết chặt chẽ với chính quyền địa phương', DOC)).toEqual([]);
    expect(names('Tỷ lệ bộ, ngành, địa phương ban hành kế hoạch', DOC)).toEqual([]);
    expect(names('**63/63** địa phương đã được giao nhiệm vụ', DOC)).toEqual([]);
  });

  it('finds a group named as the lead of an indicator row', () => {
    const row = '6\tTỷ lệ bộ, ngành, địa phương ban hành kế hoạch hành động\tBộ, ngành, địa phương, doanh nghiệp nhà nước\t100%';
    expect(names(row, DOC)).toEqual(['Các bộ, ngành, địa phương', 'Doanh nghiệp nhà nước']);
  });

  it('matches generic group phrases anywhere in a question', () => {
    expect(names('nhiệm vụ của địa phương năm 2024')).toEqual(['Các địa phương']);
  });

  it('finds names with typos in fuzzy mode without stealing from exact names', () => {
    expect(names('nhiệm vụ của bo tai chinhh và Vietel', { fuzzy: true })).toEqual([
      'Bộ Tài chính',
      'Tập đoàn Công nghiệp - Viễn thông Quân đội',
    ]);
    expect(names('tin tỉnh Bình Định', { fuzzy: true })).toEqual(['Bình Định']);
  });

  it('tokenizes exactly like tokenizeWithOffsets', () => {
    const samples = [
      'Bộ Thông tin và Truyền thông - Cơ quan thường trực Ủy ban báo cáo: 52,80% ¹ (TP.HCM, Đắk Lắk)',
      'Số: 5406/BTTTT-CĐSQG — Quyết định số 27/QĐ-UBQGČĐS; Bộ KH&ĐT; İstanbul; 😀 Huế',
      'Hoà Bình, Hòa Bình, Thừa Thiên - Huế\tBộ Giáo\ndục',
    ];
    const dir = join(ROOT, 'corpus', 'documents');
    if (existsSync(dir)) {
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.txt'))) samples.push(readFileSync(join(dir, f), 'utf8'));
    }
    for (const s of samples) expect(foldedTokens(s)).toEqual(tokenizeWithOffsets(s));
  });
});

describe('groups', () => {
  it('lists members by kind', () => {
    // The 63 provinces of 2022–2024 (documents of those years name them) and Thành phố Huế.
    expect(registry.membersOf('Các địa phương')).toHaveLength(64);
    expect(registry.membersOf('Các địa phương')).toContain('Cà Mau');
    expect(registry.membersOf('Các bộ, ngành')).toContain('Bộ Công an');
    expect(registry.membersOf('Các bộ, ngành')).toContain('Bảo hiểm xã hội Việt Nam');
    expect(registry.membersOf('Các bộ, ngành')).not.toContain('Cà Mau');
    expect(registry.membersOf('Doanh nghiệp nhà nước')).toContain('Tập đoàn Điện lực Việt Nam');
    expect(registry.membersOf('Bộ Công an')).toEqual([]);
  });

  it('knows which groups an agency belongs to', () => {
    const ofPolice = registry.groupsOf('Bộ Công an').map((g) => g.name);
    expect(ofPolice).toEqual(expect.arrayContaining(['Các bộ, ngành', 'Các bộ, ngành, địa phương', 'Các cơ quan nhà nước']));
    expect(ofPolice).not.toContain('Các địa phương');
    expect(registry.groupsOf('Cà Mau').map((g) => g.name)).toContain('Các địa phương');
    expect(registry.groupsOf('TP.HCM').map((g) => g.name)).toContain('Các địa phương');
    expect(registry.groupsOf('Tòa án nhân dân tối cao').map((g) => g.name)).toEqual(['Các cơ quan nhà nước']);
    expect(registry.groupsOf('Các bộ, ngành')).toEqual([]);
  });
});

describe('2025 restructuring', () => {
  const pred = (name: string) => registry.predecessorsOf(name).map((e) => e.name);

  it('records who inherited the tasks of merged ministries', () => {
    expect(pred('Bộ Khoa học và Công nghệ')).toContain('Bộ Thông tin và Truyền thông');
    expect(pred('Bộ Tài chính')).toEqual(['Bộ Kế hoạch và Đầu tư', 'Ủy ban Quản lý vốn nhà nước tại doanh nghiệp']);
    expect(pred('Bộ Xây dựng')).toEqual(['Bộ Giao thông vận tải']);
    expect(pred('Bộ Nông nghiệp và Môi trường').sort()).toEqual([
      'Bộ Nông nghiệp và Phát triển nông thôn',
      'Bộ Tài nguyên và Môi trường',
    ]);
    expect(pred('Bộ Nội vụ')).toEqual(['Bộ Lao động - Thương binh và Xã hội']);
    expect(pred('Bộ Y tế')).toEqual(['Bộ Lao động - Thương binh và Xã hội']);
    expect(pred('Bộ Dân tộc và Tôn giáo')).toEqual(['Ủy ban Dân tộc']);
    expect(pred('Bộ Công an')).toEqual([]);
  });

  it('names the main successor first and explains the change in Vietnamese', () => {
    const ldtbxh = registry.get('Bộ Lao động - Thương binh và Xã hội')!;
    expect(ldtbxh.succession?.successors).toEqual(['Bộ Nội vụ', 'Bộ Y tế', 'Bộ Giáo dục và Đào tạo']);
    expect(ldtbxh.succession?.note).toMatch(/giáo dục nghề nghiệp/);
    expect(registry.get('Bộ Thông tin và Truyền thông')?.succession?.date).toBe('2025-03-01');
    expect(registry.get('Bộ Nông nghiệp và Môi trường')?.since).toBe('2025-03-01');
    expect(registry.resolve('BNNMT')?.name).toBe('Bộ Nông nghiệp và Môi trường');
  });

  it('follows chains of successions', () => {
    const chain = AgencyRegistry.fromEntries([
      { name: 'A', kind: 'other', aliases: [], succession: { date: '2025-03-01', successors: ['B'], note: 'vào B' } },
      { name: 'B', kind: 'other', aliases: [], succession: { date: '2026-01-01', successors: ['C'], note: 'vào C' } },
      { name: 'C', kind: 'other', aliases: [] },
    ]);
    expect(chain.predecessorsOf('C').map((e) => e.name)).toEqual(['B', 'A']);
  });
});
