import { describe, expect, it } from 'vitest'
import { ApiError, OfflineError } from '../api/client'
import { gradeOrder } from '../domain/grades'
import {
  ACTIONS,
  errorText,
  gradeChoices,
  isMissing,
  isStaleError,
  offeredActions,
  refusalTexts,
} from './workflow'

describe('offeredActions', () => {
  it('shows the actions the server offers in button order, each as the server\'s rules have it', () => {
    const offered = offeredActions(['county_reject', 'return', 'county_approve'])
    expect(offered.map((a) => a.action)).toEqual(['county_approve', 'return', 'county_reject'])
    expect(offered.map((a) => a.needsReason)).toEqual([false, true, true])
    expect(offeredActions([])).toEqual([])
    expect(offeredActions(['no_such_action'])).toEqual([])
  })

  it('asks for a reason exactly where the server does', () => {
    const withReason = ACTIONS.filter((a) => a.needsReason).map((a) => a.action)
    expect(withReason.sort()).toEqual(['city_reject', 'city_return', 'county_reject', 'reopen', 'return'])
  })
})

describe('refusalTexts', () => {
  it('shows each of the server\'s reasons once', () => {
    const refusals = [
      { action: 'return', code: 'review.conflict_of_interest', message: '您参与了本次检查，不能审核' },
      { action: 'county_approve', code: 'review.conflict_of_interest', message: '您参与了本次检查，不能审核' },
    ]
    expect(refusalTexts(refusals)).toEqual(['您参与了本次检查，不能审核'])
    expect(refusalTexts([])).toEqual([])
  })
})

describe('gradeChoices', () => {
  const labels = { C: 'C级', B: 'B级', A: 'A级' }
  const levels = [
    { code: 'C', criteria: '有', points: null },
    { code: 'A', criteria: '好', points: null },
  ]

  it('lists the item’s levels best first, then not met: the order of the inspector’s form', () => {
    expect(gradeChoices({ levels, allowNa: false }, labels)).toEqual([
      { code: 'A', label: 'A级', criteria: '好' },
      { code: 'C', label: 'C级', criteria: '有' },
      { code: 'not_met', label: '不达标', criteria: null },
    ])
    expect(gradeChoices({ levels, allowNa: true }, labels).map((c) => c.code)).toEqual(gradeOrder({ levels, allowNa: true }))
  })

  it('adds not applicable only when the item allows it', () => {
    expect(gradeChoices({ levels, allowNa: true }, labels).map((c) => c.code)).toEqual(['A', 'C', 'not_met', 'not_applicable'])
  })
})

describe('isStaleError and errorText', () => {
  it('recognises a stale revision or an already settled conflict', () => {
    expect(isStaleError(new ApiError(409, 'review.stale_revision', 'changed'))).toBe(true)
    expect(isStaleError(new ApiError(409, 'conflict.already_resolved', 'done'))).toBe(true)
    expect(isStaleError(new ApiError(409, 'review.evidence_incomplete', '2 missing'))).toBe(false)
    // Decided by the code, not guessed from its status or its wording.
    expect(isStaleError(new ApiError(409, 'inspection.item_conflict', 'open conflict'))).toBe(false)
    expect(isStaleError(new ApiError(409, 'payouts.record_conflict', 'raced'))).toBe(false)
    expect(isStaleError(new Error('stale'))).toBe(false)
  })

  it('shows the server’s Chinese message as it is, without the code', () => {
    const message = '还有 2 个条款未完成，不能通过审核：请逐项处理后再试'
    expect(errorText(new ApiError(409, 'review.evidence_incomplete', message))).toBe(message)
    expect(errorText(new ApiError(500, 'server.internal', ''))).toBe('操作失败，请稍后重试')
    expect(errorText(new OfflineError('network request failed'))).toBe('无法连接服务器，请检查网络后重试')
    expect(errorText(new TypeError('x is undefined'))).toBe('出错了，请稍后重试')
  })
})

describe('isMissing', () => {
  it('is decided by the catalog code the server sent, not by the status', () => {
    expect(isMissing(new ApiError(404, 'http.not_found', '未找到，或不在您的权限范围内'))).toBe(true)
    expect(isMissing(new ApiError(404, 'inspection.not_found', '评审不存在'))).toBe(true)
    expect(isMissing(new ApiError(404, 'checklist.not_found', '本服务器上没有评审标准'))).toBe(false)
    expect(isMissing(new ApiError(404, 'client.unknown', '服务器返回了无法识别的答复（HTTP 404）'))).toBe(false)
    expect(isMissing(new OfflineError('network request failed'))).toBe(false)
  })
})
