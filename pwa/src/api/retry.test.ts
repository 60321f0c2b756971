// An error the server's catalog calls retryable, answered with a short Retry-After (the database was
// busy, nothing was changed), is sent again by the client itself, a bounded number of times, before
// the page shows an error (issue 11, item 14; the catalog decides since issue 12).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, MAX_RETRY_WAIT_S, MAX_TRIES, pushChanges, regrade, request, retryWaitMs } from './client'

const BUSY = { error: { code: 'db.unavailable', message: '数据库暂时不可用，请稍后重试' } }

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

function busy(retryAfter: string | null = '5'): Response {
  return jsonResponse(503, BUSY, retryAfter === null ? {} : { 'Retry-After': retryAfter })
}

/** fetch answering from the list in turn (the last one again when it runs out). */
function answers(...responses: (() => Response)[]) {
  let n = 0
  return vi.fn(() => Promise.resolve((responses[Math.min(n++, responses.length - 1)] as () => Response)()))
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('a busy server', () => {
  it('is asked again after Retry-After, and the page sees only the answer', async () => {
    const fetchMock = answers(() => busy('1'), () => jsonResponse(200, [{ id: 1 }]))
    vi.stubGlobal('fetch', fetchMock)

    const result = request('/api/inspections')
    await vi.advanceTimersByTimeAsync(999)
    expect(fetchMock).toHaveBeenCalledTimes(1) // waits as asked
    await vi.advanceTimersByTimeAsync(1)
    await expect(result).resolves.toEqual([{ id: 1 }])
    expect(fetchMock).toHaveBeenCalledTimes(2)
  })

  it('gives up after MAX_TRIES with the server error, waiting at most MAX_RETRY_WAIT_S each time', async () => {
    const fetchMock = answers(() => busy('8'))
    vi.stubGlobal('fetch', fetchMock)

    const result = request('/api/inspections/3').catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(MAX_RETRY_WAIT_S * 1000 * (MAX_TRIES - 1))
    const err = await result
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 503, code: 'db.unavailable', message: '数据库暂时不可用，请稍后重试' })
    expect(fetchMock).toHaveBeenCalledTimes(MAX_TRIES)
    expect(MAX_TRIES).toBe(3)
  })

  it('retries a sync batch (its changes carry ids) and a regrade (a PUT on a revision)', async () => {
    const fetchMock = answers(() => busy('2'), () => jsonResponse(200, { receipts: [] }))
    vi.stubGlobal('fetch', fetchMock)
    const synced = pushChanges('phone-1', [])
    await vi.advanceTimersByTimeAsync(2000)
    await expect(synced).resolves.toEqual({ receipts: [] })
    expect(fetchMock).toHaveBeenCalledTimes(2)

    const regraded = answers(() => busy('2'), () => jsonResponse(200, { item_id: 'A-1', revision: 3, grade: 'B', source: 'review' }))
    vi.stubGlobal('fetch', regraded)
    const done = regrade(4, 'A-1', { grade: 'B', base_revision: 2, reason: '复核' })
    await vi.advanceTimersByTimeAsync(2000)
    await expect(done).resolves.toMatchObject({ revision: 3 })
    expect(regraded).toHaveBeenCalledTimes(2)
  })

  it('does not send a plain POST twice', async () => {
    const fetchMock = answers(() => busy('1'), () => jsonResponse(201, { id: 9 }))
    vi.stubGlobal('fetch', fetchMock)

    const err = await request('/api/inspections', { method: 'POST', body: { facility_id: 1 } }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 503, code: 'db.unavailable' })
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })

  it('does not retry without Retry-After, nor a refusal the catalog calls final, nor a long wait', async () => {
    const without = answers(() => busy(null))
    vi.stubGlobal('fetch', without)
    await expect(request('/api/inspections')).rejects.toMatchObject({ status: 503 })
    expect(without).toHaveBeenCalledTimes(1)

    const throttled = answers(() => jsonResponse(429, { error: { code: 'auth.throttled', message: '请稍后' } }, { 'Retry-After': '60' }))
    vi.stubGlobal('fetch', throttled)
    await expect(request('/api/inspections')).rejects.toMatchObject({ status: 429 })
    expect(throttled).toHaveBeenCalledTimes(1)

    const locked = answers(() => jsonResponse(409, { error: { code: 'inspection.locked', message: '已锁定' } }, { 'Retry-After': '1' }))
    vi.stubGlobal('fetch', locked)
    await expect(request('/api/inspections')).rejects.toMatchObject({ status: 409 })
    expect(locked).toHaveBeenCalledTimes(1)
  })

  it('retries what the catalog calls retryable with a short Retry-After, whatever the status', async () => {
    let calls = 0
    const fetchMock = vi.fn(() => {
      calls += 1
      if (calls > 1) return Promise.resolve(jsonResponse(200, { ok: true }))
      return Promise.resolve(jsonResponse(429, { error: { code: 'http.too_many_requests', message: '请稍后' } }, { 'Retry-After': '1' }))
    })
    vi.stubGlobal('fetch', fetchMock)
    const result = request('/api/inspections')
    await vi.advanceTimersByTimeAsync(1000)
    await expect(result).resolves.toEqual({ ok: true })
    expect(fetchMock).toHaveBeenCalledTimes(2)
  })

  it('stops waiting when the caller cancels', async () => {
    const fetchMock = answers(() => busy('3'))
    vi.stubGlobal('fetch', fetchMock)
    const controller = new AbortController()

    const result = request('/api/inspections', { signal: controller.signal }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(500)
    controller.abort()
    const err = await result
    expect(err).toBeInstanceOf(DOMException)
    expect((err as DOMException).name).toBe('AbortError')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })
})

describe('retryWaitMs', () => {
  it('reads seconds, caps them and ignores what is not a number of seconds', () => {
    expect(retryWaitMs('1')).toBe(1000)
    expect(retryWaitMs('5')).toBe(MAX_RETRY_WAIT_S * 1000)
    expect(retryWaitMs('0')).toBe(0)
    expect(retryWaitMs(null)).toBeNull()
    expect(retryWaitMs('Wed, 21 Oct 2026 07:28:00 GMT')).toBeNull()
    expect(retryWaitMs('-1')).toBeNull()
  })
})
