import { beforeEach, describe, expect, it } from 'vitest'
import {
  cachedFacilityName,
  clearReviewCaches,
  loadChecklist,
  loadFacilityName,
  loadRegionLevel,
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
    const page = { total: 0, next: null, counts: { awaiting: 0, all: 0 }, items: [], tiers: [], checklists: [] }
    const server = fakeServer({ 'GET /api/inspections/queue': { json: page } })

    await loadQueue({ ...EMPTY_FILTERS, q: '  城关 ', tier: 'basic', awaiting: true }, '2026-11-20.57')
    await loadQueue(EMPTY_FILTERS)

    const [first, second] = server.calls('GET /api/inspections/queue')
    expect(Object.fromEntries(first!.query)).toEqual({ q: '城关', tier: 'basic', awaiting: 'true', limit: '50', after: '2026-11-20.57' })
    expect(Object.fromEntries(second!.query)).toEqual({ limit: '50' })
  })
})

describe('loadRegionLevel', () => {
  const node = (code: string, level: 'county' | 'township', children = 0) => ({
    code,
    name: `地区${code}`,
    level,
    parent_code: code.slice(0, 6) === code ? '410200' : code.slice(0, 6),
    children,
    has_children: children > 0,
  })

  it('follows the server’s pages of one level and keeps the level', async () => {
    const county = node('410222', 'county', 3)
    const server = fakeServer({
      'GET /api/regions': (req) =>
        req.query.get('after') === null
          ? { json: { region: county, items: [node('410222100', 'township'), node('410222101', 'township')], next: '410222101' } }
          : { json: { region: county, items: [node('410222102', 'township')], next: null } },
    })

    const level = await loadRegionLevel('410222')
    expect(level.region.code).toBe('410222')
    expect(level.items.map((r) => r.code)).toEqual(['410222100', '410222101', '410222102'])
    const calls = server.calls('GET /api/regions').map((c) => Object.fromEntries(c.query))
    expect(calls).toEqual([{ parent: '410222' }, { parent: '410222', after: '410222101' }])

    await loadRegionLevel('410222')
    expect(server.calls('GET /api/regions')).toHaveLength(2) // kept
    await loadRegionLevel()
    expect(Object.fromEntries(server.calls('GET /api/regions')[2]!.query)).toEqual({})
  })

  it('tries again after a failure', async () => {
    const server = fakeServer({ 'GET /api/regions': apiError(503, 'db.unavailable', '数据库暂时繁忙或不可用，请稍后重试') })
    await expect(loadRegionLevel()).rejects.toBeDefined()
    server.route('GET /api/regions', { json: { region: node('410222', 'county'), items: [], next: null } })
    expect((await loadRegionLevel()).region.code).toBe('410222')
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
