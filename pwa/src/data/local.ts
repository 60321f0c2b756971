// Reads and writes of the device database that belong together. Every change an inspector makes
// goes through here: the change and its outbox row are written in one IndexedDB transaction, so
// closing the app (or a flat battery) at any moment leaves either both or neither.
//
// No UI imports: pages and the sync engine both use these functions.
import type { BootstrapOut, ResolveOut } from '../api/types'
import type { AnswerRow, AnswerValue, DabiaoDatabase, DocumentDates, PhotoRow } from '../db'

/** A fresh id for a change or an upload: 32 hex characters from the platform's CSPRNG. */
export function newId(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function sameAnswer(a: AnswerValue, b: AnswerValue): boolean {
  return (
    a.grade === b.grade &&
    (a.note ?? null) === (b.note ?? null) &&
    (a.documentDate ?? null) === (b.documentDate ?? null) &&
    (a.validUntil ?? null) === (b.validUntil ?? null) &&
    documentsText(a.documents) === documentsText(b.documents)
  )
}

/** The document dates in one canonical text (keys sorted), for comparing. */
function documentsText(documents: DocumentDates | null | undefined): string {
  return JSON.stringify(Object.entries(documents ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** Only the dates that are filled in; null when none is. */
function filledDocuments(documents: DocumentDates | null | undefined): DocumentDates | null {
  const out: DocumentDates = {}
  for (const [key, body] of Object.entries(documents ?? {})) {
    const filled = Object.entries(body).filter(([, v]) => typeof v === 'string' && v !== '')
    if (filled.length > 0) out[key] = Object.fromEntries(filled)
  }
  return Object.keys(out).length > 0 ? out : null
}

function normalise(value: AnswerValue): AnswerValue {
  const note = value.note?.trim() ?? ''
  const documents = filledDocuments(value.documents)
  return {
    grade: value.grade,
    note: note === '' ? null : note,
    documentDate: value.documentDate || null,
    validUntil: value.validUntil || null,
    // only an item with several documents carries the map
    ...(documents !== null ? { documents } : {}),
  }
}

/**
 * Records one answer and queues it for the server, atomically. Changes of the same item that were
 * never sent are replaced by this one (the server never saw them); a change that was sent and not
 * yet acknowledged is kept, because the server may already hold it. Returns false when the answer
 * did not change.
 */
export async function recordAnswer(
  db: DabiaoDatabase,
  inspectionId: number,
  itemId: string,
  value: AnswerValue,
  now: Date = new Date(),
): Promise<boolean> {
  const answer = normalise(value)
  return db.transaction('rw', db.answers, db.outbox, async () => {
    const current = await db.answers.get([inspectionId, itemId])
    const queued = await db.outbox.where('[inspectionId+itemId]').equals([inspectionId, itemId]).toArray()
    const answersQueued = queued.filter((row) => row.kind === 'answer')
    if (current && sameAnswer(current, answer) && answersQueued.every((r) => r.state === 'pending')) {
      return false
    }
    const superseded = answersQueued.filter((row) => row.attempts === 0 || row.state === 'failed')
    await db.outbox.bulkDelete(superseded.map((row) => row.seq))
    const at = now.toISOString()
    await db.answers.put({
      inspectionId,
      itemId,
      ...answer,
      serverRevision: current?.serverRevision ?? 0,
      updatedAt: at,
    })
    await db.outbox.add({
      changeId: newId(),
      createdAt: at,
      kind: 'answer',
      inspectionId,
      itemId,
      state: 'pending',
      attempts: 0,
      sentBase: null,
      error: null,
      payload: answer,
    })
    return true
  })
}

/** Keeps a new photo and queues its upload, atomically. */
export async function addPhoto(db: DabiaoDatabase, photo: PhotoRow): Promise<void> {
  await db.transaction('rw', db.photos, db.outbox, async () => {
    await db.photos.add(photo)
    await db.outbox.add({
      changeId: photo.uploadId,
      createdAt: photo.createdAt,
      kind: 'photo',
      inspectionId: photo.inspectionId,
      itemId: photo.itemId,
      state: 'pending',
      attempts: 0,
      sentBase: null,
      error: null,
      payload: null,
    })
  })
}

/** Removes a photo that has not reached the server; an uploaded one stays (it is evidence). */
export async function removePhoto(db: DabiaoDatabase, uploadId: string): Promise<boolean> {
  return db.transaction('rw', db.photos, db.outbox, async () => {
    const photo = await db.photos.get(uploadId)
    if (!photo || photo.state === 'uploaded') return false
    await db.photos.delete(uploadId)
    await db.outbox.where('changeId').equals(uploadId).delete()
    return true
  })
}

/** Drops one change the server refused, after the inspector chose to. */
export async function discardChange(db: DabiaoDatabase, seq: number): Promise<void> {
  await db.transaction('rw', db.outbox, db.photos, async () => {
    const row = await db.outbox.get(seq)
    if (!row) return
    await db.outbox.delete(seq)
    if (row.kind === 'photo') await db.photos.delete(row.changeId)
  })
}

/** Queues every refused change again (after the cause was fixed on the server). */
export async function retryFailed(db: DabiaoDatabase): Promise<number> {
  return db.outbox.where('state').equals('failed').modify({ state: 'pending', error: null })
}

/** Changes on the device the server has not acknowledged: answers, photos and rectifications. */
export async function unsentCount(db: DabiaoDatabase): Promise<number> {
  return (await db.outbox.count()) + (await db.fixOutbox.count())
}

export interface BootstrapResult {
  assignments: number
  /** Assignments that left the list (handed in, reassigned) and were removed from the device. */
  removed: number
  /** Server answers not taken because the device holds a newer, unsent one. */
  keptLocal: number
}

/**
 * Stores what the server sent for offline work. An answer with an unsent change on the device is
 * kept as it is (the server learns it at the next sync, and flags a conflict if someone else
 * changed it meanwhile); every other answer takes the server's value. An assignment that is no
 * longer on the list is removed only when nothing of it is waiting to be sent.
 */
export async function saveBootstrap(
  db: DabiaoDatabase,
  payload: BootstrapOut,
  now: Date = new Date(),
): Promise<BootstrapResult> {
  const at = now.toISOString()
  const facilities = new Map(payload.facilities.map((f) => [f.id, f]))
  return db.transaction('rw', [db.assignments, db.checklists, db.answers, db.outbox, db.photos, db.meta], async () => {
    await db.checklists.bulkPut(
      Object.entries(payload.checklists).map(([key, definition]) => ({ key, definition })),
    )
    const queued = await db.outbox.toArray()
    const busyItems = new Set(queued.filter((r) => r.kind === 'answer').map((r) => `${r.inspectionId}|${r.itemId}`))
    const busyInspections = new Set(queued.map((r) => r.inspectionId))
    const listed = new Set(payload.assignments.map((a) => a.inspection.id))
    let removed = 0
    for (const id of await db.assignments.toCollection().primaryKeys()) {
      if (listed.has(id) || busyInspections.has(id)) continue
      await db.assignments.delete(id)
      await db.answers.where('inspectionId').equals(id).delete()
      await db.photos.where('inspectionId').equals(id).delete()
      removed += 1
    }
    let keptLocal = 0
    for (const assignment of payload.assignments) {
      const id = assignment.inspection.id
      await db.assignments.put({
        inspectionId: id,
        inspection: assignment.inspection,
        checklistKey: assignment.checklist_key,
        facts: assignment.facts,
        facility: facilities.get(assignment.inspection.facility_id) ?? null,
        serverPhotos: assignment.photos ?? {},
        downloadedAt: at,
        conflicts: assignment.conflicts ?? [],
        lastChange: assignment.last_change ?? null,
      })
      // An answer the device holds that the server does not, with nothing of it waiting to be
      // sent (a discarded change), goes: the device shows what the server holds.
      const stale = (await db.answers.where('inspectionId').equals(id).primaryKeys()).filter(
        ([, itemId]) => !(itemId in assignment.answers) && !busyItems.has(`${id}|${itemId}`),
      )
      await db.answers.bulkDelete(stale)
      const rows: AnswerRow[] = []
      for (const [itemId, answer] of Object.entries(assignment.answers)) {
        if (busyItems.has(`${id}|${itemId}`)) {
          keptLocal += 1
          continue
        }
        rows.push({
          inspectionId: id,
          itemId,
          grade: answer.grade,
          note: answer.note ?? null,
          documentDate: answer.document_date ?? null,
          validUntil: answer.valid_until ?? null,
          ...(answer.documents ? { documents: answer.documents } : {}),
          serverRevision: answer.revision,
          updatedAt: at,
        })
      }
      await db.answers.bulkPut(rows)
    }
    // The server's list of conflicts now stands for the notes the sync engine left on receipts.
    const notes = await db.meta.where('key').startsWith('conflict:').toArray()
    const noted = notes.filter((n) => listed.has((n.value as { inspectionId?: number } | null)?.inspectionId ?? -1))
    await db.meta.bulkDelete(noted.map((n) => n.key))
    return { assignments: payload.assignments.length, removed, keptLocal }
  })
}

/**
 * Takes the server's answer to a conflict resolution: the conflict leaves the device's list and
 * the item's answer becomes the server's (unless a newer change of it waits to be sent, which then
 * goes on top of the server's new revision).
 */
export async function applyResolution(
  db: DabiaoDatabase,
  inspectionId: number,
  result: ResolveOut,
  now: Date = new Date(),
): Promise<void> {
  await db.transaction('rw', [db.assignments, db.answers, db.outbox, db.meta], async () => {
    const assignment = await db.assignments.get(inspectionId)
    if (assignment) {
      await db.assignments.update(inspectionId, {
        conflicts: (assignment.conflicts ?? []).filter((c) => c.id !== result.id),
      })
    }
    const itemId = result.item_id
    const queued = await db.outbox.where('[inspectionId+itemId]').equals([inspectionId, itemId]).toArray()
    const busy = queued.some((row) => row.kind === 'answer')
    const answer = result.answer
    if (busy) {
      if (answer) await db.answers.update([inspectionId, itemId], { serverRevision: answer.revision })
    } else if (answer) {
      await db.answers.put({
        inspectionId,
        itemId,
        grade: answer.grade,
        note: answer.note ?? null,
        documentDate: answer.document_date ?? null,
        validUntil: answer.valid_until ?? null,
        ...(answer.documents ? { documents: answer.documents } : {}),
        serverRevision: answer.revision,
        updatedAt: now.toISOString(),
      })
    } else {
      await db.answers.delete([inspectionId, itemId])
    }
    const notes = await db.meta.where('key').startsWith('conflict:').toArray()
    const mine = notes.filter((n) => {
      const v = n.value as { inspectionId?: number; itemId?: string } | null
      return v?.inspectionId === inspectionId && v?.itemId === itemId
    })
    await db.meta.bulkDelete(mine.map((n) => n.key))
  })
}

/** The answers of one inspection keyed by item id. */
export async function answersOf(db: DabiaoDatabase, inspectionId: number): Promise<Map<string, AnswerRow>> {
  const rows = await db.answers.where('inspectionId').equals(inspectionId).toArray()
  return new Map(rows.map((r) => [r.itemId, r]))
}

/**
 * Photos per item: those the server held at the last download (from any device) or, when more,
 * those this device uploaded since, plus this device's photos not yet uploaded.
 */
export async function photoCounts(db: DabiaoDatabase, inspectionId: number): Promise<Map<string, number>> {
  const assignment = await db.assignments.get(inspectionId)
  const uploaded = new Map<string, number>()
  const waiting = new Map<string, number>()
  await db.photos
    .where('inspectionId')
    .equals(inspectionId)
    .each((p) => {
      const counts = p.state === 'uploaded' ? uploaded : waiting
      counts.set(p.itemId, (counts.get(p.itemId) ?? 0) + 1)
    })
  const counts = new Map<string, number>()
  const items = new Set([...Object.keys(assignment?.serverPhotos ?? {}), ...uploaded.keys(), ...waiting.keys()])
  for (const item of items) {
    const stored = Math.max(assignment?.serverPhotos[item] ?? 0, uploaded.get(item) ?? 0)
    counts.set(item, stored + (waiting.get(item) ?? 0))
  }
  return counts
}
