// Chinese labels for the screens: statuses, kinds, roles, actions, grades, photo flags, and the
// formatting of server times. Every label of a server code is the server's: the workflow's in
// src/generated/workflow.json, the others in src/generated/labels.json (server/domain/labels.py,
// the same words the PDF report uses). Pure: no I/O, no Vue.
import data from '../generated/labels.json'
import { NOT_APPLICABLE, NOT_MET } from '../domain/scoring'
import { ACTION_LABELS, STATUS_LABELS } from './rules'

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

// The state and action labels are the server's (src/generated/workflow.json).
export { STATUS_LABELS } from './rules'

const STATUS_TAG_TYPES = data.status_tones as Readonly<Record<string, TagType>>

export const KIND_LABELS: Readonly<Record<string, string>> = data.kinds

export const ROLE_LABELS: Readonly<Record<string, string>> = data.roles
/** What an audit entry records (users.created 创建账号 …) and what it is about (user 账号 …). */
export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = data.audit_actions
export const AUDIT_TARGET_LABELS: Readonly<Record<string, string>> = data.audit_targets
/** Who did something when no user did: a command on the server (cli), the demo data (seed). */
export const SYSTEM_ACTOR_LABELS: Readonly<Record<string, string>> = data.system_actors
/** Facility types by their code (B100 社区卫生服务中心 …). */
export const FACILITY_TYPE_LABELS: Readonly<Record<string, string>> = data.facility_types

export const FLAG_LABELS: Readonly<Record<string, string>> = data.flags

/** Why a scored outcome differs from the answer (the engine's `reason`). */
export const OUTCOME_REASON_LABELS: Readonly<Record<string, string>> = data.reasons

/** Who wrote the current answer. */
export const SOURCE_LABELS: Readonly<Record<string, string>> = data.sources

/** The parts /healthz reports on. */
export const HEALTH_COMPONENT_LABELS: Readonly<Record<string, string>> = data.health_components

/** An item's outcome when it is not one of the checklist's grades: 不达标, 不适用, 未作答. */
const OUTCOME_LABELS: Readonly<Record<string, string>> = data.outcomes

/** An outcome's label: 'not_met', 'not_applicable' or 'unanswered'. */
export function outcomeLabel(outcome: 'not_met' | 'not_applicable' | 'unanswered'): string {
  return OUTCOME_LABELS[outcome] ?? outcome
}

export function statusLabel(status: string): string {
  return (STATUS_LABELS as Record<string, string>)[status] ?? status
}

export function statusTagType(status: string): TagType {
  return STATUS_TAG_TYPES[status] ?? 'default'
}

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind
}

export function actionHistoryLabel(action: string): string {
  return ACTION_LABELS[action] ?? action
}

export function flagLabel(flag: string): string {
  return FLAG_LABELS[flag] ?? flag
}

/** A grade code as shown to people: the checklist's label, or 不达标 / 不适用. */
export function gradeLabel(gradeLabels: Readonly<Record<string, string>>, code: string | null | undefined): string {
  if (code === null || code === undefined) return OUTCOME_LABELS.unanswered ?? ''
  if (code === NOT_MET || code === NOT_APPLICABLE) return OUTCOME_LABELS[code] ?? code
  return gradeLabels[code] ?? code
}

export function facilityFallbackName(id: number): string {
  return `机构 #${id}`
}

/** Times as people read them (China time, "YYYY-MM-DD HH:mm"): one formatter, in ./time. */
export { chinaDate, formatTime } from './time'

/** The first 12 hex digits of a SHA-256, enough to recognise a photo. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12)
}
