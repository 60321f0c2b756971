// The sync screen against a real device database (fake-indexeddb): what waits, what the server
// refused and why, discarding a refused change, and conflicts the server kept for a reviewer.
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DOMWrapper, VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { closeDialog } from 'vant'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { MINI_TEST as miniTest } from '../domain/testing'
import type { BootstrapOut, RectificationOut } from '../api/types'
import { addPhoto, recordAnswer, saveBootstrap } from '../data/local'
import { getDb, wipeDb, type FixOutboxRow, type OutboxError, type PhotoRow } from '../db'
import { useSessionStore } from '../stores/session'
import { useSyncStore } from '../stores/sync'
import SyncPage from './SyncPage.vue'
import {
  Blank,
  dialogButton,
  facilityOut,
  INSPECTION_ID,
  INSPECTOR,
  inspectionOut,
  mountHost,
  photoRow,
  settle,
  unmountAll,
  until,
  visibleDialog,
} from './testing'

const FACILITY = facilityOut()
const INSPECTION = inspectionOut()

function photo(uploadId: string, itemId: string, size: number, state: PhotoRow['state'] = 'pending'): PhotoRow {
  return photoRow(uploadId, itemId, { size, state })
}

async function seedAssignment(): Promise<void> {
  const payload: BootstrapOut = {
    server_time: '2026-11-23T00:00:00Z',
    rectifications: [],
    user: INSPECTOR,
    assignments: [{ inspection: INSPECTION, checklist_key: 'mini-test@1', facts: { has_beds: true }, answers: {}, photos: {}, last_change: null, conflicts: [] }],
    facilities: [FACILITY],
    checklists: { 'mini-test@1': miniTest },
  }
  await saveBootstrap(getDb(), payload)
}

const A = (grade: string) => ({ grade, note: null, documentDate: null, validUntil: null })

async function refuse(changeId: string, error: OutboxError): Promise<void> {
  await getDb().outbox.where('changeId').equals(changeId).modify({ state: 'failed', attempts: 1, error })
}

/**
 * Two answers and two photos waiting; one answer and one photo the server refused (6 rows).
 * Photo bytes waiting: 1 MiB + 2 KiB + 512 B of the refused one.
 */
async function seedOutbox(): Promise<void> {
  const db = getDb()
  await recordAnswer(db, INSPECTION_ID, 'M-B01', A('A'))
  await recordAnswer(db, INSPECTION_ID, 'M-B02', A('B'))
  await recordAnswer(db, INSPECTION_ID, 'M-B03', A('A'))
  const refusedAnswer = (await db.outbox.where('[inspectionId+itemId]').equals([INSPECTION_ID, 'M-B03']).first())!
  await refuse(refusedAnswer.changeId, { code: 'answers.invalid_grade', message: 'expected one of C, not_met', status: 422 })
  await addPhoto(db, photo('up-0001', 'M-B01', 2048))
  await addPhoto(db, photo('up-0002', 'M-B02', 1024 * 1024))
  await addPhoto(db, photo('up-0003', 'M-B04', 512, 'failed'))
  await refuse('up-0003', { code: 'evidence.too_large', message: '照片过大', status: 413 })
}

let router: Router
let pinia: ReturnType<typeof createPinia>

async function openSync(): Promise<VueWrapper> {
  await router.push('/sync')
  const wrapper = mountHost(pinia, router)
  await until(() => expect(wrapper.find('[data-testid="sync-status"]').exists()).toBe(true))
  await settle()
  return wrapper
}

function value(wrapper: VueWrapper, testid: string): string {
  return wrapper.get(`[data-testid="${testid}"] .van-cell__value`).text()
}

function failedCell(wrapper: VueWrapper, title: string): DOMWrapper<Element> | undefined {
  return wrapper.findAll('[data-testid="sync-failed"] .van-cell').find((c) => c.find('.van-cell__title > span').text() === title)
}

beforeEach(async () => {
  await wipeDb()
  pinia = createPinia()
  setActivePinia(pinia)
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/sync', name: 'sync', component: SyncPage },
      { path: '/tasks', name: 'tasks', component: Blank },
      { path: '/inspections/:id(\\d+)', name: 'inspection', component: Blank },
      { path: '/inspections/:id(\\d+)/items/:itemId', name: 'item', component: Blank },
      { path: '/fixes/:id(\\d+)', name: 'fix', component: Blank },
    ],
  })
})

afterEach(async () => {
  closeDialog()
  await unmountAll()
  await wipeDb()
})

describe('SyncPage: what waits', () => {
  it('counts the answers and photos waiting, with the photos’ size', async () => {
    await seedAssignment()
    await seedOutbox()
    const wrapper = await openSync()

    expect(value(wrapper, 'sync-answers-waiting')).toBe('2')
    expect(value(wrapper, 'sync-photos-waiting')).toBe('2 张（1.0 MB）')
    expect(wrapper.text()).not.toContain('没有待上传的数据')
  })

  it('counts a facility’s rectifications waiting, and lists one the server refused', async () => {
    const db = getDb()
    await db.fixes.put({ id: 5, task: { item_number: '1.2.3', item_text: '制度上墙' } as RectificationOut, draftNote: null, submittedAt: null, downloadedAt: '' })
    await db.fixOutbox.bulkAdd([
      { changeId: 'fix-photo-1', createdAt: '', kind: 'fix_photo', taskId: 5, state: 'pending', attempts: 0, error: null, payload: null },
      { changeId: 'fix-submit-1', createdAt: '', kind: 'fix_submit', taskId: 5, state: 'pending', attempts: 0, error: null, payload: { note: '已整改', photos: ['fix-photo-1'] } },
      {
        changeId: 'fix-photo-2',
        createdAt: '',
        kind: 'fix_photo',
        taskId: 5,
        state: 'failed',
        attempts: 1,
        error: { code: 'evidence.too_large', message: '照片不能超过 20 MB', status: 413 },
        payload: null,
      },
    ] as FixOutboxRow[])
    const wrapper = await openSync()

    expect(value(wrapper, 'sync-fixes-waiting')).toBe('1 项')
    expect(value(wrapper, 'sync-fix-photos-waiting')).toBe('1 张')
    const refused = wrapper.get('[data-testid="sync-fixes-failed"]').text()
    expect(refused).toContain('1.2.3 制度上墙')
    expect(refused).toContain('照片不能超过 20 MB')
    expect(wrapper.text()).not.toContain('没有待上传的数据')
  })

  it('follows the device database as changes are sent', async () => {
    await seedAssignment()
    await seedOutbox()
    const wrapper = await openSync()

    await getDb().outbox.where('state').equals('pending').delete()

    await until(() => expect(value(wrapper, 'sync-answers-waiting')).toBe('0'))
    expect(value(wrapper, 'sync-photos-waiting')).toBe('0')
  })

  it('says when nothing waits', async () => {
    await seedAssignment()
    const wrapper = await openSync()

    expect(wrapper.text()).toContain('没有待上传的数据')
    expect(value(wrapper, 'sync-answers-waiting')).toBe('0')
    expect(wrapper.find('[data-testid="sync-failed"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="sync-conflicts"]').exists()).toBe(false)
  })

  it('立即同步 sends and downloads the tasks', async () => {
    const run = vi.spyOn(useSyncStore(), 'run').mockResolvedValue(null)
    const wrapper = await openSync()

    await wrapper.get('[data-testid="sync-now"]').trigger('click')

    expect(run).toHaveBeenCalledTimes(1)
    expect(run).toHaveBeenCalledWith({ pull: true })
  })

  it('shows the state of the sync engine', async () => {
    const wrapper = await openSync()
    expect(value(wrapper, 'sync-phase')).toBe('空闲')

    useSyncStore().status = {
      phase: 'waiting',
      failures: 2,
      nextAttemptAt: Date.now() + 30_000,
      lastError: '无法连接服务器',
      offline: true,
      lastSuccessAt: null,
      upload: null,
    }
    await settle()

    expect(value(wrapper, 'sync-phase')).toBe('等待重试')
    expect(wrapper.text()).toContain('无法连接服务器')
    expect(wrapper.text()).toMatch(/下次重试3[01] 秒后/)
    expect(wrapper.text()).toContain('本次打开后尚未同步')
  })
})

describe('SyncPage: refused changes', () => {
  it('lists each refused change with the server’s message and code', async () => {
    await seedAssignment()
    await seedOutbox()
    const wrapper = await openSync()

    const cells = wrapper.findAll('[data-testid="sync-failed"] .van-cell')
    expect(cells).toHaveLength(2)
    const answer = failedCell(wrapper, '城关镇卫生院 · M-B03')!
    expect(answer.get('.van-cell__label').text()).toContain('评价：expected one of C, not_met')
    expect(answer.get('.code').text()).toBe('answers.invalid_grade')
    const photo = failedCell(wrapper, '城关镇卫生院 · M-B04')!
    expect(photo.get('.van-cell__label').text()).toContain('照片：照片过大')
    expect(photo.get('.code').text()).toBe('evidence.too_large')
  })

  it('放弃 removes a refused answer after confirmation, and nothing else', async () => {
    await seedAssignment()
    await seedOutbox()
    const wrapper = await openSync()

    await failedCell(wrapper, '城关镇卫生院 · M-B03')!.get('button').trigger('click')
    await until(() => expect(visibleDialog()?.textContent).toContain('放弃这条修改'))
    ;(await dialogButton('确认')).click()

    await until(() => expect(failedCell(wrapper, '城关镇卫生院 · M-B03')).toBeUndefined())
    const rows = await getDb().outbox.toArray()
    expect(rows.some((r) => r.itemId === 'M-B03')).toBe(false)
    expect(rows).toHaveLength(5)
    expect(value(wrapper, 'sync-answers-waiting')).toBe('2')
    expect(wrapper.findAll('[data-testid="sync-failed"] .van-cell')).toHaveLength(1)
  })

  it('放弃 of a refused photo deletes the photo too', async () => {
    await seedAssignment()
    await seedOutbox()
    const wrapper = await openSync()

    await failedCell(wrapper, '城关镇卫生院 · M-B04')!.get('button').trigger('click')
    ;(await dialogButton('确认')).click()

    await until(async () => expect(await getDb().photos.get('up-0003')).toBeUndefined())
    expect(await getDb().outbox.where('changeId').equals('up-0003').count()).toBe(0)
    expect(await getDb().photos.count()).toBe(2)
  })

  it('keeps the change when the confirmation is cancelled', async () => {
    await seedAssignment()
    await seedOutbox()
    const wrapper = await openSync()

    await failedCell(wrapper, '城关镇卫生院 · M-B03')!.get('button').trigger('click')
    ;(await dialogButton('取消')).click()
    await until(() => expect(visibleDialog()).toBeUndefined())
    await settle()

    expect(await getDb().outbox.count()).toBe(6)
    expect(failedCell(wrapper, '城关镇卫生院 · M-B03')).toBeDefined()
  })

  it('全部重试 queues every refused change again and syncs', async () => {
    await seedAssignment()
    await seedOutbox()
    const run = vi.spyOn(useSyncStore(), 'run').mockResolvedValue(null)
    const wrapper = await openSync()

    const retry = wrapper.findAll('[data-testid="sync-failed"] button').find((b) => b.text() === '全部重试')!
    await retry.trigger('click')

    await until(() => expect(run).toHaveBeenCalledTimes(1))
    const rows = await getDb().outbox.toArray()
    expect(rows.every((r) => r.state === 'pending' && r.error === null)).toBe(true)
    await until(() => expect(wrapper.find('[data-testid="sync-failed"]').exists()).toBe(false))
    expect(value(wrapper, 'sync-answers-waiting')).toBe('3')
  })
})

describe('SyncPage: conflicts', () => {
  it('shows the conflicts the sync recorded, and forgets one once acknowledged', async () => {
    await seedAssignment()
    await getDb().meta.bulkPut([
      { key: 'conflict:c0ffee01', value: { inspectionId: INSPECTION_ID, itemId: 'M-B05', currentRevision: 4, at: '2026-11-23T03:00:00Z' } },
      { key: 'conflict:c0ffee02', value: { inspectionId: 99, itemId: 'M-R1', currentRevision: 2, at: null } },
      { key: 'deviceId', value: 'dev-1' },
    ])
    const wrapper = await openSync()

    const cells = wrapper.findAll('[data-testid="sync-conflicts"] .van-cell')
    expect(cells).toHaveLength(2)
    expect(cells[0]?.find('.van-cell__title > span').text()).toBe('城关镇卫生院 · M-B05')
    expect(cells[0]?.text()).toContain('服务器版本 4')
    expect(cells[0]?.text()).toContain('冲突')
    // An inspection no longer on the device is named by its id.
    expect(cells[1]?.find('.van-cell__title > span').text()).toBe('#99 · M-R1')
    expect(wrapper.text()).not.toContain('没有待上传的数据')

    await cells[0]!.findAll('button').find((b) => b.text() === '知道了')!.trigger('click')

    await until(() => expect(wrapper.findAll('[data-testid="sync-conflicts"] .van-cell')).toHaveLength(1))
    expect(await getDb().meta.get('conflict:c0ffee01')).toBeUndefined()
    expect(await getDb().meta.get('conflict:c0ffee02')).toBeDefined()
    expect(await getDb().meta.get('deviceId')).toBeDefined()
  })
})

describe('SyncPage: conflicts kept on the server', () => {
  it('lists them by inspection with both sides, from the device copy, linked to the inspection', async () => {
    useSessionStore().user = INSPECTOR
    await saveBootstrap(getDb(), {
      server_time: '2026-11-23T00:00:00Z',
      rectifications: [],
      user: INSPECTOR,
      assignments: [
        {
          inspection: INSPECTION,
          last_change: null,
          checklist_key: 'mini-test@1',
          facts: { has_beds: true },
          answers: { 'M-B05': { grade: 'A', revision: 1 } },
          photos: {},
          conflicts: [
            {
              id: 8,
              item_id: 'M-B05',
              change_id: 'c-8',
              base_revision: 0,
              current_revision: 1,
              proposed: { grade: 'not_met', note: '复查发现问题' },
              author_id: 77,
              author_name: '陈志强',
              device_id: null,
              device_time: '2026-11-23T10:00:00+08:00',
              received_at: '2026-11-23T02:01:00+00:00',
              resolved_at: null,
              resolution: null,
              resolution_reason: null,
              resolved_by: null,
              current: { grade: 'A', revision: 1, author_id: INSPECTOR.id, author_name: '张检查' },
            },
          ],
        },
      ],
      facilities: [FACILITY],
      checklists: { 'mini-test@1': miniTest },
    })
    const wrapper = await openSync()

    const kept = wrapper.get(`[data-testid="sync-kept-${INSPECTION_ID}"]`)
    expect(kept.get('.kept-title a').text()).toBe('城关镇卫生院')
    expect(kept.get('.kept-title a').attributes('href')).toBe(`/inspections/${INSPECTION_ID}`)
    expect(kept.get('[data-testid="conflict-M-B05-proposed"]').text()).toContain('陈志强')
    expect(kept.text()).toContain('1.1.5 基本条款5')
    expect(kept.findAll('button').map((b) => b.text())).toEqual(['保留我的', '采用对方的', '合并备注'])
    expect(wrapper.text()).not.toContain('没有待上传的数据')
  })
})
