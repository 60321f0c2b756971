// Rectification (整改) as the screens show it: the states, their tones and the rules a submission
// must meet, all exported by the server (src/generated/rectification.json, from
// server/domain/rectification.py). Pure: no I/O, no Vue.
import data from '../generated/rectification.json'
import type { TagType } from './labels'
import { chinaDate } from './time'

export const FIX_STATUS_LABELS: Readonly<Record<string, string>> = data.statuses
const TONES = data.tones as Readonly<Record<string, TagType>>
export const FIX_EVENT_LABELS: Readonly<Record<string, string>> = data.events
/** The days a plan may give a facility to rectify (整改期限), and the default when none is set. */
export const DAYS_MIN: number = data.days_min
export const DAYS_MAX: number = data.days_max
export const DEFAULT_DAYS: number = data.default_days
export const NOTE_MIN_LENGTH: number = data.note_min_length
export const NOTE_MAX_LENGTH: number = data.note_max_length
export const PHOTOS_MIN: number = data.photos_min
export const PHOTOS_MAX: number = data.photos_max
/** What every rectification screen says: a fix never changes the approved score. */
export const SCORE_UNCHANGED: string = data.score_unchanged

const ACTIVE = new Set<string>(data.active)
const EDITABLE = new Set<string>(data.editable)

export function fixStatusLabel(status: string): string {
  return FIX_STATUS_LABELS[status] ?? status
}

export function fixStatusTone(status: string): TagType {
  return TONES[status] ?? 'default'
}

/** Whether the facility may still add photos and submit (待整改, 已退回). */
export function fixEditable(status: string): boolean {
  return EDITABLE.has(status)
}

/** Days from today (China) to the deadline: negative once it has passed. */
export function daysLeft(deadline: string, today: string = chinaDate()): number {
  const ms = Date.parse(`${deadline}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)
  return Math.round(ms / 86_400_000)
}

/** Still the facility's to fix, and its last day has passed (the server's rule, on the device's clock). */
export function fixOverdue(status: string, deadline: string, today: string = chinaDate()): boolean {
  return ACTIVE.has(status) && daysLeft(deadline, today) < 0
}

/** The deadline in words: 还剩 3 天, 今天截止, 已逾期 2 天. */
export function deadlineText(deadline: string, today: string = chinaDate()): string {
  const days = daysLeft(deadline, today)
  if (days > 0) return `还剩 ${days} 天`
  if (days === 0) return '今天截止'
  return `已逾期 ${-days} 天`
}

/** Whether typed text is a whole number of days a plan may set. */
export function validDays(text: string): boolean {
  return /^\d{1,3}$/.test(text) && Number(text) >= DAYS_MIN && Number(text) <= DAYS_MAX
}
