import { describe, expect, it, vi } from 'vitest'
import { ApiError, CLIENT_ERROR_CODES, getHealth, OfflineError, request, setAuth } from './client'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

describe('request', () => {
  it('returns the parsed JSON body on success', async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(200, { id: 7 }))
    vi.stubGlobal('fetch', fetchMock)

    await expect(request('/api/things/7')).resolves.toEqual({ id: 7 })
    expect(fetchMock).toHaveBeenCalledWith('/api/things/7', expect.objectContaining({ method: 'GET' }))
  })

  it('sends a JSON body with a content type', async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(201, { ok: true }))
    vi.stubGlobal('fetch', fetchMock)

    await request('/api/things', { method: 'POST', body: { name: '甲' } })
    const init = fetchMock.mock.calls[0]?.[1] as RequestInit
    expect(init.body).toBe('{"name":"甲"}')
    expect(init.headers).toMatchObject({ 'Content-Type': 'application/json' })
  })

  it('turns the server error body into an ApiError with its stable code', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn().mockResolvedValue(
        jsonResponse(409, {
          error: {
            code: 'sync.stale_base_version',
            message: 'base version 3 is older than 4',
            problems: [{ code: 'stale', pointer: '/items/0', message: 'changed on server' }],
          },
        }),
      ),
    )

    const err = await request('/api/sync').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({
      status: 409,
      code: 'sync.stale_base_version',
      message: 'base version 3 is older than 4',
      problems: [{ code: 'stale', pointer: '/items/0', message: 'changed on server' }],
    })
  })

  it('gives an ApiError a fallback code when the error body is not ours', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(500, { detail: 'boom' })))

    const err = await request('/api/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 500, code: CLIENT_ERROR_CODES.unknown })
  })

  it('turns a rejected fetch into an OfflineError', async () => {
    const networkFailure = new TypeError('Failed to fetch')
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(networkFailure))

    const err = await request('/api/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OfflineError)
    expect(err).not.toBeInstanceOf(ApiError)
    expect((err as OfflineError).cause).toBe(networkFailure)
  })

  it('turns a timeout into an OfflineError by aborting the request', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        (_url: string, init: RequestInit) =>
          new Promise<Response>((_resolve, reject) => {
            init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
          }),
      ),
    )

    const err = await request('/api/slow', { timeoutMs: 20 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OfflineError)
    expect((err as OfflineError).message).toBe('timed out after 20 ms')
  })

  it('lets a cancellation by the caller through as an AbortError, not as offline', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        (_url: string, init: RequestInit) =>
          new Promise<Response>((_resolve, reject) => {
            init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
          }),
      ),
    )
    const caller = new AbortController()

    const pending = request('/api/slow', { signal: caller.signal }).catch((e: unknown) => e)
    caller.abort()
    const err = await pending
    expect(err).not.toBeInstanceOf(OfflineError)
    expect(err).toMatchObject({ name: 'AbortError' })
  })

  it('treats a non-JSON success (captive portal, proxy page) as offline', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('<html>login</html>', { status: 200 })))

    await expect(request('/api/x')).rejects.toBeInstanceOf(OfflineError)
  })

  it.each([502, 504])('treats a proxy error page (HTTP %i, server down) as offline', async (status) => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('<html>Bad Gateway</html>', { status })))

    await expect(request('/api/x')).rejects.toBeInstanceOf(OfflineError)
  })
})

describe('an ended session', () => {
  it('is told by the code the server sent, with its message; another 401 is not one', async () => {
    const ended = vi.fn()
    setAuth('tok-1', ended)
    try {
      const expired = { error: { code: 'auth.session_expired', message: '登录已过期，请重新登录' } }
      vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(401, expired)))
      await request('/api/me').catch(() => undefined)
      expect(ended).toHaveBeenCalledTimes(1)
      expect(ended.mock.calls[0]?.[0]).toMatchObject({ code: 'auth.session_expired', message: '登录已过期，请重新登录' })

      const wrong = { error: { code: 'auth.invalid_credentials', message: '用户名或密码错误' } }
      vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(401, wrong)))
      await request('/api/auth/login').catch(() => undefined)
      expect(ended).toHaveBeenCalledTimes(1)
    } finally {
      setAuth(null)
    }
  })
})

describe('getHealth', () => {
  it('accepts a degraded report sent with 503', async () => {
    const report = {
      status: 'degraded',
      components: { database: { status: 'ok' }, evidence_store: { status: 'error', detail: 'timeout' } },
    }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(503, report)))

    await expect(getHealth()).resolves.toEqual(report)
  })
})
