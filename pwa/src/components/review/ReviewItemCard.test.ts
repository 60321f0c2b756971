import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ReviewItemCard from './ReviewItemCard.vue'
import type { Item, ItemResult } from '../../domain/scoring'

const item = {
  id: 'T-09',
  number: '1.2.1',
  text: '按核定规模设置床位',
  tier: 'basic',
  core: false,
  veto: false,
  monitoring: false,
  allowNa: false,
  appliesIf: null,
  levels: [],
  validity: null,
  photosMin: 0,
  guidance: null,
  documents: [],
  chapterId: 'T-1',
  sectionId: 'T-1.2',
  maxPoints: null,
} as unknown as Item

const grade = (result: Pick<ItemResult, 'outcome' | 'reason'> | null) =>
  mount(ReviewItemCard, { props: { item, result, gradeLabels: {} } })

describe('ReviewItemCard', () => {
  it('shows an unanswered item the facility does not need as 不适用, with why', () => {
    const wrapper = grade({ outcome: 'not_applicable', reason: 'condition' })
    expect(wrapper.get('[data-testid="item-grade-T-09"]').text()).toBe('评分：不适用')
    expect(wrapper.get('[data-testid="item-outcome-T-09"]').text()).toBe('按机构条件不适用')
  })

  it('shows an unanswered item that applies as 未作答', () => {
    const wrapper = grade({ outcome: null })
    expect(wrapper.get('[data-testid="item-grade-T-09"]').text()).toBe('评分：未作答')
    expect(wrapper.find('[data-testid="item-outcome-T-09"]').exists()).toBe(false)
  })
})
