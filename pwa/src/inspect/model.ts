// What the inspector's screens compute from the device database: the parsed checklist, the live
// score preview (the same engine and rules as the server), and progress by chapter and section.
// Pure functions plus a cache of parsed checklists; no UI imports.
import type { ChecklistDefinition, LastChangeOut } from '../api/types'
import type { AnswerRow } from '../db'
import { needsMorePhotos } from '../domain/evidence'
import { levelsBestFirst } from '../domain/grades'
import { gradeLabel } from '../domain/labels'
import { targetOf } from '../domain/rules'
import {
  documentFields,
  NOT_APPLICABLE,
  NOT_MET,
  parseChecklist,
  parseIsoDate,
  score,
  ScoringError,
  type Checklist,
  type Item,
  type ScoreResult,
} from '../domain/scoring'

const parsed = new Map<string, Checklist>()

/** The checklist of `key` (`id@version`), parsed once per app start. */
export function checklistFor(key: string, definition: ChecklistDefinition): Checklist {
  let checklist = parsed.get(key)
  if (!checklist) {
    checklist = parseChecklist(definition)
    parsed.set(key, checklist)
  }
  return checklist
}

/** The answers in the shape the engine reads; answers it could not score are left out. */
export function answersForScoring(checklist: Checklist, rows: ReadonlyMap<string, AnswerRow>): Record<string, unknown> {
  const items = checklist.itemMap()
  const out: Record<string, unknown> = {}
  for (const [itemId, row] of rows) {
    const item = items.get(itemId)
    if (!item || !gradeChoices(checklist, item).some((c) => c.code === row.grade)) continue
    const answer: Record<string, unknown> = { grade: row.grade }
    if (row.documentDate && parseIsoDate(row.documentDate)) answer.document_date = row.documentDate
    if (row.validUntil && parseIsoDate(row.validUntil)) answer.valid_until = row.validUntil
    if (item.validities.length > 0) {
      // an item with several documents takes its dates in the documents map only
      delete answer.document_date
      delete answer.valid_until
      const documents: Record<string, Record<string, string>> = {}
      for (const f of documentFields(item)) {
        const value = f.key !== null ? row.documents?.[f.key]?.[f.field] : null
        if (f.key !== null && value && parseIsoDate(value)) documents[f.key] = { [f.field]: value }
      }
      answer.documents = documents
    }
    out[itemId] = answer
  }
  return out
}

export interface Preview {
  result: ScoreResult | null
  error: string | null
}

/** The score as the server would compute it from these answers; never throws. */
export function preview(
  checklist: Checklist,
  facts: Record<string, unknown>,
  rows: ReadonlyMap<string, AnswerRow>,
  inspectionDate: string,
): Preview {
  const date = parseIsoDate(inspectionDate)
  if (!date) return { result: null, error: '检查日期无效' }
  try {
    return { result: score(checklist, facts, answersForScoring(checklist, rows), date), error: null }
  } catch (err) {
    if (err instanceof ScoringError) return { result: null, error: `无法计算得分：${err.message}` }
    throw err
  }
}

export interface GradeChoice {
  code: string
  label: string
  criteria: string | null
  points: string | null
}

/** What an inspector may choose for an item: its levels (best last on the scale), not met, N/A. */
export function gradeChoices(checklist: Checklist, item: Item): GradeChoice[] {
  const levels = levelsBestFirst(item.levels).map((level) => ({
    code: level.code,
    label: checklist.gradeLabels[level.code] ?? level.code,
    criteria: level.criteria,
    points: level.points ? `${level.points.toNumber()} 分` : null,
  }))
  const choices: GradeChoice[] = [...levels, { code: NOT_MET, label: gradeLabel({}, NOT_MET), criteria: null, points: null }]
  if (item.allowNa) choices.push({ code: NOT_APPLICABLE, label: gradeLabel({}, NOT_APPLICABLE), criteria: null, points: null })
  return choices
}

export interface Progress {
  done: number
  total: number
}

export interface ChecklistProgress {
  overall: Progress
  chapters: Map<string, Progress>
  sections: Map<string, Progress>
  /** Items that need no answer: not applicable because of the facility's facts. */
  automatic: Set<string>
}

/** Answered out of answerable items, by section, chapter and overall. */
export function progressOf(checklist: Checklist, result: ScoreResult | null, rows: ReadonlyMap<string, AnswerRow>): ChecklistProgress {
  const chapters = new Map<string, Progress>()
  const sections = new Map<string, Progress>()
  const automatic = new Set<string>()
  const overall = { done: 0, total: 0 }
  for (const chapter of checklist.chapters) {
    const ch = { done: 0, total: 0 }
    for (const section of chapter.sections) {
      const sec = { done: 0, total: 0 }
      for (const item of section.items) {
        const outcome = result?.items[item.id]
        if (outcome?.outcome === NOT_APPLICABLE && outcome.reason === 'condition') {
          automatic.add(item.id)
          continue
        }
        sec.total += 1
        if (rows.has(item.id)) sec.done += 1
      }
      sections.set(section.id, sec)
      ch.done += sec.done
      ch.total += sec.total
    }
    chapters.set(chapter.id, ch)
    overall.done += ch.done
    overall.total += ch.total
  }
  return { overall, chapters, sections, automatic }
}

/** Answered items with fewer photos than the checklist asks for (as the server checks on submit). */
export function missingPhotos(
  checklist: Checklist,
  result: ScoreResult | null,
  photoCounts: ReadonlyMap<string, number>,
): Item[] {
  if (!result) return []
  return checklist.items().filter((item) => {
    return needsMorePhotos(item.photosMin, result.items[item.id]?.outcome ?? null, photoCounts.get(item.id) ?? 0)
  })
}

export interface ReturnNotice {
  reason: string
  actor: string
  at: string | null
}

/** The state a reviewer's `return` leads to (the server's workflow table). */
const SENT_BACK = targetOf('return')

/** Why, by whom and when an inspection sent back for changes came back; null in any other state. */
export function returnNotice(assignment: {
  inspection: { status: string }
  lastChange?: LastChangeOut | null
}): ReturnNotice | null {
  if (SENT_BACK === null || assignment.inspection.status !== SENT_BACK) return null
  const change = assignment.lastChange
  if (!change || change.to_status !== SENT_BACK) return { reason: '（未记录）', actor: '审核人', at: null }
  return { reason: change.reason?.trim() || '（未填写）', actor: change.actor_name ?? '审核人', at: change.created_at }
}
