// Loading what the reviewer screens show. Reviewers work online: everything comes from the server
// (scoped to the reviewer's region there); only checklist definitions and facility names, which
// do not change under a reviewer, are kept in memory between pages.
import {
  getChecklist,
  getInspection,
  getScore,
  listConflicts,
  listEvidence,
  listInspections,
  request,
} from '../api/client'
import type {
  ConflictOut,
  EvidenceOut,
  FacilityOut,
  InspectionDetailOut,
  InspectionOut,
  ServerAnswer,
} from '../api/types'
import { parseChecklist, type Checklist, type ScoreResult } from '../domain/scoring'
import { actionableStatuses } from './workflow'

/** The server caps one page of a listing at 500. */
export const LIST_LIMIT = 500

const checklists = new Map<string, Promise<Checklist>>()
const facilityNames = new Map<number, string>()

/** Forgets the cached checklists and facility names (tests; logout). */
export function clearReviewCaches(): void {
  checklists.clear()
  facilityNames.clear()
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

export interface ReviewQueue {
  /** What this reviewer acts on now. */
  pending: InspectionOut[]
  /** Everything the server lists for the reviewer's region. */
  all: InspectionOut[]
}

export async function loadReviewQueue(role: string): Promise<ReviewQueue> {
  const statuses = actionableStatuses(role)
  const allRequest = listInspections({ limit: LIST_LIMIT })
  const pendingRequest =
    statuses === null
      ? allRequest
      : Promise.all(statuses.map((status) => listInspections({ status, limit: LIST_LIMIT }))).then((lists) => lists.flat())
  const [all, pending] = await Promise.all([allRequest, pendingRequest])
  // The server filters by status already; filtering again keeps a stale answer from slipping in.
  const wanted = statuses === null ? null : new Set<string>(statuses)
  const unique = new Map(pending.filter((i) => wanted === null || wanted.has(i.status)).map((i) => [i.id, i]))
  return { pending: [...unique.values()].sort(byDateDesc), all: [...all].sort(byDateDesc) }
}

export interface ReviewData {
  detail: InspectionDetailOut
  checklist: Checklist
  score: ScoreResult
  evidence: EvidenceOut[]
  conflicts: ConflictOut[]
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
    getScore(id) as Promise<ScoreResult>,
    listEvidence(id),
    listConflicts(id),
  ]).then(([detail, checklist, score, evidence, conflicts]) => ({ detail, checklist, score, evidence, conflicts }))
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
  answers: Record<string, ServerAnswer>
}

export async function loadSelfAssessment(inspection: InspectionOut): Promise<SelfAssessment | null> {
  if (inspection.kind === 'self_assessment') return null
  const candidates = await listInspections({ facility_id: inspection.facility_id, limit: LIST_LIMIT })
  const found = pickSelfAssessment(inspection, candidates)
  if (found === null) return null
  const detail = await getInspection(found.id)
  return { inspection: found, answers: detail.answers }
}
