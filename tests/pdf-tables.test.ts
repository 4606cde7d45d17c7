/** PDF tables found from the drawn grid (pdf-parse getTable) become tab rows only when the text layer agrees. */
import { describe, expect, it } from 'vitest';
import { withTables } from '../src/ingestion/pdf-tables.js';

const page = `Phụ lục: Danh mục nhiệm vụ
TT Nhiệm vụ Cơ quan chủ trì Thời hạn
1 Xây dựng kho dữ liệu Bộ Y tế Quý III/2026
mở về y tế
2 Chuẩn hóa danh mục thuốc Bộ Y tế 12/2026
Nơi nhận:`;

describe('withTables', () => {
  it('replaces the lines of a table by its rows, a wrapped cell joined', () => {
    const grid = [[['TT', 'Nhiệm vụ', 'Cơ quan chủ trì', 'Thời hạn'], ['1', 'Xây dựng kho dữ liệu mở về y tế', 'Bộ Y tế', 'Quý III/2026'], ['2', 'Chuẩn hóa danh mục thuốc', 'Bộ Y tế', '12/2026']]];
    expect(withTables(page, grid).split('\n')).toEqual([
      'Phụ lục: Danh mục nhiệm vụ',
      'TT\tNhiệm vụ\tCơ quan chủ trì\tThời hạn',
      '1\tXây dựng kho dữ liệu mở về y tế\tBộ Y tế\tQuý III/2026',
      '2\tChuẩn hóa danh mục thuốc\tBộ Y tế\t12/2026',
      'Nơi nhận:',
    ]);
  });

  it('leaves the text as it is when the grid put a wrapped line in the wrong row', () => {
    const grid = [[['TT', 'Nhiệm vụ', 'Cơ quan chủ trì', 'Thời hạn'], ['1', 'Xây dựng kho dữ liệu', 'Bộ Y tế', 'Quý III/2026'], ['2', 'mở về y tếChuẩn hóa danh mục thuốc', 'Bộ Y tế', '12/2026']]];
    expect(withTables(page, grid)).toBe(page);
  });

  it('leaves the text as it is when the grid holds words the text layer does not', () => {
    const grid = [[['TT', 'Nhiệm vụ', 'Cơ quan chủ trì', 'Thời hạn'], ['1', 'Xây dựng kho dữ liệu mở về y tế', 'Bộ Tài chính', 'Quý III/2026'], ['2', 'Chuẩn hóa danh mục thuốc', 'Bộ Y tế', '12/2026']]];
    expect(withTables(page, grid)).toBe(page);
  });
});
