// The item screen against a real device database (fake-indexeddb): what it writes, when, and that
// nothing typed is lost. The checklist is the real mini-test definition.
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { DOCS_TEST, MINI_TEST as miniTest } from '../domain/testing'
import type { BootstrapOut, ConflictOut, InspectionStatus, ServerAnswer } from '../api/types'
import { recordAnswer, saveBootstrap } from '../data/local'
import { getDb, wipeDb } from '../db'
import { useSessionStore } from '../stores/session'
import { useSyncStore } from '../stores/sync'
import ItemPage from './ItemPage.vue'
import {
  Blank,
  facilityOut,
  INSPECTION_ID,
  inspectionOut,
  INSPECTOR,
  mountHost,
  settle,
  unmountAll,
  unmountHost,
  until,
} from './testing'

const CHECKLIST_KEY = 'mini-test@1'

const FACILITY = facilityOut({ beds: 0 })

interface Seed {
  status?: InspectionStatus
  facts?: Record<string, unknown>
  answers?: Record<string, ServerAnswer>
  /** Use the copy of the checklist that asks for two photos on M-B01. */
  withPhotos?: boolean
  conflicts?: ConflictOut[]
}

const PHOTO_CHECKLIST_KEY = 'mini-test@2'
const photoChecklist = (() => {
  const definition = structuredClone(miniTest)
  definition.version = 2
  definition.chapters[0]!.sections[0]!.items.find((item) => item.id === 'M-B01')!.evidence!.photos_min = 2
  return definition
})()

async function seed({ status = 'draft', facts = { has_beds: false }, answers = {}, withPhotos = false, conflicts = [] }: Seed = {}): Promise<void> {
  const key = withPhotos ? PHOTO_CHECKLIST_KEY : CHECKLIST_KEY
  const payload: BootstrapOut = {
    server_time: '2026-11-23T00:00:00Z',
    rectifications: [],
    user: INSPECTOR,
    assignments: [
      { inspection: inspectionOut({ status, checklist_version: withPhotos ? 2 : 1 }), checklist_key: key, facts, answers, photos: {}, last_change: null, conflicts },
    ],
    facilities: [FACILITY],
    checklists: { [key]: withPhotos ? photoChecklist : miniTest },
  }
  await saveBootstrap(getDb(), payload)
}

function makeRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      {
        path: '/inspections/:id(\\d+)/items/:itemId',
        name: 'item',
        component: ItemPage,
        props: (route) => ({ id: Number(route.params.id), itemId: String(route.params.itemId) }),
      },
      { path: '/inspections/:id(\\d+)', name: 'inspection', component: Blank },
      { path: '/tasks', name: 'tasks', component: Blank },
    ],
  })
}

let router: Router
let kick: ReturnType<typeof vi.fn>



/** Opens the item the way the app does (through the router) and waits until its form is filled. */
async function openItem(itemId: string): Promise<VueWrapper> {
  await router.push({ name: 'item', params: { id: INSPECTION_ID, itemId } })
  const wrapper = mountHost(pinia, router)
  await until(() => expect(wrapper.find('[data-testid="item-page"]').exists()).toBe(true))
  await settle()
  return wrapper
}

let pinia: ReturnType<typeof createPinia>

function grades(wrapper: VueWrapper): string[] {
  return wrapper.findAll('[data-testid^="grade-"]').map((c) => c.attributes('data-testid')!.slice('grade-'.length))
}

function checkedGrade(wrapper: VueWrapper): string | null {
  const cell = wrapper.findAll('[data-testid^="grade-"]').find((c) => c.find('[aria-checked="true"]').exists())
  return cell ? cell.attributes('data-testid')!.slice('grade-'.length) : null
}

function noteArea(wrapper: VueWrapper) {
  return wrapper.get('[data-testid="item-note"] textarea')
}

function noteText(wrapper: VueWrapper): string {
  return (noteArea(wrapper).element as HTMLTextAreaElement).value
}

async function outbox() {
  return getDb().outbox.orderBy('seq').toArray()
}

beforeEach(async () => {
  await wipeDb()
  pinia = createPinia()
  setActivePinia(pinia)
  kick = vi.fn()
  const sync = useSyncStore()
  sync.kick = kick as unknown as typeof sync.kick
  router = makeRouter()
})

afterEach(async () => {
  // Unmount first: a page's live queries must not outlive the database they read.
  await unmountAll()
  await wipeDb()
})

describe('ItemPage: what it shows', () => {
  it('titles the photos 照片 with no minimum when the item asks for none', async () => {
    await seed()
    const wrapper = await openItem('M-B10')

    const title = wrapper.get('[data-testid="item-photos"]').element.previousElementSibling?.textContent ?? ''
    expect(title.trim()).toBe('照片')
    expect(wrapper.text()).not.toContain('至少 0 张')
  })

  it('names the minimum when the item asks for photos', async () => {
    await seed({ withPhotos: true })
    const wrapper = await openItem('M-B01')

    expect(wrapper.text()).toContain('照片（至少 2 张）')
  })

  it('shows an open conflict of this item with its three ways out', async () => {
    useSessionStore().user = INSPECTOR
    await seed({
      answers: { 'M-B10': { grade: 'C', revision: 1 } },
      conflicts: [
        {
          id: 5,
          item_id: 'M-B10',
          change_id: 'c-5',
          base_revision: 0,
          current_revision: 1,
          proposed: { grade: 'not_met', note: '发现问题' },
          author_id: 99,
          author_name: '陈志强',
          device_id: null,
          device_time: null,
          received_at: '2026-11-23T01:00:00+00:00',
          resolved_at: null,
          resolution: null,
          resolution_reason: null,
          resolved_by: null,
          current: { grade: 'C', revision: 1, author_id: INSPECTOR.id, author_name: '张检查' },
        },
      ],
    })
    const wrapper = await openItem('M-B10')

    const block = wrapper.get('[data-testid="conflicts"]')
    expect(block.text()).toContain('陈志强')
    expect(block.findAll('button').map((b) => b.text())).toEqual(['保留我的', '采用对方的', '合并备注'])
    expect(block.find('a').exists()).toBe(false) // already on the item
  })

  it('shows the item, its tags and the grade choices best first', async () => {
    await seed()
    const wrapper = await openItem('M-B10')

    expect(wrapper.get('.van-nav-bar__title').text()).toBe('第 1.1.10 条')
    expect(wrapper.get('[data-testid="item-text"]').text()).toBe('评审周期内无弄虚作假')
    expect(wrapper.get('.tags').text()).toContain('否决项')
    expect(wrapper.get('.tags').text()).toContain('基本标准')
    expect(grades(wrapper)).toEqual(['C', 'not_met'])
    expect(wrapper.get('[data-testid="grade-C"]').text()).toContain('达到C级要求')
    expect(checkedGrade(wrapper)).toBeNull()
  })

  it('offers 不适用 only on an item that allows it', async () => {
    await seed()
    const wrapper = await openItem('M-R5')

    expect(grades(wrapper)).toEqual(['A', 'B', 'C', 'not_met', 'not_applicable'])
    expect(wrapper.get('[data-testid="grade-not_applicable"]').text()).toContain('不适用')
  })

  it('shows the answer and note already on the device', async () => {
    await seed({ answers: { 'M-B01': { grade: 'B', note: '制度齐全', revision: 2 } } })
    const wrapper = await openItem('M-B01')

    expect(checkedGrade(wrapper)).toBe('B')
    expect(noteText(wrapper)).toBe('制度齐全')
  })

  it('shows the 不适用 notice and no choices for an item the facility facts rule out', async () => {
    await seed({ facts: { has_beds: false } })
    const wrapper = await openItem('M-B09')

    expect(wrapper.text()).toContain('根据机构信息，本条款不适用，无需评价')
    expect(grades(wrapper)).toEqual([])
    expect(wrapper.find('[data-testid="item-note"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="photo-take"]').exists()).toBe(false)
  })

  it('offers the choices of that item when the facts make it apply', async () => {
    await seed({ facts: { has_beds: true } })
    const wrapper = await openItem('M-B09')

    expect(wrapper.text()).not.toContain('本条款不适用')
    expect(grades(wrapper)).toEqual(['A', 'B', 'C', 'not_met'])
  })

  it('says so when the item is not on the device', async () => {
    await seed()
    await router.push({ name: 'item', params: { id: INSPECTION_ID, itemId: 'X-99' } })
    const wrapper = mountHost(pinia, router)

    await until(() => expect(wrapper.text()).toContain('本机没有这一条款'))
    expect(wrapper.find('[data-testid="item-page"]').exists()).toBe(false)
  })

  it('shows why the server refused this item’s change', async () => {
    await seed()
    await recordAnswer(getDb(), INSPECTION_ID, 'M-B01', { grade: 'A', note: null, documentDate: null, validUntil: null })
    await getDb()
      .outbox.toCollection()
      .modify({ state: 'failed', attempts: 1, error: { code: 'sync.not_editable', message: '评审已提交，不能修改', status: 409 } })
    const wrapper = await openItem('M-B01')

    expect(wrapper.text()).toContain('服务器未接受本条修改：评审已提交，不能修改')
    expect(wrapper.text()).not.toContain('sync.not_editable')
  })
})

describe('ItemPage: saving', () => {
  it('records a chosen grade with exactly one outbox row, and asks for a sync', async () => {
    await seed()
    const wrapper = await openItem('M-B01')

    await wrapper.get('[data-testid="grade-B"]').trigger('click')
    await until(() => expect(kick).toHaveBeenCalled())

    expect(await getDb().answers.get([INSPECTION_ID, 'M-B01'])).toMatchObject({ grade: 'B', note: null, serverRevision: 0 })
    const rows = await outbox()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      kind: 'answer',
      inspectionId: INSPECTION_ID,
      itemId: 'M-B01',
      state: 'pending',
      attempts: 0,
      payload: { grade: 'B', note: null, documentDate: null, validUntil: null },
    })
    expect(kick).toHaveBeenCalledTimes(1)
    await settle()
    expect(checkedGrade(wrapper)).toBe('B')
  })

  it('writes one row when the radio itself is tapped, and replaces it on a new choice', async () => {
    await seed()
    const wrapper = await openItem('M-B01')

    // A tap on the radio reaches both the radio group and the cell.
    await wrapper.get('[data-testid="grade-A"] .van-radio').trigger('click')
    await until(async () => expect(await getDb().answers.get([INSPECTION_ID, 'M-B01'])).toMatchObject({ grade: 'A' }))
    await settle()
    expect(await outbox()).toHaveLength(1)

    await wrapper.get('[data-testid="grade-not_met"]').trigger('click')
    await until(async () => expect(await getDb().answers.get([INSPECTION_ID, 'M-B01'])).toMatchObject({ grade: 'not_met' }))
    await settle()
    const rows = await outbox()
    expect(rows.map((r) => r.payload?.grade)).toEqual(['not_met'])
  })

  it('saves a typed note after a short pause, into the same unsent change', async () => {
    await seed()
    const wrapper = await openItem('M-B01')
    await wrapper.get('[data-testid="grade-B"]').trigger('click')
    await until(async () => expect(await outbox()).toHaveLength(1))

    await noteArea(wrapper).setValue('消防通道堵塞')
    await settle()
    // Not on every keystroke: the save waits for a pause.
    expect((await getDb().answers.get([INSPECTION_ID, 'M-B01']))?.note).toBeNull()

    await until(() => expect(kick).toHaveBeenCalledTimes(2))
    expect((await getDb().answers.get([INSPECTION_ID, 'M-B01']))?.note).toBe('消防通道堵塞')
    const rows = await outbox()
    expect(rows).toHaveLength(1)
    expect(rows[0]?.payload).toEqual({ grade: 'B', note: '消防通道堵塞', documentDate: null, validUntil: null })
  })

  it('saves a note at once when the field is left', async () => {
    await seed()
    const wrapper = await openItem('M-B01')
    await wrapper.get('[data-testid="grade-C"]').trigger('click')
    await until(async () => expect(await outbox()).toHaveLength(1))

    await noteArea(wrapper).setValue('已整改')
    await noteArea(wrapper).trigger('blur')

    // Well within the 300 ms pause: the blur saved it.
    await vi.waitFor(async () => expect((await getDb().answers.get([INSPECTION_ID, 'M-B01']))?.note).toBe('已整改'), {
      timeout: 200,
      interval: 5,
    })
  })

  it('saves a note at once when the app is put away', async () => {
    await seed()
    const wrapper = await openItem('M-B03')

    await noteArea(wrapper).setValue('切到相机前输入')
    window.dispatchEvent(new Event('pagehide'))

    await vi.waitFor(
      async () => expect((await getDb().meta.get(`unsaved:${INSPECTION_ID}:M-B03`))?.value).toMatchObject({ note: '切到相机前输入' }),
      { timeout: 200, interval: 5 },
    )
  })

  it('saves a note typed just before leaving the page', async () => {
    await seed()
    const wrapper = await openItem('M-B01')
    await wrapper.get('[data-testid="grade-A"]').trigger('click')
    await until(async () => expect(await outbox()).toHaveLength(1))

    await noteArea(wrapper).setValue('离开前输入')
    await router.push({ name: 'inspection', params: { id: INSPECTION_ID } })

    expect((await getDb().answers.get([INSPECTION_ID, 'M-B01']))?.note).toBe('离开前输入')
    expect(await outbox()).toHaveLength(1)
  })

  it('saves the note of this item before moving to the next, and does not carry it over', async () => {
    await seed()
    const wrapper = await openItem('M-B01')
    await wrapper.get('[data-testid="grade-A"]').trigger('click')
    await until(async () => expect(await outbox()).toHaveLength(1))

    await noteArea(wrapper).setValue('第一条的备注')
    await wrapper.get('[data-testid="item-next"]').trigger('click')
    await until(() => expect(router.currentRoute.value.params.itemId).toBe('M-B02'))
    await until(() => expect(wrapper.get('[data-testid="item-text"]').text()).toBe('基本条款2'))
    await settle()

    expect((await getDb().answers.get([INSPECTION_ID, 'M-B01']))?.note).toBe('第一条的备注')
    expect(noteText(wrapper)).toBe('')
    expect(checkedGrade(wrapper)).toBeNull()
    expect(await getDb().answers.get([INSPECTION_ID, 'M-B02'])).toBeUndefined()
  })

  it('keeps a note typed before any grade as a draft, and restores it when the item is opened again', async () => {
    await seed()
    let wrapper = await openItem('M-B02')

    await noteArea(wrapper).setValue('先记下：灭火器过期')
    await until(async () =>
      expect((await getDb().meta.get(`unsaved:${INSPECTION_ID}:M-B02`))?.value).toEqual({
        note: '先记下：灭火器过期',
        documentDate: '',
        validUntil: '',
      }),
    )
    // The server takes no note without a grade: nothing is queued yet.
    expect(await getDb().answers.count()).toBe(0)
    expect(await outbox()).toHaveLength(0)

    unmountHost(wrapper)
    await router.push({ name: 'tasks' })
    wrapper = await openItem('M-B02')
    await until(() => expect(noteText(wrapper)).toBe('先记下：灭火器过期'))

    // Choosing a grade sends the note along and the draft is no longer needed.
    await wrapper.get('[data-testid="grade-C"]').trigger('click')
    await until(async () => expect(await getDb().meta.get(`unsaved:${INSPECTION_ID}:M-B02`)).toBeUndefined())
    expect(await getDb().answers.get([INSPECTION_ID, 'M-B02'])).toMatchObject({ grade: 'C', note: '先记下：灭火器过期' })
    const rows = await outbox()
    expect(rows).toHaveLength(1)
    expect(rows[0]?.payload?.note).toBe('先记下：灭火器过期')
  })

  it('prefers an unsaved draft over the stored answer’s note', async () => {
    await seed({ answers: { 'M-B01': { grade: 'B', note: '服务器上的备注', revision: 1 } } })
    await getDb().meta.put({ key: `unsaved:${INSPECTION_ID}:M-B01`, value: { note: '本机草稿', documentDate: '', validUntil: '' } })

    const wrapper = await openItem('M-B01')

    expect(noteText(wrapper)).toBe('本机草稿')
    expect(checkedGrade(wrapper)).toBe('B')
  })

  it('records the document dates of an item with a validity rule and shows when they fail it', async () => {
    await seed()
    const wrapper = await openItem('M-R4')

    expect(wrapper.find('[data-testid="document-date"]').exists()).toBe(false)
    await wrapper.get('[data-testid="grade-B"]').trigger('click')
    await until(() => expect(wrapper.text()).toContain('未填写证件日期：按不达标计'))

    await wrapper.get('[data-testid="valid-until"] input').setValue('2026-11-22')
    await until(async () => expect((await getDb().answers.get([INSPECTION_ID, 'M-R4']))?.validUntil).toBe('2026-11-22'))
    await until(() => expect(wrapper.text()).toContain('证件或文件已过期：按不达标计'))
    expect((await outbox()).map((r) => r.payload)).toEqual([{ grade: 'B', note: null, documentDate: null, validUntil: '2026-11-22' }])

    await wrapper.get('[data-testid="valid-until"] input').setValue('2027-12-31')
    await until(() => expect(wrapper.text()).not.toContain('按不达标计'))
  })

  it('asks for the document date of an item with a maximum age', async () => {
    await seed()
    const wrapper = await openItem('M-B08')

    expect(wrapper.find('[data-testid="valid-until"]').exists()).toBe(false)
    await wrapper.get('[data-testid="document-date"] input').setValue('2026-06-01')
    await wrapper.get('[data-testid="grade-C"]').trigger('click')

    await until(async () =>
      expect(await getDb().answers.get([INSPECTION_ID, 'M-B08'])).toMatchObject({ grade: 'C', documentDate: '2026-06-01' }),
    )
    expect(wrapper.text()).not.toContain('按不达标计')
  })
})

describe('ItemPage: an item with several documents', () => {
  async function seedDocs(): Promise<void> {
    await saveBootstrap(getDb(), {
      server_time: '2026-11-23T00:00:00Z',
      rectifications: [],
      user: INSPECTOR,
      assignments: [
        {
          inspection: inspectionOut({ checklist_id: 'docs-test', checklist_version: 1 }),
          checklist_key: 'docs-test@1',
          facts: {},
          answers: {},
          photos: {},
          last_change: null,
          conflicts: [],
        },
      ],
      facilities: [FACILITY],
      checklists: { 'docs-test@1': DOCS_TEST },
    })
  }

  it('asks one date per document, labelled with its name, and names the document that fails', async () => {
    await seedDocs()
    const wrapper = await openItem('D-01')
    expect(wrapper.find('[data-testid="valid-until"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="document-date"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="item-documents"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('证件与文件（共 2 份，均须在有效期内）')
    expect(wrapper.get('[data-testid="document-licence"]').text()).toContain('放射诊疗许可证有效期至')
    expect(wrapper.get('[data-testid="document-state_test"]').text()).toContain('设备状态检测报告出具日期')

    await wrapper.get('[data-testid="grade-A"]').trigger('click')
    await until(() => expect(wrapper.text()).toContain('放射诊疗许可证未填写日期；设备状态检测报告未填写日期：按不达标计'))

    await wrapper.get('[data-testid="document-licence"] input').setValue('2028-06-30')
    await wrapper.get('[data-testid="document-state_test"] input').setValue('2025-11-22') // one day too old
    await until(async () =>
      expect((await getDb().answers.get([INSPECTION_ID, 'D-01']))?.documents).toEqual({
        licence: { valid_until: '2028-06-30' },
        state_test: { document_date: '2025-11-22' },
      }),
    )
    await until(() => expect(wrapper.text()).toContain('设备状态检测报告已过期：按不达标计'))
    expect(wrapper.text()).not.toContain('放射诊疗许可证已过期')
    const payloads = (await outbox()).map((r) => r.payload)
    expect(payloads[payloads.length - 1]).toEqual({
      grade: 'A',
      note: null,
      documentDate: null,
      validUntil: null,
      documents: { licence: { valid_until: '2028-06-30' }, state_test: { document_date: '2025-11-22' } },
    })

    await wrapper.get('[data-testid="document-state_test"] input').setValue('2025-11-23') // exactly 12 months
    await until(() => expect(wrapper.text()).not.toContain('按不达标计'))
  })
})

describe('ItemPage: when the inspection cannot be changed', () => {
  it('disables editing outside draft and returned', async () => {
    await seed({ status: 'submitted', answers: { 'M-B01': { grade: 'B', note: '原备注', revision: 2 } } })
    const wrapper = await openItem('M-B01')

    expect(wrapper.text()).toContain('当前状态不能修改。')
    expect(noteArea(wrapper).attributes('disabled')).toBeDefined()
    expect(wrapper.find('[data-testid="photo-take"]').exists()).toBe(false)

    await wrapper.get('[data-testid="grade-A"]').trigger('click')
    await wrapper.get('[data-testid="grade-A"] .van-radio').trigger('click')
    await noteArea(wrapper).setValue('不应保存')
    await noteArea(wrapper).trigger('blur')
    await new Promise((resolve) => setTimeout(resolve, 400))
    await settle()

    expect(await getDb().answers.get([INSPECTION_ID, 'M-B01'])).toMatchObject({ grade: 'B', note: '原备注' })
    expect(await outbox()).toHaveLength(0)
    expect(await getDb().meta.get(`unsaved:${INSPECTION_ID}:M-B01`)).toBeUndefined()
    expect(kick).not.toHaveBeenCalled()
  })

  it('allows editing a returned inspection', async () => {
    await seed({ status: 'returned', answers: { 'M-B01': { grade: 'B', revision: 2 } } })
    const wrapper = await openItem('M-B01')

    expect(wrapper.text()).not.toContain('当前状态不能修改。')
    await wrapper.get('[data-testid="grade-A"]').trigger('click')

    await until(async () => expect(await outbox()).toHaveLength(1))
    expect(await getDb().answers.get([INSPECTION_ID, 'M-B01'])).toMatchObject({ grade: 'A', serverRevision: 2 })
  })
})
