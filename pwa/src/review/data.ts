// Loading what the reviewer screens show. Reviewers work online: everything comes from the server
// (scoped to the reviewer's region there); only checklist definitions and facility names, which
// do not change under a reviewer, are kept in memory between pages.
import {
  getChecklist,
  getInspection,
  getScore,
  listConflicts,
  listEvidence,
  getHistory,
  listInspections,
  request,
} from '../api/client'
import type {
  ConflictOut,
  DetailAnswerOut,
  EvidenceOut,
  FacilityOut,
  InspectionDetailOut,
  InspectionOut,
  QueueOut,
  RegionLevelOut,
  RegionOut,
  RevisionOut,
} from '../api/types'
import { parseChecklist, type Checklist, type ScoreResult } from '../domain/scoring'

/** The server caps one page of a listing at 500. */
export const LIST_LIMIT = 500

const checklists = new Map<string, Promise<Checklist>>()
const facilityNames = new Map<number, string>()
const regionLevels = new Map<string, Promise<RegionLevel>>()

/** Forgets the cached checklists, facility names and regions (tests; logout). */
export function clearReviewCaches(): void {
  checklists.clear()
  facilityNames.clear()
  regionLevels.clear()
}

/** A published checklist version never changes, so each is fetched and parsed once. */
export function loadChecklist(id: string, version: number): Promise<Checklist> {
  const key = `${id}@${version}`
  let pending = checklists.get(key)
  if (!pending) {
    pending = getChecklist(id, version).then(parseChecklist)
    checklists.set(key, pending)
    pending.catch(() => checklists.delete(key)) // a failed load is tried again next time
  }
  return pending
}

export function cachedFacilityName(id: number): string | undefined {
  return facilityNames.get(id)
}

export async function loadFacilityName(id: number): Promise<string> {
  const known = facilityNames.get(id)
  if (known !== undefined) return known
  const facility = await request<FacilityOut>(`/api/facilities/${id}`)
  facilityNames.set(id, facility.name)
  return facility.name
}

/** Newest inspection date first, then newest id. */
export function byDateDesc(a: InspectionOut, b: InspectionOut): number {
  if (a.inspection_date !== b.inspection_date) return a.inspection_date < b.inspection_date ? 1 : -1
  return b.id - a.id
}

/** The queue's filters, as the server takes them; empty text means no filter. */
export interface QueueFilters {
  /** Part of the facility's name. */
  q: string
  /** A region code inside the user's (city, county or township). */
  region: string
  status: string
  checklist_id: string
  tier: string
  /** Only what awaits the user (the 待我审核 tab). */
  awaiting: boolean
}

export const EMPTY_FILTERS: Readonly<QueueFilters> = {
  q: '',
  region: '',
  status: '',
  checklist_id: '',
  tier: '',
  awaiting: false,
}

/** Rows per page of the queue. */
export const QUEUE_PAGE = 50

/** One page of the queue, filtered, counted and paged by the server (scoped to the user's region):
 *  the first page, or the one after the cursor `after` (the `next` of the page before). */
export function loadQueue(filters: QueueFilters, after: string | null = null, limit: number = QUEUE_PAGE): Promise<QueueOut> {
  const params = new URLSearchParams()
  const q = filters.q.trim()
  if (q) params.set('q', q)
  for (const key of ['region', 'status', 'checklist_id', 'tier'] as const) {
    if (filters[key]) params.set(key, filters[key])
  }
  if (filters.awaiting) params.set('awaiting', 'true')
  params.set('limit', String(limit))
  if (after !== null) params.set('after', after)
  return request<QueueOut>(`/api/inspections/queue?${params.toString()}`)
}

/** A region and all its direct subregions. */
export interface RegionLevel {
  region: RegionOut
  items: RegionOut[]
}

/** The most pages of one level read (at the server's 500 a page: more subregions than any region has). */
const REGION_PAGES = 20

/**
 * One level of the region tree, as the filters open it: the user's own region (no `parent`) or a
 * region inside it, with all its direct subregions (the server's pages followed). Kept in memory:
 * regions do not change under a reviewer.
 */
export function loadRegionLevel(parent: string | null = null): Promise<RegionLevel> {
  const key = parent ?? ''
  let pending = regionLevels.get(key)
  if (!pending) {
    pending = readRegionLevel(parent)
    regionLevels.set(key, pending)
    pending.catch(() => regionLevels.delete(key)) // a failed load is tried again next time
  }
  return pending
}

async function readRegionLevel(parent: string | null): Promise<RegionLevel> {
  const items: RegionOut[] = []
  let after: string | null = null
  for (let n = 0; n < REGION_PAGES; n++) {
    const params = new URLSearchParams()
    if (parent !== null) params.set('parent', parent)
    if (after !== null) params.set('after', after)
    const qs = params.toString()
    const level: RegionLevelOut = await request<RegionLevelOut>(`/api/regions${qs ? `?${qs}` : ''}`)
    items.push(...level.items)
    after = level.next
    if (after === null) return { region: level.region, items }
  }
  throw new Error('地区列表过长')
}

export interface ReviewData {
  detail: InspectionDetailOut
  checklist: Checklist
  score: ScoreResult
  evidence: EvidenceOut[]
  conflicts: ConflictOut[]
  /** Every revision of every answer, with its author's name (for the regrades shown inline). */
  history: RevisionOut[]
}

export interface ReviewLoad {
  data: Promise<ReviewData>
  /** The facility's self-assessment, loaded alongside; null when there is none or it failed. */
  selfAssessment: Promise<SelfAssessment | null>
}

/**
 * One inspection with everything the review page needs, fetched in parallel. The self-assessment
 * is optional extra information: its failure never fails the page.
 */
export function loadReview(id: number, withSelfAssessment: boolean = true): ReviewLoad {
  const detailRequest = getInspection(id)
  const data = Promise.all([
    detailRequest,
    detailRequest.then((d) => loadChecklist(d.inspection.checklist_id, d.inspection.checklist_version)),
    getScore(id),
    listEvidence(id),
    listConflicts(id),
    getHistory(id),
  ]).then(([detail, checklist, score, evidence, conflicts, history]) => ({ detail, checklist, score, evidence, conflicts, history }))
  const selfAssessment = withSelfAssessment
    ? detailRequest.then((d) => loadSelfAssessment(d.inspection)).catch(() => null)
    : Promise.resolve(null)
  return { data, selfAssessment }
}

/**
 * The facility's own self-assessment against the same checklist, if it has one: the newest other
 * inspection of kind self_assessment. Its answers are shown beside each item.
 */
export function pickSelfAssessment(inspection: InspectionOut, candidates: readonly InspectionOut[]): InspectionOut | null {
  const matching = candidates
    .filter(
      (c) =>
        c.id !== inspection.id &&
        c.kind === 'self_assessment' &&
        c.facility_id === inspection.facility_id &&
        c.checklist_id === inspection.checklist_id,
    )
    .sort(byDateDesc)
  return matching[0] ?? null
}

export interface SelfAssessment {
  inspection: InspectionOut
  answers: Record<string, DetailAnswerOut>
}

export async function loadSelfAssessment(inspection: InspectionOut): Promise<SelfAssessment | null> {
  if (inspection.kind === 'self_assessment') return null
  const candidates = await listInspections({ facility_id: inspection.facility_id, limit: LIST_LIMIT })
  const found = pickSelfAssessment(inspection, candidates.items)
  if (found === null) return null
  const detail = await getInspection(found.id)
  return { inspection: found, answers: detail.answers }
}
