// Test helpers for the reviewer screens (imported by tests only): a stubbed `fetch` that answers
// like the server from a route table, and realistic fixtures for one inspection under review.
import { vi } from 'vitest'
import type {
  ChecklistDefinition,
  ConflictOut,
  EvidenceOut,
  FacilityOut,
  InspectionDetailOut,
  InspectionOut,
  JobOut,
  RevisionOut,
  ScoreOut,
  UserOut,
} from '../api/types'

export interface FakeRequest {
  method: string
  path: string
  query: URLSearchParams
  body: unknown
}

export type FakeAnswer = { status?: number; json?: unknown; blob?: Blob } | Promise<never>
export type FakeRoute = FakeAnswer | ((req: FakeRequest) => FakeAnswer)

export interface FakeServer {
  /** Every request, in order. */
  requests: FakeRequest[]
  /** Replaces or adds a route ("GET /api/inspections/7"). */
  route(key: string, answer: FakeRoute): void
  /** The requests to one route key. */
  calls(key: string): FakeRequest[]
}

/**
 * Stubs `fetch` with a route table keyed by "METHOD /path" (without the query). Unknown routes
 * answer 404 with the server's error body; a route may answer a Promise rejection (offline).
 */
export function fakeServer(routes: Record<string, FakeRoute> = {}): FakeServer {
  const table = new Map(Object.entries(routes))
  const requests: FakeRequest[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const url = new URL(href, 'http://localhost')
    const method = init?.method ?? 'GET'
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
    const req: FakeRequest = { method, path: url.pathname, query: url.searchParams, body }
    requests.push(req)
    const route = table.get(`${method} ${url.pathname}`)
    const answer = typeof route === 'function' ? route(req) : route
    if (answer === undefined) {
      return json(404, { error: { code: 'http.not_found', message: 'Not Found' } })
    }
    if (answer instanceof Promise) return answer
    if (answer.blob) return new Response(answer.blob, { status: answer.status ?? 200 })
    return json(answer.status ?? 200, answer.json ?? null)
  })
  vi.stubGlobal('fetch', fetchMock)
  return {
    requests,
    route: (key, answer) => table.set(key, answer),
    calls: (key) => requests.filter((r) => `${r.method} ${r.path}` === key),
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

export function apiError(status: number, code: string, message: string): FakeAnswer {
  return { status, json: { error: { code, message } } }
}

export function offline(): FakeAnswer {
  return Promise.reject(new TypeError('Failed to fetch'))
}

/** Makes every IntersectionObserver report its targets visible at once (happy-dom never does). */
export function stubVisibleIntersections(): void {
  class VisibleObserver {
    constructor(private readonly callback: IntersectionObserverCallback) {}

    observe(target: Element): void {
      const entry = { isIntersecting: true, target } as IntersectionObserverEntry
      queueMicrotask(() => this.callback([entry], this as unknown as IntersectionObserver))
    }

    unobserve(): void {}

    disconnect(): void {}

    takeRecords(): IntersectionObserverEntry[] {
      return []
    }
  }
  vi.stubGlobal('IntersectionObserver', VisibleObserver)
}

// --- fixtures ----------------------------------------------------------------------------------------

/** What the server's policy table lets each desk role do, as far as the pages ask (a fixture: the
 * app itself reads `may` from the server's answer). */
export const DESK_MAY: Readonly<Partial<Record<UserOut['role'], string[]>>> = {
  county_reviewer: ['inspections.list', 'jobs.get', 'jobs.list'],
  city_reviewer: ['inspections.list', 'jobs.get', 'jobs.list', 'payouts.sheet'],
  admin: ['audit.list', 'inspections.list', 'jobs.get', 'jobs.list', 'payouts.sheet'],
  finance: ['inspections.list', 'jobs.get', 'jobs.list', 'payouts.sheet'],
}

export function user(role: UserOut['role'], id: number = 50): UserOut {
  const may = DESK_MAY[role] ?? ['inspections.list']
  return { id, username: `u${id}`, display_name: `审核员${id}`, role, region_code: '410102', facility_id: null, must_change_password: false, grantable: [], may }
}

export function inspection(overrides: Partial<InspectionOut> & Pick<InspectionOut, 'id'>): InspectionOut {
  return {
    facility_id: 3,
    region_code: '410102',
    checklist_id: 'test-cl',
    checklist_version: 1,
    kind: 'county_inspection',
    status: 'county_review',
    inspection_date: '2026-11-20',
    created_by: 11,
    county_reviewer_id: 50,
    city_reviewer_id: null,
    created_at: '2026-11-20T01:00:00+00:00',
    updated_at: '2026-11-21T01:00:00+00:00',
    ...overrides,
  }
}

export function facility(id: number, name: string): FacilityOut {
  return {
    id,
    name,
    type_code: 'township_hc',
    region_code: '410102',
    uscc: null,
    licence_no: null,
    latitude: 34.75,
    longitude: 113.62,
    beds: 0,
    iv_infusion: false,
    population_served: 30000,
    facts: { has_beds: false },
  }
}

/** A small checklist definition in the server's format: three items in one section. */
export const CHECKLIST_DEFINITION: ChecklistDefinition = {
  id: 'test-cl',
  family: 'quality_service',
  edition: 'test',
  version: 1,
  title: '测试评审标准',
  sample: true,
  scoring: { method: 'graded' },
  grade_scale: [
    { code: 'C', label: 'C级' },
    { code: 'B', label: 'B级' },
    { code: 'A', label: 'A级' },
  ],
  facts: [{ key: 'has_beds', type: 'boolean', label: '设有住院床位' }],
  tiers: [
    {
      code: 'basic',
      label: '基本标准',
      rules: [{ rule: 'all_at_least', label: '核心条款全部达到C级', select: { core: true }, grade: 'C' }],
    },
    {
      code: 'recommended',
      label: '推荐标准',
      rules: [
        {
          rule: 'share_at_least',
          label: '推荐标准条款B级及以上不低于50%',
          select: { tier: 'basic' },
          grade: 'B',
          threshold: '0.5',
        },
      ],
    },
  ],
  chapters: [
    {
      id: 'T-1',
      number: '一',
      title: '基本要求',
      sections: [
        {
          id: 'T-1.1',
          number: '1.1',
          title: '管理制度',
          items: [
            {
              id: 'T-01',
              number: '1.1.1',
              text: '建立健全各项管理制度',
              tier: 'basic',
              core: true,
              levels: [
                { code: 'C', criteria: '有制度' },
                { code: 'B', criteria: '制度落实' },
                { code: 'A', criteria: '持续改进' },
              ],
              evidence: { methods: ['site'], photos_min: 1 },
            },
            {
              id: 'T-02',
              number: '1.1.2',
              text: '病房管理规范',
              tier: 'basic',
              applies_if: { fact: 'has_beds', op: 'eq', value: true },
              levels: [
                { code: 'C', criteria: '有病房管理制度' },
                { code: 'A', criteria: '病房管理规范' },
              ],
              evidence: { methods: ['site'], photos_min: 0 },
            },
            {
              id: 'T-03',
              number: '1.1.3',
              text: '消毒记录完整',
              tier: 'basic',
              allow_na: true,
              levels: [{ code: 'C', criteria: '有记录' }],
              validity: { kind: 'max_age', document: '消毒记录', max_age_months: 12 },
              evidence: { methods: ['document'], photos_min: 0 },
            },
          ],
        },
      ],
    },
  ],
}

/** What the server offers the user on the inspection (by default: its county reviewer during the
 * county review). The server computes it with the checks that guard each request. */
export type Offer = Pick<InspectionDetailOut, 'actions' | 'refusals' | 'may_regrade'>

export const COUNTY_REVIEWER_OFFER: Offer = {
  actions: ['return', 'county_approve', 'county_reject'],
  refusals: [],
  may_regrade: true,
}

export const NOTHING_OFFERED: Offer = { actions: [], refusals: [], may_regrade: false }

export function detail(
  overrides: Partial<InspectionOut> = {},
  inspectors: number[] = [11],
  offer: Offer = COUNTY_REVIEWER_OFFER,
): InspectionDetailOut {
  return {
    ...offer,
    inspection: inspection({ id: 7, ...overrides }),
    facility: facility(3, '东风镇卫生院'),
    inspectors,
    answers: {
      'T-01': { grade: 'B', note: '制度齐全', revision: 2, source: 'inspector', author_id: 11 },
      'T-02': { grade: 'A', revision: 1, source: 'inspector', author_id: 11 },
      'T-03': { grade: 'not_met', revision: 1, source: 'review', author_id: 50 },
    },
    open_conflicts: 1,
    people: { '11': '刘秀英', '50': '张卫东' },
    sample: null,
    status_changes: [
      {
        action: 'submit',
        from_status: 'draft',
        to_status: 'submitted',
        actor_id: 11,
        reason: null,
        created_at: '2026-11-20T08:00:00+00:00',
      },
      {
        action: 'start_county_review',
        from_status: 'submitted',
        to_status: 'county_review',
        actor_id: 50,
        reason: null,
        created_at: '2026-11-21T01:30:00+00:00',
      },
    ],
  }
}

/** The answer history of inspection 7: T-03 was regraded by the county reviewer. */
export const HISTORY: RevisionOut[] = [
  revision('T-01', 1, 'C', 11, 'inspector', null, '2026-11-19T02:00:00+00:00'),
  revision('T-01', 2, 'B', 11, 'inspector', null, '2026-11-19T03:00:00+00:00'),
  revision('T-02', 1, 'A', 11, 'inspector', null, '2026-11-19T02:00:00+00:00'),
  revision('T-03', 1, 'B', 11, 'inspector', null, '2026-11-19T02:00:00+00:00'),
  revision('T-03', 2, 'not_met', 50, 'review', '现场未见消毒记录', '2026-11-21T02:05:00+00:00'),
]

function revision(
  itemId: string,
  rev: number,
  grade: string,
  authorId: number,
  source: string,
  reason: string | null,
  receivedAt: string,
): RevisionOut {
  return {
    item_id: itemId,
    revision: rev,
    grade,
    document_date: null,
    valid_until: null,
    documents: null,
    note: null,
    author_id: authorId,
    author_name: authorId === 50 ? '张卫东' : '刘秀英',
    source,
    reason,
    change_id: null,
    device_id: null,
    device_time: null,
    received_at: receivedAt,
  }
}

export const SCORE: ScoreOut = {
  checklist: { id: 'test-cl', version: 1 },
  inspection_date: '2026-11-20',
  complete: true,
  unanswered: [],
  tier: { code: 'basic', label: '基本标准' },
  veto_failed: [],
  monitoring_flags: [],
  tiers: [],
  next_tier: {
    code: 'recommended',
    label: '推荐标准',
    blocked_by: [
      {
        kind: 'rule',
        index: 0,
        rule: 'share_at_least',
        label: '推荐标准条款B级及以上不低于50%',
        passed: false,
        needed: 1,
        items: ['T-03'],
      },
    ],
  },
  totals: {
    items: 3,
    applicable: 2,
    not_applicable: 1,
    unanswered: 0,
    not_met: 1,
    at_least: { C: 1, B: 1, A: 0 },
  },
  chapters: [],
  sections: [],
  items: {
    'T-01': { outcome: 'B' },
    'T-02': { outcome: 'not_applicable', reason: 'condition', answered: 'A' },
    'T-03': { outcome: 'not_met' },
  },
}

export const SELF_ASSESSMENT = inspection({
  id: 5,
  kind: 'self_assessment',
  status: 'submitted',
  inspection_date: '2026-10-08',
  county_reviewer_id: null,
})

export function selfDetail(): InspectionDetailOut {
  return {
    inspection: SELF_ASSESSMENT,
    facility: facility(3, '东风镇卫生院'),
    inspectors: [30],
    answers: { 'T-01': { grade: 'A', revision: 1, source: 'inspector', author_id: 30 } },
    open_conflicts: 0,
    people: {},
    sample: null,
    status_changes: [],
    ...NOTHING_OFFERED,
  }
}

export const PHOTO: EvidenceOut = {
  id: 31,
  inspection_id: 7,
  item_id: 'T-01',
  upload_id: 'up-31',
  sha256: 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
  size: 102400,
  content_type: 'image/jpeg',
  width: 1600,
  height: 1200,
  claimed_captured_at: '2026-11-19T09:05:00+08:00',
  claimed_latitude: 34.75,
  claimed_longitude: 113.62,
  original_name: null,
  exif_captured_at: null,
  exif_latitude: null,
  exif_longitude: null,
  flags: ['time_outside_visit'],
  status: 'verified',
  retained_until: null,
  uploaded_by: 11,
  created_at: '2026-11-20T02:00:00+00:00',
}

export const CONFLICTS: ConflictOut[] = [
  {
    id: 4,
    item_id: 'T-03',
    change_id: 'chg-4',
    base_revision: 0,
    current_revision: 1,
    proposed: { grade: 'C', note: '已补记录', document_date: '2026-09-01' },
    author_id: 11,
    author_name: '刘秀英',
    device_id: 'dev-1',
    device_time: '2026-11-20T10:15:00',
    received_at: '2026-11-21T02:00:00+00:00',
    resolved_at: null,
    resolution: null,
    resolution_reason: null,
    resolved_by: null,
    current: null,
  },
  {
    id: 3,
    item_id: 'T-01',
    change_id: 'chg-3',
    base_revision: 1,
    current_revision: 2,
    proposed: { grade: 'C' },
    author_id: 11,
    author_name: '刘秀英',
    device_id: 'dev-1',
    device_time: '2026-11-20T09:00:00',
    received_at: '2026-11-21T01:00:00+00:00',
    resolved_at: '2026-11-21T01:10:00+00:00',
    resolution: 'dismissed',
    resolution_reason: '以现场为准',
    resolved_by: 50,
    current: null,
  },
]

/** The routes of GET requests the review page makes for inspection 7. */
export function reviewRoutes(detailBody: InspectionDetailOut = detail()): Record<string, FakeRoute> {
  return {
    'GET /api/inspections/7': { json: detailBody },
    'GET /api/checklists/test-cl/1': { json: CHECKLIST_DEFINITION },
    'GET /api/inspections/7/score': { json: SCORE },
    'GET /api/inspections/7/evidence': { json: [PHOTO] },
    'GET /api/inspections/7/conflicts': { json: CONFLICTS },
    'GET /api/inspections/7/history': { json: HISTORY },
    'GET /api/inspections': (req) =>
      req.query.get('facility_id') === '3'
        ? {
            json: {
              items: [
                detailBody.inspection,
                SELF_ASSESSMENT,
                inspection({ id: 6, kind: 'self_assessment', checklist_id: 'other-cl', inspection_date: '2026-11-01' }),
              ],
              next: null,
            },
          }
        : { json: { items: [], next: null } },
    'GET /api/inspections/5': { json: selfDetail() },
    'GET /api/evidence/31/thumbnail': { blob: new Blob(['thumb'], { type: 'image/jpeg' }) },
    'GET /api/evidence/31/content': { blob: new Blob(['full'], { type: 'image/jpeg' }) },
  }
}

/** A payout sheet job of 开封市, running, as GET /api/jobs/{id} answers it. */
export function job(id: number, overrides: Partial<JobOut> = {}): JobOut {
  return {
    id,
    kind: 'payout_sheet',
    kind_label: '奖补资金分配表',
    title: '开封市 2026年 奖补资金分配表（PDF）',
    state: 'running',
    state_label: '进行中',
    progress: { done: 0, total: 0, stage: null, stage_label: null },
    attempt: 1,
    region_code: '410200',
    region_name: '开封市',
    created_by_name: '王市审',
    created_at: '2026-11-29T02:00:00+00:00',
    started_at: '2026-11-29T02:00:01+00:00',
    finished_at: null,
    result: null,
    summary: null,
    error: null,
    ...overrides,
  }
}
