import { describe, expect, it } from 'vitest'
import type { ImportPreviewOut } from '../api/types'
import { breakdownText, problemsByLine, verdict } from './imports'

function preview(overrides: Partial<ImportPreviewOut> = {}): ImportPreviewOut {
  return {
    kind: 'facilities',
    filename: '机构.csv',
    sha256: '0'.repeat(64),
    header: ['名称', '机构类别代码'],
    rows: [
      { line: 2, cells: ['甲卫生室', 'D600'] },
      { line: 3, cells: ['乙卫生院', 'C210'] },
    ],
    problems: [],
    count: 2,
    breakdown: { C210: 1, D600: 1 },
    ...overrides,
  }
}

describe('imports', () => {
  it('groups problems by line, the header on line 1, column names unescaped', () => {
    const found = problemsByLine([
      { code: 'import.invalid_row', pointer: '/rows/1/床位', message: '无法识别的列“床位”' },
      { code: 'import.invalid_row', pointer: '/rows/3/所在地区~1代码', message: '地区 410225 不在您的辖区内' },
      { code: 'import.invalid_row', pointer: '/rows/3/名称', message: '“名称”不能为空' },
    ])
    expect(found.get(1)).toEqual([{ column: '床位', message: '无法识别的列“床位”' }])
    expect(found.get(3)?.map((p) => p.column)).toEqual(['所在地区/代码', '名称'])
  })

  it('says what a file adds in the server labels', () => {
    expect(breakdownText('facilities', { C210: 1, D600: 30 })).toBe('1 个中心卫生院、30 个村卫生室')
    expect(breakdownText('users', { inspector: 6 })).toBe('6 个检查员')
  })

  it('gives the verdict', () => {
    expect(verdict(preview())).toBe('共 2 行，可以导入：1 个中心卫生院、1 个村卫生室。')
    const bad = preview({ problems: [{ code: 'import.invalid_row', pointer: '/rows/2/名称', message: 'x' }], count: 0 })
    expect(verdict(bad)).toBe('发现 1 处问题，修改文件后请重新上传；在此之前不会导入任何数据。')
  })
})
