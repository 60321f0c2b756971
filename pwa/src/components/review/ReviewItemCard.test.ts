import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ReviewItemCard from './ReviewItemCard.vue'
import { parseChecklist, type Item, type ItemResult } from '../../domain/scoring'
import type { DetailAnswerOut } from '../../api/types'
import { DOCS_TEST } from '../../domain/testing'

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
  validities: [],
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

  it('shows each document of an item with several documents, and names the one that fails', () => {
    const docs = parseChecklist(DOCS_TEST).itemMap().get('D-01') as Item
    const answer = {
      grade: 'A',
      revision: 1,
      source: 'inspector',
      author_id: 4,
      documents: { licence: { valid_until: '2028-06-30' } },
    } as unknown as DetailAnswerOut
    const result: ItemResult = {
      outcome: 'not_met',
      reason: 'document_date_missing',
      documents: { state_test: 'document_date_missing' },
      answered: 'A',
    }
    const wrapper = mount(ReviewItemCard, { props: { item: docs, answer, result, gradeLabels: { A: 'A级' } } })
    expect(wrapper.get('[data-testid="item-document-D-01-licence"]').text()).toBe('放射诊疗许可证有效期至：2028-06-30')
    expect(wrapper.get('[data-testid="item-document-D-01-state_test"]').text()).toBe('设备状态检测报告出具日期：未填写')
    expect(wrapper.get('[data-testid="item-outcome-D-01"]').text()).toBe('计分：不达标（设备状态检测报告缺少文件日期，按不达标计）')
  })
})
