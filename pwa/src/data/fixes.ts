// A facility's rectification tasks (整改) on the device: the tasks the server sent, the photos of
// the fixes and the submissions, each written together with its fixOutbox row in one IndexedDB
// transaction, so that closing the app at any moment leaves either both or neither. The sync
// engine sends them (sync/engine.ts); nothing here talks to the server.
import type { RectificationOut } from '../api/types'
import type { DabiaoDatabase, FixPhotoRow, FixRow, FixSubmission } from '../db'
import { newId } from './local'

/** Stores the tasks of a download. A task with something of it still waiting to be sent keeps the
 * device's draft and pending submission; a task no longer listed (withdrawn) is removed once
 * nothing of it waits. */
export async function saveFixes(db: DabiaoDatabase, tasks: readonly RectificationOut[], now: Date = new Date()): Promise<void> {
  const at = now.toISOString()
  await db.transaction('rw', [db.fixes, db.fixPhotos, db.fixOutbox], async () => {
    const busy = new Set((await db.fixOutbox.toArray()).map((r) => r.taskId))
    const listed = new Set(tasks.map((t) => t.id))
    for (const id of await db.fixes.toCollection().primaryKeys()) {
      if (listed.has(id) || busy.has(id)) continue
      await db.fixes.delete(id)
      await db.fixPhotos.where('taskId').equals(id).delete()
    }
    for (const task of tasks) {
      const held = await db.fixes.get(task.id)
      await db.fixes.put({
        id: task.id,
        task,
        draftNote: held?.draftNote ?? null,
        submittedAt: busy.has(task.id) ? (held?.submittedAt ?? null) : null,
        downloadedAt: at,
      })
      if (task.status === 'accepted' && !busy.has(task.id)) {
        // accepted for good: the device's copies of its uploaded photos are no longer needed offline
        await db.fixPhotos.where('taskId').equals(task.id).filter((p) => p.state === 'uploaded').delete()
      }
    }
  })
}

/** Keeps what the facility is writing about its fix (nothing is sent until it submits). */
export async function saveDraftNote(db: DabiaoDatabase, taskId: number, note: string): Promise<void> {
  await db.fixes.update(taskId, { draftNote: note })
}

/** Keeps a new photo of a fix and queues its upload, atomically. */
export async function addFixPhoto(db: DabiaoDatabase, photo: FixPhotoRow): Promise<void> {
  await db.transaction('rw', db.fixPhotos, db.fixOutbox, async () => {
    await db.fixPhotos.add(photo)
    await db.fixOutbox.add({
      changeId: photo.uploadId,
      createdAt: photo.createdAt,
      kind: 'fix_photo',
      taskId: photo.taskId,
      state: 'pending',
      attempts: 0,
      error: null,
      payload: null,
    })
  })
}

/** Removes a photo of a fix that is in no submission and has not reached the server. */
export async function removeFixPhoto(db: DabiaoDatabase, uploadId: string): Promise<boolean> {
  return db.transaction('rw', db.fixPhotos, db.fixOutbox, async () => {
    const photo = await db.fixPhotos.get(uploadId)
    if (!photo || photo.state === 'uploaded') return false
    const submissions = await db.fixOutbox.where('taskId').equals(photo.taskId).toArray()
    if (submissions.some((r) => r.kind === 'fix_submit' && r.payload?.photos.includes(uploadId))) return false
    await db.fixPhotos.delete(uploadId)
    await db.fixOutbox.where('changeId').equals(uploadId).delete()
    return true
  })
}

/** The facility says the item is fixed: its note and the photos taken for it since the last
 * submission, queued as one submission (sent after its photos). */
export async function submitFix(db: DabiaoDatabase, taskId: number, note: string, now: Date = new Date()): Promise<FixSubmission> {
  return db.transaction('rw', [db.fixes, db.fixPhotos, db.fixOutbox], async () => {
    const queued = await db.fixOutbox.where('taskId').equals(taskId).toArray()
    const sentBefore = new Set(queued.flatMap((r) => (r.kind === 'fix_submit' ? (r.payload?.photos ?? []) : [])))
    const fix = await db.fixes.get(taskId)
    const onServer = new Set((fix?.task.photos ?? []).map((p) => p.upload_id))
    const photos = (await db.fixPhotos.where('taskId').equals(taskId).sortBy('createdAt'))
      .filter((p) => p.state !== 'failed' && !sentBefore.has(p.uploadId) && !onServer.has(p.uploadId))
      .map((p) => p.uploadId)
    const submission: FixSubmission = { note: note.trim(), photos }
    const at = now.toISOString()
    await db.fixOutbox.add({
      changeId: newId(),
      createdAt: at,
      kind: 'fix_submit',
      taskId,
      state: 'pending',
      attempts: 0,
      error: null,
      payload: submission,
    })
    await db.fixes.update(taskId, { submittedAt: at, draftNote: submission.note })
    return submission
  })
}

/** Takes the server's answer to a submission: the task as it now is. */
export async function applyFixResult(db: DabiaoDatabase, task: RectificationOut, seq: number): Promise<void> {
  await db.transaction('rw', db.fixes, db.fixOutbox, async () => {
    await db.fixOutbox.delete(seq)
    const waiting = await db.fixOutbox.where('taskId').equals(task.id).filter((r) => r.kind === 'fix_submit').count()
    const held = await db.fixes.get(task.id)
    await db.fixes.put({
      id: task.id,
      task,
      draftNote: held?.draftNote ?? null,
      submittedAt: waiting > 0 ? (held?.submittedAt ?? null) : null,
      downloadedAt: held?.downloadedAt ?? new Date().toISOString(),
    })
  })
}

/** Drops a refused submission (after the facility read why), so the task can be sent again. */
export async function discardFixChange(db: DabiaoDatabase, seq: number): Promise<void> {
  await db.transaction('rw', [db.fixes, db.fixOutbox, db.fixPhotos], async () => {
    const row = await db.fixOutbox.get(seq)
    if (!row) return
    await db.fixOutbox.delete(seq)
    if (row.kind === 'fix_photo') await db.fixPhotos.delete(row.changeId)
    else await db.fixes.update(row.taskId, { submittedAt: null })
  })
}

/** What the facility sees of one task on its phone: the server's task with the device's changes. */
export interface FixView extends FixRow {
  photos: FixPhotoRow[]
  /** Changes of this task waiting to be sent (photos, a submission). */
  waiting: number
  /** A change the server refused, with its reason. */
  refused: { seq: number; kind: 'fix_photo' | 'fix_submit'; message: string } | null
}

export async function fixView(db: DabiaoDatabase, taskId: number): Promise<FixView | null> {
  const fix = await db.fixes.get(taskId)
  if (!fix) return null
  const photos = await db.fixPhotos.where('taskId').equals(taskId).sortBy('createdAt')
  const queued = await db.fixOutbox.where('taskId').equals(taskId).toArray()
  const failed = queued.find((r) => r.state === 'failed')
  return {
    ...fix,
    photos,
    waiting: queued.length,
    refused: failed ? { seq: failed.seq, kind: failed.kind, message: failed.error?.message ?? '服务器拒绝了此修改' } : null,
  }
}
