// The inspection screen against a real device database (fake-indexeddb): progress, the live tier
// preview, the checklist rows with their marks, what blocks a submit, and the submit itself. The
// checklist is the real mini-test definition (and a copy of it that asks for photos).
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { closeDialog, closeNotify } from 'vant'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { MINI_TEST as miniTest } from '../domain/testing'
import { setAuth } from '../api/client'
import type { BootstrapOut, ConflictOut, InspectionOut, InspectionStatus, LastChangeOut, ServerAnswer } from '../api/types'
import { addPhoto, recordAnswer, saveBootstrap } from '../data/local'
import { getDb, wipeDb, type PhotoRow } from '../db'
import { useSessionStore } from '../stores/session'
import { useSyncStore } from '../stores/sync'
import InspectionPage from './InspectionPage.vue'
import {
  Blank,
  dialogButton,
  dialogClosed,
  dialogSays,
  facilityOut,
  INSPECTION_ID,
  inspectionOut,
  INSPECTOR,
  mountHost,
  photoRow,
  settle,
  unmountAll,
  until,
  visibleDialog,
} from './testing'

const CHECKLIST_KEY = 'mini-test@1'

/**
 * The mini-test checklist as a version 2 that asks for photos (two on 1.1.1, one on 1.2.1) and
 * labels its grades the way the published checklists do, with an explanation in brackets. Its own
 * key: parsed checklists are cached by key for the whole run.
 */
const PHOTO_CHECKLIST_KEY = 'mini-test@2'
const photoChecklist = (() => {
  const definition = structuredClone(miniTest)
  definition.version = 2
  definition.grade_scale = [
    { code: 'C', label: 'C级（达到基本要求）' },
    { code: 'B', label: 'B级（良好）' },
    { code: 'A', label: 'A级（优秀）' },
  ]
  const items = definition.chapters.flatMap((chapter) => chapter.sections.flatMap((section) => section.items))
  items.find((item) => item.id === 'M-B01')!.evidence!.photos_min = 2
  items.find((item) => item.id === 'M-R1')!.evidence!.photos_min = 1
  return definition
})()

const FACILITY = facilityOut({ beds: 0 })

function inspection(status: InspectionStatus, checklistVersion: number): InspectionOut {
  return inspectionOut({ status, checklist_version: checklistVersion })
}

/**
 * A valid answer for every item that applies without beds (M-B09 does not): the best level each
 * item has, with the document dates its validity rule asks for. Reaches 推荐标准.
 */
function allAnswered(): Record<string, ServerAnswer> {
  const answers: Record<string, ServerAnswer> = {}
  for (const id of ['M-B01', 'M-B02', 'M-B03', 'M-B04', 'M-B05', 'M-B06', 'M-B07', 'M-R1', 'M-R2', 'M-R3', 'M-R5']) {
    answers[id] = { grade: 'A', revision: 1 }
  }
  answers['M-B08'] = { grade: 'C', document_date: '2026-06-01', revision: 1 }
  answers['M-B10'] = { grade: 'C', revision: 1 }
  answers['M-R4'] = { grade: 'B', valid_until: '2027-12-31', revision: 1 }
  return answers
}

interface Seed {
  status?: InspectionStatus
  facts?: Record<string, unknown>
  answers?: Record<string, ServerAnswer>
  /** Photos the server holds per item. */
  photos?: Record<string, number>
  /** Use the copy of the checklist that asks for photos. */
  withPhotos?: boolean
  /** Use the copy of the checklist with a chapter only for facilities with beds. */
  withBedChapter?: boolean
  conflicts?: ConflictOut[]
  lastChange?: LastChangeOut | null
}

/** The mini-test checklist as a version 3 with a second chapter whose items all need beds. */
const BED_CHECKLIST_KEY = 'mini-test@3'
const bedChecklist = (() => {
  const definition = structuredClone(miniTest)
  definition.version = 3
  const bedItem = structuredClone(definition.chapters[0]!.sections[0]!.items.find((i) => i.id === 'M-B09')!)
  definition.chapters.push({
    id: 'M-2',
    number: '二',
    title: '住院服务',
    sections: [{ id: 'M-2.1', number: '2.1', title: '病房', items: [{ ...bedItem, id: 'M-W01', number: '2.1.1' }] }],
  })
  return definition
})()

async function seed({
  status = 'draft',
  facts = { has_beds: false },
  answers = {},
  photos = {},
  withPhotos = false,
  withBedChapter = false,
  conflicts = [],
  lastChange = null,
}: Seed = {}): Promise<void> {
  const key = withPhotos ? PHOTO_CHECKLIST_KEY : withBedChapter ? BED_CHECKLIST_KEY : CHECKLIST_KEY
  const version = withPhotos ? 2 : withBedChapter ? 3 : 1
  const payload: BootstrapOut = {
    server_time: '2026-11-23T00:00:00Z',
    rectifications: [],
    user: INSPECTOR,
    assignments: [
      { inspection: inspection(status, version), checklist_key: key, facts, answers, photos, conflicts, last_change: lastChange },
    ],
    facilities: [FACILITY],
    checklists: { [key]: withPhotos ? photoChecklist : withBedChapter ? bedChecklist : miniTest },
  }
  await saveBootstrap(getDb(), payload)
}

function photo(uploadId: string, itemId: string): PhotoRow {
  return photoRow(uploadId, itemId)
}

function makeRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      {
        path: '/inspections/:id(\\d+)',
        name: 'inspection',
        component: InspectionPage,
        props: (route) => ({ id: Number(route.params.id) }),
      },
      { path: '/inspections/:id(\\d+)/items/:itemId', name: 'item', component: Blank },
      { path: '/tasks', name: 'tasks', component: Blank },
      { path: '/sync', name: 'sync', component: Blank },
    ],
  })
}

let router: Router
let pinia: ReturnType<typeof createPinia>
let fetchMock: Mock<(url: string, init?: RequestInit) => Promise<Response>>
let run: ReturnType<typeof vi.fn>


/** Opens the inspection the way the app does (through the router) and waits until it is ready. */
async function openInspection(id: number = INSPECTION_ID): Promise<VueWrapper> {
  await router.push({ name: 'inspection', params: { id } })
  const wrapper = mountHost(pinia, router)
  await until(() => expect(wrapper.find('[data-testid="inspection-page"]').attributes('data-ready')).toBe('true'))
  await settle()
  return wrapper
}

function progressText(wrapper: VueWrapper): string {
  return wrapper.get('[data-testid="inspection-progress"] .van-cell__value').text()
}

/** Unfolds the only chapter and one of its sections. */
async function unfold(wrapper: VueWrapper, sectionId: string): Promise<void> {
  await wrapper.get('[data-testid="chapter-M-1"]').get('.van-collapse-item__title').trigger('click')
  await until(() => expect(wrapper.find(`[data-testid="section-${sectionId}"]`).exists()).toBe(true))
  await wrapper.get(`[data-testid="section-${sectionId}"]`).get('.van-collapse-item__title').trigger('click')
  await until(() => expect(wrapper.find(`[data-testid="section-${sectionId}"] [data-testid^="item-"]`).exists()).toBe(true))
  await settle()
}

function row(wrapper: VueWrapper, itemId: string) {
  return wrapper.get(`[data-testid="item-${itemId}"]`)
}

/** The grade tag of a row (the first tag: 未作答, 不适用 or the answer's grade). */
function gradeTag(wrapper: VueWrapper, itemId: string): string {
  return row(wrapper, itemId).get('.marks .van-tag').text()
}

function submitButton(wrapper: VueWrapper) {
  return wrapper.get('[data-testid="inspection-submit"]')
}

function blockerText(wrapper: VueWrapper): string | null {
  const p = wrapper.find('.submit p')
  return p.exists() ? p.text() : null
}

function visibleNotify(): HTMLElement | undefined {
  return [...document.querySelectorAll<HTMLElement>('.van-notify')].find((n) => n.style.display !== 'none')
}

function transitionCalls(): [string, RequestInit][] {
  return (fetchMock.mock.calls as [string, RequestInit][]).filter(([url]) => url === `/api/inspections/${INSPECTION_ID}/transitions`)
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** Clicks submit and confirms the dialog. */
async function submitAndConfirm(wrapper: VueWrapper): Promise<void> {
  await submitButton(wrapper).trigger('click')
  await dialogSays('提交后不能再修改，确认提交？')
  ;(await dialogButton('确认')).click()
}

beforeEach(async () => {
  await wipeDb()
  pinia = createPinia()
  setActivePinia(pinia)
  run = vi.spyOn(useSyncStore(), 'run').mockResolvedValue(null)
  fetchMock = vi.fn(() => Promise.resolve(json({ error: { code: 'http.not_found', message: 'Not Found' } }, 404)))
  vi.stubGlobal('fetch', fetchMock)
  router = makeRouter()
})

afterEach(async () => {
  closeDialog()
  closeNotify()
  setAuth(null)
  // Unmount first: a page's live queries must not outlive the database they read.
  await unmountAll()
  await wipeDb()
})

describe('InspectionPage: header and preview', () => {
  it('counts progress only over the items the facility facts make applicable', async () => {
    // M-B09 (住院病房) does not apply without beds; an answer to it does not count.
    await seed({
      facts: { has_beds: false },
      answers: { 'M-B01': { grade: 'A', revision: 1 }, 'M-B02': { grade: 'B', revision: 1 }, 'M-B09': { grade: 'A', revision: 1 } },
    })
    const wrapper = await openInspection()

    expect(progressText(wrapper)).toBe('2 / 14')
    expect(wrapper.get('[data-testid="inspection-progress"] .van-progress__portion').attributes('style')).toContain('width: 14%')
    expect(wrapper.get('.van-nav-bar__title').text()).toBe('城关镇卫生院')
    expect(wrapper.text()).toContain('评分引擎测试用小清单')
    expect(wrapper.text()).toContain('县级评审 · 检查日期 2026-11-23')
  })

  it('counts the bed-only item when the facility has beds', async () => {
    await seed({
      facts: { has_beds: true },
      answers: { 'M-B01': { grade: 'A', revision: 1 }, 'M-B02': { grade: 'B', revision: 1 }, 'M-B09': { grade: 'A', revision: 1 } },
    })
    const wrapper = await openInspection()

    expect(progressText(wrapper)).toBe('3 / 15')
  })

  it('previews the tier the answers reach', async () => {
    await seed({ answers: { 'M-B01': { grade: 'A', revision: 1 } } })
    const wrapper = await openInspection()

    expect(wrapper.get('[data-testid="preview-tier"]').text()).toBe('未达标')
    expect(wrapper.get('[data-testid="score-preview"]').text()).toContain('距“基本标准”')
  })

  it('shows the tier reached once everything is answered', async () => {
    await seed({ answers: allAnswered() })
    const wrapper = await openInspection()

    expect(progressText(wrapper)).toBe('14 / 14')
    expect(wrapper.get('[data-testid="preview-tier"]').text()).toBe('推荐标准')
  })

  it('updates progress and preview live when an answer is recorded on the device', async () => {
    await seed()
    const wrapper = await openInspection()
    expect(progressText(wrapper)).toBe('0 / 14')

    await recordAnswer(getDb(), INSPECTION_ID, 'M-B01', { grade: 'B', note: null, documentDate: null, validUntil: null })

    await until(() => expect(progressText(wrapper)).toBe('1 / 14'))
  })
})

describe('InspectionPage: chapters, sections and items', () => {
  it('shows chapter and section progress and lists the items with their grade tags', async () => {
    await seed({
      answers: {
        'M-B01': { grade: 'A', revision: 1 },
        'M-B02': { grade: 'not_met', revision: 1 },
        'M-B10': { grade: 'C', revision: 1 },
      },
    })
    const wrapper = await openInspection()

    expect(wrapper.get('[data-testid="chapter-M-1"]').get('.van-collapse-item__title').text()).toContain('一 测试章')
    expect(wrapper.get('[data-testid="chapter-M-1"]').get('.van-collapse-item__title').text()).toContain('3 / 14')
    // Folded: no rows yet.
    expect(wrapper.find('[data-testid="item-M-B01"]').exists()).toBe(false)

    await unfold(wrapper, 'M-1.1')

    expect(wrapper.get('[data-testid="section-M-1.1"]').get('.van-collapse-item__title').text()).toContain('1.1 基本条款')
    expect(wrapper.get('[data-testid="section-M-1.1"]').get('.van-collapse-item__title').text()).toContain('3 / 9')
    expect(wrapper.get('[data-testid="section-M-1.2"]').get('.van-collapse-item__title').text()).toContain('0 / 5')
    const rows = wrapper.findAll('[data-testid="section-M-1.1"] [data-testid^="item-"]').map((r) => r.attributes('data-testid'))
    expect(rows).toEqual(['M-B01', 'M-B02', 'M-B03', 'M-B04', 'M-B05', 'M-B06', 'M-B07', 'M-B08', 'M-B09', 'M-B10'].map((id) => `item-${id}`))

    expect(row(wrapper, 'M-B01').text()).toContain('1.1.1')
    expect(row(wrapper, 'M-B01').text()).toContain('基本条款1')
    expect(gradeTag(wrapper, 'M-B01')).toBe('A级')
    expect(row(wrapper, 'M-B01').get('.van-tag').classes()).toContain('van-tag--success')
    expect(gradeTag(wrapper, 'M-B02')).toBe('不达标')
    expect(row(wrapper, 'M-B02').get('.van-tag').classes()).toContain('van-tag--danger')
    expect(gradeTag(wrapper, 'M-B03')).toBe('未作答')
    expect(gradeTag(wrapper, 'M-B09')).toBe('不适用')
    expect(row(wrapper, 'M-B10').text()).toContain('否决项')
    expect(row(wrapper, 'M-B01').text()).not.toContain('否决项')
    // mini-test asks for no photos: no photo counts.
    expect(row(wrapper, 'M-B01').find('.photos').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('待上传')
  })

  it('links each row to its item', async () => {
    await seed()
    const wrapper = await openInspection()
    await unfold(wrapper, 'M-1.1')

    await row(wrapper, 'M-B03').trigger('click')

    await until(() => expect(router.currentRoute.value.name).toBe('item'))
    expect(router.currentRoute.value.params).toEqual({ id: String(INSPECTION_ID), itemId: 'M-B03' })
  })

  it('shows the short grade label, without the explanation in brackets', async () => {
    await seed({
      withPhotos: true,
      answers: { 'M-B01': { grade: 'C', revision: 1 }, 'M-B02': { grade: 'B', revision: 1 }, 'M-B03': { grade: 'A', revision: 1 } },
    })
    const wrapper = await openInspection()
    await unfold(wrapper, 'M-1.1')

    expect(gradeTag(wrapper, 'M-B01')).toBe('C级')
    expect(gradeTag(wrapper, 'M-B02')).toBe('B级')
    expect(gradeTag(wrapper, 'M-B03')).toBe('A级')
    expect(wrapper.text()).not.toContain('达到基本要求')
  })

  it('counts photos from the server and those waiting on the device against the minimum', async () => {
    await seed({
      withPhotos: true,
      answers: { 'M-B01': { grade: 'A', revision: 1 }, 'M-R1': { grade: 'A', revision: 1 } },
      photos: { 'M-B01': 1 },
    })
    await addPhoto(getDb(), photo('up-0001', 'M-B01'))
    const wrapper = await openInspection()
    await unfold(wrapper, 'M-1.1')

    const b01 = row(wrapper, 'M-B01').get('.photos')
    expect(b01.text()).toBe('2/2')
    expect(b01.find('.van-icon-photo-o').exists()).toBe(true)
    expect(b01.classes()).not.toContain('short')
    expect(row(wrapper, 'M-B02').find('.photos').exists()).toBe(false)
    // The waiting photo is a queued change of that item.
    expect(row(wrapper, 'M-B01').get('.pending').text()).toBe('待上传')

    await wrapper.get('[data-testid="section-M-1.2"]').get('.van-collapse-item__title').trigger('click')
    await until(() => expect(wrapper.find('[data-testid="item-M-R1"]').exists()).toBe(true))
    const r1 = row(wrapper, 'M-R1').get('.photos')
    expect(r1.text()).toBe('0/1')
    expect(r1.classes()).toContain('short')
  })

  it('does not mark an unanswered item short of photos', async () => {
    await seed({ withPhotos: true })
    const wrapper = await openInspection()
    await unfold(wrapper, 'M-1.1')

    const b01 = row(wrapper, 'M-B01').get('.photos')
    expect(b01.text()).toBe('0/2')
    expect(b01.classes()).not.toContain('short')
  })

  it('marks 待上传 on the items with a queued change', async () => {
    await seed({ answers: { 'M-B01': { grade: 'A', revision: 1 } } })
    await recordAnswer(getDb(), INSPECTION_ID, 'M-B03', { grade: 'B', note: null, documentDate: null, validUntil: null })
    const wrapper = await openInspection()
    await unfold(wrapper, 'M-1.1')

    expect(row(wrapper, 'M-B03').get('.pending').text()).toBe('待上传')
    expect(gradeTag(wrapper, 'M-B03')).toBe('B级')
    expect(row(wrapper, 'M-B01').find('.pending').exists()).toBe(false)
    expect(wrapper.findAll('.pending')).toHaveLength(1)
  })
})

describe('InspectionPage: what blocks a submit', () => {
  it('says how many items are unanswered; a refused submit names each blocking item with a link to it', async () => {
    await seed({ answers: { 'M-B01': { grade: 'A', revision: 1 }, 'M-B02': { grade: 'A', revision: 1 } } })
    fetchMock.mockImplementation(() =>
      Promise.resolve(
        json(
          {
            error: {
              code: 'inspection.incomplete',
              message: '还有 2 个条款未完成，不能提交评审：请逐项处理后再试',
              problems: [
                { code: 'inspection.item_unanswered', pointer: '/items/M-B03', message: '1.1.3 第三条：未作答' },
                { code: 'inspection.item_conflict', pointer: '/items/M-R1', message: '1.2.1 推荐条款：有未解决的冲突' },
              ],
            },
          },
          409,
        ),
      ),
    )
    const wrapper = await openInspection()

    expect(blockerText(wrapper)).toBe('还有 12 项未作答')
    expect(submitButton(wrapper).attributes('disabled')).toBeUndefined()
    await submitAndConfirm(wrapper)

    await until(() => expect(wrapper.find('[data-testid="submit-refusal"]').exists()).toBe(true))
    const refusal = wrapper.get('[data-testid="submit-refusal"]')
    expect(refusal.text()).toContain('还有 2 个条款未完成，不能提交评审')
    const links = refusal.findAll('a')
    expect(links.map((a) => a.text())).toEqual(['1.1.3 第三条：未作答', '1.2.1 推荐条款：有未解决的冲突'])
    expect(links.map((a) => a.attributes('href'))).toEqual([
      `/inspections/${INSPECTION_ID}/items/M-B03`,
      `/inspections/${INSPECTION_ID}/items/M-R1`,
    ])
    await dialogClosed()
    expect(run).toHaveBeenCalledWith({ pull: true })
    await links[1]!.trigger('click')
    await until(() => expect(router.currentRoute.value.params.itemId).toBe('M-R1'))
  })

  it('names the number of items short of photos once everything is answered', async () => {
    await seed({ withPhotos: true, answers: allAnswered(), photos: { 'M-B01': 1 } })
    const wrapper = await openInspection()

    expect(progressText(wrapper)).toBe('14 / 14')
    expect(blockerText(wrapper)).toBe('2 项照片不足')
  })

  it('says so when a change still waits in the outbox', async () => {
    await seed({ withPhotos: true, answers: allAnswered(), photos: { 'M-B01': 2, 'M-R1': 1 } })
    await recordAnswer(getDb(), INSPECTION_ID, 'M-B02', { grade: 'B', note: '复查', documentDate: null, validUntil: null })
    const wrapper = await openInspection()

    expect(blockerText(wrapper)).toBe('1 条修改或照片尚未上传')
    expect(submitButton(wrapper).attributes('disabled')).toBeDefined()
  })

  it('counts a photo waiting on the device both towards the minimum and as unsent', async () => {
    await seed({ withPhotos: true, answers: allAnswered(), photos: { 'M-B01': 1, 'M-R1': 1 } })
    await addPhoto(getDb(), photo('up-0001', 'M-B01'))
    const wrapper = await openInspection()

    expect(blockerText(wrapper)).toBe('1 条修改或照片尚未上传')
  })

  it('lists every reason at once', async () => {
    await seed({ withPhotos: true, answers: { 'M-B01': { grade: 'A', revision: 1 } } })
    await recordAnswer(getDb(), INSPECTION_ID, 'M-B03', { grade: 'C', note: null, documentDate: null, validUntil: null })
    const wrapper = await openInspection()

    expect(blockerText(wrapper)).toBe('还有 12 项未作答；1 项照片不足；1 条修改或照片尚未上传')
  })

  it('enables submit when nothing is missing', async () => {
    await seed({ withPhotos: true, answers: allAnswered(), photos: { 'M-B01': 2, 'M-R1': 1 } })
    const wrapper = await openInspection()

    expect(blockerText(wrapper)).toBeNull()
    expect(submitButton(wrapper).attributes('disabled')).toBeUndefined()
    expect(submitButton(wrapper).text()).toBe('提交评审')
  })
})

describe('InspectionPage: submitting', () => {
  it('submits after confirmation with the session token, syncs and returns to the tasks', async () => {
    await seed({ answers: allAnswered() })
    setAuth('tok-9')
    fetchMock.mockImplementation(() => Promise.resolve(json(inspection('submitted', 1))))
    const wrapper = await openInspection()

    await submitAndConfirm(wrapper)

    await until(() => expect(router.currentRoute.value.name).toBe('tasks'))
    const calls = transitionCalls()
    expect(calls).toHaveLength(1)
    const [, init] = calls[0]!
    expect(init.method).toBe('POST')
    expect(init.body).toBe('{"action":"submit","reason":null}')
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok-9')
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(run).toHaveBeenCalledWith({ pull: true })
    expect(visibleNotify()?.textContent).toContain('已提交')
  })

  it('sends nothing when the confirmation is cancelled', async () => {
    await seed({ answers: allAnswered() })
    const wrapper = await openInspection()

    await submitButton(wrapper).trigger('click')
    ;(await dialogButton('取消')).click()
    await dialogClosed()
    await settle()

    expect(transitionCalls()).toHaveLength(0)
    expect(router.currentRoute.value.name).toBe('inspection')
    expect(run).not.toHaveBeenCalled()
  })

  it('shows the server’s refusal in a dialog and stays', async () => {
    await seed({ answers: allAnswered() })
    fetchMock.mockImplementation(() =>
      Promise.resolve(json({ error: { code: 'workflow.invalid_transition', message: '该评审已提交，不能重复提交' } }, 409)),
    )
    const wrapper = await openInspection()

    await submitAndConfirm(wrapper)

    await dialogSays('该评审已提交，不能重复提交')
    expect(visibleDialog()?.textContent).toContain('提交失败')
    expect(transitionCalls()).toHaveLength(1)
    expect(router.currentRoute.value.name).toBe('inspection')
    expect(run).not.toHaveBeenCalled()
    ;(await dialogButton('确认')).click()
    await dialogClosed()
    await settle()
    expect(router.currentRoute.value.name).toBe('inspection')
    expect(submitButton(wrapper).classes()).not.toContain('van-button--loading')
  })

  it('tells the inspector to go online when the server cannot be reached', async () => {
    await seed({ answers: allAnswered() })
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const wrapper = await openInspection()

    await submitAndConfirm(wrapper)

    await until(() => expect(visibleNotify()?.textContent).toContain('无法连接服务器，请联网后再提交'))
    await settle()
    expect(router.currentRoute.value.name).toBe('inspection')
    expect(run).not.toHaveBeenCalled()
    expect(visibleDialog()).toBeUndefined()
    expect(submitButton(wrapper).classes()).not.toContain('van-button--loading')
  })
})

describe('InspectionPage: read-only and missing', () => {
  it('shows a read-only notice and no submit button outside draft and returned', async () => {
    await seed({ status: 'submitted', answers: allAnswered() })
    const wrapper = await openInspection()

    expect(wrapper.get('.van-notice-bar').text()).toContain('当前状态“已提交”，只能查看，不能修改。')
    expect(wrapper.find('[data-testid="inspection-submit"]').exists()).toBe(false)
    expect(progressText(wrapper)).toBe('14 / 14')
  })

  it('allows submitting a returned inspection', async () => {
    await seed({ status: 'returned', answers: allAnswered() })
    const wrapper = await openInspection()

    expect(wrapper.find('.van-notice-bar').exists()).toBe(false)
    expect(submitButton(wrapper).attributes('disabled')).toBeUndefined()
  })

  it('marks itself ready once it has rendered with data', async () => {
    await seed()
    await router.push({ name: 'inspection', params: { id: INSPECTION_ID } })
    const wrapper = mountHost(pinia, router)

    await until(() => expect(wrapper.find('[data-testid="inspection-page"]').exists()).toBe(true))
    await until(() => expect(wrapper.get('[data-testid="inspection-page"]').attributes('data-ready')).toBe('true'))
    expect(wrapper.find('[data-testid="inspection-progress"]').exists()).toBe(true)
  })

  it('says so when the inspection is not on the device', async () => {
    await seed()
    await router.push({ name: 'inspection', params: { id: 99 } })
    const wrapper = mountHost(pinia, router)

    await until(() => expect(wrapper.text()).toContain('本机没有这项任务'))
    expect(wrapper.get('.van-empty').text()).toContain('请联网同步任务后再打开')
    expect(wrapper.find('[data-testid="inspection-page"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="inspection-submit"]').exists()).toBe(false)
  })
})

function conflictOut(overrides: Partial<ConflictOut> = {}): ConflictOut {
  return {
    id: 41,
    item_id: 'M-B03',
    change_id: 'c-0041',
    base_revision: 0,
    current_revision: 1,
    proposed: { grade: 'C', note: '复查时发现问题' },
    author_id: 99,
    author_name: '陈志强',
    device_id: 'phone-2',
    device_time: '2026-11-23T09:30:00+08:00',
    received_at: '2026-11-23T01:31:00+00:00',
    resolved_at: null,
    resolution: null,
    resolution_reason: null,
    resolved_by: null,
    current: { grade: 'A', note: '资料齐全', revision: 1, author_id: INSPECTOR.id, author_name: '张检查' },
    ...overrides,
  }
}

function resolutionCalls(): [string, RequestInit][] {
  return (fetchMock.mock.calls as [string, RequestInit][]).filter(([url]) => url.includes('/conflicts/'))
}

async function resolve(wrapper: VueWrapper, button: 'keep' | 'take' | 'combine', reason: string, grade?: string): Promise<void> {
  await wrapper.get(`[data-testid="conflict-M-B03-${button}"]`).trigger('click')
  await until(() => expect(wrapper.find('[data-testid="conflict-sheet"]').exists()).toBe(true))
  const confirm = () => wrapper.get('[data-testid="conflict-confirm"]')
  expect(confirm().attributes('disabled')).toBeDefined() // a reason is required
  if (grade) await wrapper.get(`[data-testid="conflict-grade-${grade}"]`).trigger('click')
  await wrapper.get('[data-testid="conflict-reason"] textarea').setValue(reason)
  await settle()
  expect(confirm().attributes('disabled')).toBeUndefined()
  await confirm().trigger('click')
  await settle()
}

describe('InspectionPage: conflicts kept on the server', () => {
  beforeEach(() => {
    useSessionStore().user = INSPECTOR
  })

  it('shows both versions with who made them, from the device copy (offline too)', async () => {
    await seed({ answers: { 'M-B03': { grade: 'A', note: '资料齐全', revision: 1 } }, conflicts: [conflictOut()] })
    const wrapper = await openInspection()

    const block = wrapper.get('[data-testid="conflicts"]')
    expect(block.text()).toContain('有 1 处修改冲突')
    expect(block.get('a').text()).toBe('1.1.3 基本条款3')
    expect(block.get('a').attributes('href')).toBe(`/inspections/${INSPECTION_ID}/items/M-B03`)
    const mine = wrapper.get('[data-testid="conflict-M-B03-current"]').text()
    expect(mine).toContain('我的')
    expect(mine).toContain('张检查')
    expect(mine).toContain('资料齐全')
    const other = wrapper.get('[data-testid="conflict-M-B03-proposed"]').text()
    expect(other).toContain('对方的')
    expect(other).toContain('陈志强')
    expect(other).toContain('设备时间 2026-11-23 09:30')
    expect(other).toContain('复查时发现问题')
    expect(blockerText(wrapper)).toContain('1 处修改冲突待处理')
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('keeps mine: the server is told to dismiss the other change, and the conflict leaves the device', async () => {
    await seed({ answers: { 'M-B03': { grade: 'A', note: '资料齐全', revision: 1 } }, conflicts: [conflictOut()] })
    fetchMock.mockImplementation(() =>
      Promise.resolve(json({ id: 41, item_id: 'M-B03', resolution: 'dismissed', revision: null, answer: { grade: 'A', note: '资料齐全', revision: 1 }, replayed: false })),
    )
    const wrapper = await openInspection()

    await resolve(wrapper, 'keep', '现场核实资料齐全')

    await until(() => expect(wrapper.find('[data-testid="conflicts"]').exists()).toBe(false))
    const [url, init] = resolutionCalls()[0]!
    expect(url).toBe(`/api/inspections/${INSPECTION_ID}/conflicts/41/resolution`)
    expect(JSON.parse(init.body as string)).toEqual({ resolution: 'dismiss', reason: '现场核实资料齐全', grade: null })
    expect((await getDb().assignments.get(INSPECTION_ID))?.conflicts).toEqual([])
  })

  it('takes the other: the proposed answer is accepted and becomes the device copy', async () => {
    await seed({ answers: { 'M-B03': { grade: 'A', note: '资料齐全', revision: 1 } }, conflicts: [conflictOut()] })
    fetchMock.mockImplementation(() =>
      Promise.resolve(json({ id: 41, item_id: 'M-B03', resolution: 'accepted', revision: 2, answer: { grade: 'C', note: '复查时发现问题', revision: 2 }, replayed: false })),
    )
    const wrapper = await openInspection()

    await resolve(wrapper, 'take', '同意复查结论')

    await until(() => expect(resolutionCalls()).toHaveLength(1))
    expect(JSON.parse(resolutionCalls()[0]![1].body as string)).toMatchObject({ resolution: 'accept' })
    await until(async () => expect((await getDb().answers.get([INSPECTION_ID, 'M-B03']))?.grade).toBe('C'))
    const local = await getDb().answers.get([INSPECTION_ID, 'M-B03'])
    expect(local).toMatchObject({ grade: 'C', note: '复查时发现问题', serverRevision: 2 })
  })

  it('combines the notes under the grade the inspector picks', async () => {
    await seed({ answers: { 'M-B03': { grade: 'A', note: '资料齐全', revision: 1 } }, conflicts: [conflictOut()] })
    fetchMock.mockImplementation(() =>
      Promise.resolve(
        json({
          id: 41,
          item_id: 'M-B03',
          resolution: 'combined',
          revision: 2,
          answer: { grade: 'B', note: '资料齐全\n复查时发现问题', revision: 2 },
          replayed: false,
        }),
      ),
    )
    const wrapper = await openInspection()

    await resolve(wrapper, 'combine', '两人意见合并', 'B')

    await until(() => expect(resolutionCalls()).toHaveLength(1))
    expect(JSON.parse(resolutionCalls()[0]![1].body as string)).toEqual({ resolution: 'combine', reason: '两人意见合并', grade: 'B' })
    await until(async () => expect((await getDb().answers.get([INSPECTION_ID, 'M-B03']))?.grade).toBe('B'))
    expect((await getDb().answers.get([INSPECTION_ID, 'M-B03']))?.note).toBe('资料齐全\n复查时发现问题')
  })

  it('says resolving needs the server when it cannot be reached, and keeps the conflict', async () => {
    await seed({ answers: { 'M-B03': { grade: 'A', revision: 1 } }, conflicts: [conflictOut()] })
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const wrapper = await openInspection()

    await resolve(wrapper, 'keep', '现场核实')

    await until(() => expect(wrapper.find('[data-testid="conflict-error"]').text()).toContain('处理冲突需要联网'))
    expect(wrapper.find('[data-testid="conflicts"]').exists()).toBe(true)
  })
})

describe('InspectionPage: returned and not applicable', () => {
  it('shows why, by whom and when (China time) a returned inspection came back', async () => {
    await seed({
      status: 'returned',
      answers: allAnswered(),
      lastChange: { action: 'return', to_status: 'returned', actor_name: '张卫东', reason: '设备照片不清晰', created_at: '2026-11-20T02:05:00+00:00' },
    })
    const wrapper = await openInspection()

    const notice = wrapper.get('[data-testid="inspection-sent-back"]').text()
    expect(notice).toContain('退回原因：设备照片不清晰')
    expect(notice).toContain('张卫东 · 2026-11-20 10:05')
  })

  it('marks a chapter none of whose items apply as 不适用 instead of 0 / 0', async () => {
    await seed({ withBedChapter: true, facts: { has_beds: false } })
    const wrapper = await openInspection()

    expect(wrapper.find('[data-testid="chapter-M-2-na"]').text()).toBe('不适用')
    expect(wrapper.get('[data-testid="chapter-M-2"]').text()).not.toContain('0 / 0')
    expect(wrapper.find('[data-testid="chapter-M-1-na"]').exists()).toBe(false)
  })

  it('counts the chapter again when the facility has beds', async () => {
    await seed({ withBedChapter: true, facts: { has_beds: true } })
    const wrapper = await openInspection()

    expect(wrapper.find('[data-testid="chapter-M-2-na"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="chapter-M-2"]').text()).toContain('0 / 1')
  })
})
