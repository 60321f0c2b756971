import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import ReviewQueuePage from './ReviewQueuePage.vue'
import { useSessionStore } from '../stores/session'
import type { QueueOut, QueueRowOut, RegionOut, UserOut } from '../api/types'
import { clearReviewCaches } from '../review/data'
import { apiError, fakeServer, inspection, offline, user, type FakeServer } from '../review/testing'

enableAutoUnmount(afterEach)

const Blank = defineComponent({ render: () => h('div') })

const REGIONS: RegionOut[] = [
  { code: '410200', name: '开封市', level: 'city', parent_code: '410000' },
  { code: '410222', name: '通许县', level: 'county', parent_code: '410200' },
  { code: '410222100', name: '城关镇', level: 'township', parent_code: '410222' },
  { code: '410222101', name: '竖岗镇', level: 'township', parent_code: '410222' },
  { code: '410225', name: '兰考县', level: 'county', parent_code: '410200' },
  { code: '410225100', name: '堌阳镇', level: 'township', parent_code: '410225' },
]

function row(id: number, overrides: Partial<QueueRowOut> = {}): QueueRowOut {
  return {
    inspection: inspection({ id, status: 'submitted', region_code: '410222100', checklist_id: 'qs-2023-sample' }),
    facility_name: '通许县城关镇卫生院',
    tier: 'basic',
    tier_label: '基本标准',
    inspectors: ['刘秀英', '陈志强'],
    sampled_at: null,
    awaiting_me: true,
    ...overrides,
  }
}

function page(items: QueueRowOut[], total = items.length, counts = { awaiting: 2, all: 9 }): QueueOut {
  return {
    total,
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
    'GET /api/regions': { json: REGIONS },
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
  it('leads the desk roles to their background jobs, naming the payout sheets where the server allows them', async () => {
    const county = await mountQueue(user('county_reviewer'))
    expect(county.wrapper.get('[data-testid="queue-to-jobs"]').text()).toBe('后台任务')
    county.wrapper.unmount()
    const city = await mountQueue(user('city_reviewer'))
    const link = city.wrapper.get('[data-testid="queue-to-jobs"]')
    expect(link.text()).toBe('后台任务 · 奖补资金分配表')
    await link.trigger('click')
    await settle()
    expect(city.router.currentRoute.value.name).toBe('jobs')
    city.wrapper.unmount()
    const without = await mountQueue({ ...user('county_reviewer'), may: ['inspections.list'] })
    expect(without.wrapper.find('[data-testid="queue-to-jobs"]').exists()).toBe(false)
  })

  it('starts on what awaits the reviewer, counted by the server', async () => {
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(lastQuery()).toEqual({ awaiting: 'true', limit: '50', offset: '0' })
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

    expect(lastQuery()).toEqual({ limit: '50', offset: '0' })
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
    expect(lastQuery()).toMatchObject({ q: '城关', awaiting: 'true', offset: '0' })

    const townships = () => wrapper.findAll('[data-testid="filter-township"] option').map((o) => o.text())
    expect(townships()).toEqual(['全部乡镇（街道）', '城关镇', '竖岗镇', '堌阳镇'])
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
      offset: '0',
    })
    const tierOptions = wrapper.findAll('[data-testid="filter-tier"] option').map((o) => o.text())
    expect(tierOptions).toEqual(['全部等级', '基本标准 / 达标（标准化村卫生室）', '推荐标准 / 示范村卫生室', '未达标'])

    await wrapper.get('[data-testid="filter-clear"]').trigger('click')
    await settle()
    expect(lastQuery()).toEqual({ awaiting: 'true', limit: '50', offset: '0' })
  })

  it('hides the county filter from a county reviewer, who sees one county', async () => {
    server.route('GET /api/regions', { json: REGIONS.filter((r) => r.code.startsWith('410222')) })
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(wrapper.find('[data-testid="filter-county"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid="filter-township"] option')).toHaveLength(3)
    expect(wrapper.get('[data-testid="queue-item-2"] [data-col="region"]').text()).toBe('城关镇')
  })

  it('pages through a long list', async () => {
    server.route('GET /api/inspections/queue', (req) => ({
      json: page([row(Number(req.query.get('offset')) + 1)], 120, { awaiting: 120, all: 130 }),
    }))
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(wrapper.get('[data-testid="queue-pager"]').text()).toContain('第 1–50 条，共 120 条')
    await wrapper.findAll('[data-testid="queue-pager"] button')[1]!.trigger('click')
    await settle()
    expect(lastQuery()['offset']).toBe('50')
    expect(wrapper.get('[data-testid="queue-pager"]').text()).toContain('第 51–100 条，共 120 条')
  })

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
