import { describe, expect, it } from 'vitest'
import type { DashboardOut, DashboardRowOut } from '../api/types'
import {
  metText,
  sharesOf,
  changeText,
  escapeHtml,
  gaugesOption,
  listingParam,
  listingQuery,
  parseListing,
  percentText,
  rated,
  targetText,
  tierBarsOption,
} from './dashboard'

function row(name: string, tiers: Record<string, number>, facilities: number): DashboardRowOut {
  const share = { count: 1, percent: 50, target_percent: 20, met: true }
  return {
    region_code: '410222',
    region_name: name,
    direct: false,
    has_children: true,
    facilities,
    tiers,
    shares: { basic: share, recommended: { ...share, met: false, target_percent: 60 } },
    plan: { planned: 2, done: 1, progress: {} },
    overdue: { tasks: 0, facilities: 0 },
    previous: { facilities, tiers: {}, shares: { basic: null, recommended: null }, plan: { planned: 0, done: 0 } },
  }
}

const tiers = [
  { code: 'unrated', label: '未评' },
  { code: 'none', label: '未达标' },
  { code: 'basic', label: '基本标准' },
  { code: 'recommended', label: '推荐标准' },
]

function body(rows: DashboardRowOut[]): DashboardOut {
  return {
    region: { code: '410200', name: '开封市', level: 'city' },
    path: [{ code: '410200', name: '开封市' }],
    year: 2026,
    years: [2026, 2025],
    family: 'quality_service',
    family_label: '优质服务基层行',
    families: [{ code: 'quality_service', label: '优质服务基层行' }],
    tiers,
    shares: [
      { code: 'basic', label: '基本标准及以上', tiers: ['basic', 'recommended'] },
      { code: 'recommended', label: '推荐标准及以上', tiers: ['recommended'] },
    ],
    target: null,
    total: rows[0] ?? row('合计', {}, 0),
    rows,
    items: [],
  }
}

describe('the dashboard in words', () => {
  it('names the shares in the words the server gives the family', () => {
    const shares = [
      { code: 'basic', label: '达标（标准化村卫生室）及以上', tiers: ['basic', 'recommended'] },
      { code: 'recommended', label: '示范村卫生室及以上', tiers: ['recommended'] },
    ]
    expect(sharesOf({ shares })).toEqual([
      { code: 'basic', label: '达标（标准化村卫生室）及以上', tiers: ['basic', 'recommended'] },
      { code: 'recommended', label: '示范村卫生室及以上', tiers: ['recommended'] },
    ])
    expect(metText({ count: 1, percent: 10, target_percent: 20, met: false })).toBe('未达目标')
    expect(metText({ count: 1, percent: 10, target_percent: null, met: null })).toBe('')
  })

  it('writes shares, changes and targets', () => {
    expect(percentText(null)).toBe('—')
    expect(percentText(20)).toBe('20.0%')
    expect(changeText(25, 20, true)).toBe('比去年 +5.0 个百分点')
    expect(changeText(3, 5)).toBe('比去年 −2')
    expect(changeText(4, 4)).toBe('与去年持平')
    expect(changeText(null, 4)).toBe('')
    expect(targetText({ count: 1, percent: 10, target_percent: 20, met: false })).toBe('未达目标 20%')
    expect(targetText({ count: 1, percent: 10, target_percent: null, met: null })).toBe('')
    expect(rated({ facilities: 10, tiers: { unrated: 3, basic: 7 } })).toBe(7)
  })

  it('keeps an open list in the address and reads it back', () => {
    const item = { region_code: '410222', checklist_id: 'qs-2023-sample', item_id: 'QS-1.1.01' }
    expect(listingParam(item)).toBe('item:qs-2023-sample/QS-1.1.01')
    expect(parseListing('item:qs-2023-sample/QS-1.1.01', '410222', undefined)).toEqual({ ...item, direct: false })
    expect(parseListing('reached:recommended', '410200', '1')).toEqual({ region_code: '410200', direct: true, reached: 'recommended' })
    expect(parseListing('reached:gold', '410200', undefined)).toBeNull()
    expect(parseListing('tier:basic', '4102', undefined)).toBeNull()
    expect(parseListing('all:', '410222001', undefined)).toEqual({ region_code: '410222001', direct: false })
    expect(listingParam({ region_code: '410222', overdue: true })).toBe('overdue:')
    expect(parseListing('overdue:', '410222', undefined)).toEqual({ region_code: '410222', direct: false, overdue: true })
    const query = listingQuery({ region_code: '410222', tier: 'unrated' }, 2026, 'quality_service', 'next-page')
    expect(query).toMatchObject({ region_code: '410222', tier: 'unrated', year: 2026, after: 'next-page', limit: 50 })
    expect(query.direct).toBeUndefined()
  })

  it('stacks every tier of every sub-region in its colour', () => {
    const rows = [row('通许县', { basic: 2, none: 1 }, 4), row('兰考县', { recommended: 1 }, 1)]
    const option = tierBarsOption(body(rows), rows, false) as { series: { id: string; data: number[]; stack: string }[] }
    expect(option.series.map((s) => s.id)).toEqual(['unrated', 'none', 'basic', 'recommended'])
    expect(option.series.find((s) => s.id === 'basic')?.data).toEqual([2, 0])
    expect(new Set(option.series.map((s) => s.stack))).toEqual(new Set(['tiers']))
  })

  it('marks the target on each dial and colours it by whether it is met', () => {
    const rows = [row('开封市', { basic: 1 }, 2)]
    const option = gaugesOption(body(rows), true) as { series: { id: string; progress: { itemStyle: { color: string } }; data: { name: string }[] }[] }
    expect(option.series.map((s) => s.id)).toEqual(['basic', 'recommended'])
    expect(option.series[0]?.data[0]?.name).toBe('基本标准及以上\n目标 20%')
    expect(option.series[0]?.progress.itemStyle.color).toBe('#07c160')
    expect(option.series[1]?.progress.itemStyle.color).toBe('#ee0a24')
  })

  it('escapes the text put into a tooltip', () => {
    expect(escapeHtml('<b>"急救"</b>')).toBe('&#60;b&#62;&#34;急救&#34;&#60;/b&#62;')
  })
})
