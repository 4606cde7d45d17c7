/**
 * The registry as it is since 2025: the 34 provincial units, two-tier local government,
 * bodies every province has (scoped to the issuing province), the new steering bodies —
 * and how questions, subscriptions and documents reach them. Examples are written here,
 * not copied from the corpus.
 */
import { describe, expect, it } from 'vitest';
import { AgencyRegistry } from '../src/corpus/agencies.js';
import type { TaskRow } from '../src/corpus/types.js';
import { AgencyTaskIndex } from '../src/reminders/policy.js';
import { queryTasks } from '../src/tasks/query.js';

const registry = AgencyRegistry.load();
const DOC = { caseSensitive: true } as const;
const HANOI = { caseSensitive: true, province: 'Thành phố Hà Nội' } as const;
const names = (text: string, opts = {}) => registry.findMentions(text, opts).map((m) => m.name);

let n = 0;
function row(lead: string[], task = `nhiệm vụ ${n + 1}`, deadline = '2026-06-30'): TaskRow {
  n++;
  return {
    id: `t/${n}#1`,
    docId: 't',
    section: String(n),
    task,
    lead,
    support: [],
    deadline: { date: deadline, text: null, precision: 'day' },
    kind: 'task',
    quote: task,
  };
}

/** Rows as a question on `asOf` finds them: task → via and note. */
function ask(question: string, rows: TaskRow[], asOf = '2026-03-01'): Record<string, string> {
  // As the conversation layer does: the first agency named in the question.
  const name = registry.findMentions(question, { fuzzy: true })[0]?.name;
  const agency = name ? registry.get(name) : undefined;
  if (!agency) throw new Error(`no agency in "${question}"`);
  const out: Record<string, string> = {};
  for (const m of queryTasks(rows, { agency, asOf }, registry)) out[m.row.task] = m.note ? `${m.via}: ${m.note}` : m.via;
  return out;
}

describe('the 34 provincial units of 01/07/2025', () => {
  const rows = [
    row(['Nam Định'], 'số hóa sổ hộ tịch Nam Định', '2024-12-31'),
    row(['Ninh Bình'], 'trung tâm dữ liệu tỉnh Ninh Bình'),
    row(['Hà Nam'], 'cổng dịch vụ công Hà Nam', '2024-06-30'),
    row(['Bộ Công an'], 'căn cước điện tử'),
  ];

  it('a question naming a former province finds the tasks of the unit that absorbed it, with a note', () => {
    expect(ask('nhiệm vụ của tỉnh Nam Định', rows)).toEqual({
      'số hóa sổ hộ tịch Nam Định': 'lead',
      'trung tâm dữ liệu tỉnh Ninh Bình': 'successor: giao cho Ninh Bình — Tỉnh Nam Định sáp nhập vào tỉnh Ninh Bình từ 01/07/2025',
    });
  });

  it('a question naming the new unit finds the former provinces’ tasks, with a note', () => {
    expect(ask('ninh binh', rows)).toEqual({
      'trung tâm dữ liệu tỉnh Ninh Bình': 'lead',
      'số hóa sổ hộ tịch Nam Định': 'predecessor: giao cho Nam Định — Tỉnh Nam Định sáp nhập vào tỉnh Ninh Bình từ 01/07/2025',
      'cổng dịch vụ công Hà Nam': 'predecessor: giao cho Hà Nam — Tỉnh Hà Nam sáp nhập vào tỉnh Ninh Bình từ 01/07/2025',
    });
  });

  it('the merger counts only from 01/07/2025', () => {
    expect(ask('Ninh Bình', rows, '2025-06-30')).toEqual({ 'trung tâm dữ liệu tỉnh Ninh Bình': 'lead' });
    expect(ask('Nam Định', rows, '2025-06-30')).toEqual({ 'số hóa sổ hộ tịch Nam Định': 'lead' });
  });

  it('cities keep their city names, and Huế became a thành phố', () => {
    const city = [row(['Thừa Thiên Huế'], 'số hóa di sản'), row(['Thành phố Huế'], 'đô thị thông minh Huế')];
    expect(ask('Huế', city)).toEqual({
      'đô thị thông minh Huế': 'lead',
      'số hóa di sản':
        'predecessor: giao cho Thừa Thiên Huế — Tỉnh Thừa Thiên Huế trở thành thành phố Huế trực thuộc trung ương từ 01/01/2025',
    });
    expect(ask('thua thien hue', city)['đô thị thông minh Huế']).toMatch(/^successor: giao cho Thành phố Huế/);
    expect(registry.resolve('TP. Hải Phòng')?.name).toBe('Thành phố Hải Phòng');
    expect(registry.predecessorsOf('Thành phố Hồ Chí Minh').map((e) => e.name).sort()).toEqual(['Bà Rịa - Vũng Tàu', 'Bình Dương']);
  });

  it('keeps the 63 former names resolvable, each merged into exactly one of the 34', () => {
    const former = registry.all().filter((e) => e.kind === 'province' && e.succession);
    expect(former).toHaveLength(30); // 29 merged provinces + Thừa Thiên Huế (renamed)
    for (const e of former) {
      expect(registry.resolve(`tỉnh ${e.name}`)?.name ?? registry.resolve(e.name)?.name).toBe(e.name);
      const into = registry.get(e.succession!.successors[0]!);
      expect(into?.kind).toBe('province');
      expect(into?.succession).toBeUndefined();
    }
    expect(registry.resolve('Bà Rịa Vũng Tàu')?.succession?.successors).toEqual(['Thành phố Hồ Chí Minh']);
    expect(registry.resolve('kien giang')?.succession?.note).toBe('Tỉnh Kiên Giang sáp nhập vào tỉnh An Giang từ 01/07/2025');
  });

  it('a subscription to a former province follows the new unit, and the other way round', () => {
    const after = new AgencyTaskIndex([], registry, '2026-01-05');
    expect(after.reachingNames('Hà Giang').has('Tuyên Quang')).toBe(true);
    expect(after.reachingNames('Tuyên Quang').has('Hà Giang')).toBe(true);
    expect(after.reachingNames('Tuyên Quang').has('Lào Cai')).toBe(false);
    // A province's subscriber also gets its own bodies' tasks, not every province's "Các sở, ban, ngành".
    const hanoi = after.reachingNames('Hà Nội');
    expect(hanoi.has('Sở Khoa học và Công nghệ Hà Nội')).toBe(true);
    expect(hanoi.has('Các sở, ban, ngành thành phố Hà Nội')).toBe(true);
    expect(hanoi.has('Sở Khoa học và Công nghệ Lào Cai')).toBe(false);
    expect(hanoi.has('Các sở, ban, ngành')).toBe(false);
    const before = new AgencyTaskIndex([], registry, '2025-05-01');
    expect(before.reachingNames('Hà Giang').has('Tuyên Quang')).toBe(false);
  });
});

describe('two-tier local government', () => {
  it('recognises the communes, wards and special zones as one group, in documents and questions', () => {
    for (const written of ['Ủy ban nhân dân các xã, phường, đặc khu', 'UBND cấp xã', 'UBND các xã, phường', 'ubnd xa, phuong']) {
      expect(registry.resolve(written)?.name, written).toBe('Ủy ban nhân dân các xã, phường, đặc khu');
    }
    expect(names('Giao UBND cấp xã rà soát dữ liệu dân cư.', DOC)).toEqual(['Ủy ban nhân dân các xã, phường, đặc khu']);
  });

  it('keeps "UBND cấp huyện" as written, with a note and no successor', () => {
    const huyen = registry.resolve('UBND các quận, huyện')!;
    expect(huyen.name).toBe('Ủy ban nhân dân cấp huyện');
    expect(registry.resolve('ubnd cap huyen')?.name).toBe('Ủy ban nhân dân cấp huyện');
    expect(huyen.succession?.successors).toEqual([]);
    expect(huyen.succession?.note).toMatch(/kết thúc hoạt động từ 01\/07\/2025.*không có cơ quan kế thừa trực tiếp/);
    // Nobody inherits its tasks: not the communes, not the province.
    const rows = [row(['Ủy ban nhân dân cấp huyện'], 'rà soát thủ tục cấp huyện', '2024-10-31')];
    expect(ask('UBND cấp xã', rows)).toEqual({});
    expect(ask('UBND cấp huyện', rows)).toEqual({ 'rà soát thủ tục cấp huyện': 'lead' });
    // Scoped to a province, it keeps the note.
    expect(registry.findMentions('UBND cấp huyện báo cáo', HANOI)[0]?.name).toBe('Ủy ban nhân dân cấp huyện thành phố Hà Nội');
    expect(registry.get('Ủy ban nhân dân cấp huyện thành phố Hà Nội')?.succession?.successors).toEqual([]);
  });
});

describe('bodies every province has, scoped to the issuing province', () => {
  const plan =
    'Sở Khoa học và Công nghệ chủ trì, phối hợp với Công an Thành phố, Sở Tài chính và UBND các xã, phường triển khai; Các Sở, ban, ngành Thành phố báo cáo Văn phòng UBND Thành phố.';

  it('in a plan of UBND thành phố Hà Nội, resolves to Hà Nội’s bodies', () => {
    expect(names(plan, HANOI)).toEqual([
      'Sở Khoa học và Công nghệ Hà Nội',
      'Công an thành phố Hà Nội',
      'Sở Tài chính Hà Nội',
      'Ủy ban nhân dân các xã, phường, đặc khu thành phố Hà Nội',
      'Các sở, ban, ngành thành phố Hà Nội',
      'Văn phòng Ủy ban nhân dân thành phố Hà Nội',
    ]);
    expect(registry.findMentions('UBND Thành phố chỉ đạo', HANOI)[0]?.name).toBe('Thành phố Hà Nội');
  });

  it('without a province (a central document), resolves to the unscoped entries', () => {
    expect(names(plan, DOC)).toEqual([
      'Sở Khoa học và Công nghệ',
      'Công an tỉnh, thành phố',
      'Sở Tài chính',
      'Ủy ban nhân dân các xã, phường, đặc khu',
      'Các sở, ban, ngành',
      'Văn phòng Ủy ban nhân dân tỉnh, thành phố',
    ]);
  });

  it('reads "Sở … các tỉnh, thành phố" in a central document as one unscoped body, not also the provinces', () => {
    expect(names('Giao Sở Khoa học và Công nghệ các tỉnh, thành phố trực thuộc trung ương tổng hợp', DOC)).toEqual([
      'Sở Khoa học và Công nghệ',
    ]);
    expect(names('Công an các địa phương phối hợp', DOC)).toEqual(['Công an tỉnh, thành phố']);
  });

  it('a province written after the body wins over the document’s province', () => {
    expect(names('Sở Tài chính tỉnh Lào Cai phối hợp với Công an tỉnh Ninh Bình', HANOI)).toEqual([
      'Sở Tài chính Lào Cai',
      'Công an tỉnh Ninh Bình',
    ]);
  });

  it('derives the province from the issuer or header, and none for central bodies', () => {
    expect(registry.provinceOf('UBND THÀNH PHỐ HÀ NỘI')).toBe('Thành phố Hà Nội');
    expect(registry.provinceOf('ỦY BAN NHÂN DÂN\nTỈNH NINH BÌNH\n-------\nSố: 12/KH-UBND')).toBe('Ninh Bình');
    expect(registry.provinceOf('Ủy ban nhân dân tỉnh Ninh Bình')).toBe('Ninh Bình');
    expect(registry.provinceOf('Thành phố Hà Nội')).toBe('Thành phố Hà Nội'); // an issuer already resolved
    expect(registry.provinceOf('UBND TỈNH LÀO CAI\nSỞ TÀI CHÍNH\nSố: 15/KH-STC')).toBe('Lào Cai');
    expect(registry.provinceOf('SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH QUẢNG TRỊ')).toBe('Quảng Trị');
    expect(registry.provinceOf('VĂN PHÒNG CHÍNH PHỦ\nHà Nội, ngày 05 tháng 3 năm 2026')).toBeNull();
    expect(registry.provinceOf('Thủ tướng Chính phủ')).toBeNull();
    expect(registry.provinceOf(null)).toBeNull();
  });

  it('answers a question naming a body and a province, with or without diacritics and abbreviated', () => {
    for (const q of ['Sở KH&CN Hà Nội phải làm gì', 'so khcn ha noi', 'Sở Khoa học và Công nghệ thành phố Hà Nội', 'so khoa hoc cong nghe tp ha noi']) {
      expect(names(q, { fuzzy: true }), q).toEqual(['Sở Khoa học và Công nghệ Hà Nội']);
    }
    const rows = [
      row(['Sở Khoa học và Công nghệ Hà Nội'], 'kho dữ liệu khoa học Hà Nội'),
      row(['Sở Khoa học và Công nghệ Ninh Bình'], 'sàn giao dịch công nghệ Ninh Bình'),
      row(['Các sở, ban, ngành thành phố Hà Nội'], 'cập nhật danh mục dữ liệu'),
    ];
    expect(ask('so khcn ha noi', rows)).toEqual({
      'kho dữ liệu khoa học Hà Nội': 'lead',
      'cập nhật danh mục dữ liệu': 'group: giao cho nhóm: Các sở, ban, ngành thành phố Hà Nội',
    });
    // A province's question includes its own bodies' tasks.
    expect(ask('Hà Nội', rows)['kho dữ liệu khoa học Hà Nội']).toBe('member: giao cho Sở Khoa học và Công nghệ Hà Nội');
    // A body without a province: that body in every province.
    expect(Object.keys(ask('Sở KH&CN', rows)).sort()).toEqual(['kho dữ liệu khoa học Hà Nội', 'sàn giao dịch công nghệ Ninh Bình']);
  });

  it('resolves the usual abbreviations, scoped', () => {
    const scoped = { province: 'Ninh Bình' };
    const cases: Array<[string, string]> = [
      ['Sở TT&TT', 'Sở Thông tin và Truyền thông Ninh Bình'],
      ['Sở KH&CN', 'Sở Khoa học và Công nghệ Ninh Bình'],
      ['Sở KH&ĐT', 'Sở Kế hoạch và Đầu tư Ninh Bình'],
      ['Sở NN&MT', 'Sở Nông nghiệp và Môi trường Ninh Bình'],
      ['Sở TN&MT', 'Sở Tài nguyên và Môi trường Ninh Bình'],
      ['Sở GTVT', 'Sở Giao thông vận tải Ninh Bình'],
      ['Sở LĐ-TB&XH', 'Sở Lao động - Thương binh và Xã hội Ninh Bình'],
      ['CA TP', 'Công an tỉnh Ninh Bình'],
      ['UBND TP', 'Ninh Bình'],
      ['UBND tỉnh', 'Ninh Bình'],
      ['UBND xã', 'Ủy ban nhân dân các xã, phường, đặc khu tỉnh Ninh Bình'],
      ['so tt va tt', 'Sở Thông tin và Truyền thông Ninh Bình'],
    ];
    for (const [written, canonical] of cases) expect(registry.resolve(written, scoped)?.name, written).toBe(canonical);
    expect(registry.resolve('Sở TT&TT')?.name).toBe('Sở Thông tin và Truyền thông');
  });

  it('reads every generated name back as itself (answers quote canonical names)', () => {
    const wrong: string[] = [];
    for (const e of registry.all().filter((x) => x.province)) {
      const found = names(`${e.name} chủ trì.`, DOC);
      if (found.length !== 1 || found[0] !== e.name) wrong.push(`${e.name} → ${found.join(' + ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('passes a department’s tasks to its 2025 successor in the same province, then to the absorbing province', () => {
    const tt = registry.get('Sở Thông tin và Truyền thông Hà Nội')!;
    expect(tt.succession).toMatchObject({ date: '2025-03-01', successors: ['Sở Khoa học và Công nghệ Hà Nội', 'Sở Văn hóa, Thể thao và Du lịch Hà Nội'] });
    expect(registry.get('Sở Kế hoạch và Đầu tư Hà Nội')?.succession?.successors).toEqual(['Sở Tài chính Hà Nội']);
    expect(registry.get('Sở Giao thông vận tải Hà Nội')?.succession?.successors).toEqual(['Sở Xây dựng Hà Nội']);
    expect(registry.get('Sở Lao động - Thương binh và Xã hội Hà Nội')?.succession?.successors[0]).toBe('Sở Nội vụ Hà Nội');
    const rows = [row(['Sở Thông tin và Truyền thông Nam Định'], 'nền tảng chia sẻ dữ liệu Nam Định', '2024-09-30')];
    expect(ask('Sở Khoa học và Công nghệ Ninh Bình', rows)).toEqual({
      'nền tảng chia sẻ dữ liệu Nam Định': `predecessor: giao cho Sở Thông tin và Truyền thông Nam Định — ${tt.succession!.note}`,
    });
    expect(registry.get('Sở Khoa học và Công nghệ Nam Định')?.succession?.successors).toEqual(['Sở Khoa học và Công nghệ Ninh Bình']);
  });
});

describe('steering bodies and central bodies of 2025', () => {
  const BCD = 'Ban Chỉ đạo của Chính phủ về phát triển khoa học, công nghệ, đổi mới sáng tạo, chuyển đổi số và Đề án 06';

  it('the Government’s Ban Chỉ đạo replaced the Ủy ban Quốc gia về chuyển đổi số and the Đề án 06 working group', () => {
    for (const written of ['Ban Chỉ đạo của Chính phủ', 'BCĐ', 'ban chi dao cua chinh phu', BCD]) {
      expect(registry.resolve(written)?.name, written).toBe(BCD);
    }
    expect(registry.predecessorsOf(BCD).map((e) => e.name).sort()).toEqual([
      'Tổ công tác triển khai Đề án 06 của Chính phủ',
      'Ủy ban Quốc gia về chuyển đổi số',
    ]);
    const rows = [row(['Ủy ban Quốc gia về chuyển đổi số'], 'chương trình chuyển đổi số năm 2024', '2024-12-31')];
    expect(ask('BCĐ', rows)['chương trình chuyển đổi số năm 2024']).toMatch(/^predecessor: giao cho Ủy ban Quốc gia về chuyển đổi số — Từ ngày 13\/3\/2025/);
    expect(registry.resolve('Ban Chỉ đạo Trung ương')?.name).toBe(
      'Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số',
    );
  });

  it('has the 14 ministries and 3 ministry-level agencies of 2025, each former one with a successor', () => {
    const now = registry.all().filter((e) => (e.kind === 'ministry' || e.kind === 'ministry-level') && !e.succession);
    expect(now.filter((e) => e.kind === 'ministry')).toHaveLength(14);
    expect(now.filter((e) => e.kind === 'ministry-level').map((e) => e.name).sort()).toEqual([
      'Ngân hàng Nhà nước Việt Nam',
      'Thanh tra Chính phủ',
      'Văn phòng Chính phủ',
    ]);
    expect(registry.resolve('bo dan toc va ton giao')?.name).toBe('Bộ Dân tộc và Tôn giáo');
    expect(registry.predecessorsOf('Bộ Dân tộc và Tôn giáo').map((e) => e.name)).toEqual(['Ủy ban Dân tộc']);
    expect(registry.get('Bảo hiểm xã hội Việt Nam')?.parent).toBe('Bộ Tài chính');
  });

  it('recognises the central bodies 2025 documents name', () => {
    const text =
      'Giao Đài Truyền hình Việt Nam, VOV, TTXVN, Ban Tuyên giáo và Dân vận Trung ương, Viện Hàn lâm KHXH Việt Nam, ĐHQG Hà Nội, Đại học Quốc gia TP.HCM, Tập đoàn VNPT và NHNN phối hợp.';
    expect(names(text, DOC)).toEqual([
      'Đài Truyền hình Việt Nam',
      'Đài Tiếng nói Việt Nam',
      'Thông tấn xã Việt Nam',
      'Ban Tuyên giáo và Dân vận Trung ương',
      'Viện Hàn lâm Khoa học xã hội Việt Nam',
      'Đại học Quốc gia Hà Nội',
      'Đại học Quốc gia Thành phố Hồ Chí Minh',
      'Tập đoàn Bưu chính Viễn thông Việt Nam',
      'Ngân hàng Nhà nước Việt Nam',
    ]);
  });
});

describe('without diacritics and abbreviated, in documents and questions', () => {
  it('reads a document typed without diacritics', () => {
    const text = 'So Khoa hoc va Cong nghe chu tri, phoi hop Cong an tinh Ninh Binh, UBND cap xa va Ban Chi dao cua Chinh phu.';
    expect(names(text, { caseSensitive: true, province: 'ha noi' })).toEqual([
      'Sở Khoa học và Công nghệ Hà Nội',
      'Công an tỉnh Ninh Bình',
      'Ủy ban nhân dân các xã, phường, đặc khu thành phố Hà Nội',
      'Ban Chỉ đạo của Chính phủ về phát triển khoa học, công nghệ, đổi mới sáng tạo, chuyển đổi số và Đề án 06',
    ]);
  });

  it('reads questions typed without diacritics, with abbreviations and a typo', () => {
    const cases: Array<[string, string]> = [
      ['nhiem vu cua so tt&tt ha noi', 'Sở Thông tin và Truyền thông Hà Nội'],
      ['ca tp ho chi minh can lam gi', 'Công an Thành phố Hồ Chí Minh'],
      ['ubnd tp hai phong', 'Thành phố Hải Phòng'],
      ['tinh ba ria vung tau', 'Bà Rịa - Vũng Tàu'],
      ['bo nong nghiep va moi truong', 'Bộ Nông nghiệp và Môi trường'],
      ['ban chi dao trung uong', 'Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số'],
      ['so khoa hoc va cong nghee lao cai', 'Sở Khoa học và Công nghệ Lào Cai'],
      ['ubnd cac xa phuong dac khu', 'Ủy ban nhân dân các xã, phường, đặc khu'],
    ];
    for (const [q, canonical] of cases) expect(names(q, { fuzzy: true }), q).toEqual([canonical]);
  });
});

describe('no false positives', () => {
  it('does not read a province inside another name, in documents or questions', () => {
    for (const opts of [DOC, { fuzzy: true }]) {
      expect(names('Đại học Quốc gia Hà Nội chủ trì', opts)).toEqual(['Đại học Quốc gia Hà Nội']);
      expect(names('Công an Thành phố Hồ Chí Minh phối hợp', opts)).toEqual(['Công an Thành phố Hồ Chí Minh']);
      expect(names('Trường Đại học Cần Thơ đào tạo', opts)).toEqual([]);
    }
    expect(names('dai hoc quoc gia ha noi', { fuzzy: true })).toEqual(['Đại học Quốc gia Hà Nội']);
    expect(names('cong an giang thanh', { fuzzy: true })).toEqual([]);
  });

  it('does not read people, oceans or ideas as provinces in documents', () => {
    expect(names('Phó Thủ tướng Nguyễn Hòa Bình chủ trì cuộc họp', DOC)).toEqual([]);
    expect(names('hợp tác khu vực Thái Bình Dương', DOC)).toEqual([]);
    expect(names('bà Nguyễn Thị Huế, chuyên viên', DOC)).toEqual([]);
    expect(names('vì hòa bình, hợp tác và phát triển', DOC)).toEqual([]);
    expect(names('học tập và làm theo tư tưởng Hồ Chí Minh', DOC)).toEqual([]);
    expect(names('Giải thưởng Hồ Chí Minh về khoa học', DOC)).toEqual([]);
    expect(names('Liên hệ ông Trần Văn Huệ', { fuzzy: true })).toEqual([]);
    // The same names where they do name provinces.
    expect(names('Hà Nội, Hồ Chí Minh, Đà Nẵng', DOC)).toEqual(['Thành phố Hà Nội', 'Thành phố Hồ Chí Minh', 'Thành phố Đà Nẵng']);
    expect(names('Sở Y tế Hòa Bình; tỉnh Thái Bình', DOC)).toEqual(['Sở Y tế Hòa Bình', 'Thái Bình']);
  });

  it('does not take "Công an" alone, or a department for the ministry', () => {
    expect(names('lực lượng Công an nhân dân', DOC)).toEqual([]);
    expect(names('Sở Công Thương phối hợp với Bộ Công Thương', DOC)).toEqual(['Sở Công Thương', 'Bộ Công Thương']);
  });
});
