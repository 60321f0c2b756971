// The one way the app talks to the server. It turns every failure into a typed error so that pages
// and the (future) sync engine decide what to show or retry; nothing here knows about the UI.
//
// Offline is decided here, not by navigator.onLine: that flag only reflects the network interface
// and stays true while the server is unreachable. A request that cannot complete is an OfflineError.

/** One located problem inside a rejected input, as the server reports it. */
export interface ApiProblem {
  code: string
  pointer: string
  message: string
}

/** The server answered with an error status. `code` is stable (for example `sync.stale_base_version`). */
export class ApiError extends Error {
  override readonly name = 'ApiError'

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly ApiProblem[] = [],
  ) {
    super(message)
  }
}

/** The server could not be reached: network failure, timeout, or a non-JSON answer from a proxy. */
export class OfflineError extends Error {
  override readonly name = 'OfflineError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Sent as JSON. */
  body?: unknown
  headers?: Record<string, string>
  /** Abort and report offline after this many milliseconds. */
  timeoutMs?: number
  /** Statuses besides 2xx whose JSON body is a normal answer (for example 503 from /healthz). */
  acceptStatuses?: readonly number[]
  signal?: AbortSignal
}

export const DEFAULT_TIMEOUT_MS = 10_000

/** Codes the client itself assigns when the server's error body is missing or malformed. */
export const CLIENT_ERROR_CODES = {
  unknown: 'http.unknown_error',
} as const

const NOT_JSON: unique symbol = Symbol('not-json')

/** Our server always answers JSON; these statuses without a JSON body come from a proxy in front. */
const GATEWAY_STATUSES: readonly number[] = [502, 503, 504]

/**
 * Sends one request and returns the parsed JSON body. Throws ApiError when the server rejects it,
 * OfflineError when the server cannot be reached, and re-throws the AbortError when the caller's
 * own signal cancelled it.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, timeoutMs = DEFAULT_TIMEOUT_MS, acceptStatuses = [] } = options
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const onOuterAbort = (): void => controller.abort()
  if (options.signal?.aborted) controller.abort()
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })

  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  if (body !== undefined) headers['Content-Type'] = 'application/json'

  try {
    let response: Response
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: 'same-origin',
      })
    } catch (err) {
      if (options.signal?.aborted) throw err
      const timedOut = controller.signal.aborted
      throw new OfflineError(timedOut ? `timed out after ${timeoutMs} ms` : 'network request failed', {
        cause: err,
      })
    }

    if (response.status === 204) return undefined as T
    const payload = await readJson(response, controller.signal)
    if (response.ok || acceptStatuses.includes(response.status)) {
      if (payload === NOT_JSON) {
        // A captive portal or a proxy page is not our server: treat it as unreachable.
        throw new OfflineError(`expected JSON from ${path}, got ${response.status} non-JSON`)
      }
      return payload as T
    }
    if (payload === NOT_JSON && GATEWAY_STATUSES.includes(response.status)) {
      // A reverse proxy (or the dev server) answering for a server that is down.
      throw new OfflineError(`server unreachable behind a proxy (HTTP ${response.status})`)
    }
    throw toApiError(response.status, payload)
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onOuterAbort)
  }
}

async function readJson(response: Response, signal: AbortSignal): Promise<unknown> {
  let text: string
  try {
    text = await response.text()
  } catch (err) {
    throw new OfflineError(signal.aborted ? 'timed out reading the response' : 'connection lost', {
      cause: err,
    })
  }
  if (text === '') return NOT_JSON
  try {
    return JSON.parse(text) as unknown
  } catch {
    return NOT_JSON
  }
}

function toApiError(status: number, payload: unknown): ApiError {
  const error = isRecord(payload) ? payload['error'] : undefined
  if (isRecord(error) && typeof error['code'] === 'string') {
    const message = typeof error['message'] === 'string' ? error['message'] : error['code']
    const problems = Array.isArray(error['problems']) ? error['problems'].filter(isProblem) : []
    return new ApiError(status, error['code'], message, problems)
  }
  return new ApiError(status, CLIENT_ERROR_CODES.unknown, `HTTP ${status}`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isProblem(value: unknown): value is ApiProblem {
  return (
    isRecord(value) &&
    typeof value['code'] === 'string' &&
    typeof value['pointer'] === 'string' &&
    typeof value['message'] === 'string'
  )
}

// --- Endpoints -----------------------------------------------------------------------------------

export type ComponentStatus = 'ok' | 'error'

export interface ComponentHealth {
  status: ComponentStatus
  [detail: string]: unknown
}

/** Body of GET /healthz. Components are keyed by name: database, evidence_store, checklists, ... */
export interface HealthReport {
  status: 'ok' | 'degraded'
  components: Record<string, ComponentHealth>
}

export function getHealth(options: Pick<RequestOptions, 'timeoutMs' | 'signal'> = {}): Promise<HealthReport> {
  // A degraded server may answer 503 with the same body; that is a report, not an error.
  return request<HealthReport>('/healthz', { ...options, acceptStatuses: [503] })
}
