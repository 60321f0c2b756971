// The server's workflow rules, typed: read from the file the server exports
// (src/generated/workflow.json, written by `python -m server export-rules`), never restated here.
import type { InspectionStatus, Role } from '../api/types'
import data from '../generated/workflow.json'

export interface Transition {
  action: string
  label: string
  from: readonly InspectionStatus[]
  to: InspectionStatus
  roles: readonly Role[]
  needsReason: boolean
  needsComplete: boolean
  reviewLevel: 'county' | 'city' | null
  /** A change of plan made at the desk (calling a visit off), neither filling in nor reviewing. */
  planning: boolean
}

export const STATUS_LABELS = Object.fromEntries(data.statuses.map((s) => [s.code, s.label])) as Record<InspectionStatus, string>

/** The states in the workflow's order. */
export const STATUSES = data.statuses.map((s) => s.code) as InspectionStatus[]

export const TRANSITIONS: readonly Transition[] = data.transitions.map((t) => ({
  action: t.action,
  label: t.label,
  from: t.from as InspectionStatus[],
  to: t.to as InspectionStatus,
  roles: t.roles as Role[],
  needsReason: t.needs_reason,
  needsComplete: t.needs_complete,
  reviewLevel: t.review_level as 'county' | 'city' | null,
  planning: t.planning,
}))

/** Each action's name as buttons and the status history show it. */
export const ACTION_LABELS: Readonly<Record<string, string>> = Object.fromEntries(TRANSITIONS.map((t) => [t.action, t.label]))

const EDITABLE: readonly string[] = data.editable

/** Whether the inspector's answers may still change in this state. */
export function isEditable(status: string | null | undefined): boolean {
  return status !== null && status !== undefined && EDITABLE.includes(status)
}

function rolesTaking(which: (t: Transition) => boolean): readonly Role[] {
  return [...new Set(TRANSITIONS.filter((t) => !t.planning && which(t)).flatMap((t) => t.roles))]
}

/** The roles that fill in checklists: those that move an inspection on from a state where its
 * answers may change (the submit). They use the inspector's pages and sync. */
export const INSPECTING_ROLES = rolesTaking((t) => t.from.some((s) => isEditable(s)))

/** The roles that act on an inspection once it is submitted: the reviewers of both levels, and
 * whoever may reopen a closed one. They use the review desk. */
export const REVIEWING_ROLES = rolesTaking((t) => t.from.some((s) => !isEditable(s)))

/** The fewest characters a written reason (a return, a rejection, a regrade, a settled conflict)
 * may have once surrounding whitespace is trimmed: the server's one minimum for every reason. */
export const REASON_MIN_LENGTH: number = data.reason_min_length

/** The fewest characters of a password a user chooses (the server's rule). */
export const PASSWORD_MIN_LENGTH: number = data.password_min_length

/** A written reason long enough: the server's minimum, counted as the server counts, in
 * characters (code points, not UTF-16 units) once trimmed. */
export function reasonOk(reason: string): boolean {
  return [...reason.trim()].length >= REASON_MIN_LENGTH
}

/** The state `action` leads to, as the server's table has it. */
export function targetOf(action: string): InspectionStatus | null {
  return TRANSITIONS.find((t) => t.action === action)?.to ?? null
}
