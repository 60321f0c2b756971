// What the 批量导入 screen shows of a preview: problems by row, what the file would add. Pure: the
// page (pages/ImportPage.vue) calls the API.
import type { ErrorProblem, ImportPreviewOut } from '../api/types'
import { FACILITY_TYPE_LABELS, ROLE_LABELS } from '../domain/labels'

export const IMPORT_KINDS = [
  { code: 'facilities', label: '机构' },
  { code: 'users', label: '用户' },
] as const

export interface RowProblem {
  column: string
  message: string
}

/** The problems of each line (/rows/<line>/<column>); line 1 is the header's. */
export function problemsByLine(problems: readonly ErrorProblem[]): Map<number, RowProblem[]> {
  const found = new Map<number, RowProblem[]>()
  for (const p of problems) {
    const parts = p.pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    const line = parts[0] === 'rows' ? Number(parts[1]) : 0
    const column = parts[0] === 'rows' ? parts.slice(2).join('/') : ''
    const list = found.get(line) ?? []
    list.push({ column, message: p.message })
    found.set(line, list)
  }
  return found
}

/** What the file would add, in words: "2 个中心卫生院、30 个村卫生室" or "6 个检查员". */
export function breakdownText(kind: string, breakdown: Readonly<Record<string, number>>): string {
  const labels = kind === 'users' ? ROLE_LABELS : FACILITY_TYPE_LABELS
  return Object.entries(breakdown)
    .map(([code, n]) => `${n} 个${labels[code] ?? code}`)
    .join('、')
}

/** The preview's verdict in one line. */
export function verdict(preview: ImportPreviewOut): string {
  if (preview.problems.length > 0) return `发现 ${preview.problems.length} 处问题，修改文件后请重新上传；在此之前不会导入任何数据。`
  return `共 ${preview.rows.length} 行，可以导入：${breakdownText(preview.kind, preview.breakdown)}。`
}
