// The live tier preview, fed by the real mini-test checklist and the same preview() the pages use.
import { afterEach, describe, expect, it } from 'vitest'
import { enableAutoUnmount, mount, type VueWrapper } from '@vue/test-utils'
import { MINI_TEST as miniTest } from '../domain/testing'
import type { AnswerRow } from '../db'
import { NOT_MET, parseChecklist } from '../domain/scoring'
import { preview } from '../inspect/model'
import ScorePreview from './ScorePreview.vue'

enableAutoUnmount(afterEach)

const checklist = parseChecklist(miniTest)
const INSPECTION_DATE = '2026-11-23'

type Answer = Pick<AnswerRow, 'grade'> & Partial<AnswerRow>

function answers(values: Record<string, Answer>): Map<string, AnswerRow> {
  return new Map(
    Object.entries(values).map(([itemId, a]) => [
      itemId,
      { inspectionId: 7, itemId, note: null, documentDate: null, validUntil: null, serverRevision: 0, updatedAt: '', ...a },
    ]),
  )
}

/** Every item at its best level with documents in force (the mini-01 golden vector). */
function allBest(overrides: Record<string, Answer> = {}): Map<string, AnswerRow> {
  return answers({
    'M-B01': { grade: 'A' },
    'M-B02': { grade: 'A' },
    'M-B03': { grade: 'A' },
    'M-B04': { grade: 'A' },
    'M-B05': { grade: 'A' },
    'M-B06': { grade: 'A' },
    'M-B07': { grade: 'A' },
    'M-B08': { grade: 'C', documentDate: '2026-06-01' },
    'M-B09': { grade: 'A' },
    'M-B10': { grade: 'C' },
    'M-R1': { grade: 'A' },
    'M-R2': { grade: 'A' },
    'M-R3': { grade: 'A' },
    'M-R4': { grade: 'B', validUntil: '2027-12-31' },
    'M-R5': { grade: 'A' },
    ...overrides,
  })
}

function render(rows: Map<string, AnswerRow>, options: { compact?: boolean; facts?: Record<string, unknown>; date?: string } = {}): VueWrapper {
  const scored = preview(checklist, options.facts ?? { has_beds: true }, rows, options.date ?? INSPECTION_DATE)
  return mount(ScorePreview, { props: { checklist, preview: scored, compact: options.compact } })
}

function blockers(wrapper: VueWrapper): string[] {
  return wrapper.findAll('.blocker').map((b) => b.text())
}

function cell(wrapper: VueWrapper, title: string): string | undefined {
  return wrapper
    .findAll('.van-cell')
    .find((c) => c.find('.van-cell__title > span').text() === title)
    ?.find('.van-cell__value')
    .text()
}

describe('ScorePreview', () => {
  it('shows the highest tier reached and nothing blocking', () => {
    const wrapper = render(allBest())

    const tier = wrapper.get('[data-testid="preview-tier"]')
    expect(tier.text()).toBe('推荐标准')
    expect(tier.get('.van-tag').classes()).toContain('van-tag--success')
    expect(cell(wrapper, '适用条款')).toBe('15')
    expect(cell(wrapper, '不达标')).toBe('0')
    expect(cell(wrapper, '未作答')).toBe('0')
    expect(wrapper.text()).not.toContain('距“')
    expect(blockers(wrapper)).toEqual([])
  })

  it('names a failed veto item by its number and shows 未达标', () => {
    const wrapper = render(allBest({ 'M-B10': { grade: NOT_MET } }))

    const tier = wrapper.get('[data-testid="preview-tier"]')
    expect(tier.text()).toBe('未达标')
    expect(tier.get('.van-tag').classes()).toContain('van-tag--danger')
    expect(wrapper.text()).toContain('距“基本标准”')
    expect(blockers(wrapper)).toEqual(['否决项不达标：1.1.10'])
    expect(cell(wrapper, '不达标')).toBe('1')
    expect(cell(wrapper, '未作答')).toBe('0')
  })

  it('names an unanswered veto item and how many more items each rule needs', () => {
    const wrapper = render(new Map())

    expect(wrapper.get('[data-testid="preview-tier"]').text()).toBe('未达标')
    expect(blockers(wrapper)).toEqual([
      '否决项未作答：1.1.10',
      '核心条款全部达到C级：还差 2',
      '基本标准条款C级及以上不低于80%：还差 8',
    ])
  })

  it('counts a fresh draft as 0 不达标 and every applicable item 未作答', () => {
    const wrapper = render(new Map())

    expect(cell(wrapper, '适用条款')).toBe('15')
    expect(cell(wrapper, '不达标')).toBe('0')
    expect(cell(wrapper, '未作答')).toBe('15')
    expect(wrapper.get('[data-testid="preview-unanswered"]').text()).toContain('达标判定时按不达标计')
  })

  it('counts graded failures apart from unanswered items', () => {
    const wrapper = render(answers({ 'M-B01': { grade: NOT_MET }, 'M-B02': { grade: 'A' }, 'M-B03': { grade: NOT_MET } }))

    expect(cell(wrapper, '不达标')).toBe('2')
    expect(cell(wrapper, '未作答')).toBe('12')
  })

  it('leaves items not applicable by the facts out of 未作答', () => {
    const wrapper = render(new Map(), { facts: { has_beds: false } })

    expect(cell(wrapper, '适用条款')).toBe('14')
    expect(cell(wrapper, '未作答')).toBe('14')
  })

  it('shows what blocks the next tier once the first is reached', () => {
    // Every recommended item at C: 100% at C, but 0% at B (20% needed: 1 of 5 items).
    const wrapper = render(
      allBest({
        'M-R1': { grade: 'C' },
        'M-R2': { grade: 'C' },
        'M-R3': { grade: 'C' },
        'M-R4': { grade: 'C', validUntil: '2027-12-31' },
        'M-R5': { grade: 'C' },
      }),
    )

    expect(wrapper.get('[data-testid="preview-tier"]').text()).toBe('基本标准')
    expect(wrapper.text()).toContain('距“推荐标准”')
    expect(blockers(wrapper)).toEqual(['推荐标准条款B级及以上不低于20%：还差 1'])
  })

  it('leaves an item not applicable by the facts out of the count', () => {
    const wrapper = render(allBest(), { facts: { has_beds: false } })

    expect(wrapper.get('[data-testid="preview-tier"]').text()).toBe('推荐标准')
    expect(cell(wrapper, '适用条款')).toBe('14')
  })

  it('shows only the tier when compact', () => {
    const wrapper = render(allBest({ 'M-B10': { grade: NOT_MET } }), { compact: true })

    expect(wrapper.get('[data-testid="preview-tier"]').text()).toBe('未达标')
    expect(wrapper.findAll('.van-cell')).toHaveLength(1)
    expect(blockers(wrapper)).toEqual([])
  })

  it('shows why nothing could be computed', () => {
    const wrapper = render(allBest(), { date: '2026-02-30' })

    expect(wrapper.find('[data-testid="preview-tier"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="score-preview"]').text()).toContain('检查日期无效')
    expect(wrapper.findAll('.van-cell')).toHaveLength(1)
  })
})
