import { describe, expect, it } from 'vitest'
import { ApiError, OfflineError } from '../api/client'
import { gradeOrder } from '../domain/grades'
import type { InspectionStatus } from '../api/types'
import {
  ACTIONS,
  availableActions,
  canRegrade,
  errorText,
  gradeChoices,
  isStaleError,
  reasonOk,
  reviewBlock,
} from './workflow'

const STATUSES: InspectionStatus[] = [
  'draft',
  'submitted',
  'county_review',
  'returned',
  'county_approved',
  'city_review',
  'approved',
  'rejected',
]

function actions(role: string, status: string): string[] {
  return availableActions(role, status).map((a) => a.action)
}

describe('availableActions', () => {
  it('gives a county reviewer the county steps', () => {
    expect(actions('county_reviewer', 'submitted')).toEqual(['start_county_review'])
    expect(actions('county_reviewer', 'county_review')).toEqual(['county_approve', 'return', 'county_reject'])
    for (const status of ['draft', 'returned', 'county_approved', 'city_review', 'approved', 'rejected']) {
      expect(actions('county_reviewer', status), status).toEqual([])
    }
  })

  it('gives a city reviewer the city steps, final approval straight from county approved, and reopen', () => {
    expect(actions('city_reviewer', 'county_approved')).toEqual(['start_city_review', 'approve'])
    expect(actions('city_reviewer', 'city_review')).toEqual(['approve', 'city_return', 'city_reject'])
    expect(actions('city_reviewer', 'approved')).toEqual(['reopen'])
    expect(actions('city_reviewer', 'rejected')).toEqual(['reopen'])
    expect(actions('city_reviewer', 'county_review')).toEqual([])
  })

  it('offers no final approval on a sampled inspection until its re-review has started', () => {
    const sampled = (status: string) => availableActions('city_reviewer', status, true).map((a) => a.action)
    expect(sampled('county_approved')).toEqual(['start_city_review'])
    expect(sampled('city_review')).toEqual(['approve', 'city_return', 'city_reject'])
  })

  it('lets an admin only reopen', () => {
    for (const status of STATUSES) {
      expect(actions('admin', status), status).toEqual(status === 'approved' || status === 'rejected' ? ['reopen'] : [])
    }
  })

  it('gives inspectors nothing here', () => {
    for (const status of STATUSES) expect(actions('inspector', status)).toEqual([])
  })

  it('asks for a reason exactly where the server does', () => {
    const withReason = ACTIONS.filter((a) => a.needsReason).map((a) => a.action)
    expect(withReason.sort()).toEqual(['city_reject', 'city_return', 'county_reject', 'reopen', 'return'])
  })
})

describe('canRegrade', () => {
  it('is only during the reviewer’s own level of review', () => {
    const allowed = (role: string): string[] => STATUSES.filter((s) => canRegrade(role, s))
    expect(allowed('county_reviewer')).toEqual(['county_review'])
    expect(allowed('city_reviewer')).toEqual(['city_review'])
    expect(allowed('admin')).toEqual([])
  })
})

describe('reviewBlock', () => {
  const county = { id: 50, role: 'county_reviewer' as const }
  const city = { id: 60, role: 'city_reviewer' as const }

  it('stops anyone who took part in the inspection', () => {
    const insp = { status: 'submitted' as const, county_reviewer_id: null, city_reviewer_id: null }
    expect(reviewBlock(county, insp, [50, 11])).toContain('参与')
    expect(reviewBlock(county, insp, [11])).toBeNull()
  })

  it('stops a county reviewer from another reviewer’s county review', () => {
    expect(reviewBlock(county, { status: 'county_review', county_reviewer_id: 51, city_reviewer_id: null }, [])).toContain('其他')
    expect(reviewBlock(county, { status: 'county_review', county_reviewer_id: 50, city_reviewer_id: null }, [])).toBeNull()
    // Taking over a submitted inspection is open to any county reviewer.
    expect(reviewBlock(county, { status: 'submitted', county_reviewer_id: 51, city_reviewer_id: null }, [])).toBeNull()
  })

  it('stops the county reviewer from re-reviewing for the city, and a second city reviewer', () => {
    expect(reviewBlock(city, { status: 'county_approved', county_reviewer_id: 60, city_reviewer_id: null }, [])).toContain('县级审核')
    expect(reviewBlock(city, { status: 'city_review', county_reviewer_id: 50, city_reviewer_id: 61 }, [])).toContain('其他')
    expect(reviewBlock(city, { status: 'city_review', county_reviewer_id: 50, city_reviewer_id: 60 }, [])).toBeNull()
  })

  it('never blocks an admin', () => {
    expect(reviewBlock({ id: 1, role: 'admin' }, { status: 'approved', county_reviewer_id: 1, city_reviewer_id: 1 }, [1])).toBeNull()
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

describe('reasonOk', () => {
  it('needs at least two characters besides whitespace', () => {
    expect(reasonOk('')).toBe(false)
    expect(reasonOk('   ')).toBe(false)
    expect(reasonOk(' 好 ')).toBe(false)
    expect(reasonOk('好的')).toBe(true)
    expect(reasonOk('x', 1)).toBe(true)
  })
})

describe('isStaleError and errorText', () => {
  it('recognises a stale revision or an already settled conflict', () => {
    expect(isStaleError(new ApiError(409, 'review.stale_revision', 'changed'))).toBe(true)
    expect(isStaleError(new ApiError(409, 'conflict.already_resolved', 'done'))).toBe(true)
    expect(isStaleError(new ApiError(409, 'review.evidence_incomplete', '2 missing'))).toBe(false)
    expect(isStaleError(new ApiError(400, 'review.stale_revision', 'x'))).toBe(false)
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
