import { describe, expect, it } from 'vitest'
import type { PublicationPreviewOut } from '../api/types'
import { draftGaps, entriesText, holdLabel, objectionsText, outcomeLabel, outcomeTone, periodText, stateLabel, stateTone } from './publications'

function preview(over: Partial<PublicationPreviewOut> = {}): PublicationPreviewOut {
  return {
    region_code: '410200',
    region_name: '开封市',
    period: '2026',
    period_label: '2026年',
    suggested_title: '开封市2026年基层医疗卫生机构评审达标结果公示',
    suggested_issuer: '开封市卫生健康委员会',
    starts_on: '2026-12-01',
    working_days: 7,
    ends_on: '2026-12-09',
    start_problem: null,
    calendar_note: '',
    entries: [
      {
        inspection_id: 1,
        facility_name: '城关镇东街村卫生室',
        region_name: '通许县',
        family_label: '村卫生室',
        tier_label: '达标',
        inspection_date: '2026-11-20',
        report_number: 'DB-410222-000001-ABCDEF',
      },
    ],
    published: [],
    not_reached: 0,
    ...over,
  }
}

describe('publications', () => {
  it('says where a publication stands in the server words', () => {
    expect(stateLabel('open')).toBe('公示中')
    expect(stateLabel('ended')).toBe('公示期满')
    expect(stateTone('ended')).toBe('success')
    expect(outcomeLabel('upheld')).toBe('异议成立')
    expect(outcomeTone('pending')).toBe('warning')
    expect(holdLabel('not_ended')).toBe('尚未公示期满')
  })

  it('reads a period, its results and its objections', () => {
    expect(periodText({ starts_on: '2026-12-01', ends_on: '2026-12-09', working_days: 7 })).toBe('2026-12-01 至 2026-12-09（7 个工作日）')
    expect(entriesText({ entries: 3, withdrawn: 0 })).toBe('3 项')
    expect(entriesText({ entries: 3, withdrawn: 1 })).toBe('3 项，已撤销 1 项')
    expect(objectionsText({ objections: 0, pending: 0 })).toBe('无')
    expect(objectionsText({ objections: 2, pending: 1 })).toBe('2 件，待处理 1 件')
  })

  it('lists what a new publication still lacks', () => {
    const draft = { title: '公示', issuer: '开封市卫生健康委员会', contact: '电话 0371-1' }
    expect(draftGaps(null, draft)).toEqual(['请先选择地区和期间并预览'])
    expect(draftGaps(preview(), draft)).toEqual([])
    expect(draftGaps(preview({ entries: [], start_problem: '公示开始日期不能早于今天' }), { title: ' ', issuer: '', contact: '' })).toEqual([
      '公示开始日期不能早于今天',
      '没有可公示的结果',
      '请填写公示标题',
      '请填写发布单位',
      '请填写异议受理方式（电话、地址或电子邮箱）',
    ])
  })
})
