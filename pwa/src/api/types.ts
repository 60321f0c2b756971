// Wire types of the server's JSON API (see /api/openapi.json). Field names are the server's.

export type Role = 'inspector' | 'self_assessor' | 'county_reviewer' | 'city_reviewer' | 'admin'

export type InspectionStatus =
  | 'draft'
  | 'submitted'
  | 'county_review'
  | 'returned'
  | 'county_approved'
  | 'city_review'
  | 'approved'
  | 'rejected'

export type InspectionKind = 'self_assessment' | 'county_inspection' | 'city_reinspection'

export interface UserOut {
  id: number
  username: string
  display_name: string
  role: Role
  region_code: string
  facility_id: number | null
}

export interface LoginOut {
  token: string
  expires_at: string
  user: UserOut
}

export interface FacilityOut {
  id: number
  name: string
  type_code: string
  region_code: string
  uscc: string | null
  licence_no: string | null
  latitude: number | null
  longitude: number | null
  beds: number
  iv_infusion: boolean
  population_served: number | null
  facts: Record<string, unknown>
}

export interface InspectionOut {
  id: number
  facility_id: number
  region_code: string
  checklist_id: string
  checklist_version: number
  kind: InspectionKind
  status: InspectionStatus
  inspection_date: string
  created_by: number
  county_reviewer_id: number | null
  city_reviewer_id: number | null
  created_at: string
  updated_at: string
}

/** An answer as the server holds it. */
export interface ServerAnswer {
  grade: string
  document_date?: string | null
  valid_until?: string | null
  note?: string | null
  revision: number
  source?: string
  [extra: string]: unknown
}

export interface AssignmentOut {
  inspection: InspectionOut
  checklist_key: string
  facts: Record<string, unknown>
  answers: Record<string, ServerAnswer>
  /** Photos the server holds per item (from every device). */
  photos: Record<string, number>
  /** The latest status change: who returned it, when and why. */
  last_change?: LastChangeOut | null
  /** Open sync conflicts of the inspection. */
  conflicts?: ConflictOut[]
}

export interface LastChangeOut {
  action: string
  to_status: string
  actor_name: string | null
  reason: string | null
  created_at: string
}

export interface BootstrapOut {
  server_time: string
  user: UserOut
  assignments: AssignmentOut[]
  facilities: FacilityOut[]
  checklists: Record<string, unknown>
}

export interface ChangeIn {
  change_id: string
  inspection_id: number
  item_id: string
  base_revision: number
  grade: string
  document_date: string | null
  valid_until: string | null
  note: string | null
  device_time: string
}

export interface ErrorBody {
  code: string
  message: string
  problems?: { code: string; pointer: string; message: string }[]
}

export interface ReceiptOut {
  change_id: string
  status: 'applied' | 'conflict' | 'rejected'
  revision?: number
  current_revision?: number
  error?: ErrorBody
  received_at?: string
  replayed?: boolean
}

export interface SyncOut {
  receipts: ReceiptOut[]
}

export interface EvidenceOut {
  id: number
  inspection_id: number
  item_id: string
  upload_id: string | null
  sha256: string
  size: number
  content_type: string
  width: number | null
  height: number | null
  claimed_captured_at: string | null
  claimed_latitude: number | null
  claimed_longitude: number | null
  exif_captured_at: string | null
  flags: string[]
  status: string
  uploaded_by: number
  created_at: string
}

export interface StatusChangeOut {
  action: string
  from_status: string
  to_status: string
  actor_id: number
  reason: string | null
  created_at: string
}

export interface InspectionDetailOut {
  inspection: InspectionOut
  facility: FacilityOut
  inspectors: number[]
  answers: Record<string, ServerAnswer>
  open_conflicts: number
  status_changes: StatusChangeOut[]
  /** Display names by user id: inspectors, answer authors, reviewers, status-change actors. */
  people?: Record<string, string>
  /** The newest city sample that drew this inspection for re-review. */
  sample?: { drawn_at: string } | null
  /** The workflow actions the caller may take now, as the server's checks decide. */
  actions: string[]
  /** Actions of the caller's role from this state that the server refuses now, and why. */
  refusals: { action: string; code: string; message: string }[]
  /** Whether the caller may regrade answers now. */
  may_regrade: boolean
}

export interface ConflictOut {
  id: number
  item_id: string
  change_id: string
  base_revision: number
  current_revision: number
  proposed: Record<string, unknown>
  author_id: number
  device_id: string | null
  device_time: string | null
  received_at: string
  resolved_at: string | null
  resolution: string | null
  resolution_reason: string | null
  author_name?: string | null
  /** The answer the change collided with. */
  current?: (ServerAnswer & { author_id?: number; author_name?: string | null }) | null
}

export type ConflictResolution = 'accept' | 'dismiss' | 'combine'

export interface ResolveOut {
  id: number
  item_id: string
  resolution: string
  revision: number | null
  /** The item's answer after the resolution. */
  answer: ServerAnswer | null
  replayed: boolean
}

export interface RevisionOut {
  item_id: string
  revision: number
  grade: string
  document_date: string | null
  valid_until: string | null
  note: string | null
  author_id: number
  /** The author's display name. */
  author_name?: string
  source: string
  reason: string | null
  received_at: string
}

/** One row of the reviewers' queue (GET /api/inspections/queue). */
export interface QueueRowOut {
  inspection: InspectionOut
  facility_name: string
  /** The tier reached now (code and the checklist's label); null when it cannot be computed. */
  tier: string | null
  tier_label: string | null
  /** The inspectors' display names. */
  inspectors: string[]
  /** When it was drawn for city re-review; null when never. */
  sampled_at: string | null
  awaiting_me: boolean
}

export interface QueueOut {
  /** Every row under the filters. */
  total: number
  /** The two tabs under the other filters: awaiting the caller, everything. */
  counts: { awaiting: number; all: number }
  items: QueueRowOut[]
  tiers: { code: string; label: string }[]
  checklists: { id: string; title: string }[]
}

export interface RegionOut {
  code: string
  name: string
  level: 'province' | 'city' | 'county' | 'township' | 'village'
  parent_code: string | null
}
