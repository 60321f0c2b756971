// What the 评审计划 screens show and compute: a plan's progress in words, the facilities being put
// into a new plan with their teams and dates, and the server's refusals put back on their rows.
// Pure: the pages (pages/Plans*.vue) call the API and keep the state.
import type { ErrorProblem, FacilityRowOut, PlanEntryIn, PlanListRowOut, PlanOut, PlanProgress } from '../api/types'
import data from '../generated/labels.json'
import type { TagType } from '../domain/labels'

export const PLAN_STATUS_LABELS: Readonly<Record<string, string>> = data.plan_statuses
const PROGRESS_LABELS: Readonly<Record<string, string>> = data.plan_progress
const PROGRESS_TONES = data.plan_progress_tones as Readonly<Record<string, TagType>>
/** Every progress, in the server's order (未开始 … 已取消). */
export const PROGRESS_ORDER = Object.keys(PROGRESS_LABELS) as PlanProgress[]

export function progressLabel(progress: string): string {
  return PROGRESS_LABELS[progress] ?? progress
}

export function progressTone(progress: string): TagType {
  return PROGRESS_TONES[progress] ?? 'default'
}

export function planStatusLabel(status: string): string {
  return PLAN_STATUS_LABELS[status] ?? status
}

export function planStatusTone(status: string): TagType {
  return status === 'active' ? 'primary' : status === 'pending' ? 'warning' : 'default'
}

/** The plan's visits by progress, the non-zero ones, in order: "已通过 3". */
export function progressParts(counts: Readonly<Record<string, number>>): { progress: PlanProgress; label: string; count: number }[] {
  return PROGRESS_ORDER.filter((p) => (counts[p] ?? 0) > 0).map((p) => ({ progress: p, label: progressLabel(p), count: counts[p] ?? 0 }))
}

/** How far the plan is: visits finally decided (approved or not) out of those not cancelled. */
export function doneShare(plan: Pick<PlanOut, 'counts'>): { done: number; of: number; percent: number } {
  const counts = plan.counts
  const all = PROGRESS_ORDER.reduce((sum, p) => sum + (counts[p] ?? 0), 0)
  const of = all - (counts.cancelled ?? 0)
  const done = (counts.approved ?? 0) + (counts.rejected ?? 0)
  return { done, of, percent: of > 0 ? Math.round((done * 100) / of) : 0 }
}

export function periodText(plan: Pick<PlanOut, 'starts_on' | 'ends_on'>): string {
  return `${plan.starts_on} 至 ${plan.ends_on}`
}

export function teamText(people: readonly { name: string }[]): string {
  return people.length > 0 ? people.map((p) => p.name).join('、') : '未指派'
}

// --- a new plan -----------------------------------------------------------------------------------

/** One facility being put into a new plan. */
export interface DraftEntry {
  facility: FacilityRowOut
  inspectorIds: number[]
  date: string
}

/** The facilities added to the draft (those already in it stay as they are, in their place). */
export function addFacilities(draft: readonly DraftEntry[], facilities: readonly FacilityRowOut[], date: string): DraftEntry[] {
  const present = new Set(draft.map((d) => d.facility.id))
  const added = facilities.filter((f) => !present.has(f.id)).map((facility) => ({ facility, inspectorIds: [], date }))
  return [...draft, ...added]
}

/** The same team and, when given, date for the chosen facilities. */
export function applyTeam(
  draft: readonly DraftEntry[],
  chosen: ReadonlySet<number>,
  inspectorIds: readonly number[],
  date: string,
): DraftEntry[] {
  return draft.map((d) =>
    chosen.has(d.facility.id)
      ? { ...d, inspectorIds: inspectorIds.length > 0 ? [...inspectorIds] : d.inspectorIds, date: date || d.date }
      : d,
  )
}

/** The rows of an uploaded list put into the draft: a row the server found whole (its facility,
 * team and day, no problem) adds its facility or replaces its team and day; the others are
 * returned to be shown. */
export function mergeList(
  draft: readonly DraftEntry[],
  rows: readonly PlanListRowOut[],
): { draft: DraftEntry[]; added: number; refused: PlanListRowOut[] } {
  const next = [...draft]
  const refused: PlanListRowOut[] = []
  let added = 0
  for (const row of rows) {
    if (row.problems.length > 0 || row.facility === null || row.inspection_date === null) {
      refused.push(row)
      continue
    }
    const entry: DraftEntry = { facility: row.facility, inspectorIds: row.inspectors.map((p) => p.id), date: row.inspection_date }
    const at = next.findIndex((d) => d.facility.id === entry.facility.id)
    if (at >= 0) next[at] = entry
    else next.push(entry)
    added += 1
  }
  return { draft: next, added, refused }
}

/** What still keeps the draft from being sent, in Chinese; empty when it may be. */
export function draftGaps(draft: readonly DraftEntry[]): string[] {
  const gaps: string[] = []
  if (draft.length === 0) gaps.push('请至少加入一家机构')
  const noTeam = draft.filter((d) => d.inspectorIds.length === 0).length
  if (noTeam > 0) gaps.push(`${noTeam} 家机构还没有指派检查组`)
  const noDate = draft.filter((d) => !d.date).length
  if (noDate > 0) gaps.push(`${noDate} 家机构还没有计划日期`)
  return gaps
}

/** The facilities whose day lies outside the plan's period, as a gap (said before sending). */
export function outsidePeriod(draft: readonly DraftEntry[], startsOn: string, endsOn: string): string[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startsOn) || !/^\d{4}-\d{2}-\d{2}$/.test(endsOn)) return []
  const outside = draft.filter((d) => d.date && (d.date < startsOn || d.date > endsOn)).length
  return outside > 0 ? [`${outside} 家机构的计划日期不在计划期限内`] : []
}

/** Facilities whose team has one inspector only (a visit is usually made by two or more). */
export function loneTeams(draft: readonly DraftEntry[]): number {
  return draft.filter((d) => d.inspectorIds.length === 1).length
}

export function entriesOf(draft: readonly DraftEntry[]): PlanEntryIn[] {
  return draft.map((d) => ({ facility_id: d.facility.id, inspector_ids: [...d.inspectorIds], inspection_date: d.date }))
}

/** The server's problems with a plan: those of its rows by row index ("/entries/3/…"), and the
 * others by field ("/ends_on" -> ends_on). */
export function planProblems(problems: readonly ErrorProblem[]): { rows: Map<number, string[]>; fields: Record<string, string> } {
  const rows = new Map<number, string[]>()
  const fields: Record<string, string> = {}
  for (const p of problems) {
    const match = /^\/entries\/(\d+)(?:\/|$)/.exec(p.pointer)
    if (match) {
      const n = Number(match[1])
      const list = rows.get(n) ?? []
      if (!list.includes(p.message)) list.push(p.message)
      rows.set(n, list)
    } else {
      const field = p.pointer.replace(/^\//, '').split('/')[0] ?? ''
      if (fields[field] === undefined) fields[field] = p.message
    }
  }
  return { rows, fields }
}

/** A key of the client's for one plan request: sent again (a retry), the server answers with the
 * plan the first request made instead of making a second. */
export function newRequestId(): string {
  return crypto.randomUUID()
}
