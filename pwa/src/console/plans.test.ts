import { describe, expect, it } from 'vitest'
import type { FacilityRowOut } from '../api/types'
import {
  addFacilities,
  applyTeam,
  doneShare,
  draftGaps,
  entriesOf,
  loneTeams,
  mergeList,
  outsidePeriod,
  planProblems,
  progressLabel,
  progressParts,
  progressTone,
} from './plans'

function facility(id: number, name = `卫生院${id}`): FacilityRowOut {
  return {
    id,
    name,
    type_code: 'C220',
    region_code: '410222',
    region_name: '通许县',
    uscc: null,
    licence_no: null,
    latitude: null,
    longitude: null,
    beds: 20,
    iv_infusion: false,
    population_served: null,
    facts: {},
    last_result: null,
  }
}

describe('plans', () => {
  it('speaks of progress in the server words and order', () => {
    expect(progressLabel('not_started')).toBe('未开始')
    expect(progressLabel('approved')).toBe('已通过')
    expect(progressTone('returned')).toBe('danger')
    const counts = { not_started: 2, in_progress: 0, submitted: 1, in_review: 0, returned: 0, approved: 3, rejected: 0, cancelled: 1 }
    expect(progressParts(counts).map((p) => `${p.label} ${p.count}`)).toEqual(['未开始 2', '已提交 1', '已通过 3', '已取消 1'])
    expect(doneShare({ counts })).toEqual({ done: 3, of: 6, percent: 50 })
    expect(doneShare({ counts: {} })).toEqual({ done: 0, of: 0, percent: 0 })
  })

  it('adds facilities once, then sets teams and dates for the chosen ones', () => {
    let draft = addFacilities([], [facility(1), facility(2)], '')
    draft = addFacilities(draft, [facility(2), facility(3)], '2026-12-10')
    expect(draft.map((d) => [d.facility.id, d.date])).toEqual([
      [1, ''],
      [2, ''],
      [3, '2026-12-10'],
    ])
    expect(draftGaps(draft)).toEqual(['3 家机构还没有指派检查组', '2 家机构还没有计划日期'])
    draft = applyTeam(draft, new Set([1, 2]), [7, 8], '2026-12-11')
    draft = applyTeam(draft, new Set([3]), [9], '')
    expect(draftGaps(draft)).toEqual([])
    expect(loneTeams(draft)).toBe(1)
    expect(entriesOf(draft)).toEqual([
      { facility_id: 1, inspector_ids: [7, 8], inspection_date: '2026-12-11' },
      { facility_id: 2, inspector_ids: [7, 8], inspection_date: '2026-12-11' },
      { facility_id: 3, inspector_ids: [9], inspection_date: '2026-12-10' },
    ])
    expect(draftGaps([])).toEqual(['请至少加入一家机构'])
  })

  it('puts the server problems back on their rows and fields', () => {
    const { rows, fields } = planProblems([
      { code: 'plan.invalid', pointer: '/entries/0/facility_id', message: '不是本辖区的机构' },
      { code: 'plan.invalid', pointer: '/entries/0/inspector_ids/1', message: '不是本辖区的检查员' },
      { code: 'plan.invalid', pointer: '/entries/2/inspection_date', message: '计划日期不在计划期限内' },
      { code: 'plan.invalid', pointer: '/ends_on', message: '结束日期早于开始日期' },
    ])
    expect([...rows]).toEqual([
      [0, ['不是本辖区的机构', '不是本辖区的检查员']],
      [2, ['计划日期不在计划期限内']],
    ])
    expect(fields).toEqual({ ends_on: '结束日期早于开始日期' })
  })
})

describe('a list of facilities', () => {
  it('puts whole rows into the draft and gives back the others', () => {
    const draft = addFacilities([], [facility(1)], '')
    const { draft: next, added, refused } = mergeList(draft, [
      { line: 2, facility: facility(1), inspectors: [{ id: 7, name: '刘秀英' }], inspection_date: '2026-12-10', problems: [] },
      { line: 3, facility: facility(2), inspectors: [{ id: 8, name: '陈志强' }], inspection_date: '2026-12-11', problems: [] },
      { line: 4, facility: null, inspectors: [], inspection_date: '2026-12-12', problems: ['本辖区没有名为“甲”的机构'] },
    ])
    expect(added).toBe(2)
    expect(entriesOf(next)).toEqual([
      { facility_id: 1, inspector_ids: [7], inspection_date: '2026-12-10' },
      { facility_id: 2, inspector_ids: [8], inspection_date: '2026-12-11' },
    ])
    expect(refused.map((r) => r.line)).toEqual([4])
  })
})

describe('the period', () => {
  it('says before sending how many days lie outside it', () => {
    const draft = applyTeam(addFacilities([], [facility(1), facility(2)], '2026-12-10'), new Set([2]), [7], '2027-01-05')
    expect(outsidePeriod(draft, '2026-12-01', '2026-12-31')).toEqual(['1 家机构的计划日期不在计划期限内'])
    expect(outsidePeriod(draft, '', '2026-12-31')).toEqual([])
  })
})
