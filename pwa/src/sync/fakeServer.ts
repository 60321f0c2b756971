// A small in-memory stand-in for the server's sync API, with its rules: revisions per item, a
// stale base revision becomes a conflict, a replayed change id returns the stored receipt, and a
// reused change id with other content is refused. Used by the engine's unit tests; the browser
// tests run against the real server.
import { ApiError, OfflineError } from '../api/client'
import { catalogEntry, catalogMessage } from '../api/errors'
import type { BootstrapOut, ChangeIn, EvidenceOut, ReceiptOut, RectificationOut, RectificationPhotoOut, RectificationSubmitIn, SyncOut } from '../api/types'
import type { FixPhotoRow, PhotoRow } from '../db'
import type { SyncTransport } from './engine'

export type CallKind = 'probe' | 'push' | 'upload' | 'bootstrap' | 'fix_upload' | 'fix_submit'
export type Failure = 'offline' | 'lose' | number | { code: string; status?: number }

export class FakeServer implements SyncTransport {
  revisions = new Map<string, number>()
  values = new Map<string, ChangeIn>()
  receipts = new Map<string, { digest: string; receipt: ReceiptOut }>()
  uploads = new Map<string, { sha256: string; itemId: string }>()
  calls: CallKind[] = []
  /**
   * How the next calls of a kind fail, in order: 'offline', an HTTP status, an error code (answered
   * with the catalog's status unless one is given), or 'lose' (the server does the work, then the
   * answer is lost on the way back).
   */
  failures: Partial<Record<CallKind, Failure[]>> = {}
  reject = new Set<string>()
  /** Rectification tasks by id, as the server holds them; photos of fixes by upload id. */
  tasks = new Map<number, RectificationOut>()
  fixUploads = new Map<string, { taskId: number; id: number }>()
  submissions = new Map<string, number>()
  bootstrapPayload: BootstrapOut = { server_time: '', user: {} as BootstrapOut['user'], assignments: [], facilities: [], checklists: {}, rectifications: [] }

  fail(kind: CallKind, ...modes: Failure[]): void {
    this.failures[kind] = [...(this.failures[kind] ?? []), ...modes]
  }

  private gate(kind: CallKind): 'lose' | null {
    this.calls.push(kind)
    const next = this.failures[kind]?.shift()
    if (next === undefined) return null
    if (next === 'offline') throw new OfflineError('network request failed')
    if (next === 'lose') return 'lose'
    if (typeof next === 'object') {
      const entry = catalogEntry(next.code)
      throw new ApiError(next.status ?? entry?.status ?? 500, next.code, entry?.message ?? next.code)
    }
    if (next === 401) throw new ApiError(401, 'auth.session_expired', catalogMessage('auth.session_expired'))
    throw new ApiError(next, 'http.error', `HTTP ${next}`)
  }

  probe(): Promise<void> {
    return answered(() => {
      this.gate('probe')
    })
  }

  push(_deviceId: string, changes: ChangeIn[]): Promise<SyncOut> {
    return answered(() => {
      const lose = this.gate('push')
      const receipts = changes.map((change) => this.apply(change))
      if (lose) throw new OfflineError('connection lost after the server committed')
      return { receipts }
    })
  }

  private apply(change: ChangeIn): ReceiptOut {
    const digest = JSON.stringify({ ...change, change_id: undefined })
    const earlier = this.receipts.get(change.change_id)
    const received_at = new Date().toISOString()
    if (earlier) {
      if (earlier.digest === digest) return { ...earlier.receipt, replayed: true }
      return { change_id: change.change_id, status: 'rejected', error: { code: 'sync.change_id_reused', message: 'reused' }, received_at }
    }
    const key = `${change.inspection_id}|${change.item_id}`
    let receipt: ReceiptOut
    if (this.reject.has(change.item_id)) {
      receipt = { change_id: change.change_id, status: 'rejected', error: { code: 'answers.invalid_grade', message: 'bad grade' }, received_at }
    } else {
      const current = this.revisions.get(key) ?? 0
      if (change.base_revision !== current) {
        receipt = { change_id: change.change_id, status: 'conflict', current_revision: current, received_at }
      } else {
        this.revisions.set(key, current + 1)
        this.values.set(key, change)
        receipt = { change_id: change.change_id, status: 'applied', revision: current + 1, received_at }
      }
    }
    this.receipts.set(change.change_id, { digest, receipt })
    return receipt
  }

  upload(photo: PhotoRow, onProgress: (loaded: number, total: number) => void): Promise<EvidenceOut> {
    return answered(() => {
      const lose = this.gate('upload')
      onProgress(photo.size, photo.size)
      const known = this.uploads.size + 1
      this.uploads.set(photo.uploadId, { sha256: photo.sha256, itemId: photo.itemId })
      if (lose) throw new OfflineError('connection lost after the upload')
      return { id: known, flags: [], sha256: photo.sha256 } as unknown as EvidenceOut
    })
  }

  uploadFix(photo: FixPhotoRow, onProgress: (loaded: number, total: number) => void): Promise<RectificationPhotoOut> {
    return answered(() => {
      const lose = this.gate('fix_upload')
      onProgress(photo.size, photo.size)
      const known = this.fixUploads.get(photo.uploadId) ?? { taskId: photo.taskId, id: this.fixUploads.size + 1 }
      this.fixUploads.set(photo.uploadId, known)
      if (lose) throw new OfflineError('connection lost after the upload')
      return { id: known.id, upload_id: photo.uploadId, flags: [], sha256: photo.sha256 } as unknown as RectificationPhotoOut
    })
  }

  /** The server's rules: every photo named is on the task, a change id applies once. */
  submitFix(taskId: number, body: RectificationSubmitIn): Promise<RectificationOut> {
    return answered(() => {
      const lose = this.gate('fix_submit')
      const task = this.tasks.get(taskId)
      if (!task) throw new ApiError(404, 'http.not_found', catalogMessage('http.not_found'))
      if (!this.submissions.has(body.change_id)) {
        const missing = (body.photos ?? []).filter((u) => this.fixUploads.get(u)?.taskId !== taskId)
        if (missing.length > 0) throw new ApiError(409, 'rectification.photos_missing', catalogMessage('rectification.photos_missing'))
        this.submissions.set(body.change_id, taskId)
        this.tasks.set(taskId, { ...task, status: 'submitted', note: body.note, revision: task.revision + 1 })
      }
      if (lose) throw new OfflineError('connection lost after the server committed')
      return this.tasks.get(taskId) as RectificationOut
    })
  }

  bootstrap(): Promise<BootstrapOut> {
    return answered(() => {
      this.gate('bootstrap')
      return this.bootstrapPayload
    })
  }
}

/** Runs a call as a network transport answers: a result resolves, a thrown error rejects. */
function answered<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()))
}
