import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import ReviewPage from './ReviewPage.vue'
import { useSessionStore } from '../stores/session'
import type { UserOut } from '../api/types'
import { clearReviewCaches } from '../review/data'
import { catalogEntry } from '../api/errors'
import {
  apiError,
  detail,
  fakeServer,
  NOTHING_OFFERED,
  offline,
  reviewRoutes,
  stubVisibleIntersections,
  user,
  type FakeServer,
  type Offer,
} from '../review/testing'

enableAutoUnmount(afterEach)

const Blank = defineComponent({ render: () => h('div') })

function makeRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/review', name: 'review-queue', component: Blank },
      { path: '/review/:id', name: 'review', component: Blank },
      { path: '/login', name: 'login', component: Blank },
    ],
  })
}

async function mountPage(who: UserOut = user('county_reviewer')): Promise<VueWrapper> {
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().user = who
  const router = makeRouter()
  await router.push('/review/7')
  const wrapper = mount(ReviewPage, { props: { id: 7 }, global: { plugins: [pinia, router] } })
  await settle()
  return wrapper
}

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await flushPromises()
}

function text(wrapper: VueWrapper, testid: string): string {
  return wrapper.get(`[data-testid="${testid}"]`).text()
}

function button(wrapper: VueWrapper, testid: string): HTMLButtonElement {
  return wrapper.get(`[data-testid="${testid}"]`).element as HTMLButtonElement
}

let server: FakeServer

beforeEach(() => {
  clearReviewCaches()
  stubVisibleIntersections()
  server = fakeServer(reviewRoutes())
})

describe('ReviewPage: what it shows', () => {
  it('shows the facility, status, server tier and totals', async () => {
    const wrapper = await mountPage()

    expect(text(wrapper, 'review-facility')).toBe('东风镇卫生院')
    expect(text(wrapper, 'review-status')).toBe('县级审核中')
    expect(text(wrapper, 'review-tier')).toBe('基本标准')
    const totals = text(wrapper, 'review-totals')
    expect(totals).toContain('适用条款2 项')
    expect(totals).toContain('不达标1 项')
    expect(totals).toContain('B级及以上1 项')
    expect(text(wrapper, 'review-next-tier')).toContain('推荐标准条款B级及以上不低于50%（还差 1 项）')
  })

  it('loads the inspection, checklist, score, photos, conflicts and self-assessment', async () => {
    await mountPage()

    for (const key of [
      'GET /api/inspections/7',
      'GET /api/checklists/test-cl/1',
      'GET /api/inspections/7/score',
      'GET /api/inspections/7/evidence',
      'GET /api/inspections/7/conflicts',
      'GET /api/inspections/5',
    ]) {
      expect(server.calls(key), key).toHaveLength(1)
    }
    expect(server.calls('GET /api/inspections')[0]?.query.get('facility_id')).toBe('3')
  })

  it('renders every item with its grade, outcome, note and the self-assessment beside it', async () => {
    const wrapper = await mountPage()

    expect(text(wrapper, 'review-item-T-01')).toContain('建立健全各项管理制度')
    expect(text(wrapper, 'item-grade-T-01')).toContain('B级')
    expect(text(wrapper, 'item-self-T-01')).toBe('自评：A级')
    expect(text(wrapper, 'review-item-T-01')).toContain('备注：制度齐全')
    // Answered A, but not applicable because the facility has no beds.
    expect(text(wrapper, 'item-grade-T-02')).toContain('A级')
    expect(text(wrapper, 'item-outcome-T-02')).toBe('计分：不适用（按机构条件不适用）')
    expect(text(wrapper, 'item-self-T-02')).toBe('自评：未作答')
    expect(text(wrapper, 'item-grade-T-03')).toContain('不达标')
    expect(text(wrapper, 'review-item-T-03')).toContain('审核修改')
    expect(text(wrapper, 'review-self')).toContain('2026-10-08')
  })

  it('leaves the self-assessment out when the facility has none', async () => {
    server.route('GET /api/inspections', { json: { items: [], next: null } })
    const wrapper = await mountPage()

    expect(wrapper.find('[data-testid="item-self-T-01"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="review-self"]').exists()).toBe(false)
    expect(server.calls('GET /api/inspections/5')).toHaveLength(0)
  })

  it('shows photo thumbnails through the token-carrying fetch, with flags, time and hash', async () => {
    const wrapper = await mountPage()

    const photo = text(wrapper, 'evidence-31')
    expect(photo).toContain('拍摄时间不在检查当天')
    expect(photo).toContain('2026-11-19 09:05')
    expect(photo).toContain('abcdef012345')
    expect(photo).not.toContain('abcdef0123456')
    expect(server.calls('GET /api/evidence/31/thumbnail')).toHaveLength(1)
    const img = wrapper.get('[data-testid="evidence-thumb-31"] img').element as HTMLImageElement
    expect(img.getAttribute('src')).toMatch(/^blob:/)
  })

  it('shows the status history newest first with reasons', async () => {
    const wrapper = await mountPage()

    const cells = wrapper.findAll('[data-testid="review-history"] .van-cell')
    expect(cells).toHaveLength(2)
    expect(cells[0]?.text()).toContain('开始县级审核')
    expect(cells[0]?.text()).toContain('已提交 → 县级审核中')
    expect(cells[0]?.text()).toContain('2026-11-21 09:30')
    expect(cells[1]?.text()).toContain('提交')
  })

  it('says so when the server cannot be reached', async () => {
    server.route('GET /api/inspections/7', () => offline())
    const wrapper = await mountPage()

    expect(text(wrapper, 'review-load-error')).toContain('无法连接服务器')
  })

  it('shows the server error when the inspection is out of reach', async () => {
    server.route('GET /api/inspections/7', apiError(404, 'http.not_found', '未找到，或不在您的权限范围内'))
    const wrapper = await mountPage()

    expect(text(wrapper, 'review-load-error')).toContain('未找到，或不在您的权限范围内')
    expect(wrapper.find('[data-testid="review-back"]').exists()).toBe(true)
    expect(text(wrapper, 'review-load-error')).not.toContain('重试')
  })
})

describe('ReviewPage: regrading', () => {
  it('refuses an empty reason and sends the new grade with the base revision', async () => {
    server.route('PUT /api/inspections/7/items/T-01/grade', { json: { item_id: 'T-01', revision: 3, grade: 'A', source: 'review' } })
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="regrade-T-01"]').trigger('click')
    await settle()
    await wrapper.get('[data-testid="regrade-grade-A"]').trigger('click')
    expect(button(wrapper, 'regrade-submit').disabled).toBe(true)
    expect(wrapper.get('[data-testid="regrade-hint"]').text()).toBe('修改评分需要填写理由（至少 2 个字）')

    await wrapper.get('[data-testid="regrade-reason"]').setValue(' 好 ')
    expect(button(wrapper, 'regrade-submit').disabled).toBe(true)
    await wrapper.get('[data-testid="regrade-submit"]').trigger('click')
    expect(server.calls('PUT /api/inspections/7/items/T-01/grade')).toHaveLength(0)

    await wrapper.get('[data-testid="regrade-reason"]').setValue('现场查看制度已持续改进')
    expect(button(wrapper, 'regrade-submit').disabled).toBe(false)
    expect(wrapper.find('[data-testid="regrade-hint"]').exists()).toBe(false)
    await wrapper.get('[data-testid="regrade-submit"]').trigger('click')
    await settle()

    const puts = server.calls('PUT /api/inspections/7/items/T-01/grade')
    expect(puts).toHaveLength(1)
    // The note and dates of the current answer go along: the server replaces the whole answer.
    expect(puts[0]?.body).toEqual({
      grade: 'A',
      base_revision: 2,
      reason: '现场查看制度已持续改进',
      note: '制度齐全',
      document_date: null,
      valid_until: null,
    })
    expect(server.calls('GET /api/inspections/7')).toHaveLength(2) // reloaded
  })

  it('offers the item levels best first (as the inspector’s form), not met, and not applicable only where allowed', async () => {
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="regrade-T-01"]').trigger('click')
    await settle()
    const codes = wrapper.findAll('[data-testid^="regrade-grade-"]').map((c) => c.attributes('data-testid'))
    expect(codes).toEqual(['regrade-grade-A', 'regrade-grade-B', 'regrade-grade-C', 'regrade-grade-not_met'])

    await wrapper.get('[data-testid="regrade-T-03"]').trigger('click')
    await settle()
    const naCodes = wrapper.findAll('[data-testid^="regrade-grade-"]').map((c) => c.attributes('data-testid'))
    expect(naCodes).toEqual(['regrade-grade-C', 'regrade-grade-not_met', 'regrade-grade-not_applicable'])
  })

  it('reloads and tells the reviewer when someone else changed the answer first', async () => {
    server.route(
      'PUT /api/inspections/7/items/T-01/grade',
      apiError(409, 'review.stale_revision', 'the answer changed (revision 3); reload and try again'),
    )
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="regrade-T-01"]').trigger('click')
    await settle()
    await wrapper.get('[data-testid="regrade-grade-C"]').trigger('click')
    await wrapper.get('[data-testid="regrade-reason"]').setValue('复核降级')
    await wrapper.get('[data-testid="regrade-submit"]').trigger('click')
    await settle()

    expect(text(wrapper, 'review-notice')).toContain('刚被他人修改')
    expect(server.calls('GET /api/inspections/7')).toHaveLength(2)
  })

  it('keeps the dialog open with the server message on other errors', async () => {
    server.route('PUT /api/inspections/7/items/T-01/grade', apiError(409, 'review.not_in_review', "grades change only during your level's review"))
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="regrade-T-01"]').trigger('click')
    await settle()
    await wrapper.get('[data-testid="regrade-grade-C"]').trigger('click')
    await wrapper.get('[data-testid="regrade-reason"]').setValue('复核降级')
    await wrapper.get('[data-testid="regrade-submit"]').trigger('click')
    await settle()

    expect(text(wrapper, 'regrade-error')).toContain("grades change only during your level's review")
  })

  it('offers no regrading outside the reviewer’s own level of review', async () => {
    server.route('GET /api/inspections/7', { json: detail({ status: 'county_review' }, [11], NOTHING_OFFERED) })
    const wrapper = await mountPage(user('city_reviewer', 60))

    expect(wrapper.find('[data-testid="regrade-T-01"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid^="action-"]').exists()).toBe(false)
  })
})

describe('ReviewPage: workflow actions', () => {
  it('offers the county reviewer the actions the server offers, in button order', async () => {
    const wrapper = await mountPage()

    const actions = wrapper.findAll('[data-testid^="action-"]').map((b) => b.attributes('data-testid'))
    expect(actions).toEqual(['action-county_approve', 'action-return', 'action-county_reject'])
  })

  it('cannot confirm an action that needs a reason without one', async () => {
    server.route('POST /api/inspections/7/transitions', { json: detail({ status: 'returned' }).inspection })
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="action-return"]').trigger('click')
    await settle()
    expect(button(wrapper, 'action-confirm').disabled).toBe(true)
    await wrapper.get('[data-testid="action-confirm"]').trigger('click')
    await wrapper.get('[data-testid="action-reason"]').setValue('补')
    expect(button(wrapper, 'action-confirm').disabled).toBe(true)
    await wrapper.get('[data-testid="action-confirm"]').trigger('click')
    expect(server.calls('POST /api/inspections/7/transitions')).toHaveLength(0)

    await wrapper.get('[data-testid="action-reason"]').setValue('请补拍 1.1.1 的制度照片')
    expect(button(wrapper, 'action-confirm').disabled).toBe(false)
    await wrapper.get('[data-testid="action-confirm"]').trigger('click')
    await settle()

    const posts = server.calls('POST /api/inspections/7/transitions')
    expect(posts.map((p) => p.body)).toEqual([{ action: 'return', reason: '请补拍 1.1.1 的制度照片' }])
    expect(server.calls('GET /api/inspections/7')).toHaveLength(2)
  })

  it('shows the server message when the action is refused (409)', async () => {
    server.route(
      'POST /api/inspections/7/transitions',
      apiError(409, 'review.evidence_incomplete', '还有 2 个条款未完成，不能通过审核：请逐项处理后再试'),
    )
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="action-county_approve"]').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="action-reason"]').exists()).toBe(false)
    await wrapper.get('[data-testid="action-confirm"]').trigger('click')
    await settle()

    expect(server.calls('POST /api/inspections/7/transitions')[0]?.body).toEqual({ action: 'county_approve', reason: null })
    const error = text(wrapper, 'action-error')
    expect(error).toBe('还有 2 个条款未完成，不能通过审核：请逐项处理后再试')
  })

  it('offers only 开始县级审核 on a submitted inspection and no regrading yet', async () => {
    const offer: Offer = { actions: ['start_county_review'], refusals: [], may_regrade: false }
    server.route('GET /api/inspections/7', { json: detail({ status: 'submitted', county_reviewer_id: null }, [11], offer) })
    const wrapper = await mountPage()

    const actions = wrapper.findAll('[data-testid^="action-"]')
    expect(actions.map((b) => b.text())).toEqual(['开始县级审核'])
    expect(wrapper.find('[data-testid="regrade-T-01"]').exists()).toBe(false)
  })

  it('explains and withholds the review from someone who took part in the inspection', async () => {
    const why = catalogEntry('review.conflict_of_interest')?.message ?? ''
    const refusals: Offer['refusals'] = (['return', 'county_approve', 'county_reject'] as const).map((action) => ({ action, code: 'review.conflict_of_interest', message: why }))
    server.route('GET /api/inspections/7', { json: detail({ status: 'county_review' }, [50], { ...NOTHING_OFFERED, refusals }) })
    const wrapper = await mountPage()

    expect(wrapper.findAll('[data-testid="review-block"]').map((p) => p.text())).toEqual([why])
    expect(why).toContain('您参与了本次检查')
    expect(wrapper.find('[data-testid^="action-"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="regrade-T-01"]').exists()).toBe(false)
  })
})

describe('ReviewPage: conflicts', () => {
  it('lists the open conflicts only and resolves one with a reason', async () => {
    server.route('POST /api/inspections/7/conflicts/4/resolution', { json: { id: 4, resolution: 'accepted', revision: 2 } })
    const wrapper = await mountPage()

    expect(wrapper.find('[data-testid="conflict-3"]').exists()).toBe(false)
    const conflict = text(wrapper, 'conflict-4')
    expect(conflict).toContain('1.1.3 消毒记录完整')
    expect(conflict).toContain('提议：C级')
    expect(conflict).toContain('已补记录')
    expect(conflict).toContain('2026-11-20 10:15')
    expect(wrapper.find('[data-testid="item-conflict-T-03"]').exists()).toBe(true)

    await wrapper.get('[data-testid="conflict-4-accept"]').trigger('click')
    await settle()
    expect(button(wrapper, 'resolve-confirm').disabled).toBe(true)
    await wrapper.get('[data-testid="resolve-reason"]').setValue('记录已补齐')
    await wrapper.get('[data-testid="resolve-confirm"]').trigger('click')
    await settle()

    const posts = server.calls('POST /api/inspections/7/conflicts/4/resolution')
    expect(posts.map((p) => p.body)).toEqual([{ accept: true, reason: '记录已补齐' }])
  })
})

describe('ReviewPage: report', () => {
  it('downloads the PDF report under a readable name', async () => {
    server.route('GET /api/inspections/7/report', { blob: new Blob(['%PDF-1.7'], { type: 'application/pdf' }) })
    const clicked: HTMLAnchorElement[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this)
    })
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="report-download"]').trigger('click')
    await settle()

    expect(server.calls('GET /api/inspections/7/report')).toHaveLength(1)
    expect(clicked).toHaveLength(1)
    expect(clicked[0]?.download).toBe('评审报告-7.pdf')
    expect(clicked[0]?.href).toMatch(/^blob:/)
  })

  it('shows why the report failed', async () => {
    server.route('GET /api/inspections/7/report', apiError(409, 'report.not_ready', 'the inspection is not approved yet'))
    const wrapper = await mountPage()

    await wrapper.get('[data-testid="report-download"]').trigger('click')
    await settle()

    expect(text(wrapper, 'report-error')).toContain('the inspection is not approved yet')
  })
})

describe('ReviewPage: names, regrades and city samples', () => {
  it('names the inspectors and whoever gave each grade, not a role', async () => {
    const wrapper = await mountPage()

    expect(text(wrapper, 'review-inspectors')).toBe('检查员：刘秀英')
    expect(text(wrapper, 'item-author-T-01')).toBe('刘秀英 · 第 2 版')
    expect(text(wrapper, 'item-author-T-03')).toBe('张卫东（审核修改） · 第 1 版')
    expect(wrapper.text()).not.toContain('检查员 · 第')
    expect(text(wrapper, 'review-history')).toContain('开始县级审核 · 张卫东')
  })

  it('shows a regrade inline: original and new grade, who, why and when in China time', async () => {
    const wrapper = await mountPage()

    const change = wrapper.get('[data-testid="item-regrade-T-03-2"]')
    expect(change.get('[data-role="from"]').text()).toBe('B级')
    expect(change.get('[data-role="to"]').text()).toBe('不达标')
    expect(change.get('[data-role="by"]').text()).toBe('张卫东')
    expect(change.get('[data-role="reason"]').text()).toBe('现场未见消毒记录')
    expect(change.get('[data-role="at"]').text()).toBe('2026-11-21 10:05')
    expect(wrapper.find('[data-testid="item-regrades-T-01"]').exists()).toBe(false) // the inspector's own edits
  })

  it('marks a sampled inspection and offers 终审通过 only once its re-review has started', async () => {
    const sampled = { sample: { sample_id: 4, drawn_at: '2026-11-27T17:30:00+00:00' } }
    const held: Offer = {
      actions: ['start_city_review'],
      refusals: [{ action: 'approve', code: 'workflow.sampled_for_review', message: catalogEntry('workflow.sampled_for_review')?.message ?? '' }],
      may_regrade: false,
    }
    server = fakeServer(reviewRoutes({ ...detail({ status: 'county_approved', county_reviewer_id: 60 }, [11], held), ...sampled }))
    const before = await mountPage(user('city_reviewer'))

    expect(text(before, 'review-sampled')).toBe('已抽中 · 2026-11-28 01:30')
    expect(text(before, 'review-block')).toContain('复核后才能终审通过')
    expect(before.find('[data-testid="action-start_city_review"]').exists()).toBe(true)
    expect(before.find('[data-testid="action-approve"]').exists()).toBe(false)

    const reviewing: Offer = { actions: ['city_return', 'approve', 'city_reject'], refusals: [], may_regrade: true }
    server = fakeServer(reviewRoutes({ ...detail({ status: 'city_review', county_reviewer_id: 60, city_reviewer_id: 50 }, [11], reviewing), ...sampled }))
    const during = await mountPage(user('city_reviewer'))
    expect(during.find('[data-testid="action-approve"]').exists()).toBe(true)
    expect(during.find('[data-testid="review-block"]').exists()).toBe(false)
  })

  it('still offers 终审通过 straight from county approval when the inspection was not drawn', async () => {
    const offer: Offer = { actions: ['start_city_review', 'approve'], refusals: [], may_regrade: false }
    server = fakeServer(reviewRoutes(detail({ status: 'county_approved', county_reviewer_id: 60 }, [11], offer)))
    const wrapper = await mountPage(user('city_reviewer'))

    expect(wrapper.find('[data-testid="review-sampled"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="action-approve"]').exists()).toBe(true)
  })
})
