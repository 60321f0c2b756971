import { beforeEach, describe, expect, it } from 'vitest'
import {
  cachedFacilityName,
  clearReviewCaches,
  loadChecklist,
  loadFacilityName,
  loadReview,
  EMPTY_FILTERS,
  loadQueue,
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

describe('loadQueue', () => {
  it('sends only the filters that are set, trimmed, with the page', async () => {
    const page = { total: 0, counts: { awaiting: 0, all: 0 }, items: [], tiers: [], checklists: [] }
    const server = fakeServer({ 'GET /api/inspections/queue': { json: page } })

    await loadQueue({ ...EMPTY_FILTERS, q: '  城关 ', tier: 'basic', awaiting: true }, 50)
    await loadQueue(EMPTY_FILTERS)

    const [first, second] = server.calls('GET /api/inspections/queue')
    expect(Object.fromEntries(first!.query)).toEqual({ q: '城关', tier: 'basic', awaiting: 'true', limit: '50', offset: '50' })
    expect(Object.fromEntries(second!.query)).toEqual({ limit: '50', offset: '0' })
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
