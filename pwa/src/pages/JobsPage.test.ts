import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import JobsPage from './JobsPage.vue'
import { useSessionStore } from '../stores/session'
import type { JobOut, RegionOut, UserOut } from '../api/types'
import { POLL_MS } from '../review/jobs'
import { fakeServer, job, user, type FakeServer } from '../review/testing'

enableAutoUnmount(afterEach)

const Blank = defineComponent({ render: () => h('div') })

function region(code: string, name: string, level: RegionOut['level'], parent: string, children: number): RegionOut {
  return { code, name, level, parent_code: parent, children, has_children: children > 0 }
}

// GET /api/regions answers one level: the user's region and its direct subregions
const LEVELS: Record<string, { region: RegionOut; items: RegionOut[]; next: null }> = {
  '': {
    region: region('410200', '开封市', 'city', '410000', 2),
    items: [region('410222', '通许县', 'county', '410200', 1), region('410225', '兰考县', 'county', '410200', 0)],
    next: null,
  },
  '410222': {
    region: region('410222', '通许县', 'county', '410200', 1),
    items: [region('410222100', '城关镇', 'township', '410222', 0)],
    next: null,
  },
}

const XLSX_RESULT = {
  filename: '开封市_2026年_奖补资金分配表.xlsx',
  content_type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  size: 36_045,
  sha256: 'c'.repeat(64),
  reused: true,
  once: false,
}

let server: FakeServer
let jobsOnServer: Map<number, JobOut>

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  jobsOnServer = new Map([
    [12, job(12, { state: 'running', progress: { done: 40, total: 160, stage: 'render', stage_label: '排版输出' } })],
    [11, job(11, { state: 'succeeded', finished_at: '2026-11-29T02:05:00+00:00', result: XLSX_RESULT, title: '开封市 2026年 奖补资金分配表（XLSX）' })],
    [10, job(10, { state: 'failed', state_label: '失败', error: { code: 'jobs.failed', message: '任务多次中断，已停止重试' } })],
  ])
  server = fakeServer({
    'GET /api/regions': (req) => ({ json: LEVELS[req.query.get('parent') ?? ''] }),
    'GET /api/jobs': (req) =>
      req.query.get('before') === null
        ? { json: { jobs: [...jobsOnServer.values()], next_before: 10 } }
        : { json: { jobs: [job(9, { state: 'succeeded', result: { ...XLSX_RESULT, reused: false } })], next_before: null } },
  })
  for (const id of [9, 10, 11, 12, 13]) {
    server.route(`GET /api/jobs/${id}`, () => ({ json: jobsOnServer.get(id) }))
  }
})

afterEach(() => {
  vi.useRealTimers()
})

async function settle(): Promise<void> {
  for (let i = 0; i < 6; i++) await flushPromises()
}

async function mountPage(who: UserOut): Promise<VueWrapper> {
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().user = who
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/jobs', name: 'jobs', component: JobsPage },
      { path: '/review', name: 'review-queue', component: Blank },
    ],
  })
  await router.push('/jobs')
  const wrapper = mount(JobsPage, { global: { plugins: [pinia, router] } })
  await settle()
  return wrapper
}

function ids(wrapper: VueWrapper): number[] {
  return wrapper.findAll('[data-testid^="job-"][data-state]').map((el) => Number(el.attributes('data-testid')?.slice(4)))
}

describe('JobsPage', () => {
  it('lists the jobs newest first with their state, progress, error and file', async () => {
    const wrapper = await mountPage(user('city_reviewer'))
    expect(ids(wrapper)).toEqual([12, 11, 10])
    const running = wrapper.get('[data-testid="job-12"]')
    expect(running.get('[data-testid="job-state"]').text()).toBe('进行中')
    expect(running.get('[data-testid="job-stage"]').text()).toBe('排版输出（40/160）')
    expect(running.text()).toContain('发起人 王市审')
    expect(running.text()).toContain('提交于 2026-11-29 10:00') // China time
    const done = wrapper.get('[data-testid="job-11"]')
    expect(done.find('[data-testid="job-progress"]').exists()).toBe(false)
    expect(done.get('[data-testid="job-size"]').text()).toBe('35.2 KB')
    expect(done.get('[data-testid="job-reused"]').text()).toBe('沿用已生成的相同结果')
    expect(done.text()).toContain('完成于 2026-11-29 10:05')
    expect(wrapper.get('[data-testid="job-10"] [data-testid="job-error"]').text()).toBe('任务多次中断，已停止重试')
  })

  it('follows the running job until it finishes, then stops asking', async () => {
    const wrapper = await mountPage(user('city_reviewer'))
    await vi.advanceTimersByTimeAsync(POLL_MS)
    await settle()
    expect(server.calls('GET /api/jobs/12')).toHaveLength(1)
    expect(server.calls('GET /api/jobs/11')).toHaveLength(0) // finished ones are not asked for
    jobsOnServer.set(12, job(12, { state: 'succeeded', state_label: '已完成', result: { ...XLSX_RESULT, reused: false } }))
    await vi.advanceTimersByTimeAsync(POLL_MS)
    await settle()
    expect(wrapper.get('[data-testid="job-12"] [data-testid="job-state"]').text()).toBe('已完成')
    expect(wrapper.find('[data-testid="job-download-12"]').exists()).toBe(true)
    await vi.advanceTimersByTimeAsync(10 * POLL_MS)
    expect(server.calls('GET /api/jobs/12')).toHaveLength(2)
  })

  it('asks for the sheet of the chosen region and period, and shows the job first', async () => {
    const wrapper = await mountPage(user('city_reviewer'))
    const region = wrapper.get('[data-testid="sheet-region-0"]')
    expect(region.findAll('option').map((o) => o.text())).toEqual(['开封市（全部）', '通许县', '兰考县'])
    await region.setValue('410222')
    await settle()
    expect(wrapper.get('[data-testid="sheet-region-1"]').findAll('option').map((o) => o.text())).toEqual(['通许县（整体）', '城关镇'])
    await wrapper.get('[data-testid="sheet-period-quarter"]').trigger('click')
    await wrapper.get('[data-testid="sheet-year"]').setValue('2026')
    await wrapper.get('[data-testid="sheet-quarter"]').setValue('3')
    await wrapper.get('[data-testid="sheet-format-xlsx"]').trigger('click')
    expect(wrapper.get('[data-testid="sheet-summary"]').text()).toBe('通许县 · 2026年第三季度 · 电子表格')

    const queued = job(13, { state: 'queued', state_label: '排队中', title: '通许县 2026年第三季度 奖补资金分配表（XLSX）' })
    server.route('POST /api/payouts/sheets', { status: 202, json: queued })
    jobsOnServer.set(13, queued)
    await wrapper.get('[data-testid="sheet-form"]').trigger('submit')
    await settle()
    expect(server.calls('POST /api/payouts/sheets')[0]?.body).toEqual({ region_code: '410222', period: '2026Q3', format: 'xlsx' })
    expect(ids(wrapper)).toEqual([13, 12, 11, 10])
    expect(wrapper.get('[data-testid="job-13"] [data-testid="job-stage"]').text()).toBe('等待处理')
  })

  it('pages on with 加载更多 until the oldest', async () => {
    const wrapper = await mountPage(user('city_reviewer'))
    await wrapper.get('[data-testid="jobs-more"]').trigger('click')
    await settle()
    expect(server.calls('GET /api/jobs').map((r) => r.query.get('before'))).toEqual([null, '10'])
    expect(ids(wrapper)).toEqual([12, 11, 10, 9])
    expect(wrapper.find('[data-testid="jobs-more"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="jobs-end"]').text()).toBe('已显示全部任务')
  })

  it('offers no sheet form to a role the server does not let ask for one', async () => {
    const wrapper = await mountPage(user('county_reviewer'))
    expect(wrapper.find('[data-testid="sheet-form"]').exists()).toBe(false)
    expect(server.calls('GET /api/regions')).toHaveLength(0)
    expect(ids(wrapper)).toEqual([12, 11, 10])
  })

  it("is a finance officer's home: the bar logs out rather than going back to a review desk", async () => {
    const reviewer = await mountPage(user('city_reviewer'))
    expect(reviewer.get('[data-testid="jobs-navbar"]').text()).toContain('评审审核')
    const finance = await mountPage(user('finance'))
    const bar = finance.get('[data-testid="jobs-navbar"]').text()
    expect(bar).toContain('退出登录')
    expect(bar).not.toContain('评审审核')
    expect(finance.find('[data-testid="sheet-form"]').exists()).toBe(true)
  })
})
