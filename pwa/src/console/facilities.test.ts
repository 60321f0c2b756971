import { describe, expect, it } from 'vitest'
import type { FacilityFactOut } from '../api/types'
import { changedFacts, factInput, factText, identifierText, lastResultText, rangeText, readFact, typeLabel } from './facilities'

function fact(overrides: Partial<FacilityFactOut> = {}): FacilityFactOut {
  return {
    key: 'medical_staff',
    label: '卫生技术人员数',
    type: 'integer',
    type_label: '整数',
    unit: '人',
    min: 0,
    max: 500,
    value: 12,
    editable: true,
    ...overrides,
  }
}

describe('facilities', () => {
  it('names kinds, results and identifiers in Chinese', () => {
    expect(typeLabel('D600')).toBe('村卫生室')
    expect(lastResultText({ last_result: null })).toBe('未评')
    expect(lastResultText({ last_result: { inspection_id: 1, inspection_date: '2025-06-01', tier_code: 'basic', tier_label: '基本标准' } })).toBe(
      '基本标准（2025）',
    )
    expect(identifierText({ uscc: null, licence_no: 'PDY1234' })).toBe('许可证 PDY1234')
    expect(identifierText({ uscc: null, licence_no: null })).toBe('未登记')
  })

  it('shows a fact with its unit and range', () => {
    expect(factText(fact())).toBe('12 人')
    expect(factText(fact({ value: null }))).toBe('未填')
    expect(factText(fact({ value: 46500 }))).toBe('46,500 人')
    expect(factText(fact({ type: 'boolean', value: true, unit: null }))).toBe('是')
    expect(rangeText(fact())).toBe('0～500 人')
    expect(rangeText(fact({ max: null }))).toBe('不少于 0 人')
  })

  it('reads what was typed as the fact type, and sends only what changed', () => {
    expect(readFact(fact(), '3.5')).toEqual({ ok: false, message: '请填写整数' })
    expect(readFact(fact(), '')).toEqual({ ok: true, value: null })
    expect(readFact(fact({ type: 'number' }), '3.5')).toEqual({ ok: true, value: 3.5 })
    const facts = [fact(), fact({ key: 'tcm', type: 'boolean', value: false, unit: null }), fact({ key: 'beds_x', editable: false })]
    const typed = { medical_staff: '14', tcm: factInput(facts[1]!), beds_x: '99' }
    expect(changedFacts(facts, typed)).toEqual({ changes: { medical_staff: 14 }, problems: {} })
    expect(changedFacts(facts, { medical_staff: '十四' }).problems).toEqual({ medical_staff: '请填写整数' })
  })
})
