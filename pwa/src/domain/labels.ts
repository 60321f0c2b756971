// Chinese labels for the reviewer screens: statuses, kinds, actions, grades, photo flags, and the
// formatting of server times. Pure: no I/O, no Vue.
import type { InspectionKind, InspectionStatus } from '../api/types'
import { NOT_APPLICABLE, NOT_MET } from '../domain/scoring'
import { ACTION_LABELS, STATUS_LABELS } from './rules'

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

// The state and action labels are the server's (src/generated/workflow.json).
export { STATUS_LABELS } from './rules'

const STATUS_TAG_TYPES: Record<InspectionStatus, TagType> = {
  draft: 'default',
  submitted: 'primary',
  county_review: 'warning',
  returned: 'danger',
  county_approved: 'primary',
  city_review: 'warning',
  approved: 'success',
  rejected: 'danger',
}

export const KIND_LABELS: Record<InspectionKind, string> = {
  self_assessment: '机构自评',
  county_inspection: '县级评审',
  city_reinspection: '市级复核',
}


export const FLAG_LABELS: Record<string, string> = {
  time_outside_visit: '拍摄时间不在检查当天',
  far_from_facility: '拍摄地点远离机构',
  exif_place_invalid: '照片中的定位信息无效',
  used_for_other_facility: '同一照片用于其他机构',
  no_capture_time: '无拍摄时间',
}

/** Why a scored outcome differs from the answer (the engine's `reason`). */
export const OUTCOME_REASON_LABELS: Record<string, string> = {
  condition: '按机构条件不适用',
  inspector: '检查员判定不适用',
  unanswered: '未作答',
  document_date_missing: '缺少文件日期，按不达标计',
  document_expired: '文件已过期，按不达标计',
}

/** Who wrote the current answer. */
export const SOURCE_LABELS: Record<string, string> = {
  inspector: '检查员',
  review: '审核修改',
}

export function statusLabel(status: string): string {
  return (STATUS_LABELS as Record<string, string>)[status] ?? status
}

export function statusTagType(status: string): TagType {
  return (STATUS_TAG_TYPES as Record<string, TagType>)[status] ?? 'default'
}

export function kindLabel(kind: string): string {
  return (KIND_LABELS as Record<string, string>)[kind] ?? kind
}

export function actionHistoryLabel(action: string): string {
  return ACTION_LABELS[action] ?? action
}

export function flagLabel(flag: string): string {
  return FLAG_LABELS[flag] ?? flag
}

/** A grade code as shown to people: the checklist's label, or 不达标 / 不适用. */
export function gradeLabel(gradeLabels: Readonly<Record<string, string>>, code: string | null | undefined): string {
  if (code === null || code === undefined) return '未作答'
  if (code === NOT_MET) return '不达标'
  if (code === NOT_APPLICABLE) return '不适用'
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
