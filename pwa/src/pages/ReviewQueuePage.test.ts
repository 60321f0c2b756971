import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import ReviewQueuePage from './ReviewQueuePage.vue'
import { useSessionStore } from '../stores/session'
import type { QueueOut, QueueRowOut, RegionOut, UserOut } from '../api/types'
import { clearReviewCaches } from '../review/data'
import { apiError, fakeServer, inspection, offline, user, type FakeAnswer, type FakeRequest, type FakeServer } from '../review/testing'

enableAutoUnmount(afterEach)

const Blank = defineComponent({ render: () => h('div') })

function region(code: string, name: string, level: RegionOut['level'], parent_code: string | null, children = 0): RegionOut {
  return { code, name, level, parent_code, children, has_children: children > 0 }
}

const REGIONS: RegionOut[] = [
  region('410000', '河南省', 'province', null, 2),
  region('410100', '郑州市', 'city', '410000', 0),
  region('410200', '开封市', 'city', '410000', 2),
  region('410222', '通许县', 'county', '410200', 2),
  region('410222100', '城关镇', 'township', '410222', 1),
  region('410222100200', '东街村', 'village', '410222100'),
  region('410222101', '竖岗镇', 'township', '410222'),
  region('410225', '兰考县', 'county', '410200', 1),
  region('410225100', '堌阳镇', 'township', '410225'),
]

/** GET /api/regions as the server answers it for a user whose region is `own`: one level at a time. */
function regionLevels(own: string): (req: FakeRequest) => FakeAnswer {
  return (req) => {
    const code = req.query.get('parent') ?? own
    const found = REGIONS.find((r) => r.code === code && r.code.startsWith(own.replace(/0+$/, '')))
    if (found === undefined) return apiError(404, 'http.not_found', '未找到，或不在您的权限范围内')
    return { json: { region: found, items: REGIONS.filter((r) => r.parent_code === code), next: null } }
  }
}

function row(id: number, overrides: Partial<QueueRowOut> = {}): QueueRowOut {
  return {
    inspection: inspection({ id, status: 'submitted', region_code: '410222100', checklist_id: 'qs-2023-sample' }),
    facility_name: '通许县城关镇卫生院',
    tier: 'basic',
    tier_label: '基本标准',
    inspectors: ['刘秀英', '陈志强'],
    sampled_at: null,
    awaiting_me: true,
    county_name: '通许县',
    township_name: '城关镇',
    ...overrides,
  }
}

function page(items: QueueRowOut[], total = items.length, counts = { awaiting: 2, all: 9 }): QueueOut {
  return {
    total,
    next: null,
    counts,
    items,
    tiers: [
      { code: 'basic', label: '基本标准 / 达标（标准化村卫生室）' },
      { code: 'recommended', label: '推荐标准 / 示范村卫生室' },
      { code: 'none', label: '未达标' },
    ],
    checklists: [
      { id: 'qs-2023-sample', title: '优质服务基层行（示例）' },
      { id: 'vc-2022-sample', title: '村卫生室标准化建设（示例）' },
    ],
  }
}

let server: FakeServer

beforeEach(() => {
  clearReviewCaches()
  server = fakeServer({
    'GET /api/regions': regionLevels('410200'),
    'GET /api/inspections/queue': (req) =>
      req.query.get('awaiting') === 'true'
        ? { json: page([row(2), row(3, { sampled_at: '2026-11-27T17:30:00+00:00', tier: 'none', tier_label: '未达标' })]) }
        : { json: page([row(2), row(4, { awaiting_me: false, inspection: inspection({ id: 4, status: 'draft' }) })], 9) },
  })
})

async function mountQueue(who: UserOut): Promise<{ wrapper: VueWrapper; router: Router }> {
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().user = who
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/review', name: 'review-queue', component: ReviewQueuePage },
      { path: '/review/:id', name: 'review', component: Blank },
      { path: '/login', name: 'login', component: Blank },
      { path: '/jobs', name: 'jobs', component: Blank },
      { path: '/console/users', name: 'users', component: Blank },
      { path: '/console/import', name: 'import', component: Blank },
      { path: '/console/audit', name: 'audit', component: Blank },
      { path: '/console/plans', name: 'plans', component: Blank },
      { path: '/console/facilities', name: 'facilities', component: Blank },
      { path: '/console/payouts', name: 'payouts', component: Blank },
      { path: '/console/samples', name: 'samples', component: Blank },
    ],
  })
  await router.push('/review')
  const wrapper = mount(ReviewQueuePage, { global: { plugins: [pinia, router] } })
  await settle()
  return { wrapper, router }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await flushPromises()
}

function rowIds(wrapper: VueWrapper): number[] {
  return wrapper.findAll('[data-testid^="queue-item-"]').map((r) => Number(r.attributes('data-testid')?.slice('queue-item-'.length)))
}

function lastQuery(): Record<string, string> {
  const calls = server.calls('GET /api/inspections/queue')
  return Object.fromEntries(calls[calls.length - 1]!.query)
}

async function choose(wrapper: VueWrapper, testid: string, value: string): Promise<void> {
  await wrapper.get(`[data-testid="${testid}"]`).setValue(value)
  await settle()
}

describe('ReviewQueuePage', () => {
  it('leads the desk roles to their background jobs, and to the payout sheets where the server allows them', async () => {
    const county = await mountQueue(user('county_reviewer'))
    expect(county.wrapper.get('[data-testid="queue-to-jobs"]').text()).toBe('后台任务')
    county.wrapper.unmount()
    const city = await mountQueue(user('city_reviewer'))
    const link = city.wrapper.get('[data-testid="queue-to-jobs"]')
    expect(link.text()).toBe('后台任务')
    await link.trigger('click')
    await settle()
    expect(city.router.currentRoute.value.name).toBe('jobs')
    city.wrapper.unmount()
    const without = await mountQueue({ ...user('county_reviewer'), may: ['inspections.list'] })
    expect(without.wrapper.find('[data-testid="queue-to-jobs"]').exists()).toBe(false)
  })

  it('starts on what awaits the reviewer, counted by the server', async () => {
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(lastQuery()).toEqual({ awaiting: 'true', limit: '50' })
    expect(rowIds(wrapper)).toEqual([2, 3])
    const tabs = wrapper.findAll('.van-tab').map((t) => t.text())
    expect(tabs).toEqual(['待我审核（2）', '全部（9）'])
  })

  it('shows each row’s facility, township, checklist, inspectors by name, status, tier and sample mark', async () => {
    const { wrapper } = await mountQueue(user('county_reviewer'))

    const cells = (id: number): Record<string, string> =>
      Object.fromEntries(
        wrapper
          .get(`[data-testid="queue-item-${id}"]`)
          .findAll('[data-col]')
          .map((c): [string, string] => [c.attributes('data-col') ?? '', c.text()]),
      )
    const second = cells(2)
    expect(second['facility']).toContain('通许县城关镇卫生院')
    expect(second['region']).toBe('通许县 城关镇')
    expect(second['checklist']).toBe('优质服务基层行（示例）')
    expect(second['inspectors']).toContain('刘秀英、陈志强')
    expect(second['status']).toBe('已提交')
    expect(second['tier']).toBe('基本标准')
    expect(second['sample']).toBe('')
    const third = cells(3)
    expect(third['tier']).toBe('未达标')
    expect(third['sample']).toBe('已抽中 · 2026-11-28')
    expect(wrapper.text()).not.toContain('检查员 · ')
  })

  it('lists everything under 全部 and opens a row', async () => {
    const { wrapper, router } = await mountQueue(user('county_reviewer'))
    await wrapper.findAll('.van-tab')[1]!.trigger('click')
    await settle()

    expect(lastQuery()).toEqual({ limit: '50' })
    expect(rowIds(wrapper)).toEqual([2, 4])
    await wrapper.get('[data-testid="queue-item-4"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.name).toBe('review')
    expect(router.currentRoute.value.params['id']).toBe('4')
  })

  it('starts an administrator on 全部: nothing awaits an administrator', async () => {
    const { wrapper } = await mountQueue(user('admin', 1))

    expect(server.calls('GET /api/inspections/queue')[0]!.query.get('awaiting')).toBeNull()
    expect(rowIds(wrapper)).toEqual([2, 4])
  })

  it('filters on the server: name, county, township, status, checklist and tier', async () => {
    const { wrapper } = await mountQueue(user('city_reviewer', 60))

    await wrapper.get('[data-testid="filter-q"]').setValue('  城关 ')
    await wrapper.get('[data-testid="queue-filters"]').trigger('submit')
    await settle()
    expect(lastQuery()).toMatchObject({ q: '城关', awaiting: 'true' })

    const options = (level: string) => wrapper.findAll(`[data-testid="filter-${level}"] option`).map((o) => o.text())
    const townships = () => options('township')
    expect(options('county')).toEqual(['全部县区', '通许县', '兰考县'])
    expect(townships()).toEqual([]) // opened once a county is chosen
    await choose(wrapper, 'filter-county', '410225')
    expect(lastQuery()).toMatchObject({ q: '城关', region: '410225' })
    expect(townships()).toEqual(['全部乡镇（街道）', '堌阳镇'])
    await choose(wrapper, 'filter-township', '410225100')
    expect(lastQuery()).toMatchObject({ region: '410225100' })
    await choose(wrapper, 'filter-status', 'county_approved')
    await choose(wrapper, 'filter-checklist', 'vc-2022-sample')
    await choose(wrapper, 'filter-tier', 'none')
    expect(lastQuery()).toEqual({
      q: '城关',
      region: '410225100',
      status: 'county_approved',
      checklist_id: 'vc-2022-sample',
      tier: 'none',
      awaiting: 'true',
      limit: '50',
    })
    const tierOptions = wrapper.findAll('[data-testid="filter-tier"] option').map((o) => o.text())
    expect(tierOptions).toEqual(['全部等级', '基本标准 / 达标（标准化村卫生室）', '推荐标准 / 示范村卫生室', '未达标'])

    await wrapper.get('[data-testid="filter-clear"]').trigger('click')
    await settle()
    expect(lastQuery()).toEqual({ awaiting: 'true', limit: '50' })
  })

  it('hides the county filter from a county reviewer, who sees one county', async () => {
    server.route('GET /api/regions', regionLevels('410222'))
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(wrapper.find('[data-testid="filter-county"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid="filter-township"] option')).toHaveLength(3)
    expect(wrapper.get('[data-testid="queue-item-2"] [data-col="region"]').text()).toBe('城关镇')
    // townships are the last level offered: their villages are never asked for
    await choose(wrapper, 'filter-township', '410222100')
    expect(lastQuery()).toMatchObject({ region: '410222100' })
    expect(server.calls('GET /api/regions').map((c) => c.query.get('parent'))).toEqual([null])
  })

  it('opens the region tree one level at a time for a province administrator', async () => {
    server.route('GET /api/regions', regionLevels('410000'))
    const { wrapper } = await mountQueue(user('admin', 1))
    const options = (level: string) => wrapper.findAll(`[data-testid="filter-${level}"] option`).map((o) => o.text())

    expect(options('city')).toEqual(['全部地市', '郑州市', '开封市'])
    expect(wrapper.find('[data-testid="filter-county"]').exists()).toBe(false)
    await choose(wrapper, 'filter-city', '410200')
    expect(lastQuery()).toMatchObject({ region: '410200' })
    expect(options('county')).toEqual(['全部县区', '通许县', '兰考县'])
    await choose(wrapper, 'filter-county', '410222')
    await choose(wrapper, 'filter-township', '410222101')
    expect(lastQuery()).toMatchObject({ region: '410222101' })
    // a city without subregions opens nothing; choosing another city closes the selects below
    await choose(wrapper, 'filter-city', '410100')
    expect(lastQuery()).toMatchObject({ region: '410100' })
    expect(wrapper.find('[data-testid="filter-county"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="filter-township"]').exists()).toBe(false)
    expect(server.calls('GET /api/regions').map((c) => c.query.get('parent'))).toEqual([null, '410200', '410222'])
    // the county is named beside the township for a user who sees several counties
    expect(wrapper.get('[data-testid="queue-item-2"] [data-col="region"]').text()).toBe('通许县 城关镇')
    await wrapper.get('[data-testid="filter-clear"]').trigger('click')
    await settle()
    expect(lastQuery()['region']).toBeUndefined()
    expect(options('city')).toEqual(['全部地市', '郑州市', '开封市'])
  })

  it('pages through a long list by the server’s cursors, and back', async () => {
    const rowsFrom = (first: number, n: number) => Array.from({ length: n }, (_, i) => row(first + i))
    const pages: Record<string, QueueOut> = {
      '': { ...page(rowsFrom(1, 50), 120, { awaiting: 120, all: 130 }), next: 'c1' },
      c1: { ...page(rowsFrom(51, 50), 120, { awaiting: 120, all: 130 }), next: 'c2' },
      c2: { ...page(rowsFrom(101, 20), 120, { awaiting: 120, all: 130 }), next: null },
    }
    server.route('GET /api/inspections/queue', (req) => ({ json: pages[req.query.get('after') ?? '']! }))
    const { wrapper } = await mountQueue(user('county_reviewer'))
    const pager = () => wrapper.get('[data-testid="queue-pager"]')
    const [previous, next] = wrapper.findAll('[data-testid="queue-pager"] button')

    expect(pager().text()).toContain('第 1–50 条，共 120 条')
    expect(previous!.attributes('disabled')).toBeDefined()
    await next!.trigger('click')
    await settle()
    expect(lastQuery()['after']).toBe('c1')
    expect(pager().text()).toContain('第 51–100 条，共 120 条')
    await next!.trigger('click')
    await settle()
    expect(lastQuery()['after']).toBe('c2')
    expect(pager().text()).toContain('第 101–120 条，共 120 条')
    expect(rowIds(wrapper)[0]).toBe(101)
    expect(next!.attributes('disabled')).toBeDefined() // the last page: no next cursor
    await previous!.trigger('click')
    await settle()
    expect(lastQuery()['after']).toBe('c1')
    expect(rowIds(wrapper)[0]).toBe(51)
    // a new filter starts from the first page again
    await choose(wrapper, 'filter-status', 'submitted')
    expect(lastQuery()['after']).toBeUndefined()
    expect(pager().text()).toContain('第 1–50 条，共 120 条')
  }, 30_000) // full pages of rows: slow on a busy machine

  it('says so when nothing matches the filters', async () => {
    server.route('GET /api/inspections/queue', { json: page([], 0, { awaiting: 0, all: 0 }) })
    const { wrapper } = await mountQueue(user('county_reviewer'))
    expect(wrapper.get('[data-testid="queue-empty"]').text()).toContain('暂无待您审核的评审')

    await choose(wrapper, 'filter-status', 'returned')
    expect(wrapper.get('[data-testid="queue-empty"]').text()).toContain('没有符合筛选条件的评审')
  })

  it('says so when offline, and loads again on retry', async () => {
    const answer = page([row(2)])
    server.route('GET /api/inspections/queue', () => offline())
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(wrapper.get('[data-testid="queue-error"]').text()).toContain('无法连接服务器')

    server.route('GET /api/inspections/queue', { json: answer })
    await wrapper.get('[data-testid="queue-retry"]').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="queue-error"]').exists()).toBe(false)
    expect(rowIds(wrapper)).toEqual([2])
  })

  it('shows the server’s Chinese message when the listing is refused', async () => {
    server.route('GET /api/inspections/queue', apiError(422, 'request.invalid', '请求参数无效'))
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(wrapper.get('[data-testid="queue-error"]').text()).toContain('请求参数无效')
  })

  it('logs out, discarding the (empty) outbox, and goes to the login page', async () => {
    const { wrapper, router } = await mountQueue(user('county_reviewer'))
    const session = useSessionStore()
    const logout = vi.spyOn(session, 'logout').mockResolvedValue(undefined)

    await wrapper.get('.van-nav-bar__right').trigger('click')
    await flushPromises()

    expect(logout).toHaveBeenCalledWith(true)
    expect(router.currentRoute.value.name).toBe('login')
  })
})
