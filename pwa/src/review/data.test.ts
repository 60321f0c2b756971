import { beforeEach, describe, expect, it } from 'vitest'
import {
  cachedFacilityName,
  clearReviewCaches,
  loadChecklist,
  loadFacilityName,
  loadReview,
  loadReviewQueue,
  pickSelfAssessment,
} from './data'
import {
  apiError,
  CHECKLIST_DEFINITION,
  facility,
  fakeServer,
  inspection,
  reviewRoutes,
  SELF_ASSESSMENT,
} from './testing'

beforeEach(() => {
  clearReviewCaches()
})

describe('loadReviewQueue', () => {
  it('asks per actionable status, merges, drops strays and sorts newest first', async () => {
    const server = fakeServer({
      'GET /api/inspections': (req) => {
        const status = req.query.get('status')
        if (status === 'submitted') return { json: [inspection({ id: 1, status: 'submitted', inspection_date: '2026-11-01' })] }
        if (status === 'county_review') {
          return {
            json: [
              inspection({ id: 2, status: 'county_review', inspection_date: '2026-11-05' }),
              inspection({ id: 3, status: 'approved', inspection_date: '2026-11-09' }), // changed meanwhile
            ],
          }
        }
        return { json: [inspection({ id: 9, status: 'draft', inspection_date: '2026-10-01' })] }
      },
    })

    const queue = await loadReviewQueue('county_reviewer')

    expect(queue.pending.map((i) => i.id)).toEqual([2, 1])
    expect(queue.all.map((i) => i.id)).toEqual([9])
    expect(server.requests.every((r) => r.query.get('limit') === '500')).toBe(true)
  })

  it('uses one listing for admin', async () => {
    const server = fakeServer({ 'GET /api/inspections': { json: [inspection({ id: 1 }), inspection({ id: 2 })] } })

    const queue = await loadReviewQueue('admin')

    expect(queue.pending.map((i) => i.id)).toEqual([2, 1])
    expect(server.requests).toHaveLength(1)
  })
})

describe('pickSelfAssessment', () => {
  const current = inspection({ id: 7 })

  it('takes the newest self-assessment of the same facility and checklist', () => {
    const older = inspection({ id: 4, kind: 'self_assessment', inspection_date: '2026-01-01' })
    const otherChecklist = inspection({ id: 6, kind: 'self_assessment', checklist_id: 'other', inspection_date: '2026-11-11' })
    const otherFacility = inspection({ id: 8, kind: 'self_assessment', facility_id: 99, inspection_date: '2026-11-12' })
    const notSelf = inspection({ id: 9, kind: 'county_inspection', inspection_date: '2026-11-13' })

    expect(pickSelfAssessment(current, [current, older, SELF_ASSESSMENT, otherChecklist, otherFacility, notSelf])?.id).toBe(5)
  })

  it('is null without one, and never the inspection itself', () => {
    const selfItself = inspection({ id: 7, kind: 'self_assessment' })
    expect(pickSelfAssessment(selfItself, [selfItself])).toBeNull()
    expect(pickSelfAssessment(current, [])).toBeNull()
  })
})

describe('loadReview', () => {
  it('loads everything and the self-assessment answers', async () => {
    fakeServer(reviewRoutes())

    const load = loadReview(7)
    const data = await load.data
    const self = await load.selfAssessment

    expect(data.detail.facility.name).toBe('东风镇卫生院')
    expect(data.checklist.items().map((i) => i.id)).toEqual(['T-01', 'T-02', 'T-03'])
    expect(data.score.tier.label).toBe('基本标准')
    expect(data.evidence.map((e) => e.id)).toEqual([31])
    expect(data.conflicts).toHaveLength(2)
    expect(self?.inspection.id).toBe(5)
    expect(self?.answers['T-01']?.grade).toBe('A')
  })

  it('does not fail the page when the self-assessment cannot be read', async () => {
    const server = fakeServer(reviewRoutes())
    server.route('GET /api/inspections/5', apiError(500, 'internal', 'boom'))

    const load = loadReview(7)
    await expect(load.data).resolves.toBeDefined()
    await expect(load.selfAssessment).resolves.toBeNull()
  })
})

describe('caches', () => {
  it('fetches a checklist version once, and again after a failure', async () => {
    const server = fakeServer({ 'GET /api/checklists/test-cl/1': apiError(503, 'checklists.unavailable', 'later') })
    await expect(loadChecklist('test-cl', 1)).rejects.toMatchObject({ code: 'checklists.unavailable' })

    server.route('GET /api/checklists/test-cl/1', { json: CHECKLIST_DEFINITION })
    const first = await loadChecklist('test-cl', 1)
    const second = await loadChecklist('test-cl', 1)

    expect(second).toBe(first)
    expect(server.calls('GET /api/checklists/test-cl/1')).toHaveLength(2)
  })

  it('remembers facility names', async () => {
    const server = fakeServer({ 'GET /api/facilities/3': { json: facility(3, '东风镇卫生院') } })

    expect(cachedFacilityName(3)).toBeUndefined()
    expect(await loadFacilityName(3)).toBe('东风镇卫生院')
    expect(await loadFacilityName(3)).toBe('东风镇卫生院')
    expect(cachedFacilityName(3)).toBe('东风镇卫生院')
    expect(server.requests).toHaveLength(1)
  })
})
