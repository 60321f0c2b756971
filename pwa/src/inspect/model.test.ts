// What the inspector's screens compute from the device database, on the real mini-test checklist
// (15 items: a fact-conditioned item, a veto item, document validity rules and an N/A-able item).
import { describe, expect, it } from 'vitest'
import { MINI_TEST as miniTest } from '../domain/testing'
import type { AnswerRow } from '../db'
import { NOT_APPLICABLE, NOT_MET, parseChecklist, type Checklist, type ChecklistDefinition } from '../domain/scoring'
import { answersForScoring, checklistFor, gradeChoices, missingPhotos, preview, progressOf } from './model'

/** The parts of a definition the tests change. */
interface ItemDef {
  id: string
  levels: { code: string; criteria: string; points?: string }[]
  evidence: { photos_min: number }
}
interface Definition {
  scoring: { method: string }
  chapters: { sections: { items: ItemDef[] }[] }[]
}

const INSPECTION_DATE = '2026-11-23'

/** A deep copy of the mini-test definition, changed by `edit` (the import itself is shared). */
function variant(edit: (d: Definition) => void = () => {}): Checklist {
  const copy = structuredClone(miniTest) as unknown as Definition
  edit(copy)
  return parseChecklist(copy as unknown as ChecklistDefinition)
}

function allItems(d: Definition): ItemDef[] {
  return d.chapters.flatMap((ch) => ch.sections.flatMap((s) => s.items))
}

function itemOf(d: Definition, id: string): ItemDef {
  const item = allItems(d).find((it) => it.id === id)
  if (!item) throw new Error(`no item ${id}`)
  return item
}

type Answer = Pick<AnswerRow, 'grade'> & Partial<AnswerRow>

function answers(values: Record<string, Answer>, inspectionId = 7): Map<string, AnswerRow> {
  return new Map(
    Object.entries(values).map(([itemId, a]) => [
      itemId,
      {
        inspectionId,
        itemId,
        note: null,
        documentDate: null,
        validUntil: null,
        serverRevision: 0,
        updatedAt: '2026-11-23T02:00:00.000Z',
        ...a,
      },
    ]),
  )
}

const checklist = variant()
const item = (id: string) => {
  const found = checklist.itemMap().get(id)
  if (!found) throw new Error(`no item ${id}`)
  return found
}

describe('gradeChoices', () => {
  it('offers the levels best first, then 不达标, with the labels and criteria of the checklist', () => {
    const choices = gradeChoices(checklist, item('M-B01'))

    expect(choices.map((c) => c.code)).toEqual(['A', 'B', 'C', NOT_MET])
    expect(choices.map((c) => c.label)).toEqual(['A级', 'B级', 'C级', '不达标'])
    expect(choices.map((c) => c.criteria)).toEqual(['达到A级要求', '达到B级要求', '达到C级要求', null])
    expect(choices.every((c) => c.points === null)).toBe(true)
  })

  it('offers only the levels the item has', () => {
    expect(gradeChoices(checklist, item('M-B10')).map((c) => c.code)).toEqual(['C', NOT_MET])
    expect(gradeChoices(checklist, item('M-R4')).map((c) => c.code)).toEqual(['B', 'C', NOT_MET])
  })

  it('adds 不适用 last, and only where the item allows the inspector to choose it', () => {
    const na = gradeChoices(checklist, item('M-R5'))
    expect(na.map((c) => c.code)).toEqual(['A', 'B', 'C', NOT_MET, NOT_APPLICABLE])
    expect(na.at(-1)).toEqual({ code: NOT_APPLICABLE, label: '不适用', criteria: null, points: null })

    // Not applicable by the facility's facts is not the inspector's choice.
    expect(gradeChoices(checklist, item('M-B09')).map((c) => c.code)).not.toContain(NOT_APPLICABLE)
    expect(gradeChoices(checklist, item('M-B10')).map((c) => c.code)).not.toContain(NOT_APPLICABLE)
  })

  it('shows the points of each level in a points checklist', () => {
    const points = variant((d) => {
      d.scoring.method = 'points'
      for (const it of allItems(d)) it.levels = it.levels.map((lv, i) => ({ ...lv, points: ['1', '2', '2.5'][i] }))
    })
    const choices = gradeChoices(points, points.itemMap().get('M-B01')!)

    expect(choices.map((c) => c.points)).toEqual(['2.5 分', '2 分', '1 分', null])
  })
})

describe('progressOf', () => {
  it('leaves out items not applicable by the facility facts, even when answered', () => {
    const rows = answers({ 'M-B01': { grade: 'A' }, 'M-B09': { grade: 'A' }, 'M-R1': { grade: 'B' } })
    const scored = preview(checklist, { has_beds: false }, rows, INSPECTION_DATE)
    expect(scored.error).toBeNull()

    const progress = progressOf(checklist, scored.result, rows)

    expect(progress.overall).toEqual({ done: 2, total: 14 })
    expect(progress.chapters.get('M-1')).toEqual({ done: 2, total: 14 })
    expect(progress.sections.get('M-1.1')).toEqual({ done: 1, total: 9 })
    expect(progress.sections.get('M-1.2')).toEqual({ done: 1, total: 5 })
    expect([...progress.automatic]).toEqual(['M-B09'])
  })

  it('counts the conditioned item when the facts make it apply', () => {
    const rows = answers({ 'M-B09': { grade: 'C' } })
    const scored = preview(checklist, { has_beds: true }, rows, INSPECTION_DATE)

    const progress = progressOf(checklist, scored.result, rows)

    expect(progress.overall).toEqual({ done: 1, total: 15 })
    expect(progress.sections.get('M-1.1')).toEqual({ done: 1, total: 10 })
    expect(progress.automatic.size).toBe(0)
  })

  it('counts an item the inspector marked 不适用 as answered, not as automatic', () => {
    const rows = answers({ 'M-R5': { grade: NOT_APPLICABLE } })
    const scored = preview(checklist, { has_beds: false }, rows, INSPECTION_DATE)

    const progress = progressOf(checklist, scored.result, rows)

    expect(progress.sections.get('M-1.2')).toEqual({ done: 1, total: 5 })
    expect(progress.automatic.has('M-R5')).toBe(false)
  })

  it('counts every item when there is no score to read conditions from', () => {
    const rows = answers({ 'M-B01': { grade: 'A' } })

    const progress = progressOf(checklist, null, rows)

    expect(progress.overall).toEqual({ done: 1, total: 15 })
    expect(progress.automatic.size).toBe(0)
  })
})

describe('missingPhotos', () => {
  const withPhotos = variant((d) => {
    itemOf(d, 'M-B01').evidence.photos_min = 2
    itemOf(d, 'M-B02').evidence.photos_min = 1
    itemOf(d, 'M-B03').evidence.photos_min = 1
    itemOf(d, 'M-B04').evidence.photos_min = 1
    itemOf(d, 'M-B09').evidence.photos_min = 1
    itemOf(d, 'M-R5').evidence.photos_min = 1
  })

  it('lists only answered, applicable items with fewer photos than required', () => {
    const rows = answers({
      'M-B01': { grade: 'A' }, // 1 of 2 photos: missing
      'M-B02': { grade: 'B' }, // 1 of 1: enough
      // M-B03 unanswered: not yet asked for
      'M-B04': { grade: NOT_MET }, // a failed item needs its evidence too
      'M-B09': { grade: 'A' }, // not applicable: no beds
      'M-R5': { grade: NOT_APPLICABLE }, // not applicable: the inspector's choice
    })
    const scored = preview(withPhotos, { has_beds: false }, rows, INSPECTION_DATE)
    const counts = new Map([
      ['M-B01', 1],
      ['M-B02', 1],
    ])

    expect(missingPhotos(withPhotos, scored.result, counts).map((it) => it.id)).toEqual(['M-B01', 'M-B04'])
  })

  it('asks for nothing while there is no score', () => {
    expect(missingPhotos(withPhotos, null, new Map())).toEqual([])
  })
})

describe('answersForScoring', () => {
  it('keeps scorable answers and their valid dates, in the shape of the engine', () => {
    const rows = answers({
      'M-B01': { grade: 'A', note: '现场查看' },
      'M-B08': { grade: 'C', documentDate: '2026-06-01' },
      'M-R4': { grade: 'B', validUntil: '2027-12-31' },
      'M-R5': { grade: NOT_APPLICABLE },
    })

    expect(answersForScoring(checklist, rows)).toEqual({
      'M-B01': { grade: 'A' },
      'M-B08': { grade: 'C', document_date: '2026-06-01' },
      'M-R4': { grade: 'B', valid_until: '2027-12-31' },
      'M-R5': { grade: NOT_APPLICABLE },
    })
  })

  it('drops unknown items, grades the item does not have, and N/A where not allowed', () => {
    const rows = answers({
      'M-B01': { grade: 'B' },
      'X-99': { grade: 'A' }, // an item of another checklist version
      'M-B10': { grade: 'A' }, // M-B10 has only level C
      'M-B02': { grade: NOT_APPLICABLE }, // not allowed for M-B02
      'M-B03': { grade: 'excellent' },
    })

    expect(answersForScoring(checklist, rows)).toEqual({ 'M-B01': { grade: 'B' } })
  })

  it('drops dates that are not calendar dates but keeps the answer', () => {
    const rows = answers({
      'M-B08': { grade: 'C', documentDate: '2026-02-30' },
      'M-R4': { grade: 'B', validUntil: '31.12.2027', documentDate: '' },
    })

    expect(answersForScoring(checklist, rows)).toEqual({ 'M-B08': { grade: 'C' }, 'M-R4': { grade: 'B' } })
  })

  it('lets the preview score despite answers the engine would refuse', () => {
    const rows = answers({ 'X-99': { grade: 'A' }, 'M-B10': { grade: 'A' }, 'M-B01': { grade: 'A' } })

    const scored = preview(checklist, { has_beds: true }, rows, INSPECTION_DATE)

    expect(scored.error).toBeNull()
    expect(scored.result?.items['M-B01']?.outcome).toBe('A')
    expect(scored.result?.items['M-B10']?.outcome).toBeNull()
  })
})

describe('preview', () => {
  it('reports an invalid inspection date instead of throwing', () => {
    expect(preview(checklist, { has_beds: true }, new Map(), '2026-13-01')).toEqual({ result: null, error: '检查日期无效' })
  })

  it('reports facts the checklist cannot score with instead of throwing', () => {
    const scored = preview(checklist, {}, new Map(), INSPECTION_DATE)

    expect(scored.result).toBeNull()
    expect(scored.error).toMatch(/^无法计算得分：/)
  })

  it('counts an expired document as not met', () => {
    const rows = answers({ 'M-R4': { grade: 'B', validUntil: '2026-11-22' } })

    const item = preview(checklist, { has_beds: true }, rows, INSPECTION_DATE).result?.items['M-R4']

    expect(item).toEqual({ outcome: NOT_MET, reason: 'document_expired', answered: 'B' })
  })
})

describe('checklistFor', () => {
  it('parses a checklist once per key', () => {
    const first = checklistFor('mini-test@1', miniTest)

    expect(checklistFor('mini-test@1', structuredClone(miniTest))).toBe(first)
    expect(first.items()).toHaveLength(15)
  })
})
