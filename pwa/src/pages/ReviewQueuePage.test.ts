import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import ReviewQueuePage from './ReviewQueuePage.vue'
import { useSessionStore } from '../stores/session'
import type { InspectionOut, UserOut } from '../api/types'
import { clearReviewCaches } from '../review/data'
import { apiError, facility, fakeServer, inspection, offline, user, type FakeServer } from '../review/testing'

enableAutoUnmount(afterEach)

const Blank = defineComponent({ render: () => h('div') })

/** One inspection in every status, in two facilities. */
const ALL: InspectionOut[] = [
  inspection({ id: 1, status: 'draft', inspection_date: '2026-11-01' }),
  inspection({ id: 2, status: 'submitted', inspection_date: '2026-11-02', county_reviewer_id: null }),
  inspection({ id: 3, status: 'county_review', inspection_date: '2026-11-03', facility_id: 4 }),
  inspection({ id: 4, status: 'returned', inspection_date: '2026-11-04' }),
  inspection({ id: 5, status: 'county_approved', inspection_date: '2026-11-05', kind: 'self_assessment' }),
  inspection({ id: 6, status: 'city_review', inspection_date: '2026-11-06', kind: 'city_reinspection' }),
  inspection({ id: 7, status: 'approved', inspection_date: '2026-11-07' }),
  inspection({ id: 8, status: 'rejected', inspection_date: '2026-11-08' }),
]

let server: FakeServer

beforeEach(() => {
  clearReviewCaches()
  server = fakeServer({
    // Like the server: one status at a time, or everything.
    'GET /api/inspections': (req) => {
      const status = req.query.get('status')
      return { json: status ? ALL.filter((i) => i.status === status) : ALL }
    },
    'GET /api/facilities/3': { json: facility(3, '东风镇卫生院') },
    'GET /api/facilities/4': apiError(404, 'http.not_found', 'Not Found'),
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
    ],
  })
  await router.push('/review')
  const wrapper = mount(ReviewQueuePage, { global: { plugins: [pinia, router] } })
  await flushPromises()
  await flushPromises()
  return { wrapper, router }
}

function rowIds(wrapper: VueWrapper): number[] {
  return wrapper.findAll('[data-testid^="queue-item-"]').map((r) => Number(r.attributes('data-testid')?.slice('queue-item-'.length)))
}

async function showAll(wrapper: VueWrapper): Promise<void> {
  const tabs = wrapper.findAll('.van-tab')
  await tabs[1]?.trigger('click')
  await flushPromises()
}

describe('ReviewQueuePage', () => {
  it('lists what a county reviewer acts on: submitted and in county review', async () => {
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(rowIds(wrapper)).toEqual([3, 2])
    const statuses = server.calls('GET /api/inspections').map((r) => r.query.get('status'))
    expect(statuses.sort()).toEqual(['county_review', 'submitted', null].sort())
    expect(wrapper.findAll('.van-tab')[0]?.text()).toBe('待我审核（2）')
  })

  it('lists what a city reviewer acts on: county approved and in city review', async () => {
    const { wrapper } = await mountQueue(user('city_reviewer', 60))

    expect(rowIds(wrapper)).toEqual([6, 5])
    expect(wrapper.get('[data-testid="queue-item-6"]').text()).toContain('市级复核中')
    expect(wrapper.get('[data-testid="queue-item-5"]').text()).toContain('机构自评')
  })

  it('lists everything for an admin', async () => {
    const { wrapper } = await mountQueue(user('admin', 1))

    expect(rowIds(wrapper)).toEqual([8, 7, 6, 5, 4, 3, 2, 1])
    expect(server.calls('GET /api/inspections').every((r) => !r.query.has('status'))).toBe(true)
  })

  it('shows everything with Chinese status tags under 全部', async () => {
    const { wrapper } = await mountQueue(user('county_reviewer'))
    await showAll(wrapper)

    expect(rowIds(wrapper)).toEqual([8, 7, 6, 5, 4, 3, 2, 1])
    const tags = wrapper.findAll('[data-testid^="queue-item-"] .van-tag').map((t) => t.text())
    expect(tags).toEqual(['不予通过', '已通过（终审）', '市级复核中', '县级已通过', '已退回', '县级审核中', '已提交', '草稿'])
  })

  it('shows each row’s kind and date, and the facility name once it is fetched', async () => {
    const { wrapper } = await mountQueue(user('county_reviewer'))

    const row = wrapper.get('[data-testid="queue-item-2"]')
    expect(row.text()).toContain('东风镇卫生院')
    expect(row.text()).toContain('县级评审 · 检查日期 2026-11-02')
    // Facility 4 could not be fetched: the row keeps its placeholder.
    expect(wrapper.get('[data-testid="queue-item-3"]').text()).toContain('机构 #4')
    expect(server.calls('GET /api/facilities/3')).toHaveLength(1)
  })

  it('opens the review page of a row', async () => {
    const { wrapper, router } = await mountQueue(user('county_reviewer'))

    await wrapper.get('[data-testid="queue-item-3"]').trigger('click')
    await flushPromises()

    expect(router.currentRoute.value.name).toBe('review')
    expect(router.currentRoute.value.params['id']).toBe('3')
  })

  it('says so when offline, and loads again on retry', async () => {
    server.route('GET /api/inspections', () => offline())
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(wrapper.get('[data-testid="queue-error"]').text()).toContain('无法连接服务器')

    server.route('GET /api/inspections', (req) => ({
      json: ALL.filter((i) => !req.query.get('status') || i.status === req.query.get('status')),
    }))
    await wrapper.get('[data-testid="queue-retry"]').trigger('click')
    await flushPromises()
    await flushPromises()

    expect(wrapper.find('[data-testid="queue-error"]').exists()).toBe(false)
    expect(rowIds(wrapper)).toEqual([3, 2])
  })

  it('shows the server error code when the listing is refused', async () => {
    server.route('GET /api/inspections', apiError(500, 'internal', 'internal error'))
    const { wrapper } = await mountQueue(user('county_reviewer'))

    expect(wrapper.get('[data-testid="queue-error"]').text()).toContain('internal')
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
