// The one way the app talks to the server. It turns every failure into a typed error so that pages
// and the (future) sync engine decide what to show or retry; nothing here knows about the UI.
//
// Offline is decided here, not by navigator.onLine: that flag only reflects the network interface
// and stays true while the server is unreachable. A request that cannot complete is an OfflineError.

// Request and response types are the server's, generated from its OpenAPI document.
import type { paths } from '../generated/api'
import type {
  AccountChangeIn,
  AccountIn,
  AccountOut,
  AccountPageOut,
  AccountQuery,
  AnswerOut,
  AuditLogOut,
  AuditLogQuery,
  BootstrapOut,
  ChangeIn,
  ChecklistDefinition,
  ChecklistRefOut,
  ConflictOut,
  DashboardFacilityPageOut,
  DashboardFacilityQuery,
  DashboardOut,
  DashboardQuery,
  DashboardTargetIn,
  DashboardTargetSetOut,
  ErrorProblem,
  EvidenceOut,
  FacilityPageOut,
  FacilityQuery,
  HealthOut,
  InspectionCreateIn,
  InspectionDetailOut,
  InspectionOut,
  ImportPreviewOut,
  ImportResultOut,
  InspectionPageOut,
  IssuedOut,
  JobOut,
  JobPageOut,
  LoginIn,
  LoginOut,
  PasswordChangeIn,
  PayoutSheetRequest,
  RegradeIn,
  ResultsExportRequest,
  ResolveIn,
  ResolveOut,
  RevisionOut,
  ScoreOut,
  SyncIn,
  SyncOut,
  TransitionAction,
  TransitionIn,
  UserOut,
  FacilityFactsOut,
  FacilityProfileOut,
  PayoutPreviewOut,
  PayoutRecordOut,
  PayoutRecordingOut,
  PayoutRuleIn,
  PayoutRuleOut,
  PayoutRulesOut,
  PlanDetailOut,
  SampleIn,
  SampleOut,
  PlanEntryChangeIn,
  PlanEntryOut,
  PlanIn,
  PlanListOut,
  PlanPageOut,
  PlanQuery,
  RectificationCountsOut,
  RectificationDecisionIn,
  RectificationOut,
  RectificationPageOut,
  RectificationQuery,
  RectificationSubmitIn,
  PayoutSettingsOut,
  IssuingBodyOut,
  PublicationPreviewQuery,
  PublicationPreviewOut,
  PublicationIn,
  PublicationPageOut,
  PublicationQuery,
  PublicationDetailOut,
  ObjectionIn,
  ObjectionDecisionIn,
} from './types'
import { endsSession, isRetryable } from './errors'

/** One located problem inside a refused input, as the server reports it. */
export type ApiProblem = ErrorProblem

/** The query parameters of GET /api/inspections. */
export type InspectionQuery = NonNullable<paths['/api/inspections']['get']['parameters']['query']>

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
  /** Sent as multipart/form-data (a file and its fields), instead of `body`. */
  form?: FormData
  headers?: Record<string, string>
  /** Abort and report offline after this many milliseconds. */
  timeoutMs?: number
  /** Statuses besides 2xx whose JSON body is a normal answer (for example 503 from /healthz). */
  acceptStatuses?: readonly number[]
  signal?: AbortSignal
  /**
   * Send it again by itself when the server answers 503 with Retry-After (its database was busy
   * and it changed nothing). By default only for GET and PUT: sending those twice has the effect
   * of sending them once (a PUT carries the revision it was made on). A POST only when the server
   * makes it so, like a sync batch whose changes carry their ids.
   */
  retry?: boolean
}

export const DEFAULT_TIMEOUT_MS = 10_000

// --- Authentication ------------------------------------------------------------------------------

let authToken: string | null = null
let unauthorizedHandler: ((err: ApiError) => void) | null = null

/**
 * The bearer token sent with every request, and what to do when the server says the session is
 * over (a code of api/errors' `endsSession`; the handler gets the server's error). The session
 * store sets both; this module keeps no other state.
 */
export function setAuth(token: string | null, onUnauthorized: ((err: ApiError) => void) | null = null): void {
  authToken = token
  unauthorizedHandler = onUnauthorized
}

export function authHeaders(): Record<string, string> {
  return authToken ? { Authorization: `Bearer ${authToken}` } : {}
}

/** Codes the client itself assigns when the server's error body is missing or malformed. */
export const CLIENT_ERROR_CODES = {
  unknown: 'http.unknown_error',
} as const

const NOT_JSON: unique symbol = Symbol('not-json')

/** Our server always answers JSON; these statuses without a JSON body come from a proxy in front. */
const GATEWAY_STATUSES: readonly number[] = [502, 503, 504]

/** How often a request answered 503 with Retry-After is sent in all before its error is shown. */
export const MAX_TRIES = 3
/** Retry-After is honoured up to this many seconds between tries (the server asks 5 when busy). */
export const MAX_RETRY_WAIT_S = 3
/** A Retry-After longer than this (throttled logins wait minutes) is shown, not waited out. */
export const MAX_ASKED_WAIT_S = 10

const RETRIED_BY_DEFAULT: readonly string[] = ['GET', 'PUT']

/** A retryable error (the catalog says so) with a short Retry-After: the server is briefly
 * unavailable and asks to be asked again. */
class RetryLater extends Error {
  override readonly name = 'RetryLater'
  constructor(
    readonly error: ApiError,
    readonly waitMs: number,
  ) {
    super(error.message)
  }
}

/**
 * Sends one request and returns the parsed JSON body. Throws ApiError when the server rejects it,
 * OfflineError when the server cannot be reached, and re-throws the AbortError when the caller's
 * own signal cancelled it. An error the server's catalog calls retryable (api/errors), answered
 * with a Retry-After of at most MAX_ASKED_WAIT_S, is tried again (see `retry`) up to MAX_TRIES
 * times in all, waiting as asked but at most MAX_RETRY_WAIT_S, before it becomes an ApiError.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const retry = options.retry ?? RETRIED_BY_DEFAULT.includes(options.method ?? 'GET')
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestOnce<T>(path, options)
    } catch (err) {
      if (!(err instanceof RetryLater)) throw err
      if (!retry || attempt >= MAX_TRIES) throw err.error
      await pause(err.waitMs, options.signal)
    }
  }
}

/** Milliseconds to wait for a Retry-After header in seconds, capped; null without a usable one,
 * or when the server asks for more than `longest` seconds. */
export function retryWaitMs(header: string | null, longest: number = Infinity): number | null {
  if (header === null || !/^\s*\d+\s*$/.test(header) || Number(header) > longest) return null
  return Math.min(Number(header), MAX_RETRY_WAIT_S) * 1000
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = (): void => {
      clearTimeout(timer)
      reject(new DOMException('aborted', 'AbortError'))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted)
      resolve()
    }, ms)
    if (signal?.aborted) aborted()
    else signal?.addEventListener('abort', aborted, { once: true })
  })
}

async function requestOnce<T>(path: string, options: RequestOptions): Promise<T> {
  const { method = 'GET', body, form, timeoutMs = DEFAULT_TIMEOUT_MS, acceptStatuses = [] } = options
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const onOuterAbort = (): void => controller.abort()
  if (options.signal?.aborted) controller.abort()
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })

  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...authHeaders(),
    ...options.headers,
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json'

  try {
    let response: Response
    try {
      response = await fetch(path, {
        method,
        headers,
        body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
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
    const error = toApiError(response.status, payload)
    if (authToken !== null && endsSession(error.code)) unauthorizedHandler?.(error)
    const wait = isRetryable(error.code) ? retryWaitMs(response.headers.get('Retry-After'), MAX_ASKED_WAIT_S) : null
    if (wait !== null) throw new RetryLater(error, wait)
    throw error
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
    return parseJson(text)
  } catch {
    return NOT_JSON
  }
}

// --- Bidirectional controls ----------------------------------------------------------------------
//
// Every string the app receives passes through parseJson, which removes the bidirectional
// embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): stored text holding
// them could reorder what a screen shows (U+202E then "abc" reads "cba"). The left-to-right and
// right-to-left marks (U+200E, U+200F) only nudge neutral characters and are kept. The server does
// the same to its reports and payout sheets (server/domain/display.py).

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g
const HAS_BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/
// In JSON text a control arrives as itself or escaped (the server's JSON escapes it: "\u202e").
const MAY_HOLD_BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]|\\u20(?:2[a-eA-E]|6[6-9])/

/** `text` without bidirectional controls. */
export function stripBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '')
}

function withoutBidiControls(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return stripBidiControls(value)
  if (isRecord(value) && Object.keys(value).some((key) => HAS_BIDI_CONTROL.test(key))) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [stripBidiControls(key), v]))
  }
  return value
}

/**
 * JSON.parse for everything the server sends: every string in the result, keys included, is
 * without bidirectional controls. Text that cannot hold one is parsed as it is (the common case).
 */
export function parseJson(text: string): unknown {
  if (!MAY_HOLD_BIDI_CONTROL.test(text)) return JSON.parse(text) as unknown
  return JSON.parse(text, withoutBidiControls) as unknown
}

export function toApiError(status: number, payload: unknown): ApiError {
  const error = isRecord(payload) ? payload['error'] : undefined
  if (isRecord(error) && typeof error['code'] === 'string') {
    const message = typeof error['message'] === 'string' ? error['message'] : `服务器拒绝了请求（HTTP ${status}）`
    const problems = Array.isArray(error['problems']) ? error['problems'].filter(isProblem) : []
    return new ApiError(status, error['code'], message, problems)
  }
  return new ApiError(status, CLIENT_ERROR_CODES.unknown, `服务器返回了无法识别的答复（HTTP ${status}）`)
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

/** Body of GET /healthz: the overall status and each component's (database, evidence_store, checklists). */
export type HealthReport = HealthOut

export function getHealth(options: Pick<RequestOptions, 'timeoutMs' | 'signal'> = {}): Promise<HealthReport> {
  // A degraded server answers 503 with the same body; that is a report, not an error.
  return request<HealthReport>('/healthz', { ...options, acceptStatuses: [503] })
}

export function login(username: string, password: string): Promise<LoginOut> {
  const body: LoginIn = { username, password }
  return request<LoginOut>('/api/auth/login', { method: 'POST', body })
}

export function logout(): Promise<void> {
  return request<void>('/api/auth/logout', { method: 'POST', timeoutMs: 5_000 })
}

export function getMe(options: Pick<RequestOptions, 'timeoutMs' | 'signal'> = {}): Promise<UserOut> {
  return request<UserOut>('/api/auth/me', options)
}

/** The user's own new password (a one-time one replaced); the answer is the user without the mark. */
export function changePassword(currentPassword: string, newPassword: string): Promise<UserOut> {
  const body: PasswordChangeIn = { current_password: currentPassword, new_password: newPassword }
  return request<UserOut>('/api/auth/password', { method: 'POST', body })
}

/** One page of the accounts of the user's region; `next` is the `after` of the page after. */
export function listAccounts(query: AccountQuery = {}): Promise<AccountPageOut> {
  return request<AccountPageOut>(`/api/users${queryString(query)}`)
}

/** One page of the user's facilities (by region, then id), searched by name and region. */
export function listFacilities(query: FacilityQuery = {}): Promise<FacilityPageOut> {
  return request<FacilityPageOut>(`/api/facilities${queryString(query)}`)
}

/** One page of the plans of the user's region, newest first; `next` is the `before` of the next. */
export function listPlans(query: PlanQuery = {}): Promise<PlanPageOut> {
  return request<PlanPageOut>(`/api/plans${queryString(query)}`)
}

export function getPlan(id: number): Promise<PlanDetailOut> {
  return request<PlanDetailOut>(`/api/plans/${id}`)
}

/** A new plan: its inspections are created with it, or by a job for a large one. Sent again with
 * the same `request_id` (a retry), it answers with the plan the first request created. */
export function createPlan(body: PlanIn): Promise<PlanDetailOut> {
  return request<PlanDetailOut>('/api/plans', { method: 'POST', body, retry: true, timeoutMs: 60_000 })
}

export function changePlanEntry(planId: number, inspectionId: number, body: PlanEntryChangeIn): Promise<PlanEntryOut> {
  return request<PlanEntryOut>(`/api/plans/${planId}/inspections/${inspectionId}`, { method: 'PATCH', body })
}

export function cancelPlan(planId: number, reason: string): Promise<PlanDetailOut> {
  return request<PlanDetailOut>(`/api/plans/${planId}/cancel`, { method: 'POST', body: { reason } })
}

/** A list of a plan's facilities with teams and days (CSV or XLSX), read by the server: each row
 * with what was found and its problems. Nothing is written. */
export function readPlanList(file: File): Promise<PlanListOut> {
  const form = new FormData()
  form.append('file', file, file.name)
  return request<PlanListOut>('/api/plans/list', { method: 'POST', form, timeoutMs: 120_000 })
}

export function fetchPlanListTemplate(): Promise<Blob> {
  return fetchBlob('/api/plans/list/template.xlsx')
}

/** One page of rectification tasks in the user's region (a facility user's: its own), newest
 * first, with the counts by state; `next` is the `before` of the next page. */
export function listRectifications(query: RectificationQuery = {}): Promise<RectificationPageOut> {
  return request<RectificationPageOut>(`/api/rectifications${queryString(query)}`)
}

export function getRectification(id: number): Promise<RectificationOut> {
  return request<RectificationOut>(`/api/rectifications/${id}`)
}

/** Tasks by state and overdue, of the user's region or of one facility. */
export function rectificationSummary(facilityId?: number): Promise<RectificationCountsOut> {
  return request<RectificationCountsOut>(`/api/rectifications/summary${queryString({ facility_id: facilityId })}`)
}

/** The facility's submission of a fix (its photos uploaded before); the same change id again
 * answers with the task as it is. */
export function submitRectification(id: number, body: RectificationSubmitIn): Promise<RectificationOut> {
  return request<RectificationOut>(`/api/rectifications/${id}/submit`, { method: 'POST', body })
}

/** The county's check of a submitted fix: accepted, or returned with a reason. */
export function decideRectification(id: number, body: RectificationDecisionIn): Promise<RectificationOut> {
  return request<RectificationOut>(`/api/rectifications/${id}/decision`, { method: 'POST', body })
}

/** The 整改清单 as a spreadsheet, with the list's filters. */
export function fetchRectificationList(query: RectificationQuery = {}): Promise<Blob> {
  return fetchBlob(`/api/rectifications/export.xlsx${queryString({ ...query, limit: undefined, before: undefined })}`)
}

export function fetchRectificationPhoto(photoId: number, thumbnail: boolean): Promise<Blob> {
  return fetchBlob(`/api/rectifications/photos/${photoId}/${thumbnail ? 'thumbnail' : 'content'}`)
}

/** A facility's page: record, region, USCC check and its inspections over the years. */
export function getFacilityProfile(id: number): Promise<FacilityProfileOut> {
  return request<FacilityProfileOut>(`/api/facilities/${id}/profile`)
}

/** The facts the loaded checklists declare, with the facility's values. */
export function getFacilityFacts(id: number): Promise<FacilityFactsOut> {
  return request<FacilityFactsOut>(`/api/facilities/${id}/facts`)
}

/** New values for some facts (null clears one), with the reason the audit keeps. */
export function setFacilityFacts(id: number, facts: Record<string, unknown>, reason: string): Promise<FacilityFactsOut> {
  return request<FacilityFactsOut>(`/api/facilities/${id}/facts`, { method: 'PATCH', body: { facts, reason } })
}

/** The reward rules that apply in the user's region, and the families and tiers a rule may name. */
export function listPayoutRules(): Promise<PayoutRulesOut> {
  return request<PayoutRulesOut>('/api/payouts/rules')
}

export function addPayoutRule(body: PayoutRuleIn): Promise<PayoutRuleOut> {
  return request<PayoutRuleOut>('/api/payouts/rules', { method: 'POST', body })
}

/** A payout sheet's rows and totals as its files show them, with its digest. */
export function previewPayoutSheet(region: string, period: string): Promise<PayoutPreviewOut> {
  return request<PayoutPreviewOut>(`/api/payouts/${region}/${period}/preview`, { timeoutMs: 120_000 })
}

/** Records the payouts of the sheet previewed (its digest); the same sheet again adds nothing. */
export function recordPayoutSheet(region: string, period: string, digest: string): Promise<PayoutRecordOut> {
  return request<PayoutRecordOut>(`/api/payouts/${region}/${period}/record`, { method: 'POST', body: { digest }, timeoutMs: 120_000 })
}

export function listPayoutRecords(): Promise<PayoutRecordingOut[]> {
  return request<PayoutRecordingOut[]>('/api/payouts/records')
}

/** A region's payout sheet made within the request (small regions), as PDF or XLSX. */
export function fetchPayoutSheet(region: string, period: string, format: 'pdf' | 'xlsx'): Promise<Blob> {
  return fetchBlob(`/api/payouts/${region}/${period}.${format}`)
}

/** Whether the user's region pays only results whose publication (公示) ended, and the settings of
 * the regions above and inside it. */
export function getPayoutSettings(): Promise<PayoutSettingsOut> {
  return request<PayoutSettingsOut>('/api/payouts/settings')
}

export function setPayoutSetting(region: string, requiresPublication: boolean): Promise<PayoutSettingsOut> {
  return request<PayoutSettingsOut>(`/api/payouts/settings/${region}`, { method: 'PUT', body: { requires_publication: requiresPublication } })
}

/** Who issues a region's documents: its reports' covers, payout sheets and notices. */
export function getIssuingBody(region: string): Promise<IssuingBodyOut> {
  return request<IssuingBodyOut>(`/api/regions/${region}/issuing-body`)
}

/** Names who issues a region's documents; empty puts back the bureau named after the region. */
export function setIssuingBody(region: string, name: string): Promise<IssuingBodyOut> {
  return request<IssuingBodyOut>(`/api/regions/${region}/issuing-body`, { method: 'PUT', body: { issuing_body: name } })
}

// --- publication of results (公示) ----------------------------------------------------------------

export function listPublications(query: PublicationQuery = {}): Promise<PublicationPageOut> {
  return request<PublicationPageOut>(`/api/publications${queryString(query)}`)
}

/** What a publication of a region and period would list, and the last day of its period. */
export function previewPublication(query: PublicationPreviewQuery): Promise<PublicationPreviewOut> {
  return request<PublicationPreviewOut>(`/api/publications/preview${queryString(query)}`, { timeoutMs: 120_000 })
}

/** Publishes the results previewed; the same request_id again answers with the same publication. */
export function createPublication(body: PublicationIn): Promise<PublicationDetailOut> {
  return request<PublicationDetailOut>('/api/publications', { method: 'POST', body, retry: true, timeoutMs: 120_000 })
}

export function getPublication(id: number): Promise<PublicationDetailOut> {
  return request<PublicationDetailOut>(`/api/publications/${id}`)
}

export function recordObjection(publicationId: number, entryId: number, body: ObjectionIn): Promise<PublicationDetailOut> {
  return request<PublicationDetailOut>(`/api/publications/${publicationId}/entries/${entryId}/objections`, { method: 'POST', body })
}

export function decideObjection(publicationId: number, objectionId: number, body: ObjectionDecisionIn): Promise<PublicationDetailOut> {
  return request<PublicationDetailOut>(`/api/publications/${publicationId}/objections/${objectionId}/decision`, { method: 'POST', body })
}

/** The city's samples, newest first, with the progress of their re-review. */
export function listSamples(): Promise<SampleOut[]> {
  return request<SampleOut[]>('/api/samples')
}

export function getSample(id: number): Promise<SampleOut> {
  return request<SampleOut>(`/api/samples/${id}`)
}

/** A new sample of the county-approved inspections (of a period), by size or by rate. */
export function drawSample(body: SampleIn): Promise<SampleOut> {
  return request<SampleOut>('/api/samples', { method: 'POST', body })
}

/** One page of the admin's audit log, newest first; `next_before` is the `before_seq` of the next. */
export function listAuditLog(query: AuditLogQuery = {}): Promise<AuditLogOut> {
  return request<AuditLogOut>(`/api/audit/log${queryString(query)}`)
}

/** The same entries as CSV (at most 50,000). */
export function fetchAuditCsv(query: AuditLogQuery = {}): Promise<Blob> {
  return fetchBlob(`/api/audit/log.csv${queryString(query)}`, 300_000)
}

export type ImportKind = 'facilities' | 'users'

/** Every row of the file with every problem an import would find; nothing is written. */
export function previewImport(kind: ImportKind, file: File): Promise<ImportPreviewOut> {
  const form = new FormData()
  form.append('file', file, file.name)
  return request<ImportPreviewOut>(`/api/imports/${kind}/preview`, { method: 'POST', form, timeoutMs: 120_000 })
}

/** Imports the file previewed (`sha256` from its preview): every row, or none. */
/** Imports the file previewed: its result, or (202) the background job importing a large file. */
export function runImport(kind: ImportKind, file: File, sha256: string): Promise<ImportResultOut | JobOut> {
  const form = new FormData()
  form.append('file', file, file.name)
  form.append('sha256', sha256)
  return request<ImportResultOut | JobOut>(`/api/imports/${kind}`, { method: 'POST', form, timeoutMs: 300_000 })
}

/** The import template of `kind` (XLSX). */
export function fetchImportTemplate(kind: ImportKind): Promise<Blob> {
  return fetchBlob(`/api/imports/${kind}/template.xlsx`)
}

export function createAccount(body: AccountIn): Promise<IssuedOut> {
  return request<IssuedOut>('/api/users', { method: 'POST', body })
}

export function updateAccount(id: number, body: AccountChangeIn): Promise<AccountOut> {
  return request<AccountOut>(`/api/users/${id}`, { method: 'PATCH', body })
}

export function setAccountActive(id: number, active: boolean, reason: string): Promise<AccountOut> {
  return request<AccountOut>(`/api/users/${id}/${active ? 'enable' : 'disable'}`, { method: 'POST', body: { reason } })
}

/** A new one-time password for the account, shown once. */
export function resetAccountPassword(id: number): Promise<IssuedOut> {
  return request<IssuedOut>(`/api/users/${id}/password`, { method: 'POST' })
}

export function unlockAccount(id: number): Promise<AccountOut> {
  return request<AccountOut>(`/api/users/${id}/unlock`, { method: 'POST' })
}

export function getBootstrap(): Promise<BootstrapOut> {
  return request<BootstrapOut>('/api/sync/bootstrap', { timeoutMs: 60_000 })
}

export function pushChanges(deviceId: string, changes: ChangeIn[]): Promise<SyncOut> {
  // a batch sent twice is applied once: the server keeps each change's id (replayed receipts)
  const body: SyncIn = { device_id: deviceId, changes }
  return request<SyncOut>('/api/sync', {
    method: 'POST',
    body,
    timeoutMs: 60_000,
    retry: true,
  })
}

/** A list query as a query string ("?a=1&b=x"; "" without one): parameters left unset, null or
 * empty are left out. */
function queryString(query: object): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const one of value) params.append(key, String(one))
    else if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString()
  return qs ? `?${qs}` : ''
}

/** The results dashboard of a region (the user's when none), campaign year and checklist family. */
export function getDashboard(query: DashboardQuery = {}): Promise<DashboardOut> {
  return request<DashboardOut>(`/api/dashboard${queryString(query)}`)
}

/** One page of the facilities behind a number of the dashboard; `next` is the `after` of the page after. */
export function listDashboardFacilities(query: DashboardFacilityQuery): Promise<DashboardFacilityPageOut> {
  return request<DashboardFacilityPageOut>(`/api/dashboard/facilities${queryString(query)}`)
}

/** The shares a region is to reach in a year (administrators; replaces those set before). */
export function setDashboardTarget(body: DashboardTargetIn): Promise<DashboardTargetSetOut> {
  return request<DashboardTargetSetOut>('/api/dashboard/targets', { method: 'PUT', body })
}

/** One page of inspections, newest inspection date first; `next` is the `after` of the page after. */
export function listInspections(query: InspectionQuery = {}): Promise<InspectionPageOut> {
  return request<InspectionPageOut>(`/api/inspections${queryString(query)}`)
}

export function createInspection(body: InspectionCreateIn): Promise<InspectionOut> {
  return request<InspectionOut>('/api/inspections', { method: 'POST', body })
}

/** Loaded checklists; with a facility, only the newest of those meant for its kind (the server's rule). */
export function listChecklists(facilityId?: number): Promise<ChecklistRefOut[]> {
  return request<ChecklistRefOut[]>(facilityId === undefined ? '/api/checklists' : `/api/checklists?facility_id=${facilityId}`)
}

export function getChecklist(id: string, version: number): Promise<ChecklistDefinition> {
  return request<ChecklistDefinition>(`/api/checklists/${encodeURIComponent(id)}/${version}`)
}

export function getInspection(id: number): Promise<InspectionDetailOut> {
  return request<InspectionDetailOut>(`/api/inspections/${id}`)
}

export function getScore(id: number): Promise<ScoreOut> {
  return request<ScoreOut>(`/api/inspections/${id}/score`)
}

export function transition(id: number, action: TransitionAction, reason: string | null = null): Promise<InspectionOut> {
  const body: TransitionIn = { action, reason }
  return request<InspectionOut>(`/api/inspections/${id}/transitions`, { method: 'POST', body })
}

export function regrade(id: number, itemId: string, body: RegradeIn): Promise<AnswerOut> {
  return request<AnswerOut>(`/api/inspections/${id}/items/${encodeURIComponent(itemId)}/grade`, { method: 'PUT', body })
}

export function listConflicts(id: number): Promise<ConflictOut[]> {
  return request<ConflictOut[]>(`/api/inspections/${id}/conflicts`)
}

export function resolveConflict(id: number, conflictId: number, accept: boolean, reason: string): Promise<ResolveOut> {
  const body: ResolveIn = { accept, reason }
  return request<ResolveOut>(`/api/inspections/${id}/conflicts/${conflictId}/resolution`, { method: 'POST', body })
}

/** The inspector's resolution of a conflict: `combine` joins both notes under the chosen grade. */
export function settleConflict(id: number, conflictId: number, body: ResolveIn): Promise<ResolveOut> {
  return request<ResolveOut>(`/api/inspections/${id}/conflicts/${conflictId}/resolution`, { method: 'POST', body })
}

export function listEvidence(id: number): Promise<EvidenceOut[]> {
  return request<EvidenceOut[]>(`/api/inspections/${id}/evidence`)
}

export function getHistory(id: number, itemId?: string): Promise<RevisionOut[]> {
  const qs = itemId ? `?item_id=${encodeURIComponent(itemId)}` : ''
  return request<RevisionOut[]>(`/api/inspections/${id}/history${qs}`)
}

/** One page of the user's background jobs, newest first; `before` is the previous page's `next_before`. */
export function listJobs(before: number | null = null, limit: number = 20): Promise<JobPageOut> {
  const params = new URLSearchParams({ limit: String(limit) })
  if (before !== null) params.set('before', String(before))
  return request<JobPageOut>(`/api/jobs?${params.toString()}`)
}

export function getJob(id: number, options: Pick<RequestOptions, 'signal'> = {}): Promise<JobOut> {
  return request<JobOut>(`/api/jobs/${id}`, options)
}

/** Asks for a payout sheet as a background job (202): the answer is the job, the same one when the
 * same sheet is already under way. */
export function requestPayoutSheet(body: PayoutSheetRequest): Promise<JobOut> {
  return request<JobOut>('/api/payouts/sheets', { method: 'POST', body, timeoutMs: 30_000 })
}

/** The final results of a region and period as a spreadsheet (评审结果), made inside the request;
 * a region with more results than a request exports answers 409 exports.use_job. */
export function fetchResultsExport(region: string, period: string): Promise<Blob> {
  return fetchBlob(`/api/exports/results/${region}/${period}.xlsx`)
}

/** The same export as a background job (202): the answer is the job, the same one when the same
 * export is already under way. */
export function requestResultsExport(body: ResultsExportRequest): Promise<JobOut> {
  return request<JobOut>('/api/exports/results', { method: 'POST', body, timeoutMs: 30_000 })
}

/** A plan's visits as a spreadsheet (检查名单). */
export function fetchPlanExport(planId: number): Promise<Blob> {
  return fetchBlob(`/api/plans/${planId}/inspections.xlsx`)
}

/** A succeeded job's file (409 jobs.not_finished before); it needs the session's token. */
export function fetchJobResult(id: number): Promise<Blob> {
  return fetchBlob(`/api/jobs/${id}/result`, 600_000)
}

/**
 * Fetches a binary resource (photo, PDF) with the session's token; images and downloads cannot
 * carry the Authorization header by themselves, so pages show them from the Blob it answers.
 */
export async function fetchBlob(path: string, timeoutMs: number = 120_000): Promise<Blob> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  let response: Response
  try {
    response = await fetch(path, { headers: authHeaders(), signal: controller.signal, credentials: 'same-origin' })
  } catch (err) {
    clearTimeout(timer)
    throw new OfflineError('network request failed', { cause: err })
  }
  try {
    if (!response.ok) {
      let payload: unknown = null
      try {
        payload = parseJson(await response.text())
      } catch {
        payload = null
      }
      if (payload === null && GATEWAY_STATUSES.includes(response.status)) {
        throw new OfflineError(`server unreachable behind a proxy (HTTP ${response.status})`)
      }
      const error = toApiError(response.status, payload)
      if (authToken !== null && endsSession(error.code)) unauthorizedHandler?.(error)
      throw error
    }
    return await response.blob()
  } catch (err) {
    if (err instanceof ApiError || err instanceof OfflineError) throw err
    throw new OfflineError('connection lost', { cause: err })
  } finally {
    clearTimeout(timer)
  }
}
