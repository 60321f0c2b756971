// What the 机构管理 screens show of a facility and its facts, and how a fact typed in the form is
// read. Pure: the pages (pages/Facilit*.vue) call the API and keep the state.
import type { FacilityFactOut, FacilityRowOut } from '../api/types'
import { FACILITY_TYPE_LABELS } from '../domain/labels'

export function typeLabel(code: string): string {
  return FACILITY_TYPE_LABELS[code] ?? '其他'
}

/** The facility's last final result: "基本标准（2026）", or 未评. */
export function lastResultText(f: Pick<FacilityRowOut, 'last_result'>): string {
  return f.last_result ? `${f.last_result.tier_label}（${f.last_result.inspection_date.slice(0, 4)}）` : '未评'
}

/** Its identifier: the USCC, else the licence number (village clinics often have no USCC). */
export function identifierText(f: Pick<FacilityRowOut, 'uscc' | 'licence_no'>): string {
  if (f.uscc) return f.uscc
  if (f.licence_no) return `许可证 ${f.licence_no}`
  return '未登记'
}

/** A fact's value (raw JSON: a boolean, a number or a text) as text. */
function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : ''
}

/** A fact's value as people read it, with its unit. */
export function factText(fact: FacilityFactOut): string {
  const value = fact.value
  if (value === null || value === undefined || value === '') return '未填'
  if (fact.type === 'boolean') return value ? '是' : '否'
  const shown = typeof value === 'number' ? value.toLocaleString('zh-CN') : scalar(value)
  return `${shown}${fact.unit ? ` ${fact.unit}` : ''}`
}

/** The allowed range, when the declaration has one: "0～500 人". */
export function rangeText(fact: FacilityFactOut): string {
  if (fact.min === null && fact.max === null) return ''
  const unit = fact.unit ? ` ${fact.unit}` : ''
  const n = (v: number | null): string => (v === null ? '' : v.toLocaleString('zh-CN'))
  if (fact.min !== null && fact.max !== null) return `${n(fact.min)}～${n(fact.max)}${unit}`
  return fact.min !== null ? `不少于 ${n(fact.min)}${unit}` : `不超过 ${n(fact.max)}${unit}`
}

/** The form's text for a fact's value ('' when it has none). */
export function factInput(fact: FacilityFactOut): string {
  const value = fact.value
  if (value === null || value === undefined) return ''
  if (fact.type === 'boolean') return value ? 'true' : 'false'
  return scalar(value)
}

export type FactReading = { ok: true; value: unknown } | { ok: false; message: string }

/** A value typed for a fact, read as its type: '' clears it; the server checks the range. */
export function readFact(fact: FacilityFactOut, text: string): FactReading {
  const t = text.trim()
  if (t === '') return { ok: true, value: null }
  if (fact.type === 'boolean') return t === 'true' || t === 'false' ? { ok: true, value: t === 'true' } : { ok: false, message: '请选择是或否' }
  if (fact.type === 'integer') return /^-?\d+$/.test(t) ? { ok: true, value: Number(t) } : { ok: false, message: '请填写整数' }
  if (fact.type === 'number') {
    const n = Number(t)
    return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: '请填写数字' }
  }
  return { ok: true, value: t }
}

/** The facts whose typed value differs from the facility's, read; or the first problem per fact. */
export function changedFacts(
  facts: readonly FacilityFactOut[],
  typed: Readonly<Record<string, string>>,
): { changes: Record<string, unknown>; problems: Record<string, string> } {
  const changes: Record<string, unknown> = {}
  const problems: Record<string, string> = {}
  for (const fact of facts) {
    if (!fact.editable || typed[fact.key] === undefined || typed[fact.key] === factInput(fact)) continue
    const read = readFact(fact, typed[fact.key] ?? '')
    if (read.ok) changes[fact.key] = read.value
    else problems[fact.key] = read.message
  }
  return { changes, problems }
}
