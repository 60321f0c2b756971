// The inspector's start page against a real device database (fake-indexeddb): the assignments and
// their progress, the storage warning, and logout, which must never silently drop unsent work.
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { closeDialog } from 'vant'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { MINI_TEST as miniTest } from '../domain/testing'
import type { AssignmentOut, BootstrapOut, FacilityOut, InspectionOut, LastChangeOut } from '../api/types'
import { addPhoto, recordAnswer, saveBootstrap } from '../data/local'
import { getDb, wipeDb, type PhotoRow } from '../db'
import { useSessionStore, type StoredSession } from '../stores/session'
import { useSyncStore } from '../stores/sync'
import TasksPage from './TasksPage.vue'
import {
  Blank,
  dialogButton,
  dialogClosed,
  dialogSays,
  facilityOut,
  INSPECTOR,
  inspectionOut,
  mountHost,
  photoRow,
  settle,
  unmountAll,
  until,
  visibleDialog,
} from './testing'

const CHECKLIST_KEY = 'mini-test@1'

function facility(id: number, name: string): FacilityOut {
  return facilityOut({ id, name })
}

function assignment(id: number, facilityId: number, over: Partial<InspectionOut>, answers: AssignmentOut['answers'] = {}): AssignmentOut {
  return {
    inspection: inspectionOut({ id, facility_id: facilityId, ...over }),
    checklist_key: CHECKLIST_KEY,
    facts: { has_beds: true },
    answers,
    photos: {},
    last_change: null,
    conflicts: [],
  }
}

function photo(uploadId: string, inspectionId: number, itemId: string): PhotoRow {
  return photoRow(uploadId, itemId, { inspectionId })
}

/** Two assignments; inspection 7 has two server answers, one unsent answer and one unsent photo. */
async function seedTasks(): Promise<void> {
  const payload: BootstrapOut = {
    server_time: '2026-11-23T00:00:00Z',
    rectifications: [],
    user: INSPECTOR,
    assignments: [
      assignment(7, 9, {}, { 'M-B01': { grade: 'A', revision: 1 }, 'M-B02': { grade: 'B', revision: 1 } }),
      assignment(8, 10, { kind: 'city_reinspection', status: 'returned', inspection_date: '2026-11-25' }),
    ],
    facilities: [facility(9, '城关镇卫生院'), facility(10, '东风镇卫生院')],
    checklists: { [CHECKLIST_KEY]: miniTest },
  }
  const db = getDb()
  await saveBootstrap(db, payload, new Date('2026-11-23T01:00:00Z'))
  await recordAnswer(db, 7, 'M-B03', { grade: 'C', note: null, documentDate: null, validUntil: null })
  await addPhoto(db, photo('up-0001', 7, 'M-B01'))
}

const SESSION: StoredSession = { token: 'tok-1', expiresAt: '2026-11-30T00:00:00Z', user: INSPECTOR }

let router: Router
let pinia: ReturnType<typeof createPinia>
let fetchMock: Mock<(url: string) => Promise<Response>>

function makeRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/tasks', name: 'tasks', component: TasksPage },
      { path: '/login', name: 'login', component: Blank },
      { path: '/sync', name: 'sync', component: Blank },
      { path: '/inspections/:id(\\d+)', name: 'inspection', component: Blank },
    ],
  })
}

interface StorageStub {
  persisted: () => Promise<boolean>
  persist: () => Promise<boolean>
  estimate: () => Promise<{ usage?: number; quota?: number }>
}

function stubStorage(stub: Partial<StorageStub>): StorageStub {
  const storage: StorageStub = {
    persisted: vi.fn(() => Promise.resolve(true)),
    persist: vi.fn(() => Promise.resolve(true)),
    estimate: vi.fn(() => Promise.resolve({ usage: 10 * 1024 * 1024, quota: 10 * 1024 * 1024 * 1024 })),
    ...stub,
  }
  Object.defineProperty(navigator, 'storage', { value: storage, configurable: true })
  return storage
}

async function openTasks(): Promise<VueWrapper> {
  await router.push('/tasks')
  const wrapper = mountHost(pinia, router)
  await until(() => expect(wrapper.find('[data-testid="tasks-nav"]').exists()).toBe(true))
  await settle()
  return wrapper
}

async function logout(wrapper: VueWrapper): Promise<void> {
  await wrapper.get('[data-testid="tasks-nav"] .van-nav-bar__right').trigger('click')
  await settle()
}

function logoutCalls(): unknown[][] {
  return fetchMock.mock.calls.filter(([url]) => url === '/api/auth/logout')
}

beforeEach(async () => {
  await wipeDb()
  pinia = createPinia()
  setActivePinia(pinia)
  router = makeRouter()
  stubStorage({})
  fetchMock = vi.fn((url: string) =>
    Promise.resolve(
      url === '/api/auth/logout'
        ? new Response(null, { status: 204 })
        : new Response(JSON.stringify({ error: { code: 'http.not_found', message: 'Not Found' } }), { status: 404 }),
    ),
  )
  vi.stubGlobal('fetch', fetchMock)
  await getDb().meta.put({ key: 'session', value: SESSION })
  await useSessionStore().restore()
})

afterEach(async () => {
  closeDialog()
  await unmountAll()
  await wipeDb()
  delete (navigator as { storage?: unknown }).storage
})

describe('TasksPage: the list', () => {
  it('lists the assignments on the device, newest inspection first, with their progress', async () => {
    await seedTasks()
    const wrapper = await openTasks()

    const cells = wrapper.findAll('[data-testid^="task-"]')
    expect(cells.map((c) => c.attributes('data-testid'))).toEqual(['task-8', 'task-7'])

    const seven = wrapper.get('[data-testid="task-7"]')
    expect(seven.get('.van-cell__title').text()).toContain('城关镇卫生院')
    expect(seven.text()).toContain('评分引擎测试用小清单')
    expect(seven.text()).toContain('县级评审')
    const group7 = seven.element.parentElement!
    expect(group7.textContent).toContain('已评 3 / 15')
    expect(group7.textContent).toContain('检查日期 2026-11-23')
    expect(group7.textContent).toContain('草稿')
    expect(group7.textContent).toContain('2 条待上传')
    expect(group7.querySelector<HTMLElement>('.van-progress__portion')?.style.width).toBe('20%')

    const eight = wrapper.get('[data-testid="task-8"]')
    expect(eight.text()).toContain('东风镇卫生院')
    expect(eight.text()).toContain('市级复核')
    const group8 = eight.element.parentElement!
    expect(group8.textContent).toContain('已评 0 / 15')
    expect(group8.textContent).toContain('已退回')
    expect(group8.textContent).not.toContain('待上传')
  })

  it('shows who is signed in, when the tasks were downloaded, and what waits to be sent', async () => {
    await seedTasks()
    const wrapper = await openTasks()

    const me = wrapper.get('.me')
    expect(me.text()).toContain('张检查')
    expect(me.text()).toContain('检查员')
    expect(me.text()).toContain('任务更新于 2026-11-23 09:00') // China time
    expect(wrapper.get('[data-testid="sync-badge"]').text()).toBe('2 待传')
  })

  it('updates the progress when an answer is recorded', async () => {
    await seedTasks()
    const wrapper = await openTasks()

    await recordAnswer(getDb(), 8, 'M-R1', { grade: 'A', note: null, documentDate: null, validUntil: null })

    await until(() => expect(wrapper.get('[data-testid="task-8"]').element.parentElement!.textContent).toContain('已评 1 / 15'))
    expect(wrapper.get('[data-testid="task-8"]').element.parentElement!.textContent).toContain('1 条待上传')
  })

  it('says how to get tasks when there are none', async () => {
    const wrapper = await openTasks()

    await until(() => expect(wrapper.text()).toContain('暂无进行中的任务'))
    expect(wrapper.text()).toContain('尚未下载任务')
    expect(wrapper.findAll('[data-testid^="task-"]')).toHaveLength(0)
  })

  it('opens an inspection', async () => {
    await seedTasks()
    const wrapper = await openTasks()

    await wrapper.get('[data-testid="task-7"]').trigger('click')

    await until(() => expect(router.currentRoute.value.name).toBe('inspection'))
    expect(router.currentRoute.value.params.id).toBe('7')
  })

  it('syncs and downloads the tasks on request', async () => {
    const run = vi.spyOn(useSyncStore(), 'run').mockResolvedValue(null)
    const wrapper = await openTasks()

    await wrapper.get('[data-testid="tasks-sync"]').trigger('click')

    expect(run).toHaveBeenCalledTimes(1)
    expect(run).toHaveBeenCalledWith({ pull: true })
  })

  it('offers a self-assessment only to facility staff', async () => {
    const wrapper = await openTasks()
    expect(wrapper.find('[data-testid="self-new"]').exists()).toBe(false)

    useSessionStore().user = { ...INSPECTOR, role: 'self_assessor', facility_id: 9 }
    await settle()
    expect(wrapper.find('[data-testid="self-new"]').exists()).toBe(true)
  })
})

describe('TasksPage: returned and history', () => {
  const returnedChange: LastChangeOut = {
    action: 'return',
    to_status: 'returned',
    actor_name: '张卫东',
    reason: '第 1.6.1 条设备照片不清晰，请补拍',
    created_at: '2026-11-20T16:30:00+00:00',
  }

  async function seedHistory(): Promise<void> {
    const submitted = assignment(11, 9, { status: 'submitted', inspection_date: '2026-11-10' })
    submitted.last_change = { action: 'submit', to_status: 'submitted', actor_name: '张检查', reason: null, created_at: '2026-11-11T02:00:00+00:00' }
    const approved = assignment(12, 10, { status: 'approved', inspection_date: '2026-11-01' })
    approved.last_change = { action: 'approve', to_status: 'approved', actor_name: '李建国', reason: null, created_at: '2026-11-18T03:00:00+00:00' }
    const returned = assignment(8, 10, { status: 'returned', inspection_date: '2026-11-15' })
    returned.last_change = returnedChange
    returned.conflicts = []
    const payload: BootstrapOut = {
      server_time: '2026-11-23T00:00:00Z',
      rectifications: [],
      user: INSPECTOR,
      assignments: [assignment(7, 9, {}), returned, submitted, approved],
      facilities: [facility(9, '城关镇卫生院'), facility(10, '东风镇卫生院')],
      checklists: { [CHECKLIST_KEY]: miniTest },
    }
    await saveBootstrap(getDb(), payload, new Date('2026-11-23T01:00:00Z'))
  }

  it('shows on a returned task why, by whom and when (China time) it came back', async () => {
    await seedHistory()
    const wrapper = await openTasks()

    const notice = wrapper.get('[data-testid="sent-back-8"]').text()
    expect(notice).toContain('退回原因：第 1.6.1 条设备照片不清晰，请补拍')
    expect(notice).toContain('张卫东 退回 · 2026-11-21 00:30')
    expect(wrapper.find('[data-testid="sent-back-7"]').exists()).toBe(false)
  })

  it('keeps submitted and finished inspections in a read-only history with their status', async () => {
    await seedHistory()
    const wrapper = await openTasks()

    expect(wrapper.findAll('[data-testid^="task-"]').map((c) => c.attributes('data-testid'))).toEqual(['task-7', 'task-8'])
    const history = wrapper.get('[data-testid="tasks-history"]')
    expect(wrapper.text()).toContain('历史记录（只读）')
    expect(history.findAll('[data-testid^="history-"][data-testid$="-status"]').map((t) => t.text())).toEqual([
      '已通过（终审）',
      '已提交',
    ])
    expect(wrapper.get('[data-testid="history-11"]').text()).toContain('更新于 2026-11-11 10:00')
    await wrapper.get('[data-testid="history-11"]').trigger('click')
    await until(() => expect(router.currentRoute.value.params.id).toBe('11'))
  })

  it('shows no history heading when nothing was submitted yet', async () => {
    await seedTasks()
    const wrapper = await openTasks()

    expect(wrapper.find('[data-testid="tasks-history"]').exists()).toBe(false)
  })
})

describe('TasksPage: the self-assessment picker', () => {
  it('asks the server which checklists fit the facility and offers them by Chinese title', async () => {
    useSessionStore().user = { ...INSPECTOR, role: 'self_assessor', facility_id: 9 }
    fetchMock.mockImplementation((url: string) =>
      Promise.resolve(
        url === '/api/checklists?facility_id=9'
          ? new Response(
              JSON.stringify([
                { id: 'qs-2023-sample', version: 1, family: 'quality_service', edition: '2023-sample', title: '优质服务基层行服务能力评价（2023版）' },
              ]),
              { status: 200, headers: { 'Content-Type': 'application/json' } },
            )
          : new Response(JSON.stringify({ error: { code: 'http.not_found', message: '未找到，或不在您的权限范围内' } }), { status: 404 }),
      ),
    )
    const wrapper = await openTasks()

    await wrapper.get('[data-testid="self-new"]').trigger('click')

    await until(() => expect(wrapper.find('.van-action-sheet').text()).toContain('优质服务基层行服务能力评价（2023版）'))
    const sheet = wrapper.get('.van-action-sheet').text()
    expect(sheet).toContain('第 1 版')
    expect(sheet).not.toContain('qs-2023-sample')
    expect(sheet).not.toContain('sample')
    expect(fetchMock.mock.calls.map(([url]) => url)).toContain('/api/checklists?facility_id=9')
  })

  it('says so when no checklist fits the facility', async () => {
    useSessionStore().user = { ...INSPECTOR, role: 'self_assessor', facility_id: 9 }
    fetchMock.mockImplementation(() =>
      Promise.resolve(new Response('[]', { status: 200, headers: { 'Content-Type': 'application/json' } })),
    )
    const wrapper = await openTasks()

    await wrapper.get('[data-testid="self-new"]').trigger('click')

    await dialogSays('没有适用于本机构类型的评价标准')
  })
})

describe('TasksPage: storage', () => {
  it('warns when the browser does not promise to keep the data', async () => {
    const storage = stubStorage({ persisted: vi.fn(() => Promise.resolve(false)), persist: vi.fn(() => Promise.resolve(false)) })
    const wrapper = await openTasks()

    await until(() => expect(wrapper.find('[data-testid="storage-warning"]').exists()).toBe(true))
    expect(storage.persist).toHaveBeenCalled()
    expect(wrapper.get('[data-testid="storage-warning"]').text()).toContain('浏览器未允许持久存储')
  })

  it('warns when little space is left', async () => {
    stubStorage({ estimate: vi.fn(() => Promise.resolve({ usage: 900 * 1024 * 1024, quota: 1000 * 1024 * 1024 })) })
    const wrapper = await openTasks()

    await until(() => expect(wrapper.find('[data-testid="storage-warning"]').exists()).toBe(true))
    expect(wrapper.get('[data-testid="storage-warning"]').text()).toContain('本机存储空间不足（剩余约 100.0 MB）')
  })

  it('says nothing when storage is persistent and roomy', async () => {
    const storage = stubStorage({ persisted: vi.fn(() => Promise.resolve(false)), persist: vi.fn(() => Promise.resolve(true)) })
    const wrapper = await openTasks()
    await settle()

    expect(storage.persist).toHaveBeenCalled()
    expect(wrapper.find('[data-testid="storage-warning"]').exists()).toBe(false)
  })
})

describe('TasksPage: logout', () => {
  it('logs out at once when nothing waits, and deletes the device data', async () => {
    await seedTasks()
    await getDb().outbox.clear()
    const wrapper = await openTasks()

    await logout(wrapper)

    await until(() => expect(router.currentRoute.value.name).toBe('login'))
    expect(visibleDialog()).toBeUndefined()
    expect(logoutCalls()).toHaveLength(1)
    const [, init] = logoutCalls()[0] as [string, RequestInit]
    expect(init.method).toBe('POST')
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok-1')
    expect(useSessionStore().user).toBeNull()
    expect(await getDb().assignments.count()).toBe(0)
    expect(await getDb().answers.count()).toBe(0)
    expect(await getDb().meta.get('session')).toBeUndefined()
  })

  it('refuses while changes are unsent; 取消 keeps the session and the data', async () => {
    await seedTasks()
    const wrapper = await openTasks()

    await logout(wrapper)
    await dialogSays('本机还有 2 条修改或照片未上传到服务器')
    ;(await dialogButton('取消')).click()
    await dialogClosed()
    await settle()

    expect(router.currentRoute.value.name).toBe('tasks')
    expect(logoutCalls()).toHaveLength(0)
    expect(useSessionStore().user?.username).toBe('tx_inspector1')
    expect(await getDb().outbox.count()).toBe(2)
    expect(await getDb().assignments.count()).toBe(2)
    expect(await getDb().photos.count()).toBe(1)
    expect(await getDb().meta.get('session')).toBeDefined()
  })

  it('keeps everything when the second confirmation is declined', async () => {
    await seedTasks()
    const wrapper = await openTasks()

    await logout(wrapper)
    ;(await dialogButton('放弃未同步数据并退出')).click()
    await dialogSays('将永久删除 2 条未上传的修改和照片')
    ;(await dialogButton('取消')).click()
    await dialogClosed()
    await settle()

    expect(router.currentRoute.value.name).toBe('tasks')
    expect(logoutCalls()).toHaveLength(0)
    expect(useSessionStore().user).not.toBeNull()
    expect(await getDb().outbox.count()).toBe(2)
  })

  it('after two explicit confirmations, stops syncing, logs out and wipes the device', async () => {
    await seedTasks()
    const stop = vi.spyOn(useSyncStore(), 'stop')
    const wrapper = await openTasks()

    await logout(wrapper)
    await dialogSays('本机还有 2 条修改或照片未上传到服务器')
    ;(await dialogButton('放弃未同步数据并退出')).click()
    await dialogSays('将永久删除 2 条未上传的修改和照片')
    ;(await dialogButton('确认删除并退出')).click()

    await until(() => expect(router.currentRoute.value.name).toBe('login'))
    expect(stop).toHaveBeenCalled()
    expect(logoutCalls()).toHaveLength(1)
    expect(useSessionStore().user).toBeNull()
    const db = getDb()
    expect(await db.outbox.count()).toBe(0)
    expect(await db.assignments.count()).toBe(0)
    expect(await db.answers.count()).toBe(0)
    expect(await db.photos.count()).toBe(0)
    expect(await db.meta.get('session')).toBeUndefined()
  })

  it('still logs out (and wipes) when the server cannot be reached', async () => {
    await seedTasks()
    await getDb().outbox.clear()
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    const wrapper = await openTasks()

    await logout(wrapper)

    await until(() => expect(router.currentRoute.value.name).toBe('login'))
    expect(useSessionStore().user).toBeNull()
    expect(await getDb().assignments.count()).toBe(0)
  })
})
