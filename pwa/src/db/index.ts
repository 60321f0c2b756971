// The device's own database: the source of truth while an inspector works offline. Every IndexedDB
// table the app uses is declared here, and only here, with its TypeScript row type.
//
// Schema changes: add a new `this.version(n + 1).stores({...})` (with an `.upgrade()` when rows need
// rewriting) below the existing ones. Never edit or remove an old version(n) declaration: devices
// in the field may still be on any of them, and Dexie needs the whole chain to upgrade them.
import Dexie, { type EntityTable } from 'dexie'
import type { ChecklistDefinition, ConflictOut, FacilityOut, InspectionOut, LastChangeOut, RectificationOut } from '../api/types'

export const DB_NAME = 'dabiao'

/** Small key/value facts about this device (device id, session, last sync time, ...). */
export interface MetaRow {
  key: string
  value: unknown
}

export type OutboxKind = 'answer' | 'photo'

/** Why the server refused a change for good; shown on the sync screen. */
export interface OutboxError {
  code: string
  message: string
  status: number | null
}

/**
 * One change made on the device and not yet acknowledged by the server. It is written in the same
 * IndexedDB transaction as the change itself, so a change never exists without its outbox row.
 */
export interface OutboxRow {
  /** Local order of changes; assigned by IndexedDB. */
  seq: number
  /** Device-generated id; the server uses it to make replays idempotent. Unique. */
  changeId: string
  /** ISO 8601 UTC timestamp of when the change was made on the device. */
  createdAt: string
  kind: OutboxKind
  inspectionId: number
  itemId: string
  /** `pending` is retried; `failed` was refused by the server and waits for the inspector. */
  state: 'pending' | 'failed'
  /** How many times this change was sent. */
  attempts: number
  /**
   * For answers: the base revision used the first time the change was sent. A resend must carry
   * exactly the same content, or the server would see a reused change id.
   */
  sentBase: number | null
  error: OutboxError | null
  /** Answers: the answer as it was when the change was made. Photos: null (see PhotoRow). */
  payload: AnswerValue | null
}

/** An item with several documents: each document's date by its key, in the server's wire form. */
export type DocumentDates = Record<string, { document_date?: string | null; valid_until?: string | null }>

/** What an inspector records for one item. */
export interface AnswerValue {
  grade: string
  note: string | null
  documentDate: string | null
  validUntil: string | null
  /**
   * The dates of an item with several documents (null or absent for any other item). Not indexed,
   * so it needs no new schema version: rows written before it existed simply have none.
   */
  documents?: DocumentDates | null
}

/** The current answer of one item on this device (the server's, or the inspector's newer one). */
export interface AnswerRow extends AnswerValue {
  inspectionId: number
  itemId: string
  /** The server revision this answer is based on; 0 when the server has none. */
  serverRevision: number
  /** When it was last changed (device time, ISO 8601). */
  updatedAt: string
}

/** An assignment downloaded for offline work, with everything needed to fill it in. */
export interface AssignmentRow {
  inspectionId: number
  inspection: InspectionOut
  /** `checklist_id@version`, the key of ChecklistRow. */
  checklistKey: string
  facts: Record<string, unknown>
  facility: FacilityOut | null
  /** Photos the server held per item at the download (taken on any device). */
  serverPhotos: Record<string, number>
  downloadedAt: string
  /** Sync conflicts the server kept, open at the download (absent on rows of older versions). */
  conflicts?: ConflictOut[]
  /** The latest status change (for an inspection sent back: who sent it back, when and why). */
  lastChange?: LastChangeOut | null
}

/** A checklist definition exactly as the server published it. */
export interface ChecklistRow {
  key: string
  definition: ChecklistDefinition
}

export type PhotoState = 'pending' | 'uploaded' | 'failed'

/** A photo taken on the device: the shrunk JPEG that is uploaded, with what was measured. */
export interface PhotoRow {
  /** Device-generated id; the server makes uploads idempotent by it. */
  uploadId: string
  inspectionId: number
  itemId: string
  blob: Blob
  /** SHA-256 of `blob`, computed on the device, lowercase hex. */
  sha256: string
  width: number
  height: number
  size: number
  /** Capture time on the device, ISO 8601 with offset. */
  capturedAt: string
  latitude: number | null
  longitude: number | null
  createdAt: string
  state: PhotoState
  /** Server-side id and flags once uploaded. */
  serverId: number | null
  flags: string[]
}

/** A rectification task (整改) of the facility, downloaded for offline work. */
export interface FixRow {
  /** The task's id on the server. */
  id: number
  /** The task as the server last sent it (status, deadline, history, its photos on the server). */
  task: RectificationOut
  /** What the facility is writing about its fix, kept on the device until it is submitted. */
  draftNote: string | null
  /** A submission made on the device and not yet acknowledged by the server. */
  submittedAt: string | null
  downloadedAt: string
}

/** A photo of a fix, taken on the device: uploaded like inspection photos (see PhotoRow). */
export interface FixPhotoRow {
  uploadId: string
  taskId: number
  blob: Blob
  sha256: string
  width: number
  height: number
  size: number
  capturedAt: string
  latitude: number | null
  longitude: number | null
  createdAt: string
  state: PhotoState
  serverId: number | null
  flags: string[]
}

/** What a fix submission carries. */
export interface FixSubmission {
  note: string
  /** Upload ids of the photos taken for this submission. */
  photos: string[]
}

/**
 * One rectification change not yet acknowledged by the server: a photo's upload or a submission.
 * Written in the same IndexedDB transaction as the change itself, like OutboxRow.
 */
export interface FixOutboxRow {
  seq: number
  /** The photo's upload id, or the submission's change id: the server's idempotency key. */
  changeId: string
  createdAt: string
  kind: 'fix_photo' | 'fix_submit'
  taskId: number
  state: 'pending' | 'failed'
  attempts: number
  error: OutboxError | null
  payload: FixSubmission | null
}

export class DabiaoDatabase extends Dexie {
  meta!: EntityTable<MetaRow, 'key'>
  outbox!: EntityTable<OutboxRow, 'seq'>
  answers!: Dexie.Table<AnswerRow, [number, string]>
  assignments!: EntityTable<AssignmentRow, 'inspectionId'>
  checklists!: EntityTable<ChecklistRow, 'key'>
  photos!: EntityTable<PhotoRow, 'uploadId'>
  fixes!: EntityTable<FixRow, 'id'>
  fixPhotos!: EntityTable<FixPhotoRow, 'uploadId'>
  fixOutbox!: EntityTable<FixOutboxRow, 'seq'>

  constructor(name: string = DB_NAME) {
    super(name)
    this.version(1).stores({
      meta: 'key',
      outbox: '++seq, &changeId, createdAt',
    })
    this.version(2).stores({
      outbox: '++seq, &changeId, createdAt, kind, state, inspectionId, [inspectionId+itemId]',
      answers: '[inspectionId+itemId], inspectionId',
      assignments: 'inspectionId',
      checklists: 'key',
      photos: 'uploadId, inspectionId, [inspectionId+itemId], state',
    })
    // Version 3: the notes kept for an item with no grade yet moved to the key `unsaved:<inspection>:<item>`.
    // The old prefix is a device storage key from version 2, not a workflow state.
    this.version(3).upgrade(async (tx) => {
      const meta = tx.table<MetaRow, string>('meta')
      const old = await meta.where('key').startsWith(LEGACY_UNSAVED_PREFIX).toArray()
      await meta.bulkPut(old.map((row) => ({ ...row, key: `${UNSAVED_PREFIX}${row.key.slice(LEGACY_UNSAVED_PREFIX.length)}` })))
      await meta.bulkDelete(old.map((row) => row.key))
    })
    // Version 4: a facility's rectification tasks, the photos of its fixes and their own outbox.
    this.version(4).stores({
      fixes: 'id',
      fixPhotos: 'uploadId, taskId, state',
      fixOutbox: '++seq, &changeId, kind, state, taskId',
    })
  }
}

/** The meta key prefix of a note typed before any grade was chosen (`unsaved:<inspection>:<item>`). */
export const UNSAVED_PREFIX = 'unsaved:'

/** Where version 2 kept a note typed before any grade was chosen. */
export const LEGACY_UNSAVED_PREFIX = 'draft:'


let instance: DabiaoDatabase | undefined

/** The app's database, created on first use (nothing opens IndexedDB at import time). */
export function getDb(): DabiaoDatabase {
  instance ??= new DabiaoDatabase()
  return instance
}

/** Deletes every table of the device database (logout); the next getDb() starts empty. */
export async function wipeDb(): Promise<void> {
  const db = getDb()
  db.close()
  await db.delete()
  instance = undefined
}
