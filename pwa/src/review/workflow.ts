// How a reviewer's actions look and what a regrade may choose. Which actions the user may take now
// is the server's answer (the review detail's `actions` and `refusals`, computed with the checks
// that guard each request); nothing here restates a workflow rule. Pure: no I/O, no Vue.
import { ApiError, OfflineError } from '../api/client'
import type { ErrorCode } from '../api/errors'
import type { InspectionStatus, RegradeIn, Role } from '../api/types'
import type { Item } from '../domain/scoring'
import { NOT_APPLICABLE, NOT_MET } from '../domain/scoring'
import { levelsBestFirst } from '../domain/grades'
import { gradeLabel } from '../domain/labels'
import { TRANSITIONS } from '../domain/rules'

export type ReviewAction =
  | 'start_county_review'
  | 'county_approve'
  | 'return'
  | 'county_reject'
  | 'start_city_review'
  | 'approve'
  | 'city_return'
  | 'city_reject'
  | 'reopen'

export type ActionTone = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export interface ActionSpec {
  action: ReviewAction
  /** The button text. */
  label: string
  from: readonly InspectionStatus[]
  roles: readonly Role[]
  needsReason: boolean
  /** Checked against the reviewer's own participation and assignment (not `reopen`). */
  reviewLevel: 'county' | 'city' | null
  tone: ActionTone
  /** Shown in the confirmation. */
  confirm: string
}

/** How each reviewer action looks: its tone and the sentence its confirmation shows. What it may
 * start from, who may take it and whether it needs a reason come from the server's rules. */
const PRESENTATION: Readonly<Record<ReviewAction, { tone: ActionTone; confirm: string }>> = {
  start_county_review: { tone: 'primary', confirm: '开始县级审核后，本评审由您负责审核。' },
  county_approve: { tone: 'success', confirm: '确认县级审核通过？通过后提交市级复核。' },
  return: { tone: 'warning', confirm: '退回检查员修改，请写明需要修改的内容。' },
  county_reject: { tone: 'danger', confirm: '县级不予通过，请写明理由。' },
  start_city_review: { tone: 'primary', confirm: '开始市级复核后，本评审由您负责复核。' },
  approve: { tone: 'success', confirm: '确认终审通过？通过后评审结果锁定。' },
  city_return: { tone: 'warning', confirm: '退回县级重新审核，请写明理由。' },
  city_reject: { tone: 'danger', confirm: '市级不予通过，请写明理由。' },
  reopen: { tone: 'default', confirm: '重新开启后进入市级复核，请写明理由。' },
}

/** The reviewers' actions in button order (the order above), each as the server's rules have it. */
export const ACTIONS: readonly ActionSpec[] = (Object.keys(PRESENTATION) as ReviewAction[]).map((action) => {
  const t = TRANSITIONS.find((x) => x.action === action)
  if (!t) throw new Error(`the server's workflow has no action ${action}`)
  return {
    action,
    label: t.label,
    from: t.from,
    roles: t.roles,
    needsReason: t.needsReason,
    reviewLevel: t.reviewLevel,
    ...PRESENTATION[action],
  }
})

export function actionSpec(action: string): ActionSpec | undefined {
  return ACTIONS.find((a) => a.action === action)
}

/** The actions the server offers (the review detail's `actions`), in button order. */
export function offeredActions(offered: readonly string[]): ActionSpec[] {
  return ACTIONS.filter((a) => offered.includes(a.action))
}

/** Why the server refuses actions of the user's role now (another reviewer's inspection, the
 * user took part, the city sample), each reason once. */
export function refusalTexts(refusals: readonly { message: string }[]): string[] {
  return [...new Set(refusals.map((r) => r.message))]
}

export interface GradeChoice {
  code: string
  label: string
  criteria: string | null
}

/** What a reviewer may grade an item: its levels best first, not met, and not applicable when
 * allowed: the order of the inspector's form (domain/grades). */
export function gradeChoices(item: Pick<Item, 'levels' | 'allowNa'>, gradeLabels: Readonly<Record<string, string>>): GradeChoice[] {
  const choices: GradeChoice[] = levelsBestFirst(item.levels).map((lv) => ({
    code: lv.code,
    label: gradeLabel(gradeLabels, lv.code),
    criteria: lv.criteria,
  }))
  choices.push({ code: NOT_MET, label: gradeLabel(gradeLabels, NOT_MET), criteria: null })
  if (item.allowNa) choices.push({ code: NOT_APPLICABLE, label: gradeLabel(gradeLabels, NOT_APPLICABLE), criteria: null })
  return choices
}

/** A reviewer's grade change as the regrade dialog gives it: the server's request without the
 * base revision, which the page adds. */
export type RegradeInput = Required<Omit<RegradeIn, 'base_revision'>>

/** The catalog's codes for "changed by someone else since it was loaded": a regrade on an old
 * revision of the answer, a conflict settled meanwhile. */
const STALE_CODES: readonly ErrorCode[] = ['review.stale_revision', 'conflict.already_resolved']

/** Someone changed the answer (or settled the conflict) since it was loaded. */
export function isStaleError(err: unknown): err is ApiError {
  return err instanceof ApiError && (STALE_CODES as readonly string[]).includes(err.code)
}

/** The catalog's codes for "not there": the thing asked for does not exist or is out of this
 * user's reach (the server answers both alike). */
const MISSING_CODES: readonly ErrorCode[] = ['http.not_found', 'inspection.not_found']

/** The thing asked for is not there for this user: asking again will not help. */
export function isMissing(err: unknown): err is ApiError {
  return err instanceof ApiError && (MISSING_CODES as readonly string[]).includes(err.code)
}

/**
 * A failure as one line for the user. A refusal shows the server's own message: the server words
 * every error code in Chinese (one catalog), so the app adds nothing and never shows the code.
 */
export function errorText(err: unknown): string {
  if (err instanceof OfflineError) return '无法连接服务器，请检查网络后重试'
  if (err instanceof ApiError) return err.message || '操作失败，请稍后重试'
  return '出错了，请稍后重试'
}
