import { describe, expect, it } from 'vitest';
import { formatReminderMessage, remainingPhrase, shorten } from '../src/reminders/format.js';
import { TASKS, TITLES } from './support/db-fixtures.js';

describe('reminder message', () => {
  it('says how long is left in Vietnamese', () => {
    expect(remainingPhrase(6)).toBe('còn 6 ngày');
    expect(remainingPhrase(1)).toBe('còn 1 ngày');
    expect(remainingPhrase(0)).toBe('hạn cuối là hôm nay');
    expect(remainingPhrase(-3)).toBe('đã quá hạn 3 ngày');
  });

  it('batches upcoming and overdue tasks, numbered, with source and section', () => {
    const text = formatReminderMessage(
      [
        { task: TASKS[6]!, kind: 'overdue', deadline: '2024-03-20', daysLeft: -5 },
        { task: TASKS[2]!, kind: 'd30', deadline: '2025-06-30', daysLeft: 30 },
      ],
      { now: '2025-05-31', titles: TITLES, time: '08:00' },
    );
    expect(text).toBe(
      [
        '🔔 Nhắc hạn nhiệm vụ (08:00 ngày 31/05/2025)',
        'Sắp đến hạn: 1 nhiệm vụ',
        '1. Xây dựng Khung kiến trúc Chính phủ số phiên bản 4.0 — Hạn: 30/06/2025 (còn 30 ngày) — văn bản ghi: “Quý II năm 2025” — Cơ quan chủ trì: Bộ Thông tin và Truyền thông — Nguồn: Kế hoạch chuyển đổi số quốc gia năm 2025, mục A.1',
        '⚠️ Đã quá hạn: 1 nhiệm vụ (nhắc lại mỗi thứ Hai cho đến khi tắt nhắc nhiệm vụ đó)',
        '2. Ban hành hướng dẫn chi cho chuyển đổi số từ nguồn ngân sách nhà nước — Hạn: 20/03/2024 (đã quá hạn 5 ngày) — Cơ quan chủ trì: Bộ Tài chính — Nguồn: Chỉ thị số 01/CT-TTg về đẩy mạnh chuyển đổi số, mục B.IV — mã: chi-thi-01-2024/B.IV#1',
        'Tắt nhắc một nhiệm vụ quá hạn: /tatnhac <mã>, ví dụ /tatnhac chi-thi-01-2024/B.IV#1',
      ].join('\n\n'),
    );
    expect(text).toBe(text.normalize('NFC'));
    expect(formatReminderMessage([], { now: '2024-01-01', titles: TITLES })).toBe('');
  });

  it('cuts long task texts at a word boundary', () => {
    const long = 'Triển khai nền tảng tích hợp, chia sẻ dữ liệu cấp bộ, cấp tỉnh '.repeat(20);
    const s = shorten(long, 100);
    expect(s.length).toBeLessThanOrEqual(101);
    expect(s.endsWith('…')).toBe(true);
    expect(shorten('  ngắn   gọn ', 100)).toBe('ngắn gọn');
  });
});
