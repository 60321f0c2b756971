import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import StatusPage from './StatusPage.vue'

function stubHealth(status: number, body: unknown) {
  const fetchMock = vi.fn().mockResolvedValue(
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }),
  )
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

function overallText(wrapper: ReturnType<typeof mount>): string {
  return wrapper.get('[data-testid="health-overall"] .van-cell__value').text()
}

describe('StatusPage', () => {
  it('shows the title', async () => {
    stubHealth(200, { status: 'ok', components: {} })
    const wrapper = mount(StatusPage)
    await flushPromises()

    expect(wrapper.get('.van-nav-bar__title').text()).toBe('达标 · 基层医疗卫生机构评审')
  })

  it('renders the overall status and each component from /healthz', async () => {
    const fetchMock = stubHealth(503, {
      status: 'degraded',
      components: {
        database: { status: 'ok', latency_ms: 3 },
        evidence_store: { status: 'error', detail: 'bucket missing' },
        checklists: { status: 'ok', count: 2 },
      },
    })
    const wrapper = mount(StatusPage)
    await flushPromises()

    expect(fetchMock).toHaveBeenCalledWith('/healthz', expect.anything())
    expect(overallText(wrapper)).toBe('部分异常')
    const db = wrapper.get('[data-testid="health-database"]')
    expect(db.get('.van-cell__title').text()).toBe('数据库')
    expect(db.get('.van-cell__value').text()).toBe('正常')
    const store = wrapper.get('[data-testid="health-evidence_store"]')
    expect(store.get('.van-cell__title').text()).toBe('证据存储')
    expect(store.get('.van-cell__value').text()).toBe('异常')
    expect(wrapper.get('[data-testid="health-checklists"] .van-cell__value').text()).toBe('正常')
  })

  it('shows 正常 when every component is ok', async () => {
    stubHealth(200, { status: 'ok', components: { database: { status: 'ok' } } })
    const wrapper = mount(StatusPage)
    await flushPromises()

    expect(overallText(wrapper)).toBe('正常')
  })

  it('shows 离线 when the fetch fails, even though navigator.onLine says online', async () => {
    expect(navigator.onLine).toBe(true)
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    const wrapper = mount(StatusPage)
    await flushPromises()

    expect(overallText(wrapper)).toBe('离线')
    expect(wrapper.find('[data-testid="health-database"]').exists()).toBe(false)
  })

  it('shows the server’s message when it answers with an error body', async () => {
    stubHealth(500, { error: { code: 'server.internal', message: '服务器内部错误，请稍后重试' } })
    const wrapper = mount(StatusPage)
    await flushPromises()

    expect(overallText(wrapper)).toBe('服务器内部错误，请稍后重试')
  })

  it('checks again when the refresh button is pressed', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    const wrapper = mount(StatusPage)
    await flushPromises()
    expect(overallText(wrapper)).toBe('离线')

    stubHealth(200, { status: 'ok', components: { database: { status: 'ok' } } })
    await wrapper.get('[data-testid="health-refresh"]').trigger('click')
    await flushPromises()

    expect(overallText(wrapper)).toBe('正常')
  })
})
