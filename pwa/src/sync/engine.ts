// The sync engine: sends what waits in the outbox, answers first and photos after, and downloads
// the assignments again when everything is through. No UI imports: pages watch `status` through
// `subscribe` and call `request()` when something new was written.
//
// Reachability is decided by probing the API, never by navigator.onLine (which says nothing about
// whether our server answers). Failures that may pass (no network, server or store down) are
// retried with capped exponential backoff and jitter; changes the server refused for good stay in
// the outbox as `failed`, with the server's reason, until the inspector retries or discards them.
import { ApiError, OfflineError } from '../api/client'
import { catalogMessage, endsSession, isRetryable } from '../api/errors'
import type { BootstrapOut, ChangeIn, EvidenceOut, RectificationOut, RectificationPhotoOut, RectificationSubmitIn, SyncOut } from '../api/types'
import type { AnswerValue, DabiaoDatabase, FixPhotoRow, OutboxError, OutboxRow, PhotoRow } from '../db'
import { applyFixResult, saveFixes } from '../data/fixes'
import { saveBootstrap } from '../data/local'

export interface SyncTransport {
  /** Resolves when the API answers for this session; ApiError 401 when the session is over. */
  probe(): Promise<void>
  push(deviceId: string, changes: ChangeIn[]): Promise<SyncOut>
  upload(photo: PhotoRow, onProgress: (loaded: number, total: number) => void): Promise<EvidenceOut>
  bootstrap(): Promise<BootstrapOut>
  /** A photo of a rectification's fix (a facility user's). */
  uploadFix(photo: FixPhotoRow, onProgress: (loaded: number, total: number) => void): Promise<RectificationPhotoOut>
  /** A rectification's submission; answers with the task as it now is. */
  submitFix(taskId: number, body: RectificationSubmitIn): Promise<RectificationOut>
}

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export type SyncPhase =
  | 'idle' // nothing running, nothing scheduled
  | 'checking' // probing the server
  | 'sending' // answers
  | 'uploading' // photos
  | 'downloading' // assignments
  | 'waiting' // a retry is scheduled after a failure
  | 'signed_out' // the server ended the session: nothing is sent until the user logs in again

export interface UploadProgress {
  uploadId: string
  itemId: string
  loaded: number
  total: number
}

export interface SyncStatus {
  phase: SyncPhase
  /** Consecutive failed runs; resets after a run that got through. */
  failures: number
  /** When the next retry starts (epoch ms), when one is scheduled. */
  nextAttemptAt: number | null
  /** Why the last run stopped, in words for the inspector. */
  lastError: string | null
  /** True when the last failure was that the server could not be reached. */
  offline: boolean
  lastSuccessAt: number | null
  upload: UploadProgress | null
}

export interface RunSummary {
  ok: boolean
  applied: number
  conflicts: number
  refused: number
  uploaded: number
}

export interface EngineOptions {
  deviceId: string
  clock?: Clock
  random?: () => number
  /** First retry delay; doubles per failure up to maxDelayMs. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Answers per request. */
  batchSize?: number
  /**
   * Download the assignments again after a run that got through, at most this often (a run asked
   * with `{ pull: true }` always does). Null: never (tests of the sending side).
   */
  pullEveryMs?: number | null
}

/**
 * The server refused this change for good: sending it again unchanged cannot succeed, as the
 * server's error catalog says of the code (api/errors). An ended session (`endsSession`) is not a refusal of
 * the change: it goes again once the user has logged in. An answer without a catalog code (a
 * proxy's error page) is transient and retried.
 */
export function refusedForGood(err: unknown): err is ApiError {
  return err instanceof ApiError && !endsSession(err.code) && !isRetryable(err.code)
}

class Stop extends Error {
  constructor(
    readonly reason: string,
    readonly offline: boolean,
    readonly signedOut: boolean = false,
  ) {
    super(reason)
  }
}

function describe(err: unknown): Stop {
  if (err instanceof OfflineError) return new Stop('无法连接服务器', true)
  if (err instanceof ApiError) {
    if (endsSession(err.code)) return new Stop(err.message || catalogMessage('auth.session_expired'), false, true)
    return new Stop(err.message || '服务器暂时不可用', false)
  }
  // Anything else (the device database refusing a write, a bug) must not stop syncing for good:
  // it is reported and retried like a failure of the server.
  console.error('sync run failed', err)
  return new Stop(`同步出错：${err instanceof Error ? err.message : String(err)}`, false)
}

function errorOf(err: ApiError): OutboxError {
  return { code: err.code, message: err.message, status: err.status }
}

export class SyncEngine {
  private readonly clock: Clock
  private readonly random: () => number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly batchSize: number
  private readonly pullEveryMs: number | null
  private lastPullAt: number | null = null
  private pullWanted = false
  private readonly listeners = new Set<(status: SyncStatus) => void>()
  private running: Promise<RunSummary> | null = null
  private again = false
  private timer: unknown = null
  private stopped = false
  private current: SyncStatus = {
    phase: 'idle',
    failures: 0,
    nextAttemptAt: null,
    lastError: null,
    offline: false,
    lastSuccessAt: null,
    upload: null,
  }

  constructor(
    private readonly db: DabiaoDatabase,
    private readonly transport: SyncTransport,
    private readonly options: EngineOptions,
  ) {
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? Math.random
    this.baseDelayMs = options.baseDelayMs ?? 2_000
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000
    this.batchSize = options.batchSize ?? 200
    this.pullEveryMs = options.pullEveryMs === undefined ? 5 * 60_000 : options.pullEveryMs
  }

  get status(): SyncStatus {
    return this.current
  }

  subscribe(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener)
    listener(this.current)
    return () => this.listeners.delete(listener)
  }

  /** Delay before retry number `failures` (1-based): capped doubling with 50-100 % jitter. */
  backoff(failures: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, failures - 1))
    return Math.round(ceiling * (0.5 + this.random() * 0.5))
  }

  /**
   * Runs now, or right after the run in progress. Resolves with the summary of that run.
   * `pull`: download the assignments too, however recently that was done.
   */
  request(options: { pull?: boolean } = {}): Promise<RunSummary> {
    if (options.pull) this.pullWanted = true
    if (this.stopped) return Promise.resolve({ ok: false, applied: 0, conflicts: 0, refused: 0, uploaded: 0 })
    if (this.running) {
      this.again = true
      return this.running
    }
    this.cancelTimer()
    this.running = this.run().finally(() => {
      this.running = null
      if (this.again && !this.stopped) {
        this.again = false
        void this.request()
      }
    })
    return this.running
  }

  /** Stops timers and future runs (logout); a run in progress finishes its current request. */
  stop(): void {
    this.stopped = true
    this.cancelTimer()
    this.listeners.clear()
  }

  /** The session is valid again (after a login): runs can start. */
  resume(): void {
    if (this.current.phase === 'signed_out') this.set({ phase: 'idle', lastError: null })
  }

  private pullDue(): boolean {
    if (this.pullEveryMs === null) return this.pullWanted
    return this.pullWanted || this.lastPullAt === null || this.clock.now() - this.lastPullAt >= this.pullEveryMs
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
  }

  private set(patch: Partial<SyncStatus>): void {
    this.current = { ...this.current, ...patch }
    for (const listener of this.listeners) listener(this.current)
  }

  private async run(): Promise<RunSummary> {
    const summary: RunSummary = { ok: false, applied: 0, conflicts: 0, refused: 0, uploaded: 0 }
    try {
      this.set({ phase: 'checking', nextAttemptAt: null })
      await this.transport.probe()
      await this.sendAnswers(summary)
      await this.uploadPhotos(summary)
      await this.sendFixes(summary)
      // A conflict is resolved on the device from the server's list: fetch it now.
      if (summary.conflicts > 0) this.pullWanted = true
      if (this.pullDue()) {
        this.set({ phase: 'downloading' })
        const payload = await this.transport.bootstrap()
        await saveBootstrap(this.db, payload)
        await saveFixes(this.db, payload.rectifications ?? [])
        this.lastPullAt = this.clock.now()
        this.pullWanted = false
      }
      summary.ok = true
      this.set({
        phase: 'idle',
        failures: 0,
        lastError: null,
        offline: false,
        lastSuccessAt: this.clock.now(),
        upload: null,
      })
    } catch (err) {
      const stop = describe(err)
      if (stop.signedOut) {
        this.set({ phase: 'signed_out', lastError: stop.reason, offline: false, upload: null })
        return summary
      }
      const failures = this.current.failures + 1
      const delay = this.backoff(failures)
      const at = this.clock.now() + delay
      this.set({
        phase: 'waiting',
        failures,
        nextAttemptAt: at,
        lastError: stop.reason,
        offline: stop.offline,
        upload: null,
      })
      if (!this.stopped) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = null
          void this.request()
        }, delay)
      }
    }
    return summary
  }

  /**
   * Takes the next batch: per item only its oldest queued change (a later one needs the revision
   * the earlier one gets). Marks them as sent in the same transaction, fixing the base revision
   * that every resend of the change will carry.
   */
  private async takeBatch(): Promise<{ rows: OutboxRow[]; changes: ChangeIn[] }> {
    const db = this.db
    return db.transaction('rw', db.outbox, db.answers, async () => {
      const rows: OutboxRow[] = []
      const seen = new Set<string>()
      // An index lists equal keys in primary-key order: these come oldest first.
      const pending = await db.outbox.where('kind').equals('answer').toArray()
      for (const row of pending) {
        const key = `${row.inspectionId}|${row.itemId}`
        if (seen.has(key)) continue
        seen.add(key) // a failed change also holds back later ones of its item
        if (row.state !== 'pending' || row.payload === null) continue
        rows.push(row)
        if (rows.length >= this.batchSize) break
      }
      const changes: ChangeIn[] = []
      for (const row of rows) {
        if (row.sentBase === null) {
          const answer = await db.answers.get([row.inspectionId, row.itemId])
          row.sentBase = answer?.serverRevision ?? 0
        }
        row.attempts += 1
        await db.outbox.update(row.seq, { sentBase: row.sentBase, attempts: row.attempts })
        const value = row.payload as AnswerValue
        changes.push({
          change_id: row.changeId,
          inspection_id: row.inspectionId,
          item_id: row.itemId,
          base_revision: row.sentBase,
          grade: value.grade,
          document_date: value.documentDate,
          valid_until: value.validUntil,
          documents: value.documents ?? null,
          note: value.note,
          device_time: row.createdAt,
        })
      }
      return { rows, changes }
    })
  }

  private async sendAnswers(summary: RunSummary): Promise<void> {
    for (;;) {
      const { rows, changes } = await this.takeBatch()
      if (rows.length === 0) return
      this.set({ phase: 'sending' })
      let result: SyncOut
      try {
        result = await this.transport.push(this.options.deviceId, changes)
      } catch (err) {
        if (refusedForGood(err)) {
          // The whole batch was refused (for example the assignment was withdrawn).
          await this.db.outbox.bulkUpdate(rows.map((r) => ({ key: r.seq, changes: { state: 'failed', error: errorOf(err) } })))
          summary.refused += rows.length
          continue
        }
        throw err
      }
      await this.applyReceipts(rows, result, summary)
    }
  }

  private async applyReceipts(rows: OutboxRow[], result: SyncOut, summary: RunSummary): Promise<void> {
    const db = this.db
    const byId = new Map(rows.map((r) => [r.changeId, r]))
    await db.transaction('rw', db.outbox, db.answers, db.meta, async () => {
      for (const receipt of result.receipts) {
        if (receipt.change_id === null) continue // refused without a valid change id: not one of ours
        const row = byId.get(receipt.change_id)
        if (!row) continue
        byId.delete(receipt.change_id)
        if (receipt.status === 'applied' && typeof receipt.revision === 'number') {
          await db.answers
            .where('[inspectionId+itemId]')
            .equals([row.inspectionId, row.itemId])
            .modify({ serverRevision: receipt.revision })
          await db.outbox.delete(row.seq)
          summary.applied += 1
        } else if (receipt.status === 'conflict') {
          // The server keeps the proposed answer as a conflict for a person to resolve; it is
          // not lost, and resending it would only repeat the conflict.
          await db.outbox.delete(row.seq)
          await db.meta.put({
            key: `conflict:${row.changeId}`,
            value: {
              inspectionId: row.inspectionId,
              itemId: row.itemId,
              currentRevision: receipt.current_revision ?? null,
              at: receipt.received_at ?? null,
            },
          })
          summary.conflicts += 1
        } else {
          const error = receipt.error ?? { code: 'sync.refused', message: '服务器拒绝了此修改，未说明原因' }
          await db.outbox.update(row.seq, {
            state: 'failed',
            error: { code: error.code, message: error.message, status: null },
          })
          summary.refused += 1
        }
      }
    })
    if (byId.size > 0) {
      // A receipt is missing: the server did not answer for these changes. Send them again.
      throw new ApiError(502, 'sync.receipt_missing', `no receipt for ${byId.size} change(s)`)
    }
  }

  private async uploadPhotos(summary: RunSummary): Promise<void> {
    const db = this.db
    for (;;) {
      const row = await db.outbox
        .where('kind')
        .equals('photo')
        .filter((r) => r.state === 'pending')
        .first() // the oldest: equal index keys come in primary-key order
      if (!row) return
      const photo = await db.photos.get(row.changeId)
      if (!photo) {
        await db.outbox.delete(row.seq)
        continue
      }
      await db.outbox.update(row.seq, { attempts: row.attempts + 1 })
      const progress = { uploadId: photo.uploadId, itemId: photo.itemId, loaded: 0, total: photo.size }
      this.set({ phase: 'uploading', upload: progress })
      let evidence: EvidenceOut
      try {
        evidence = await this.transport.upload(photo, (loaded, total) => {
          this.set({ upload: { ...progress, loaded, total } })
        })
      } catch (err) {
        if (refusedForGood(err)) {
          await db.transaction('rw', db.outbox, db.photos, async () => {
            await db.outbox.update(row.seq, { state: 'failed', error: errorOf(err) })
            await db.photos.update(photo.uploadId, { state: 'failed' })
          })
          summary.refused += 1
          continue
        }
        throw err
      }
      await db.transaction('rw', db.outbox, db.photos, async () => {
        await db.photos.update(photo.uploadId, { state: 'uploaded', serverId: evidence.id, flags: evidence.flags })
        await db.outbox.delete(row.seq)
      })
      summary.uploaded += 1
      this.set({ upload: null })
    }
  }

  /**
   * A facility's rectifications: the photos of its fixes first, then each submission once every
   * photo it names is on the server. A submission whose photo was refused is refused with it on the
   * device (the facility takes the photo again); a refused submission holds back later ones of the
   * same task.
   */
  private async sendFixes(summary: RunSummary): Promise<void> {
    const db = this.db
    for (;;) {
      const row = await db.fixOutbox
        .where('kind')
        .equals('fix_photo')
        .filter((r) => r.state === 'pending')
        .first()
      if (!row) break
      const photo = await db.fixPhotos.get(row.changeId)
      if (!photo) {
        await db.fixOutbox.delete(row.seq)
        continue
      }
      await db.fixOutbox.update(row.seq, { attempts: row.attempts + 1 })
      const progress = { uploadId: photo.uploadId, itemId: '', loaded: 0, total: photo.size }
      this.set({ phase: 'uploading', upload: progress })
      let stored: RectificationPhotoOut
      try {
        stored = await this.transport.uploadFix(photo, (loaded, total) => {
          this.set({ upload: { ...progress, loaded, total } })
        })
      } catch (err) {
        if (refusedForGood(err)) {
          await db.transaction('rw', db.fixOutbox, db.fixPhotos, async () => {
            await db.fixOutbox.update(row.seq, { state: 'failed', error: errorOf(err) })
            await db.fixPhotos.update(photo.uploadId, { state: 'failed' })
          })
          summary.refused += 1
          continue
        }
        throw err
      }
      await db.transaction('rw', db.fixOutbox, db.fixPhotos, async () => {
        await db.fixPhotos.update(photo.uploadId, { state: 'uploaded', serverId: stored.id, flags: stored.flags })
        await db.fixOutbox.delete(row.seq)
      })
      summary.uploaded += 1
      this.set({ upload: null })
    }
    const held = new Set<number>()
    // an index lists equal keys in primary-key order: oldest first
    const submissions = await db.fixOutbox.where('kind').equals('fix_submit').toArray()
    for (const row of submissions) {
      if (held.has(row.taskId) || row.payload === null) continue
      if (row.state !== 'pending') {
        held.add(row.taskId)
        continue
      }
      const photos = await db.fixPhotos.bulkGet(row.payload.photos)
      if (photos.some((p) => p?.state === 'failed')) {
        const error = { code: 'rectification.photo_failed', message: '此次提交的照片有未能上传的，请删除后重新拍摄，再提交整改', status: null }
        await db.fixOutbox.update(row.seq, { state: 'failed', error })
        summary.refused += 1
        held.add(row.taskId)
        continue
      }
      if (photos.some((p) => p?.state === 'pending')) {
        held.add(row.taskId) // its photos are still on their way
        continue
      }
      this.set({ phase: 'sending' })
      await db.fixOutbox.update(row.seq, { attempts: row.attempts + 1 })
      try {
        const task = await this.transport.submitFix(row.taskId, {
          change_id: row.changeId,
          note: row.payload.note,
          photos: row.payload.photos,
          device_time: row.createdAt,
        })
        await applyFixResult(db, task, row.seq)
        summary.applied += 1
      } catch (err) {
        if (refusedForGood(err)) {
          await db.fixOutbox.update(row.seq, { state: 'failed', error: errorOf(err) })
          summary.refused += 1
          held.add(row.taskId)
          continue
        }
        throw err
      }
    }
  }
}
