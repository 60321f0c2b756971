// One grade order everywhere: the inspector's item form and the reviewer's regrade dialog list the
// same grades in the same order, best first, on every item of the real checklists.
import { describe, expect, it } from 'vitest'
import { MINI_TEST as miniTest, QUALITY_SERVICE_SAMPLE as qs, VILLAGE_CLINIC_SAMPLE as vc } from './testing'
import { gradeChoices as inspectorChoices } from '../inspect/model'
import { gradeChoices as reviewerChoices } from '../review/workflow'
import { gradeOrder, levelsBestFirst } from './grades'
import { NOT_APPLICABLE, NOT_MET, parseChecklist } from './scoring'

describe('grade order', () => {
  it('puts the best level first, then not met, then not applicable', () => {
    expect(levelsBestFirst(['C', 'B', 'A'])).toEqual(['A', 'B', 'C'])
    const levels = [
      { code: 'C', criteria: '', points: null },
      { code: 'B', criteria: '', points: null },
      { code: 'A', criteria: '', points: null },
    ]
    expect(gradeOrder({ levels, allowNa: true })).toEqual(['A', 'B', 'C', NOT_MET, NOT_APPLICABLE])
    expect(gradeOrder({ levels, allowNa: false })).toEqual(['A', 'B', 'C', NOT_MET])
  })

  it.each([
    ['mini-test', miniTest],
    ['qs-2023-sample', qs],
    ['vc-2022-sample', vc],
  ])('is the same on the inspector’s form and in the regrade dialog (%s)', (_, definition) => {
    const checklist = parseChecklist(definition)
    let multiLevel = 0
    for (const item of checklist.items()) {
      const inspector = inspectorChoices(checklist, item).map((c) => c.code)
      const reviewer = reviewerChoices(item, checklist.gradeLabels).map((c) => c.code)
      expect(reviewer).toEqual(inspector)
      expect(reviewer).toEqual(gradeOrder(item))
      if (item.levels.length > 1) multiLevel++
    }
    if (checklist.gradeScale.length > 1) expect(multiLevel).toBeGreaterThan(0)
  })
})
